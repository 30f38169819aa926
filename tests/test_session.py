"""TrainingSession end to end: real training in a thread, events, pause, stop and errors."""

from __future__ import annotations

import csv
import logging
import random
import re
import subprocess
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from gensim.models import Word2Vec
from gensim_tui.callbacks import TrainingSession
from gensim_tui.callbacks.csvlog import CSV_HEADER, CsvEpochWriter
from gensim_tui.callbacks.events import (
    EpochEnded,
    EpochProgressed,
    EpochStarted,
    LogRecorded,
    ModelSaved,
    Paused,
    Resumed,
    RunFailed,
    RunFinished,
    RunStarted,
    StopRequested,
    VocabularyBuilt,
    VocabularyProgressed,
)
from gensim_tui.callbacks.logs import EventLogHandler, captured_logs
from support import WAIT_SECONDS, ConfigFactory, EventRecorder, SessionThread, pause_mid_epoch, wait_until

KOREAN_SENTENCES = [
    "나는 학교에서 한국어를 공부합니다",
    "우리는 도서관에서 책을 읽습니다",
    "친구들과 함께 점심을 먹었습니다",
    "선생님이 학교에서 수업을 시작했습니다",
]
CHINESE_SENTENCES = [
    "我们 在 图书馆 看书",
    "学生们 每天 学习 中文",
    "老师 喜欢 在 北京 喝茶",
    "我们 在 大学 学习 中文",
]

LOADS_IN_PLAIN_GENSIM = """
import sys
from gensim.models import Word2Vec

model = Word2Vec.load(sys.argv[1])
assert model.wv.vector_size == int(sys.argv[2]), model.wv.vector_size
assert "_do_train_job" not in model.__dict__
sentences = [model.wv.index_to_key[:30]] * 20
model.train(sentences, total_examples=len(sentences), epochs=1)
leaked = sorted(name for name in sys.modules if name.startswith("gensim_tui"))
assert not leaked, leaked
print("trained", len(model.wv))
"""


def write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def event_names(recorder: EventRecorder) -> list[str]:
    """Return the names of the recorded events, without progress samples and log records.

    Consecutive VocabularyProgressed events are reported once.
    """
    names: list[str] = []
    for event in recorder.events:
        if isinstance(event, (EpochProgressed, LogRecorded)):
            continue
        name = type(event).__name__
        if name == "VocabularyProgressed" and names and names[-1] == name:
            continue
        names.append(name)
    return names


