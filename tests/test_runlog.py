"""The run log format (events.jsonl) and the plain console lines of headless runs."""

from __future__ import annotations

import errno
import io
import json
import time
import typing
from pathlib import Path

import pytest
from gensim_tui.callbacks import runlog
from gensim_tui.callbacks.events import (
    CheckpointSaved,
    EarlyStopChecked,
    EpochEnded,
    EpochEvaluated,
    EpochProgressed,
    EpochStarted,
    Event,
    LogRecorded,
    ModelSaved,
    Neighbour,
    Paused,
    ProbeNeighbours,
    Resumed,
    RunFailed,
    RunFinished,
    RunResumed,
    RunStarted,
    StopRequested,
    VocabularyBuilt,
    VocabularyProgressed,
)
from gensim_tui.callbacks.runlog import RunLogError, RunLogWriter, event_from_json, event_to_json, read_run_log
from gensim_tui.tui.console import ConsoleReporter
from rich.console import Console

PROBES = (
    ProbeNeighbours(
        "police",
        (Neighbour("officers", 0.91, True), Neighbour("army", 0.5, False)),
        240,
        True,
    ),
    ProbeNeighbours("zeppelin", (), 0, False),
)


def epoch_ended(epoch: int = 3, loss: float | None = 1234567.25) -> EpochEnded:
    return EpochEnded(
        epoch=epoch,
        epochs=5,
        loss=loss,
        loss_delta=-100250.5 if loss is not None else None,
        loss_delta_percent=-7.5 if loss is not None else None,
        words=598891,
        words_per_sec=301234.5,
        epoch_seconds=1.98,
        elapsed_seconds=6.5,
        alpha=0.0101,
        probes=PROBES,
    )


def progress(epoch: int = 2) -> EpochProgressed:
    return EpochProgressed(epoch, 5, 300000, 598891, 250000.0, 4.2)


ONE_OF_EACH: list[Event] = [
    RunStarted(
        corpus="/data/news.txt",
        model_type="word2vec",
        parameters={"vector_size": 20, "window": 5, "sample": 0.001, "max_vocab_size": None},
        epochs=5,
        output="/runs/a/word2vec.model",
        started_at=1700000000.25,
    ),
    VocabularyProgressed(1024, None, 180, 3),
    VocabularyBuilt(10782, 12000, 598891, 2991, 5, ("police", "fire"), (240, 98), 0.75),
    EpochStarted(2, 5, 0.02),
    progress(),
    epoch_ended(),
    epoch_ended(epoch=1, loss=None),
    EpochEvaluated(2, {"loss": 1234.5, "val_loss": 2.5, "analogy": None}, {"val_loss": 0.04, "analogy": 1.5}),
    EarlyStopChecked(
        2, "val_loss", 2.5, False, 1, 2.4, "val_loss did not improve by 0.1% for 1 epoch; best was epoch 1"
    ),
    Paused(2, 3.5),
    Resumed(2, 12.0),
    StopRequested(2, "interrupted by SIGINT"),
    ModelSaved("/runs/a/word2vec.model", 2, 0.2),
    CheckpointSaved("/runs/a/checkpoint-0001-257503w.model", 1, 257503, 0.1),
    RunResumed("/runs/a/checkpoint-0001-257503w.model", 1, 257503, 5, 3.0),
    RunFinished(5, 5, False, "/runs/a/word2vec.model", 10.5, 2994455),
    RunFinished(0, 5, True, None, 0.0, 0),
    RunFailed("reading /data/news.txt failed during epoch 2: No such file", "/runs/a/checkpoint-0001.model"),
    RunFailed("corpus is empty"),
    LogRecorded(1700000001.5, "WARNING", "gensim.models.word2vec", "Effectivé 'alpha' — ünïcode"),
]


def test_sample_covers_every_event_type() -> None:
    all_types = set(typing.get_args(Event))

    assert {type(event) for event in ONE_OF_EACH} == all_types


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda event: type(event).__name__)
def test_event_json_round_trip(event: Event) -> None:
    line = event_to_json(event)

    assert "\n" not in line
    record = json.loads(line)
    assert record["schema"] == runlog.SCHEMA_VERSION
    assert record["event"] == type(event).__name__
    assert event_from_json(line) == event


