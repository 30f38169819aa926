"""The status line and the progress bars."""

from __future__ import annotations

import os

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from . import formatting
from .view import RunState, RunView

STATE_STYLES = {
    RunState.LOADING: "bold",
    RunState.VOCABULARY: "bold cyan",
    RunState.TRAINING: "bold green",
    RunState.PAUSED: "bold yellow reverse",
    RunState.STOPPING: "bold yellow",
    RunState.FINISHED: "bold green reverse",
    RunState.STOPPED: "bold yellow reverse",
    RunState.FAILED: "bold red reverse",
}


def render_status(view: RunView, now: float) -> RenderableType:
    """Return the two status lines: the run's identity, then its state and times."""
    identity = Text(no_wrap=True, overflow="ellipsis")
    started = view.started
    if started is not None:
        parameters = started.parameters
        identity.append(os.path.basename(started.corpus), style="bold")
        if started.model_type == "doc2vec":
            architecture = "PV-DM" if parameters.get("dm") else "PV-DBOW"
        else:
            architecture = "skip-gram" if parameters.get("sg") else "CBOW"
        loss_name = "hs" if parameters.get("hs") else f"neg {parameters.get('negative')}"
        reader = "  corpus_file" if started.corpus_file_mode else ""
        identity.append(
            f"  {started.model_type} {architecture}{reader}  dim {parameters.get('vector_size')}"
            f"  win {parameters.get('window')}  {loss_name}  min_count {parameters.get('min_count')}"
            f"  workers {parameters.get('workers')}"
        )
    state = Text(no_wrap=True, overflow="ellipsis")
    label = view.state.value
    if view.state is RunState.STOPPED and view.finished is not None:
        label = f"stopped early after epoch {view.finished.epochs_completed} of {view.finished.epochs}"
    state.append(f" {label} ", style=STATE_STYLES[view.state])
    if view.epoch and view.state.active:
        state.append(f"  epoch {view.epoch}/{view.epochs}")
    state.append(f"  elapsed {formatting.duration(view.elapsed_now(now))}")
    eta = view.eta(now)
    if eta is not None:
        state.append(f"  ETA {formatting.duration(eta)}")
    if view.orphaned:
        state.append("  no process trains this run any more; continue it with gensim-tui resume", style="yellow")
    elif view.state is RunState.FAILED and view.failure is not None:
        state.append(f"  {view.failure.message}", style="red")
    elif view.saved is not None:
        state.append(f"  saved {view.saved.path}", style="dim")
    elif view.checkpoint is not None:
        state.append(f"  checkpoint after epoch {view.checkpoint.epochs_completed}", style="dim")
    return Group(identity, state)


def render_progress(view: RunView) -> RenderableType:
    """Return the progress rows: the vocabulary scan, the current epoch and the whole run."""
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=10, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_column(width=24, no_wrap=True, justify="right")
    scan = view.scan
    if view.epoch == 0:
        if scan is not None and scan.bytes_total:
            fraction = min(1.0, scan.bytes_read / scan.bytes_total)
            detail = f"{formatting.size(scan.bytes_read)}/{formatting.size(scan.bytes_total)}"
        else:
            fraction, detail = 0.0, "waiting"
        grid.add_row("vocabulary", _bar(fraction), detail)
        words = formatting.count(scan.words) if scan is not None else formatting.NOT_MEASURED
        grid.add_row("", "", f"{words} words read")
        return grid
    speed = formatting.count(view.words_per_sec)
    grid.add_row(
        f"epoch {view.epoch}",
        _bar(view.epoch_fraction),
        f"{view.epoch_fraction:4.0%}  {speed} words/s",
    )
    grid.add_row(
        "run",
        _bar(view.run_fraction),
        f"{view.run_fraction:4.0%}  {len(view.rows)}/{view.epochs} epochs",
    )
    return grid


def _bar(fraction: float) -> ProgressBar:
    return ProgressBar(total=1.0, completed=fraction, complete_style="green", finished_style="green")


class StatusBar(Static):
    """The two status lines at the top of the screen."""


class ProgressPanel(Static):
    """Progress of the vocabulary scan, then of the epoch and the run."""
