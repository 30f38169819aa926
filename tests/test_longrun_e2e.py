"""The installed command over a long run: a closed terminal, SIGINT and SIGTERM, SIGKILL and resume."""

from __future__ import annotations

import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gensim_tui.callbacks.rundir import RunDirectory
from longrun_helpers import (
    LEE_COPIES,
    SMALL_OPTIONS,
    CommandRun,
    checkpoint_index,
    corpus_word_count,
    cpu_seconds,
    events_named,
    find_command,
    load_model_report,
    lock_pid,
    mid_epoch_progress,
    process_exited,
    read_events,
    repeated_corpus,
    run_command,
    temporary_files,
    tmux_terminal,
    wait_until,
)

pytestmark = pytest.mark.timeout(300)

ALPHA_WARNING = "Effective 'alpha' higher"
"""gensim's warning when a train() call starts above the learning rate already reached."""

IDLE_WINDOW_SECONDS = 2.0
"""How long a paused process is watched for CPU use. A busy loop would use the whole window."""


def train_command(corpus: Path, run_dir: Path, epochs: int, *extra: str) -> list[str]:
    return [
        find_command("gensim-tui"),
        str(corpus),
        "--run-dir",
        str(run_dir),
        "--epochs",
        str(epochs),
        *SMALL_OPTIONS,
        *extra,
    ]


def test_hangup_training_goes_on(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path)
    run_dir = tmp_path / "run"
    command = shlex.join(train_command(corpus, run_dir, 4))

    with tmux_terminal() as terminal:
        terminal.start(command, tmp_path)
        terminal.wait_for(lambda screen: "training" in screen and "epoch 2/4" in screen, "epoch 2 on the screen")
        pid = lock_pid(run_dir)
        assert events_named(run_dir, "RunFinished") == []

        terminal.kill_session()

        wait_until(lambda: "hung up" in (run_dir / "log.txt").read_text(encoding="utf-8"), "the hangup in log.txt")
        assert not process_exited(pid)
        # While it trains without a screen, a paused process must sit idle.
        RunDirectory(str(run_dir)).send_request("pause")
        wait_until(lambda: events_named(run_dir, "Paused"), "a Paused event after the hangup")
        before = cpu_seconds(pid)
        time.sleep(IDLE_WINDOW_SECONDS)
        used = cpu_seconds(pid) - before
        RunDirectory(str(run_dir)).send_request("resume")
        wait_until(lambda: process_exited(pid), "the detached process to exit")

    assert used < 0.25 * IDLE_WINDOW_SECONDS, f"a paused process used {used:.2f} s of CPU in {IDLE_WINDOW_SECONDS} s"
    events = read_events(run_dir)
    names = [event["event"] for event in events]
    hangup_at = next(i for i, event in enumerate(events) if "hung up" in event.get("message", ""))
    assert [event["epoch"] for event in events[hangup_at:] if event["event"] == "EpochEnded"][-1] == 4
    assert names.count("Resumed") == 1
    assert events[-1]["event"] == "RunFinished"
    assert events[-1]["epochs_completed"] == 4
    assert events[-1]["stopped_early"] is False
    log = (run_dir / "log.txt").read_text(encoding="utf-8")
    assert "the terminal hung up; training goes on without a screen" in log
    assert load_model_report(run_dir / "word2vec.model")["epochs"] == 4
    assert not RunDirectory(str(run_dir)).is_running()


@dataclass
class InterruptedRun:
    """What a run folder and the command's output held right after a signal ended the run."""

    run_dir: Path
    corpus: Path
    epochs: int
    status: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]]
    index: dict[str, Any]
    checkpoint_report: dict[str, Any]
    log: str
    leftovers: list[str]


def interrupt_run(folder: Path, number: signal.Signals, epochs: int) -> InterruptedRun:
    """Start a headless run, send it *number* in the middle of an epoch, and record what it left."""
    folder.mkdir(exist_ok=True)
    corpus = repeated_corpus(folder)
    run_dir = folder / "run"
    run = CommandRun(train_command(corpus, run_dir, epochs, "--headless"), folder)
    try:
        wait_until(lambda: mid_epoch_progress(run_dir, 1, epochs), "the middle of an epoch")
        run.send(number)
        status = run.wait()
    finally:
        run.kill()
    index = checkpoint_index(run_dir)
    return InterruptedRun(
        run_dir=run_dir,
        corpus=corpus,
        epochs=epochs,
        status=status,
        stdout=run.stdout,
        stderr=run.stderr,
        events=read_events(run_dir),
        index=index,
        checkpoint_report=load_model_report(run_dir / index["file"]),
        log=(run_dir / "log.txt").read_text(encoding="utf-8"),
        leftovers=temporary_files(run_dir),
    )


