"""FastText and Doc2Vec trained by TrainingSession on gensim's Lee corpus: loss, probes, resume and plain gensim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gensim.models import Doc2Vec, FastText, Word2Vec
from gensim_tui.callbacks import TrainingConfig, TrainingSession
from gensim_tui.callbacks.corpus import MAX_SENTENCE_LENGTH
from gensim_tui.callbacks.events import (
    CheckpointSaved,
    EpochEnded,
    Event,
    ProbeNeighbours,
    RunFailed,
    RunFinished,
    RunResumed,
    RunStarted,
)
from gensim_tui.callbacks.rundir import EVENTS, FINAL_MODEL_NAMES, RunDirectory
from gensim_tui.callbacks.runlog import RunLogWriter, read_run_log
from modeltypes_helpers import (
    LEE,
    excerpt_of,
    gzipped_halves,
    lee_lines,
    lee_word_count,
    repeated_lee,
    train_further_in_fresh_python,
    type_config,
)
from support import EventRecorder, SessionThread, pause_mid_epoch

pytestmark = pytest.mark.timeout(300)

VARIANTS: dict[str, dict[str, Any]] = {
    "fasttext": {"model_type": "fasttext"},
    "doc2vec-dm": {"model_type": "doc2vec", "dm": 1},
    "doc2vec-dbow": {"model_type": "doc2vec", "dm": 0, "dbow_words": 0},
}

TOPN = 5


@pytest.fixture(scope="module")
def lee_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Lee corpus as a folder of two gzipped files of 150 lines, read in name order as one corpus."""
    return gzipped_halves(tmp_path_factory.mktemp("halves") / "lee")


def corpus_path(kind: str, lee_folder: Path) -> str:
    """Return the Lee corpus as one plain file ("file") or as the folder of gzipped halves ("folder")."""
    return str(lee_folder) if kind == "folder" else LEE


class CheckpointLoader:
    """A sink that loads each checkpoint with plain gensim the moment it is saved.

    The run folder keeps only the latest checkpoint, so each one is read while
    the training thread, which calls this sink, waits.
    """

    def __init__(self, model_class: type[Word2Vec]) -> None:
        self.model_class = model_class
        self.models: dict[int, Any] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, CheckpointSaved) and event.words_into_epoch == 0:
            self.models[event.epochs_completed] = self.model_class.load(event.path)


def train(
    config: TrainingConfig, *sinks: Any, run_dir: RunDirectory | None = None
) -> tuple[RunFinished, EventRecorder]:
    """Run a session to its end and return its RunFinished event and everything it sent."""
    recorder = EventRecorder()
    result = TrainingSession(config, [recorder, *sinks], run_dir=run_dir).run()
    assert isinstance(result, RunFinished), result
    return result, recorder


def document_tag(probe: ProbeNeighbours | str) -> int:
    """Return the line number in a document's name, "doc N"."""
    name = probe.probe if isinstance(probe, ProbeNeighbours) else probe
    prefix, _, number = name.partition(" ")
    assert prefix == "doc", f"document name {name!r} does not start with 'doc '"
    return int(number)