def test_events_arrive_in_order(lee_path: str, make_config: ConfigFactory) -> None:
    config = make_config(lee_path, epochs=3)
    recorder = EventRecorder()

    result = TrainingSession(config, [recorder]).run()

    assert event_names(recorder) == [
        "RunStarted",
        "VocabularyProgressed",
        "VocabularyBuilt",
        # The probes' neighbour stability is measured after every epoch.
        *["EpochStarted", "EpochEnded", "EpochEvaluated"] * 3,
        "ModelSaved",
        "RunFinished",
    ]
    assert recorder.events[-1] == result
    assert isinstance(result, RunFinished)
    assert result.epochs_completed == 3
    assert not result.stopped_early
    assert result.output == config.output

    with open(lee_path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    counts = Counter(word for line in lines for word in line.split())
    corpus_words = sum(counts.values())
    assert result.words_trained == 3 * corpus_words

    started = recorder.of_type(RunStarted)[0]
    assert started.parameters["vector_size"] == config.vector_size
    assert started.epochs == 3

    scanned = recorder.of_type(VocabularyProgressed)[-1]
    assert scanned.bytes_read == scanned.bytes_total == Path(lee_path).stat().st_size
    assert scanned.words == corpus_words

    built = recorder.of_type(VocabularyBuilt)[0]
    assert built.corpus_words == corpus_words
    assert built.sentences == len(lines)
    assert built.distinct_words == len(counts)
    assert built.vocabulary_size == sum(1 for count in counts.values() if count >= config.min_count)
    assert len(built.probes) == 4
    assert built.probe_counts == tuple(counts[probe] for probe in built.probes)

    assert [e.epoch for e in recorder.of_type(EpochStarted)] == [1, 2, 3]
    ended = recorder.of_type(EpochEnded)
    assert [e.epoch for e in ended] == [1, 2, 3]
    assert all(e.words == corpus_words for e in ended)
    assert ended[0].loss_delta is None
    assert ended[0].loss is not None
    assert ended[1].loss is not None
    assert ended[1].loss_delta == pytest.approx(ended[1].loss - ended[0].loss)
    assert [len(e.probes) for e in ended] == [4, 4, 4]

    saved = recorder.of_type(ModelSaved)[0]
    assert saved.path == config.output
    assert saved.epochs_trained == 3
    assert Path(config.output).is_file()


def test_progress_events_inside_their_epoch(lee_path: str, make_config: ConfigFactory) -> None:
    recorder = EventRecorder()

    TrainingSession(make_config(lee_path, epochs=3), [recorder]).run()

    current = 0
    for event in recorder.events:
        if isinstance(event, EpochStarted):
            current = event.epoch
        elif isinstance(event, EpochEnded):
            current = 0
        elif isinstance(event, EpochProgressed):
            assert event.epoch == current
            assert 0 < event.words_done <= event.words_total
    assert recorder.of_type(EpochProgressed), "the first batch always sends one"


def test_pause_freezes_word_count(head500_path: str, make_config: ConfigFactory) -> None:
    recorder = EventRecorder()
    session = TrainingSession(make_config(head500_path, epochs=30, vector_size=50), [recorder])
    assert not session.pause(), "nothing to pause before training"
    running = SessionThread(session)

    frozen = pause_mid_epoch(session)
    assert not session.pause(), "already paused"
    paused = recorder.of_type(Paused)[-1]
    clock = session.control.elapsed()
    time.sleep(1.0)

    assert session.ledger.raw_words == frozen
    assert session.control.elapsed() == pytest.approx(clock, abs=1e-3)
    assert paused.epoch >= 1

    epochs_ended = len(recorder.of_type(EpochEnded))
    assert session.resume()
    assert not session.resume(), "no longer paused"
    resumed = recorder.of_type(Resumed)[-1]
    assert resumed.paused_seconds >= 1.0
    wait_until(
        lambda: session.ledger.raw_words > frozen or len(recorder.of_type(EpochEnded)) > epochs_ended,
        "training goes on after resume()",
    )

    # A stop must wake paused workers, or run() would never return.
    pause_mid_epoch(session)
    assert session.stop()
    result = running.finish()

    assert isinstance(result, RunFinished)
    assert result.stopped_early
    assert result.epochs_completed < 30


def test_stop_mid_epoch_saves_loadable_model(head500_path: str, make_config: ConfigFactory, tmp_path: Path) -> None:
    config = make_config(head500_path, epochs=10, vector_size=40)
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder])
    running = SessionThread(session)
    recorder.wait_for(EpochStarted, lambda event: event.epoch == 2)

    pause_mid_epoch(session)
    assert session.monitor is not None
    cut_epoch = session.monitor.epoch
    assert session.stop()
    assert not session.stop(), "already stopping"
    result = running.finish()

    assert isinstance(result, RunFinished)
    assert result.stopped_early
    assert result.epochs_completed == cut_epoch - 1
    assert result.epochs_completed < config.epochs
    assert result.output == config.output
    assert recorder.of_type(StopRequested)[0].epoch == cut_epoch
    assert [e.epoch for e in recorder.of_type(EpochEnded)] == list(range(1, cut_epoch))
    assert [e.epoch for e in recorder.of_type(EpochStarted)] == list(range(1, cut_epoch + 1))
    assert recorder.of_type(ModelSaved)[0].epochs_trained == result.epochs_completed
    assert session.model is not None
    assert result.words_trained < config.epochs * session.model.corpus_total_words
    assert not session.stop(), "the run is over"

    checked = subprocess.run(
        [sys.executable, "-c", LOADS_IN_PLAIN_GENSIM, config.output, str(config.vector_size)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert checked.stdout.startswith("trained")


@pytest.mark.parametrize("stop_on", [RunStarted, VocabularyProgressed], ids=["before-scan", "during-scan"])
def test_stop_during_vocabulary_scan(
    lee_path: str, make_config: ConfigFactory, stop_on: type[RunStarted | VocabularyProgressed]
) -> None:
    config = make_config(lee_path)
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder])

    def stop_at(event: object) -> None:
        if isinstance(event, stop_on):
            session.stop("test")

    session.sinks.append(stop_at)
    result = session.run()

    assert isinstance(result, RunFinished)
    assert result.stopped_early
    assert result.epochs_completed == 0
    assert result.output is None
    assert result.words_trained == 0
    assert session.model is None
    assert not Path(config.output).exists()
    assert recorder.of_type(StopRequested)[0].epoch == 0
    assert not recorder.of_type(VocabularyBuilt)
    assert not recorder.of_type(EpochStarted)
    assert not recorder.of_type(ModelSaved)


