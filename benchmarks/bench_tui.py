"""Run the installed gensim-tui command in tmux: speed runs and the pause test.

gensim-tui is driven the way a user drives it: through keys typed into a real
terminal (``p`` pauses and resumes, ``q`` quits and ``y`` confirms quitting
while training runs). Its per-epoch figures come from its ``--csv`` file.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench_tmux import (
    CLOCK_TICKS,
    BenchmarkError,
    LoadMeter,
    TmuxSession,
    cpu_cores_used,
    cpu_ticks,
    process_running,
    time_to_idle,
    wait_until,
)

CSV_HEADER = ["epoch", "loss", "loss_delta", "words_per_sec", "epoch_seconds", "elapsed_seconds", "alpha"]

POLL_SECONDS = 0.01
STILL_POLLS = 3
"""Polls without a new CPU tick that count as idle; 3 polls of 10 ms span 30-50 ms of real time."""
IDLE_TIMEOUT = 10.0
SETTLE_SECONDS = 1.0
"""Wait after the first epoch row so the first pause falls inside the second epoch, after the epoch-end work."""
HOLD_SECONDS = 0.5
"""Length of each pause, over which the CPU use while paused is measured."""
GAP_SECONDS = 0.7
"""Training time between a resume and the next pause."""
MIN_BUSY_CORES = 0.2
"""CPU use below which the process is taken to be not training.