def test_event_keeps_unicode_readable() -> None:
    line = event_to_json(LogRecorded(1.0, "INFO", "gensim", "ünïcode — 漢字"))

    assert "ünïcode — 漢字" in line


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"schema": 2, "event": "Paused", "epoch": 1, "elapsed_seconds": 1.0}', "schema 2 is not supported"),
        ('{"event": "Paused", "epoch": 1, "elapsed_seconds": 1.0}', "schema None is not supported"),
        ('{"schema": 1, "event": "Exploded", "epoch": 1}', "unknown event type 'Exploded'"),
        ('["schema", 1]', "must be a JSON object"),
    ],
    ids=["newer-schema", "no-schema", "unknown-event", "not-object"],
)
def test_event_from_json_rejects(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        event_from_json(line)


def test_event_from_json_wrong_fields() -> None:
    with pytest.raises(TypeError):
        event_from_json('{"schema": 1, "event": "Paused", "epoch": 1, "speed": 2}')


def write_log(path: Path, events: list[Event], tail: str = "") -> None:
    path.write_text("".join(event_to_json(event) + "\n" for event in events) + tail, encoding="utf-8")


def test_read_run_log_in_order(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    write_log(path, ONE_OF_EACH)

    assert list(read_run_log(str(path))) == ONE_OF_EACH


def test_read_run_log_skips_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    torn = event_to_json(epoch_ended(epoch=4))[:57]
    write_log(path, [EpochStarted(4, 5, 0.01), progress(4)], tail=torn)

    assert list(read_run_log(str(path))) == [EpochStarted(4, 5, 0.01), progress(4)]


def test_read_run_log_bad_middle_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    lines = [event_to_json(Paused(1, 1.0)), '{"schema": 7, "event": "Paused"}', event_to_json(Resumed(1, 2.0))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(RunLogError, match=r"events\.jsonl: line 2 is not a gensim-tui event: .*schema 7"):
        list(read_run_log(str(path)))


def test_writer_appends_flushed_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    writer = RunLogWriter(str(path))
    try:
        writer(Paused(2, 3.5))
        # Each line is on disk as soon as it is written, for a watcher in another process.
        assert path.read_text(encoding="utf-8") == event_to_json(Paused(2, 3.5)) + "\n"
        writer(Resumed(2, 1.0))
    finally:
        writer.close()

    assert list(read_run_log(str(path))) == [Paused(2, 3.5), Resumed(2, 1.0)]


def test_writer_after_torn_line(tmp_path: Path) -> None:
    """A resumed run appends to a log whose last line a killed process left half written."""
    path = tmp_path / "events.jsonl"
    write_log(path, [EpochStarted(3, 4, 0.01)], tail=event_to_json(progress(3))[:40])

    writer = RunLogWriter(str(path))
    try:
        writer(RunResumed("checkpoint-0002.model", 2, 0, 4, 5.0))
        writer(EpochStarted(3, 4, 0.01))
    finally:
        writer.close()

    assert list(read_run_log(str(path))) == [
        EpochStarted(3, 4, 0.01),
        RunResumed("checkpoint-0002.model", 2, 0, 4, 5.0),
        EpochStarted(3, 4, 0.01),
    ]


def test_writer_after_only_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(event_to_json(RunStarted("/c.txt", "word2vec", {}, 2, "/m", 1.0))[:30], encoding="utf-8")

    writer = RunLogWriter(str(path))
    try:
        writer(Paused(1, 1.0))
    finally:
        writer.close()

    assert path.read_text(encoding="utf-8") == event_to_json(Paused(1, 1.0)) + "\n"


def test_writer_keeps_complete_log(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    write_log(path, ONE_OF_EACH)
    before = path.read_bytes()

    writer = RunLogWriter(str(path))
    writer.close()

    assert path.read_bytes() == before


def test_console_line_per_epoch() -> None:
    reporter = ConsoleReporter(Console(file=io.StringIO()))

    first = reporter.line_for(epoch_ended(epoch=3))
    second = reporter.line_for(epoch_ended(epoch=4))

    assert first is not None
    assert second is not None
    assert first.startswith("epoch 3/5  loss 1,234,567  Δ -100,250 (-7.5%)  301k words/s")
    assert second.startswith("epoch 4/5  ")
    assert "\n" not in first
    assert "alpha 0.01010" in first


def test_console_epoch_without_loss() -> None:
    line = ConsoleReporter(Console(file=io.StringIO())).line_for(epoch_ended(epoch=1, loss=None))

    assert line is not None
    assert line.startswith("epoch 1/5  loss —")


def test_console_rate_limits_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    # The reporter reads time.monotonic directly. No other thread runs during this test.
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    reporter = ConsoleReporter(Console(file=io.StringIO()), progress_every=10.0)

    first = reporter.line_for(progress(2))
    clock[0] = 109.9
    too_soon = reporter.line_for(progress(2))
    clock[0] = 110.0
    later = reporter.line_for(progress(3))

    assert first == "  epoch 2/5: 50%, 250k words/s, elapsed 0:04"
    assert too_soon is None
    assert later is not None
    assert later.startswith("  epoch 3/5: 50%")


def test_console_skips_screen_only_events() -> None:
    reporter = ConsoleReporter(Console(file=io.StringIO()))

    assert reporter.line_for(EpochStarted(1, 5, 0.025)) is None
    assert reporter.line_for(LogRecorded(1.0, "INFO", "gensim", "a gensim log line")) is None


def test_console_prints_plain_lines() -> None:
    output = io.StringIO()
    reporter = ConsoleReporter(Console(file=output, highlight=False, soft_wrap=True), progress_every=3600.0)
    events: list[Event] = [
        EpochStarted(1, 5, 0.025),
        progress(1),
        progress(1),
        epoch_ended(epoch=1),
        EpochStarted(2, 5, 0.02),
        progress(2),
        epoch_ended(epoch=2),
        StopRequested(3, "interrupted by [bold]SIGTERM[/bold]"),
    ]

    for event in events:
        reporter(event)

    lines = output.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["epoch", "epoch", "epoch", "stopping"]
    assert lines[0].startswith("  epoch 1/5: 50%")
    assert lines[1].startswith("epoch 1/5  loss")
    assert lines[2].startswith("epoch 2/5  loss")
    # Text from the run is printed as it is, never read as Rich markup.
    assert lines[3] == "stopping in epoch 3: interrupted by [bold]SIGTERM[/bold]"
    assert "\x1b" not in output.getvalue()


class FailingTerminal(io.StringIO):
    """Output whose every write fails, as a terminal does once its SSH connection is gone."""

    def write(self, text: str) -> int:
        raise OSError(errno.EIO, "Input/output error")


def test_console_goes_quiet_on_failed_write() -> None:
    # A broken pipe is tested end to end instead, because Rich handles it by
    # pointing this process's standard output at /dev/null, which would blind pytest.
    reporter = ConsoleReporter(Console(file=FailingTerminal()))

    reporter(epoch_ended(epoch=1))
    reporter(epoch_ended(epoch=2))

    assert reporter.silenced
