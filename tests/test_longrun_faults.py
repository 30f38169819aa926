"""Faults in the middle of a run of the installed command: the corpus goes, the disk fills, the folder locks up.

Each fault must end the run with exit status 1 and one clear error line,
while the last complete checkpoint stays intact and loads with plain gensim.
The disk faults mount a small tmpfs, which needs root (as the tests run).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from longrun_helpers import (
    SMALL_OPTIONS,
    CommandRun,
    checkpoint_index,
    events_named,
    find_command,
    load_model_report,
    read_events,
    repeated_corpus,
    temporary_files,
    tmpfs,
    wait_until,
)

pytestmark = pytest.mark.timeout(300)

EXIT_SECONDS = 30.0
"""Hang guard for a failed run to exit once its fault has hit, never a speed check."""


def train_command(corpus: Path, run_dir: Path, epochs: int) -> list[str]:
    return [
        find_command("gensim-tui"),
        str(corpus),
        "--run-dir",
        str(run_dir),
        "--epochs",
        str(epochs),
        "--headless",
        *SMALL_OPTIONS,
    ]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("gensim-tui: error:")]


def checkpoint_models(run_dir: Path) -> list[str]:
    return sorted(name for name in os.listdir(run_dir) if name.startswith("checkpoint-") and name.endswith(".model"))


def check_epoch_one_checkpoint(run_dir: Path) -> None:
    """Check that the epoch-1 checkpoint is the latest, alone, complete and loadable."""
    index = checkpoint_index(run_dir)
    assert index["file"] == "checkpoint-0001.model"
    assert index["epochs_completed"] == 1
    assert index["words_into_epoch"] == 0
    assert checkpoint_models(run_dir) == ["checkpoint-0001.model"]
    report = load_model_report(run_dir / "checkpoint-0001.model")
    assert report["gensim_tui_modules"] == []
    assert report["vector_size"] == 20
    assert temporary_files(run_dir) == []
    assert not (run_dir / "word2vec.model").exists()


def check_failed_after_epoch_one(run_dir: Path, message: str) -> None:
    events = read_events(run_dir)
    assert [event["epoch"] for event in events if event["event"] == "EpochEnded"] == [1, 2]
    assert events[-1]["event"] == "RunFailed"
    assert message in events[-1]["message"]
    assert events[-1]["saved_output"] == str(run_dir / "checkpoint-0001.model")
    assert f"run failed: {events[-1]['message']}" in (run_dir / "log.txt").read_text(encoding="utf-8")


def test_corpus_deleted_during_run(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path)
    run_dir = tmp_path / "run"
    run = CommandRun(train_command(corpus, run_dir, 3), tmp_path)
    try:
        # A progress event means epoch 1 is reading the file, which stays open
        # until the epoch ends. The next epoch must open it again.
        wait_until(lambda: events_named(run_dir, "EpochProgressed"), "epoch 1 to read the corpus")
        corpus.unlink()
        wait_until(lambda: [e for e in events_named(run_dir, "EpochStarted") if e["epoch"] == 2], "epoch 2 to start")
        status = run.wait(EXIT_SECONDS)
    finally:
        run.kill()

    assert status == 1
    lines = error_lines(run.stderr)
    assert len(lines) == 1, run.stderr
    assert f"reading {corpus} failed during epoch 2" in lines[0]
    assert "No such file or directory" in lines[0]
    assert "Traceback" not in run.stderr
    events = read_events(run_dir)
    assert [event["epoch"] for event in events if event["event"] == "EpochEnded"] == [1]
    assert events[-1]["event"] == "RunFailed"
    assert events[-1]["saved_output"] == str(run_dir / "checkpoint-0001.model")
    check_epoch_one_checkpoint(run_dir)


DISK_KIB = 3000
"""Room for the logs and one checkpoint of the test's model (about 2 MB), not for a second one beside it."""


