"""The installed command without a screen of its own: ``watch`` in tmux, and plain headless output."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
from gensim_tui.callbacks import TrainingConfig
from gensim_tui.callbacks.rundir import RunDirectory
from longrun_helpers import (
    SMALL_OPTIONS,
    WAIT_SECONDS,
    CommandRun,
    events_named,
    find_command,
    read_events,
    repeated_corpus,
    run_command,
    tmux_terminal,
    wait_until,
)

pytestmark = pytest.mark.timeout(300)


def epoch_row(epoch: int) -> re.Pattern[str]:
    """Match the epoch table's row for *epoch*: its number, then the loss with thousands separators."""
    return re.compile(rf"^\s*{epoch}\s+\d{{1,3}}(,\d{{3}})+\s", re.MULTILINE)


def status_line(screen: str) -> str:
    """Return the screen's second line, the one with the run's state."""
    lines = screen.splitlines()
    return lines[1] if len(lines) > 1 else ""


def watch_command(run_dir: Path, status_file: Path) -> str:
    """Return a shell command that runs ``gensim-tui watch`` and writes its exit status to *status_file*."""
    watch = shlex.join([find_command("gensim-tui"), "watch", str(run_dir)])
    return f"{watch}; echo $? > {shlex.quote(str(status_file))}"


def read_status(path: Path) -> str | None:
    """Return the exit status written by ``watch_command``, or None until it is written."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return text.strip() if text.endswith("\n") else None


def test_watch_steers_live_run(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path)
    run_dir = tmp_path / "run"
    training = CommandRun(
        [
            find_command("gensim-tui"),
            str(corpus),
            "--run-dir",
            str(run_dir),
            "--epochs",
            "12",
            "--headless",
            *SMALL_OPTIONS,
        ],
        tmp_path,
    )
    status_file = tmp_path / "watch-status"
    try:
        wait_until(lambda: (run_dir / "events.jsonl").exists(), "the run log")
        with tmux_terminal() as terminal:
            terminal.start(watch_command(run_dir, status_file), tmp_path)
            terminal.wait_for(lambda screen: bool(epoch_row(1).search(screen)), "the row of epoch 1")

            terminal.send("p")
            wait_until(lambda: events_named(run_dir, "Paused"), "a Paused event")
            terminal.wait_for(lambda screen: "paused" in status_line(screen), "paused on the status line")
            assert training.process.poll() is None

            terminal.send("p")
            wait_until(lambda: events_named(run_dir, "Resumed"), "a Resumed event")
            terminal.wait_for(lambda screen: "training" in status_line(screen), "training on the status line")

            terminal.send("s")
            assert training.wait() == 0, training.stderr
            screen = terminal.wait_for(lambda screen: "stopped early" in status_line(screen), "stopped early")

            terminal.send("q")
            assert wait_until(lambda: read_status(status_file), "watch to exit") == "0"
    finally:
        training.kill()

    events = read_events(run_dir)
    assert events[-1]["event"] == "RunFinished"
    assert events[-1]["stopped_early"] is True
    assert events[-1]["epochs_completed"] < 12
    assert [event["reason"] for event in events if event["event"] == "StopRequested"] == [
        "stopped from gensim-tui watch"
    ]
    assert epoch_row(events[-1]["epochs_completed"]).search(screen)
    assert not (run_dir / "control.request").exists()


def test_watch_replays_finished_run(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path, copies=2)
    run_dir = tmp_path / "run"
    trained = run_command(
        [find_command("gensim-tui"), str(corpus), "--run-dir", str(run_dir), "--epochs", "3", *SMALL_OPTIONS],
        tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    status_file = tmp_path / "watch-status"

    with tmux_terminal() as terminal:
        terminal.start(watch_command(run_dir, status_file), tmp_path)
        screen = terminal.wait_for(
            lambda screen: all(epoch_row(epoch).search(screen) for epoch in (1, 2, 3)), "the rows of all 3 epochs"
        )
        screen = terminal.wait_for(lambda screen: "finished" in status_line(screen), "finished on the status line")
        terminal.send("q")
        assert wait_until(lambda: read_status(status_file), "watch to exit") == "0"

    assert "3/3 epochs" in screen
    assert not epoch_row(4).search(screen)


def test_watch_missing_folder(tmp_path: Path) -> None:
    completed = run_command([find_command("gensim-tui"), "watch", str(tmp_path / "nowhere")], tmp_path)

    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [
        f"gensim-tui: error: run folder not found: {tmp_path / 'nowhere'}; give the folder printed when the run started"
    ]
    assert completed.stdout == ""


def test_watch_needs_terminal(tmp_path: Path) -> None:
    config = TrainingConfig(corpus=str(repeated_corpus(tmp_path, copies=1)), output=str(tmp_path / "run" / "m.model"))
    RunDirectory.create(str(tmp_path / "run"), config)

    completed = run_command([find_command("gensim-tui"), "watch", str(tmp_path / "run")], tmp_path)

    assert completed.returncode == 1
    lines = completed.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("gensim-tui: error: watch needs a terminal")


def test_headless_when_output_is_file(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path, copies=2)
    run_dir = tmp_path / "run"
    # No --headless: standard output is a file, so the command must choose plain lines itself.
    run = CommandRun(
        [find_command("gensim-tui"), str(corpus), "--run-dir", str(run_dir), "--epochs", "2", *SMALL_OPTIONS],
        tmp_path,
    )
    try:
        status = run.wait()
    finally:
        run.kill()

    assert status == 0, run.stderr
    output = run.stdout
    lines = output.splitlines()
    assert "\x1b" not in output
    assert run.stderr == ""
    assert lines[0] == f"run folder: {run_dir}"
    assert lines[-1] == f"run folder: {run_dir}"
    assert len([line for line in lines if line.startswith("epoch 1/2  loss ")]) == 1
    assert len([line for line in lines if line.startswith("epoch 2/2  loss ")]) == 1
    assert f"trained 2 epochs; model saved to {run_dir / 'word2vec.model'}" in lines


def test_headless_reader_goes_away(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path, copies=3)
    run_dir = tmp_path / "run"
    stderr_path = tmp_path / "run.stderr"
    arguments = [
        find_command("gensim-tui"),
        str(corpus),
        "--run-dir",
        str(run_dir),
        "--epochs",
        "2",
        "--headless",
        *SMALL_OPTIONS,
    ]
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        # The reader of the pipe quits, as `| head -1` does.
        process.stdout.close()
        status = process.wait(WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert first.decode("utf-8").startswith("run folder: ")
    assert status == 0, stderr_path.read_text(encoding="utf-8")
    assert "Traceback" not in stderr_path.read_text(encoding="utf-8")
    events = read_events(run_dir)
    assert events[-1]["event"] == "RunFinished"
    assert events[-1]["epochs_completed"] == 2
    assert (run_dir / "word2vec.model").exists()