@pytest.fixture(scope="module")
def sigint_run(tmp_path_factory: pytest.TempPathFactory) -> InterruptedRun:
    """A three-epoch run stopped by SIGINT in the middle of an epoch, which one test resumes later."""
    return interrupt_run(tmp_path_factory.mktemp("sigint"), signal.SIGINT, epochs=3)


def check_interrupted(run: InterruptedRun, name: str, status: int) -> None:
    assert run.status == status, run.stderr
    stops = [event for event in run.events if event["event"] == "StopRequested"]
    assert [stop["reason"] for stop in stops] == [f"interrupted by {name}"]
    assert run.events[-1]["event"] == "RunFinished"
    assert run.events[-1]["stopped_early"] is True
    assert run.events[-1]["epochs_completed"] < run.epochs
    assert run.index["words_into_epoch"] > 0
    assert run.index["epochs_completed"] == run.events[-1]["epochs_completed"]
    assert run.index["file"] == f"checkpoint-{run.index['epochs_completed']:04d}-{run.index['words_into_epoch']}w.model"
    assert run.checkpoint_report["gensim_tui_modules"] == []
    assert run.checkpoint_report["epochs"] == run.epochs
    assert f"received {name}; stopping after the current batch and saving a checkpoint" in run.log
    assert f"stopping in epoch {stops[0]['epoch']}: interrupted by {name}" in run.stdout
    assert f"continue it with: gensim-tui resume {run.run_dir}" in run.stdout
    assert run.leftovers == []
    assert "Traceback" not in run.stderr


def test_sigint_checkpoints_mid_epoch(sigint_run: InterruptedRun) -> None:
    check_interrupted(sigint_run, "SIGINT", 130)


def test_sigterm_checkpoints_mid_epoch(tmp_path: Path) -> None:
    run = interrupt_run(tmp_path, signal.SIGTERM, epochs=3)

    check_interrupted(run, "SIGTERM", 143)


def test_second_sigint_exits_at_once(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path)
    run_dir = tmp_path / "run"
    run = CommandRun(train_command(corpus, run_dir, 6, "--headless"), tmp_path)
    try:
        wait_until(lambda: mid_epoch_progress(run_dir, 2, 6), "the middle of epoch 2 or later")
        run.send(signal.SIGINT)
        # Two signals sent together count as one, so the second waits until
        # the handler has run for the first.
        wait_until(lambda: "received SIGINT" in (run_dir / "log.txt").read_text(encoding="utf-8"), "the first SIGINT")
        run.send(signal.SIGINT)
        status = run.wait()
    finally:
        run.kill()

    # 130 comes from the handler's exit. The second signal may land after the
    # run has saved and put Python's handlers back. Then SIGINT ends the
    # process, which a shell reports as 130 too.
    assert status in (130, -signal.SIGINT), run.stderr
    assert "Traceback" not in run.stderr
    index = checkpoint_index(run_dir)
    assert index["epochs_completed"] >= 1
    assert (run_dir / index["file"]).exists()
    report = load_model_report(run_dir / index["file"])
    assert report["gensim_tui_modules"] == []
    assert report["vector_size"] == 20


def test_sigkill_then_resume(tmp_path: Path) -> None:
    # The kill must land inside epoch 3, seen through progress events sent
    # every 0.5 s. On a quiet machine an epoch of the usual corpus takes about
    # that long, so this run's corpus is three times as large.
    corpus = repeated_corpus(tmp_path, 3 * LEE_COPIES)
    run_dir = tmp_path / "run"
    first = CommandRun(train_command(corpus, run_dir, 4, "--headless"), tmp_path, "first")
    try:
        wait_until(lambda: mid_epoch_progress(run_dir, 3, 4), "the middle of epoch 3")
        first.send(signal.SIGKILL)
        assert first.wait() == -signal.SIGKILL
    finally:
        first.kill()
    assert checkpoint_index(run_dir)["epochs_completed"] == 2
    assert not RunDirectory(str(run_dir)).is_running()
    log_before = (run_dir / "log.txt").stat().st_size

    resumed = CommandRun([find_command("gensim-tui"), "resume", str(run_dir), "--headless"], tmp_path, "resume")
    try:
        status = resumed.wait()
    finally:
        resumed.kill()

    assert status == 0, resumed.stderr
    events = read_events(run_dir)
    names = [event["event"] for event in events]
    assert names.count("RunStarted") == 1
    assert names.count("RunResumed") == 1
    resume_event = events[names.index("RunResumed")]
    assert resume_event["epochs_completed"] == 2
    assert resume_event["words_into_epoch"] == 0
    assert [event["epoch"] for event in events if event["event"] == "EpochEnded"] == [1, 2, 3, 4]
    assert events[-1]["event"] == "RunFinished"
    assert events[-1]["epochs_completed"] == 4
    assert events[-1]["stopped_early"] is False
    resume_log = (run_dir / "log.txt").read_bytes()[log_before:].decode("utf-8")
    assert "resuming from checkpoint-0002.model: 2 of 4 epochs done" in resumed.stdout
    assert ALPHA_WARNING not in resume_log
    assert load_model_report(run_dir / "word2vec.model")["epochs"] == 4