def test_probe_outside_vocabulary(lee_path: str, make_config: ConfigFactory) -> None:
    with open(lee_path, encoding="utf-8") as handle:
        counts = Counter(handle.read().split())
    rare = next(word for word, count in counts.items() if count == 3 and word.isalpha())
    probes = ("government", rare, "zzqxnotaword")
    recorder = EventRecorder()

    result = TrainingSession(make_config(lee_path, probes=probes, topn=4), [recorder]).run()

    assert isinstance(result, RunFinished)
    assert result.epochs_completed == 3
    assert recorder.of_type(VocabularyBuilt)[0].probe_counts == (counts["government"], 3, 0)
    for ended in recorder.of_type(EpochEnded):
        known, below_min_count, unknown = ended.probes
        assert known.in_vocabulary
        assert len(known.neighbours) == 4
        assert known.count == counts["government"]
        assert not below_min_count.in_vocabulary
        assert below_min_count.probe == rare
        assert below_min_count.count == 3
        assert below_min_count.neighbours == ()
        assert not unknown.in_vocabulary
        assert unknown.count == 0


def test_empty_corpus_fails(tmp_path: Path, make_config: ConfigFactory) -> None:
    corpus = write_lines(tmp_path / "blank.txt", ["", "   ", "\t", ""])

    result = TrainingSession(make_config(corpus)).run()

    assert isinstance(result, RunFailed)
    assert "corpus is empty" in result.message
    assert corpus in result.message
    assert "\n" not in result.message
    assert result.saved_output is None


def test_min_count_failure_suggests_value(tmp_path: Path, make_config: ConfigFactory) -> None:
    words = [f"word{i}" for i in range(60)]
    lines = [" ".join(words[i : i + 6]) for i in range(0, 60, 6)] + ["common common common"]
    corpus = write_lines(tmp_path / "rare.txt", lines)
    recorder = EventRecorder()

    result = TrainingSession(make_config(corpus, min_count=5), [recorder]).run()

    assert isinstance(result, RunFailed)
    assert "\n" not in result.message
    assert "61 distinct words" in result.message
    assert "occurs 3 times" in result.message
    suggestion = re.search(r"--min-count (\d+)", result.message)
    assert suggestion is not None, result.message
    assert not recorder.of_type(EpochStarted)

    retried = TrainingSession(make_config(corpus, min_count=int(suggestion.group(1)), epochs=1)).run()

    assert isinstance(retried, RunFinished), "the suggested --min-count must make training possible"


def test_invalid_utf8_fails_with_line(tmp_path: Path, make_config: ConfigFactory) -> None:
    corpus = tmp_path / "latin1.txt"
    corpus.write_bytes(b"first line\nsecond line\ncaf\xe9 au lait\n")
    recorder = EventRecorder()

    result = TrainingSession(make_config(str(corpus)), [recorder]).run()

    assert isinstance(result, RunFailed)
    assert str(corpus) in result.message
    assert "line 3" in result.message
    assert "\n" not in result.message
    assert not recorder.of_type(ModelSaved)


def test_missing_corpus_fails(tmp_path: Path, make_config: ConfigFactory) -> None:
    corpus = str(tmp_path / "missing.txt")

    result = TrainingSession(make_config(corpus)).run()

    assert isinstance(result, RunFailed)
    assert corpus in result.message
    assert "\n" not in result.message


def test_new_neighbours_flagged(lee_path: str, make_config: ConfigFactory) -> None:
    recorder = EventRecorder()

    TrainingSession(make_config(lee_path, epochs=4, topn=8), [recorder]).run()

    ended = recorder.of_type(EpochEnded)
    assert len(ended) == 4
    assert all(not n.is_new for p in ended[0].probes for n in p.neighbours)
    checked = 0
    for before, after in pairwise(ended):
        previous = {p.probe: {n.word for n in p.neighbours} for p in before.probes}
        for probe in after.probes:
            for neighbour in probe.neighbours:
                assert neighbour.is_new == (neighbour.word not in previous[probe.probe]), (
                    f"epoch {after.epoch}, probe {probe.probe}, neighbour {neighbour.word}"
                )
                checked += 1
    assert checked == 3 * 4 * 8


