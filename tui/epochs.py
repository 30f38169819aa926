"""The epoch table and the per-epoch sparklines."""

from __future__ import annotations

from gensim_tui.callbacks.events import EpochEnded, EpochEvaluated
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Sparkline

from . import formatting

COLUMNS = (
    ("epoch", "epoch"),
    ("loss", "loss"),
    ("delta", "Δ loss"),
    ("percent", "Δ %"),
    ("speed", "words/s"),
    ("time", "time"),
    ("elapsed", "elapsed"),
    ("alpha", "alpha"),
)


METRIC_COLUMNS = {"val_loss": "val loss", "analogy": "analogy", "similarity": "sim ρ", "stability": "stable"}
"""Columns of the figures measured after each epoch, shown once the first one arrives."""


def metric_text(name: str, value: float | None) -> str:
    """Format one measured figure: losses as numbers, accuracy and overlap as percentages."""
    if value is None:
        return formatting.NOT_MEASURED
    if name in ("analogy", "stability"):
        return f"{value:.1%}"
    if name == "similarity":
        return f"{value:.3f}"
    return formatting.loss(value)


def epoch_cells(row: EpochEnded) -> tuple[Text, ...]:
    """Return the table cells of one finished epoch, right-aligned numbers."""
    delta_style = ""
    if row.loss_delta is not None:
        delta_style = "green" if row.loss_delta < 0 else "red"
    values = (
        (str(row.epoch), ""),
        (formatting.loss(row.loss), ""),
        (formatting.signed(row.loss_delta), delta_style),
        (formatting.percent(row.loss_delta_percent), delta_style),
        (formatting.count(row.words_per_sec), ""),
        (formatting.seconds(row.epoch_seconds), ""),
        (formatting.duration(row.elapsed_seconds), ""),
        (f"{row.alpha:.5f}", ""),
    )
    return tuple(Text(value, style=style, justify="right") for value, style in values)


class EpochTable(DataTable[Text]):
    """One row per finished epoch, keyed by epoch number."""

    DEFAULT_CSS = """
    EpochTable { height: 1fr; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.set_metrics(())

    def set_metrics(self, metrics: tuple[str, ...]) -> None:
        """Lay out the columns, the measured figures right after the loss change; only before the first row."""
        if self.row_count:
            return
        self.clear(columns=True)
        self._metrics = tuple(name for name in metrics if name in METRIC_COLUMNS)
        for key, label in COLUMNS[:4]:
            self.add_column(Text(label, justify="right"), key=key)
        for name in self._metrics:
            self.add_column(Text(METRIC_COLUMNS[name], justify="right"), key=name)
        for key, label in COLUMNS[4:]:
            self.add_column(Text(label, justify="right"), key=key)

    def show_epoch(self, row: EpochEnded) -> None:
        """Add the row of a finished epoch, or replace it if already shown."""
        key = str(row.epoch)
        cells = epoch_cells(row)
        if key in self.rows:
            for (column, _label), cell in zip(COLUMNS, cells, strict=True):
                self.update_cell(key, column, cell)
            return
        waiting = tuple(Text(formatting.NOT_MEASURED, justify="right") for _name in self._metrics)
        self.add_row(*cells[:4], *waiting, *cells[4:], key=key)
        self.move_cursor(row=self.row_count - 1)

    def show_evaluation(self, evaluated: EpochEvaluated) -> None:
        """Fill the epoch's row with the measured figures that have a column."""
        key = str(evaluated.epoch)
        if key not in self.rows:
            return
        for name in self._metrics:
            if name in evaluated.values:
                self.update_cell(key, name, Text(metric_text(name, evaluated.values[name]), justify="right"))

    _metrics: tuple[str, ...] = ()

    def mark_best(self, epoch: int | None) -> None:
        """Mark the best epoch by the early-stopping policy with a star, and only that one."""
        if self._best == epoch:
            return
        for previous, text in ((self._best, ""), (epoch, " ★")):
            if previous is not None and str(previous) in self.rows:
                self.update_cell(str(previous), "epoch", Text(f"{previous}{text}", justify="right"))
        self._best = epoch

    _best: int | None = None


class Trends(Vertical):
    """Sparklines of the loss and the speed per epoch, each with its latest value."""

    DEFAULT_CSS = """
    Trends { height: auto; }
    Trends Horizontal { height: 1; }
    Trends Label { width: 22; }
    Trends Sparkline { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("loss", id="loss-label")
            yield Sparkline([], id="loss-trend")
        with Horizontal():
            yield Label("words/s", id="speed-label")
            yield Sparkline([], id="speed-trend")

    def show(self, losses: list[float], speeds: list[float], loss_measured: bool) -> None:
        """Replace both series; a new list each time, so the sparklines redraw."""
        latest_loss = formatting.loss(losses[-1]) if losses else formatting.NOT_MEASURED
        if not loss_measured:
            latest_loss = "not measured"
        latest_speed = formatting.count(speeds[-1]) if speeds else formatting.NOT_MEASURED
        self.query_one("#loss-label", Label).update(f"loss {latest_loss}")
        self.query_one("#speed-label", Label).update(f"words/s {latest_speed}")
        self.query_one("#loss-trend", Sparkline).data = list(losses)
        self.query_one("#speed-trend", Sparkline).data = list(speeds)