def test_resume_after_sigint(sigint_run: InterruptedRun) -> None:
    run_dir = sigint_run.run_dir
    log_before = (run_dir / "log.txt").stat().st_size
    words = corpus_word_count(sigint_run.corpus)

    completed = run_command([find_command("gensim-tui"), "resume", str(run_dir), "--headless"], run_dir.parent)

    assert completed.returncode == 0, completed.stderr
    events = read_events(run_dir)
    names = [event["event"] for event in events]
    resumed_at = names.index("RunResumed")
    assert events[resumed_at]["words_into_epoch"] == sigint_run.index["words_into_epoch"]
    ended = [event for event in events if event["event"] == "EpochEnded"]
    assert [event["epoch"] for event in ended] == list(range(1, sigint_run.epochs + 1))
    cut_epoch = sigint_run.index["epochs_completed"] + 1
    # The cut epoch finished exactly once: its words add up to one pass over the corpus.
    assert [event["words"] for event in ended if event["epoch"] == cut_epoch] == [words]
    assert all(event["words"] == words for event in ended)
    first_start = next(event for event in events[resumed_at:] if event["event"] == "EpochStarted")
    assert first_start["epoch"] == cut_epoch
    assert first_start["alpha"] == pytest.approx(sigint_run.index["alpha"])
    assert events[-1]["event"] == "RunFinished"
    assert events[-1]["epochs_completed"] == sigint_run.epochs
    assert events[-1]["stopped_early"] is False
    assert ALPHA_WARNING not in (run_dir / "log.txt").read_bytes()[log_before:].decode("utf-8")
    assert load_model_report(run_dir / "word2vec.model")["epochs"] == sigint_run.epochs


def check_one_line_error(completed: subprocess.CompletedProcess[str], expected: str) -> None:
    assert completed.returncode == 1
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("gensim-tui: error: ")
    assert expected in lines[0]
    assert completed.stdout == ""


def test_resume_missing_folder(tmp_path: Path) -> None:
    completed = run_command([find_command("gensim-tui"), "resume", str(tmp_path / "nowhere")], tmp_path)

    check_one_line_error(completed, f"run folder not found: {tmp_path / 'nowhere'}")


def test_resume_folder_without_params(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()

    completed = run_command([find_command("gensim-tui"), "resume", str(tmp_path / "other")], tmp_path)

    check_one_line_error(completed, "is not a gensim-tui run folder")


def test_resume_without_checkpoint(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path)
    # A run folder whose training ended before the first epoch: parameters, no checkpoint.
    run = CommandRun(train_command(corpus, tmp_path / "run", 2, "--headless"), tmp_path)
    try:
        wait_until(lambda: events_named(tmp_path / "run", "RunStarted"), "the run to start")
        run.send(signal.SIGKILL)
        run.wait()
    finally:
        run.kill()
    assert not (tmp_path / "run" / "checkpoint.json").exists()

    completed = run_command([find_command("gensim-tui"), "resume", str(tmp_path / "run"), "--headless"], tmp_path)

    check_one_line_error(completed, "has no checkpoint")


def test_resume_finished_run(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path, copies=1)
    trained = run_command(train_command(corpus, tmp_path / "run", 1, "--headless"), tmp_path)
    assert trained.returncode == 0, trained.stderr
    events_before = (tmp_path / "run" / "events.jsonl").read_bytes()

    completed = run_command([find_command("gensim-tui"), "resume", str(tmp_path / "run"), "--headless"], tmp_path)

    check_one_line_error(completed, "already finished all 1 epochs")
    assert (tmp_path / "run" / "events.jsonl").read_bytes() == events_before
