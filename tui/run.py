"""Run a training session (on screen or headless), then print a summary that stays in the scrollback."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence

from gensim_tui.callbacks.csvlog import CsvEpochWriter
from gensim_tui.callbacks.events import EpochEnded, Event, RunFailed, RunFinished
from gensim_tui.callbacks.logs import captured_logs
from gensim_tui.callbacks.rundir import EVENTS, TEXT_LOG, RunDirectory
from gensim_tui.callbacks.runlog import RunLogWriter, TextLogWriter
from gensim_tui.callbacks.session import TrainingSession
from rich.console import Console
from rich.table import Table

from . import formatting
from .signals import Interrupts

CONTROL_POLL_SECONDS = 0.25
"""How often the training process looks for a request from `gensim-tui watch`."""


class EventRecorder:
    """A sink that keeps the epoch rows and the final event for the summary."""

    def __init__(self) -> None:
        self.rows: list[EpochEnded] = []
        self.result: RunFinished | RunFailed | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, EpochEnded):
            self.rows.append(event)
        elif isinstance(event, (RunFinished, RunFailed)):
            self.result = event


def run_training(
    session: TrainingSession,
    run_dir: RunDirectory,
    *,
    headless: bool,
    csv_path: str | None = None,
    history: Sequence[Event] = (),
) -> int:
    """Train with the run folder's logs, on screen or headless; return the exit status."""
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if not run_dir.lock():
        err.print(
            f"gensim-tui: error: {run_dir.path} is in use by another gensim-tui process; "
            f"watch it with `gensim-tui watch {run_dir.path}`",
            markup=False,
        )
        return 1
    run_dir.remove_stale_temporaries()
    recorder = EventRecorder()
    writers: list[RunLogWriter | TextLogWriter | CsvEpochWriter] = [
        RunLogWriter(run_dir.file(EVENTS)),
        TextLogWriter(run_dir.file(TEXT_LOG)),
    ]
    if csv_path:
        writers.append(CsvEpochWriter(csv_path))
    session.sinks.extend([recorder, *writers])
    interrupts = Interrupts(session)
    interrupts.install()
    try:
        out.print(f"run folder: {run_dir.path}", markup=False)
        poller = threading.Thread(target=_poll_requests, args=(session, run_dir), name="control", daemon=True)
        try:
            with captured_logs(session.emit):
                poller.start()
                if headless:
                    _run_headless(session, out)
                else:
                    _run_on_screen(session, interrupts, history)
        finally:
            for writer in writers:
                _close_writer(writer, err)
            run_dir.release()
        if not interrupts.hung_up:
            print_summary(recorder, out, err, run_dir)
    finally:
        # Put back only now: a second ctrl+c while the logs close or the
        # summary prints must exit at once, not raise KeyboardInterrupt.
        interrupts.restore()
    if interrupts.exit_status is not None:
        return interrupts.exit_status
    return 0 if isinstance(recorder.result, RunFinished) else 1


def _close_writer(writer: RunLogWriter | TextLogWriter | CsvEpochWriter, err: Console) -> None:
    """Close a log file, reporting a failure as a warning so that a full disk cannot hide the run's result."""
    try:
        writer.close()
    except OSError as error:
        err.print(
            f"gensim-tui: warning: the end of {writer.path} was not written: {error.strerror or error}",
            markup=False,
        )


def _run_headless(session: TrainingSession, out: Console) -> None:
    from .console import ConsoleReporter

    session.sinks.append(ConsoleReporter(out))
    worker = threading.Thread(target=session.run, name="training")
    worker.start()
    # A timed wait keeps the main thread responsive to signals without spinning.
    while not session.done.wait(1.0):
        pass
    worker.join()


def _run_on_screen(session: TrainingSession, interrupts: Interrupts, history: Sequence[Event]) -> None:
    """Train under the screen; ctrl+c on the screen counts as SIGINT."""
    from .app import MonitorApp

    app = MonitorApp(session, history=history)
    interrupts.on_hangup = lambda: app.exit(0)
    interrupts.on_stop = app.quit_when_done
    try:
        app.run()
    except OSError:
        # The terminal failed under the screen (it returned errors on write):
        # the same as a hangup, training goes on without a screen.
        interrupts.hang_up()
    if app.interrupted:
        interrupts.exit_status = 128 + signal.SIGINT
    if app.abandoned:
        # The last complete checkpoint is intact: each is renamed into place whole.
        os._exit(128 + signal.SIGINT)
    if not session.done.is_set() and not interrupts.hung_up:
        # The screen closed while training ran, which only an error in the app
        # itself does: stop the training thread and let it save.
        session.stop("the screen closed")
    while not session.done.wait(1.0):
        pass


def _poll_requests(session: TrainingSession, run_dir: RunDirectory) -> None:
    while not session.done.wait(CONTROL_POLL_SECONDS):
        command = run_dir.take_request()
        if command == "pause":
            session.pause()
        elif command == "resume":
            session.resume()
        elif command == "stop":
            session.stop("stopped from gensim-tui watch")


def print_summary(recorder: EventRecorder, out: Console, err: Console, run_dir: RunDirectory | None = None) -> None:
    """Print one line per finished epoch and where the model is, or the error."""
    if recorder.rows:
        table = Table(box=None, padding=(0, 2), header_style="bold")
        for name in ("epoch", "loss", "Δ loss", "Δ %", "words/s", "time", "elapsed"):
            table.add_column(name, justify="right")
        for row in recorder.rows:
            table.add_row(
                str(row.epoch),
                formatting.loss(row.loss),
                formatting.signed(row.loss_delta),
                formatting.percent(row.loss_delta_percent),
                formatting.count(row.words_per_sec),
                formatting.seconds(row.epoch_seconds),
                formatting.duration(row.elapsed_seconds),
            )
        out.print(table)
    result = recorder.result
    if isinstance(result, RunFinished):
        if result.output is None:
            out.print("stopped before training began; no model was saved")
        elif result.stopped_early:
            out.print(
                f"stopped early after epoch {result.epochs_completed} of {result.epochs}; "
                f"model saved to {result.output}",
                markup=False,
            )
        else:
            epochs = "epoch" if result.epochs_completed == 1 else "epochs"
            out.print(f"trained {result.epochs_completed} {epochs}; model saved to {result.output}", markup=False)
    elif isinstance(result, RunFailed):
        err.print(f"gensim-tui: error: {result.message}", markup=False, soft_wrap=True)
        if result.saved_output:
            err.print(f"the last complete checkpoint is {result.saved_output}", markup=False, soft_wrap=True)
    else:
        err.print("gensim-tui: error: training did not finish; no model was saved")
    if isinstance(result, RunFinished) and result.stop_reason:
        out.print(f"why: {result.stop_reason}", markup=False)
    if isinstance(result, RunFinished) and result.restored_epoch is not None:
        out.print(f"the saved model holds the weights of epoch {result.restored_epoch}, the best one", markup=False)
    if run_dir is not None:
        out.print(f"run folder: {run_dir.path}", markup=False)
        if isinstance(result, RunFinished) and result.stopped_early and result.epochs_completed < result.epochs:
            out.print(f"continue it with: gensim-tui resume {run_dir.path}", markup=False)


def is_terminal() -> bool:
    """Return True if standard output is a terminal a screen can be drawn on."""
    return sys.stdout.isatty()
