"""Run a training session under the screen, then print a summary that stays in the scrollback."""

from __future__ import annotations

from gensim_tui.callbacks.config import TrainingConfig
from gensim_tui.callbacks.csvlog import CsvEpochWriter
from gensim_tui.callbacks.events import EpochEnded, Event, RunFailed, RunFinished
from gensim_tui.callbacks.logs import captured_logs
from gensim_tui.callbacks.session import TrainingSession
from rich.console import Console
from rich.table import Table

from . import formatting
from .app import MonitorApp

SHUTDOWN_TIMEOUT = 600.0
"""Seconds to wait for the training thread to save and end after the screen closed."""


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


def run_with_screen(config: TrainingConfig, csv_path: str | None = None) -> int:
    """Train under the live screen; return the exit status."""
    recorder = EventRecorder()
    session = TrainingSession(config, sinks=[recorder])
    csv_writer = CsvEpochWriter(csv_path) if csv_path else None
    if csv_writer is not None:
        session.sinks.append(csv_writer)
    try:
        with captured_logs(session.emit):
            app = MonitorApp(session)
            app.run()
            # The screen can close without the run having ended (an error in
            # the app itself): stop the training thread and let it save.
            if not session.done.is_set():
                session.stop("the screen closed")
            session.done.wait(SHUTDOWN_TIMEOUT)
    finally:
        if csv_writer is not None:
            csv_writer.close()
    print_summary(recorder, Console(), Console(stderr=True))
    if isinstance(recorder.result, RunFinished):
        return 0
    return 1


def print_summary(recorder: EventRecorder, out: Console, err: Console) -> None:
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
                f"model saved to {result.output}"
            )
        else:
            out.print(f"trained {result.epochs_completed} epochs; model saved to {result.output}")
    elif isinstance(result, RunFailed):
        err.print(f"gensim-tui: error: {result.message}", highlight=False, markup=False, soft_wrap=True)
    else:
        err.print("gensim-tui: error: training did not finish; no model was saved", highlight=False)