One worker alone keeps a core busy, while a paused process uses a few
hundredths of a core. The wide margin allows for a machine shared with other work."""


@dataclass
class PauseReport:
    """Figures of the pause test; times in seconds."""

    latencies: list[float]
    """From the key to the whole process going idle."""
    training_latencies: list[float]
    """From the key to every thread but the main one (Textual's) going idle."""
    paused_cores: list[float]
    poll: float
    still_polls: int
    exit_status: int | None
    quit_seconds: float


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Return the complete data rows of a gensim-tui --csv file (a row still being written is left out)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    complete = text[: text.rfind("\n") + 1]
    reader = csv.reader(complete.splitlines())
    header = next(reader, None)
    if header is None:
        return []
    if header != CSV_HEADER:
        raise BenchmarkError(f"{path} has header {header}, expected {CSV_HEADER}")
    return [dict(zip(header, row, strict=True)) for row in reader]


def tui_command(command: Path, corpus: Path, args: argparse.Namespace, csv_path: Path, model: Path) -> list[str]:
    """Return the gensim-tui command line with the same training parameters as the plain runs."""
    return [
        str(command),
        str(corpus),
        "--epochs",
        str(args.epochs),
        "--workers",
        str(args.workers),
        "--seed",
        str(args.seed),
        "--csv",
        str(csv_path),
        "--output",
        str(model),
    ]


def quit_app(session: TmuxSession, timeout: float) -> tuple[int | None, float]:
    """Press q, and y if the app requests confirmation; return (exit status, seconds from the last key to exit).

    The exit status is None when tmux did not report it.
    """

    def ended() -> bool:
        return session.pane_state()[0]

    pressed = session.send_keys("q")
    try:
        wait_until(ended, 2.0, "gensim-tui to quit after q", interval=0.01)
    except BenchmarkError:
        try:
            pressed = session.send_keys("y")
        except BenchmarkError:
            if not ended():
                raise
        wait_until(ended, timeout, "gensim-tui to quit after q, y", interval=0.01)
    seconds = time.monotonic() - pressed
    # Give tmux a moment to collect the exit status after it saw the terminal close.
    with contextlib.suppress(BenchmarkError):
        wait_until(lambda: session.pane_state()[1] is not None, 1.0, "the exit status", interval=0.05)
    return session.pane_state()[1], seconds


def exit_check(session: TmuxSession, pid: int) -> Callable[[], None]:
    """Return a check for wait_until that raises once process *pid*, the pane's command, has ended.

    The check reads /proc rather than asking tmux, because starting a tmux
    client several times a second would add to the load being measured.
    """

    def check() -> None:
        if process_running(pid):
            return
        with contextlib.suppress(BenchmarkError):
            wait_until(lambda: session.pane_state()[1] is not None, 1.0, "the exit status", interval=0.05)
        raise BenchmarkError(f"gensim-tui exited early with status {describe_status(session.pane_state()[1])}")

    return check


def describe_status(status: int | None) -> str:
    return "unknown (not reported by tmux)" if status is None else str(status)


@dataclass
class TuiRun:
    """Figures of one gensim-tui run."""

    words_per_sec: list[float]
    """Per-epoch words/s from the CSV file."""
    main_thread_cores: float | None
    """Cores used by the main thread, where Textual draws the screen and handles
    events, from the first to the last epoch row; None with a single epoch."""
    terminal_cores: float | None
    """Cores used by the tmux server, the terminal that shows the screen, over the same span."""


def run_tui(command: Path, corpus: Path, args: argparse.Namespace, folder: Path, name: str, meter: LoadMeter) -> TuiRun:
    """Run gensim-tui to the end of training in tmux and return its figures.

    *meter* is closed when the last epoch row appears, before quitting.
    """
    csv_path = folder / f"{name}.csv"
    session = TmuxSession(name, args.width, args.height, folder)
    try:
        pid = session.start(tui_command(command, corpus, args, csv_path, folder / f"{name}.model"), folder)
        server = session.server_pid()
        check = exit_check(session, pid)
        try:
            wait_until(lambda: len(read_csv_rows(csv_path)) >= 1, args.run_timeout, "the first epoch row", check=check)
            first_row = (time.monotonic(), cpu_ticks(pid, pid), cpu_ticks(server))
            wait_until(
                lambda: len(read_csv_rows(csv_path)) >= args.epochs,
                args.run_timeout,
                f"{args.epochs} epoch rows in {csv_path}",
                check=check,
            )
        except BenchmarkError as error:
            raise BenchmarkError(f"{error}\nlast screen:\n{session.screen()}") from None
        last_row = (time.monotonic(), cpu_ticks(pid, pid), cpu_ticks(server))
        # The terminal's work is part of running on screen, so it does not count as other load.
        meter.finish((cpu_ticks(pid) + cpu_ticks(server)) / CLOCK_TICKS)
        rows = read_csv_rows(csv_path)
        status, _ = quit_app(session, args.run_timeout)
        if status is not None and status != 0:
            print(f"warning: gensim-tui exited with status {status} after training; last screen:\n{session.screen()}")
    finally:
        session.close()
    words_per_sec = [float(row["words_per_sec"]) for row in rows]
    if args.epochs == 1:
        return TuiRun(words_per_sec, None, None)
    seconds = (last_row[0] - first_row[0]) * CLOCK_TICKS
    return TuiRun(words_per_sec, (last_row[1] - first_row[1]) / seconds, (last_row[2] - first_row[2]) / seconds)


def run_pause_test(command_line: list[str], csv_path: Path, args: argparse.Namespace, folder: Path) -> PauseReport:
    """Start gensim-tui in tmux, pause and resume it *args.pauses* times mid-training, then quit it.

    Each pause is timed from the moment tmux has written ``p`` to the pane until
    the process's CPU time stops growing (see ``time_to_idle``).
    """
    session = TmuxSession("pause", args.width, args.height, folder)
    try:
        pid = session.start(command_line, folder)
        check = exit_check(session, pid)

        def rows() -> int:
            return len(read_csv_rows(csv_path))

        wait_until(lambda: rows() >= 1, args.run_timeout, f"the first epoch row in {csv_path}", check=check)
        time.sleep(SETTLE_SECONDS)
        latencies: list[float] = []
        training_latencies: list[float] = []
        paused_cores: list[float] = []
        for number in range(1, args.pauses + 1):
            check()
            if rows() >= args.epochs:
                raise BenchmarkError(
                    f"training ended after {number - 1} of {args.pauses} pauses; use more --epochs or fewer --pauses"
                )
            busy = cpu_cores_used(pid, 0.2)
            if busy < MIN_BUSY_CORES:
                raise BenchmarkError(
                    f"gensim-tui used {busy:.2f} cores just before pause {number}, so training does not seem to run"
                )
            key_time = session.send_keys("p")
            process_idle, training_idle = time_to_idle(pid, key_time, POLL_SECONDS, STILL_POLLS, IDLE_TIMEOUT)
            latencies.append(process_idle)
            training_latencies.append(training_idle)
            paused_cores.append(cpu_cores_used(pid, HOLD_SECONDS))
            session.send_keys("p")
            wait_until(
                lambda: cpu_cores_used(pid, 0.1) >= MIN_BUSY_CORES,
                5.0,
                f"training to resume after pause {number}",
                interval=0.0,
                check=check,
            )
            time.sleep(GAP_SECONDS)
        status, quit_seconds = quit_app(session, args.run_timeout)
    except BenchmarkError as error:
        raise BenchmarkError(f"pause test: {error}\nlast screen:\n{session.screen()}") from None
    finally:
        session.close()
    return PauseReport(latencies, training_latencies, paused_cores, POLL_SECONDS, STILL_POLLS, status, quit_seconds)