def test_csv_rows_match_epochs(lee_path: str, make_config: ConfigFactory, tmp_path: Path) -> None:
    csv_path = tmp_path / "epochs.csv"
    writer = CsvEpochWriter(str(csv_path))
    recorder = EventRecorder()
    try:
        TrainingSession(make_config(lee_path, epochs=3), [recorder, writer]).run()
    finally:
        writer.close()

    with open(csv_path, newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    ended = recorder.of_type(EpochEnded)

    assert ",".join(header) == "epoch,loss,loss_delta,words_per_sec,epoch_seconds,elapsed_seconds,alpha"
    assert tuple(header) == CSV_HEADER
    assert len(rows) == len(ended) == 3
    for row, event in zip(rows, ended, strict=True):
        assert int(row[0]) == event.epoch
        assert float(row[1]) == event.loss
        if event.loss_delta is None:
            assert row[2] == ""
        else:
            assert float(row[2]) == event.loss_delta
        assert float(row[3]) == pytest.approx(event.words_per_sec, abs=0.051)
        assert float(row[4]) == pytest.approx(event.epoch_seconds, abs=0.00051)
        assert float(row[5]) == pytest.approx(event.elapsed_seconds, abs=0.00051)
        assert float(row[6]) == pytest.approx(event.alpha, rel=1e-5)
    assert rows[0][2] == ""


def test_csv_unmeasured_loss_is_empty(tmp_path: Path) -> None:
    csv_path = tmp_path / "epochs.csv"
    writer = CsvEpochWriter(str(csv_path))
    unmeasured = EpochEnded(
        epoch=1,
        epochs=2,
        loss=None,
        loss_delta=None,
        loss_delta_percent=None,
        words=100,
        words_per_sec=50.0,
        epoch_seconds=2.0,
        elapsed_seconds=2.0,
        alpha=0.0125,
        probes=(),
    )

    writer(unmeasured)
    writer(Paused(1, 2.0))
    writer.close()

    assert csv_path.read_text(encoding="utf-8").splitlines() == [",".join(CSV_HEADER), "1,,,50.0,2.000,2.000,0.0125"]


def test_korean_chinese_corpus_trains(tmp_path: Path, make_config: ConfigFactory) -> None:
    generator = random.Random(7)
    sentences = KOREAN_SENTENCES + CHINESE_SENTENCES
    corpus = write_lines(tmp_path / "ko-zh.txt", [generator.choice(sentences) for _ in range(400)])
    written = {word for sentence in sentences for word in sentence.split()}
    recorder = EventRecorder()

    result = TrainingSession(make_config(corpus, vector_size=20, topn=3), [recorder]).run()

    assert isinstance(result, RunFinished), result
    built = recorder.of_type(VocabularyBuilt)[0]
    assert built.vocabulary_size == len(written)
    assert len(built.probes) == 4
    assert set(built.probes) <= written
    for ended in recorder.of_type(EpochEnded):
        for probe in ended.probes:
            assert probe.in_vocabulary
            assert len(probe.neighbours) == 3
            assert {n.word for n in probe.neighbours} <= written
    assert result.output is not None
    loaded = Word2Vec.load(result.output)
    assert "학교에서" in loaded.wv.key_to_index
    assert "图书馆" in loaded.wv.key_to_index


def test_gensim_logs_become_events(lee_path: str, make_config: ConfigFactory) -> None:
    recorder = EventRecorder()
    session = TrainingSession(make_config(lee_path, epochs=1), [recorder])
    gensim_logger = logging.getLogger("gensim")
    level, propagate = gensim_logger.level, gensim_logger.propagate

    with captured_logs(session.emit):
        session.run()

    records = recorder.of_type(LogRecorded)
    assert any(record.name.startswith("gensim.") and record.level == "INFO" for record in records)
    assert (gensim_logger.level, gensim_logger.propagate) == (level, propagate)
    assert not any(isinstance(handler, EventLogHandler) for handler in gensim_logger.handlers)