def test_disk_full_at_second_checkpoint(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path)
    with tmpfs(tmp_path / "disk", DISK_KIB) as disk:
        run_dir = disk / "run"
        run = CommandRun(train_command(corpus, run_dir, 3), tmp_path)
        try:
            status = run.wait()
        finally:
            run.kill()

        checkpoint_size = (run_dir / "checkpoint-0001.model").stat().st_size
        free = shutil.disk_usage(disk).free
        assert free < checkpoint_size, f"the tmpfs leaves {free} bytes, room for another {checkpoint_size}-byte model"
        assert status == 1
        lines = error_lines(run.stderr)
        assert len(lines) == 1, run.stderr
        assert f"{run_dir / 'checkpoint-0002.model'}: No space left on device" in lines[0]
        assert f"gensim-tui resume {run_dir}" in lines[0]
        assert "Traceback" not in run.stderr
        check_failed_after_epoch_one(run_dir, "No space left on device")
        check_epoch_one_checkpoint(run_dir)


def test_run_folder_read_only_at_checkpoint(tmp_path: Path) -> None:
    """The run folder stops accepting new files after the first checkpoint.

    ``mount -o remount,ro`` cannot do this: Linux refuses to remount a file
    system read-only (EBUSY) while a process has files on it open for
    writing, and the training process keeps events.jsonl, log.txt and lock
    open. The immutable attribute on the folder has the effect that matters
    here: no file in it can be created, renamed or removed, even by root.
    """
    corpus = repeated_corpus(tmp_path)
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.fail("chattr is needed to make the run folder read-only; install e2fsprogs")
    with tmpfs(tmp_path / "disk", 20_000) as disk:
        run_dir = disk / "run"
        run = CommandRun(train_command(corpus, run_dir, 3), tmp_path)
        locked = False
        try:
            wait_until(lambda: events_named(run_dir, "CheckpointSaved"), "the checkpoint of epoch 1")
            subprocess.run([chattr, "+i", str(run_dir)], check=True, capture_output=True, timeout=30)
            locked = True
            status = run.wait()
        finally:
            run.kill()
            if locked:
                subprocess.run([chattr, "-i", str(run_dir)], check=True, capture_output=True, timeout=30)

        assert status == 1
        lines = error_lines(run.stderr)
        assert len(lines) == 1, run.stderr
        assert f"{run_dir / 'checkpoint-0002.model'}: Operation not permitted" in lines[0]
        assert f"gensim-tui resume {run_dir}" in lines[0]
        assert "Traceback" not in run.stderr
        check_failed_after_epoch_one(run_dir, "Operation not permitted")
        check_epoch_one_checkpoint(run_dir)


def fill_disk(path: Path) -> int:
    """Write zeros to *path* until its file system is full, and return the bytes written."""
    block = bytes(64 * 1024)
    written = 0
    with open(path, "wb", buffering=0) as handle:
        while True:
            try:
                written += handle.write(block)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                return written


def test_disk_filled_by_other_program(tmp_path: Path) -> None:
    """Another program takes all free space after epoch 1: even the run's logs can no longer grow."""
    corpus = repeated_corpus(tmp_path)
    with tmpfs(tmp_path / "disk", 20_000) as disk:
        run_dir = disk / "run"
        run = CommandRun(train_command(corpus, run_dir, 3), tmp_path)
        try:
            wait_until(lambda: events_named(run_dir, "CheckpointSaved"), "the checkpoint of epoch 1")
            filled = fill_disk(disk / "filler")
            status = run.wait()
        finally:
            run.kill()

        assert filled > 0
        assert shutil.disk_usage(disk).free < 64 * 1024
        assert status == 1
        lines = error_lines(run.stderr)
        assert len(lines) == 1, run.stderr
        assert f"{run_dir / 'checkpoint-0002.model'}: No space left on device" in lines[0]
        assert "Traceback" not in run.stderr
        assert f"the last complete checkpoint is {run_dir / 'checkpoint-0001.model'}" in run.stderr
        check_epoch_one_checkpoint(run_dir)