@pytest.mark.parametrize("corpus_kind", ["file", "folder"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_run_finishes_without_loss(tmp_path: Path, lee_folder: Path, variant: str, corpus_kind: str) -> None:
    config = type_config(corpus_path(corpus_kind, lee_folder), tmp_path / "model", **VARIANTS[variant])

    result, recorder = train(config)

    words = lee_word_count()
    assert recorder.of_type(RunFailed) == []
    assert recorder.of_type(RunStarted)[0].model_type == config.model_type
    assert result.epochs_completed == 3
    assert not result.stopped_early
    assert result.output == config.output
    assert result.words_trained == 3 * words
    assert Path(config.output).is_file()
    epochs = recorder.of_type(EpochEnded)
    assert [epoch.epoch for epoch in epochs] == [1, 2, 3]
    for epoch in epochs:
        # gensim computes no loss for these models: "not measured", never a 0 that looks measured.
        assert epoch.loss is None, f"epoch {epoch.epoch}"
        assert epoch.loss_delta is None, f"epoch {epoch.epoch}"
        assert epoch.loss_delta_percent is None, f"epoch {epoch.epoch}"
        assert epoch.words == words, f"epoch {epoch.epoch}"


def test_fasttext_neighbours_follow_epoch_weights(tmp_path: Path) -> None:
    config = type_config(LEE, tmp_path / "run" / "fasttext.model", "fasttext")
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    checkpoints = CheckpointLoader(FastText)

    _result, recorder = train(config, checkpoints, run_dir=run_dir)

    epochs = recorder.of_type(EpochEnded)
    assert sorted(checkpoints.models) == [1, 2, 3]
    for epoch in epochs:
        reported = [probe for probe in epoch.probes if probe.in_vocabulary]
        assert reported, f"epoch {epoch.epoch} has no probe in the vocabulary"
        saved = checkpoints.models[epoch.epoch]
        # Rebuild the word vectors from the saved word and n-gram weights, as
        # gensim does when training ends, and ask gensim for the neighbours.
        saved.wv.adjust_vectors()
        for probe in reported:
            expected = saved.wv.most_similar(probe.probe, topn=TOPN)
            assert [n.word for n in probe.neighbours] == [word for word, _ in expected], (epoch.epoch, probe.probe)
            for neighbour, (_word, similarity) in zip(probe.neighbours, expected, strict=True):
                assert neighbour.similarity == pytest.approx(similarity, abs=1e-6), (epoch.epoch, probe.probe)
    first, second = epochs[0].probes, epochs[1].probes
    assert [p.probe for p in first] == [p.probe for p in second]
    changed = [
        a.probe
        for a, b in zip(first, second, strict=True)
        if [(n.word, n.similarity) for n in a.neighbours] != [(n.word, n.similarity) for n in b.neighbours]
    ]
    assert changed, "the probe neighbours of epochs 1 and 2 are identical, as if read from stale word vectors"


def check_document_probes(probes: tuple[ProbeNeighbours, ...], lines: list[str], epoch: int) -> list[int]:
    """Check that each document probe and neighbour names a line of *lines* and quotes its start; return the tags."""
    documents = [probe for probe in probes if probe.kind == "document"]
    assert documents, f"epoch {epoch} has no document probes"
    tags = [document_tag(probe) for probe in documents]
    assert len(set(tags)) == len(tags), f"epoch {epoch}: repeated probe documents {tags}"
    for probe, tag in zip(documents, tags, strict=True):
        assert 0 <= tag < len(lines), f"epoch {epoch}: {probe.probe} is not a line number"
        assert probe.in_vocabulary, f"epoch {epoch}: {probe.probe}"
        assert probe.excerpt == excerpt_of(lines[tag]), f"epoch {epoch}: {probe.probe}"
        assert probe.count == len(lines[tag].split()), f"epoch {epoch}: {probe.probe}"
        assert len(probe.neighbours) == TOPN, f"epoch {epoch}: {probe.probe}"
        similarities = [neighbour.similarity for neighbour in probe.neighbours]
        assert similarities == sorted(similarities, reverse=True), f"epoch {epoch}: {probe.probe}"
        for neighbour in probe.neighbours:
            other = document_tag(neighbour.word)
            assert other != tag, f"epoch {epoch}: {probe.probe} is its own neighbour"
            assert 0 <= other < len(lines), f"epoch {epoch}: neighbour {neighbour.word} is not a line number"
            assert neighbour.excerpt == excerpt_of(lines[other]), f"epoch {epoch}: neighbour {neighbour.word}"
            assert -1.0 <= neighbour.similarity <= 1.0, f"epoch {epoch}: neighbour {neighbour.word}"
    return tags


@pytest.mark.parametrize("corpus_kind", ["file", "folder"])
@pytest.mark.parametrize("dm", [1, 0], ids=["dm", "dbow"])
def test_document_probes_quote_lines(tmp_path: Path, lee_folder: Path, dm: int, corpus_kind: str) -> None:
    config = type_config(corpus_path(corpus_kind, lee_folder), tmp_path / "run" / "doc2vec.model", "doc2vec", dm=dm)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    checkpoints = CheckpointLoader(Doc2Vec)

    _result, recorder = train(config, checkpoints, run_dir=run_dir)

    lines = lee_lines()
    epochs = recorder.of_type(EpochEnded)
    assert len(epochs) == 3
    for epoch in epochs:
        tags = check_document_probes(epoch.probes, lines, epoch.epoch)
        # Line 200 lies in the second gzipped half, so the folder's line numbers must run across both files.
        assert tags == [0, 100, 200]
        saved = checkpoints.models[epoch.epoch]
        for probe in (p for p in epoch.probes if p.kind == "document"):
            expected = saved.dv.most_similar(document_tag(probe), topn=TOPN)
            assert [document_tag(n.word) for n in probe.neighbours] == [int(tag) for tag, _ in expected]
            for neighbour, (_tag, similarity) in zip(probe.neighbours, expected, strict=True):
                assert neighbour.similarity == pytest.approx(similarity, abs=1e-6), (epoch.epoch, probe.probe)


@pytest.mark.parametrize(
    ("dm", "dbow_words", "word_probes_shown"),
    [(0, 0, False), (0, 1, True), (1, 0, True)],
    ids=["dbow", "dbow-words", "dm"],
)
def test_word_probes_need_trained_words(tmp_path: Path, dm: int, dbow_words: int, word_probes_shown: bool) -> None:
    config = type_config(LEE, tmp_path / "doc2vec.model", "doc2vec", dm=dm, dbow_words=dbow_words)

    _result, recorder = train(config)

    for epoch in recorder.of_type(EpochEnded):
        kinds = [probe.kind for probe in epoch.probes]
        assert kinds.count("document") == 3, f"epoch {epoch.epoch}: {kinds}"
        # PV-DBOW without dbow_words leaves the word vectors at their random start.
        assert ("word" in kinds) is word_probes_shown, f"epoch {epoch.epoch}: {kinds}"


def test_document_tags_count_blank_lines(tmp_path: Path) -> None:
    lee = lee_lines()
    long_line = " ".join(lee[:60])
    assert len(long_line.split()) > MAX_SENTENCE_LENGTH
    # Line 0 and line 101 are blank and line 102 is longer than gensim's
    # sentence limit. Probes are spread over the non-blank documents, so the
    # second probe is the long line.
    lines = ["", *lee[:100], "", long_line, *lee[100:]]
    corpus = tmp_path / "gaps.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = type_config(corpus, tmp_path / "doc2vec.model", "doc2vec", epochs=2)
    recorder = EventRecorder()
    session = TrainingSession(config, [recorder])

    result = session.run()

    assert isinstance(result, RunFinished), result
    words = sum(len(line.split()) for line in lines)
    for epoch in recorder.of_type(EpochEnded):
        assert epoch.words == words, f"epoch {epoch.epoch}"
        tags = check_document_probes(epoch.probes, lines, epoch.epoch)
        assert tags == [1, 102, 202], f"epoch {epoch.epoch}"
    model = session.model
    assert isinstance(model, Doc2Vec)
    # One vector per line number, the blank lines' included, and the long line's pieces share one.
    assert len(model.dv) == len(lines)
    assert model.corpus_count == len(lines) - 2 + 1


@pytest.mark.parametrize("model_type", ["fasttext", "doc2vec"])
def test_resume_mid_epoch_finishes_plan(tmp_path: Path, model_type: str) -> None:
    # Four copies of Lee make an epoch long enough to pause in its middle.
    corpus = repeated_lee(tmp_path, 4)
    config = type_config(corpus, tmp_path / "run" / FINAL_MODEL_NAMES[model_type], model_type)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    first = TrainingSession(config, [EventRecorder()], run_dir=run_dir)
    thread = SessionThread(first)
    try:
        words_paused = pause_mid_epoch(first)
        assert first.stop("the test stops mid-epoch")
    finally:
        # Wakes the paused workers if the test failed before its own stop.
        first.stop("the test ended")
        stopped = thread.finish()

    assert isinstance(stopped, RunFinished), stopped
    assert stopped.stopped_early
    assert stopped.epochs_completed < config.epochs
    checkpoint = run_dir.latest_checkpoint()
    assert checkpoint is not None
    assert checkpoint.epochs_completed == stopped.epochs_completed
    assert checkpoint.words_into_epoch == words_paused

    recorder = EventRecorder()
    resumed = TrainingSession(config, [recorder], run_dir=RunDirectory.open(str(tmp_path / "run")), resume=checkpoint)
    result = resumed.run()

    assert isinstance(result, RunFinished), result
    assert not result.stopped_early
    assert result.epochs_completed == config.epochs
    [started] = recorder.of_type(RunResumed)
    assert started.epochs_completed == checkpoint.epochs_completed
    assert started.words_into_epoch == words_paused
    epochs = recorder.of_type(EpochEnded)
    assert [epoch.epoch for epoch in epochs] == list(range(checkpoint.epochs_completed + 1, config.epochs + 1))
    total = len(corpus.read_text(encoding="utf-8").split())
    for epoch in epochs:
        # The cut-short epoch counts the words trained before the stop too.
        assert epoch.words == total, f"epoch {epoch.epoch}"
        assert epoch.loss is None, f"epoch {epoch.epoch}"
    if model_type == "doc2vec":
        lines = corpus.read_text(encoding="utf-8").splitlines()
        for epoch in epochs:
            check_document_probes(epoch.probes, lines, epoch.epoch)

    report = train_further_in_fresh_python(model_type, Path(config.output), corpus)

    assert report["gensim_tui_modules"] == []
    assert report["class"] == {"fasttext": "FastText", "doc2vec": "Doc2Vec"}[model_type]
    assert report["epochs"] == config.epochs
    assert report["vector_size"] == config.vector_size
    assert report["trainings_added"] == 1
    assert report["weights_changed"]
    if model_type == "fasttext":
        assert report["raw_words_trained"] == total
    else:
        assert report["documents"] == len(corpus.read_text(encoding="utf-8").splitlines())


def test_doc2vec_run_log_round_trip(tmp_path: Path) -> None:
    config = type_config(LEE, tmp_path / "run" / "doc2vec.model", "doc2vec")
    run_dir = RunDirectory.create(str(tmp_path / "run"), config)
    writer = RunLogWriter(run_dir.file(EVENTS))
    try:
        _result, recorder = train(config, writer, run_dir=run_dir)
    finally:
        writer.close()

    replayed = list(read_run_log(run_dir.file(EVENTS)))

    assert replayed == recorder.events
    sent = recorder.of_type(EpochEnded)
    read = [event for event in replayed if isinstance(event, EpochEnded)]
    assert len(read) == 3
    for original, copy in zip(sent, read, strict=True):
        documents = [probe for probe in copy.probes if probe.kind == "document"]
        assert len(documents) == 3, f"epoch {copy.epoch}: {[probe.kind for probe in copy.probes]}"
        assert all(probe.excerpt for probe in documents), f"epoch {copy.epoch}"
        assert copy == original, f"epoch {copy.epoch}"
