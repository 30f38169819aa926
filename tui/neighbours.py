"""The probe words and their nearest neighbours after the latest epoch."""

from __future__ import annotations

from collections.abc import Sequence

from gensim_tui.callbacks.events import ProbeNeighbours
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static


def render_neighbours(probes: Sequence[ProbeNeighbours], min_count: int | None) -> RenderableType:
    """Return one row per probe: its neighbours with similarities, new ones marked with +."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1)
    if not probes:
        return Text("no probe words yet", style="dim")
    for probe in probes:
        if probe.kind == "document":
            table.add_row(probe.probe, _document_line(probe))
            continue
        if not probe.in_vocabulary:
            note = f"not in vocabulary: count {probe.count}"
            if min_count is not None:
                note += f" < min_count {min_count}"
            table.add_row(probe.probe, Text(note, style="yellow"))
            continue
        if not probe.neighbours:
            table.add_row(probe.probe, Text("after the first epoch", style="dim"))
            continue
        line = Text()
        for index, neighbour in enumerate(probe.neighbours):
            if index:
                line.append("  ")
            if neighbour.is_new:
                line.append("+", style="bold green")
                line.append(neighbour.word, style="bold green")
            else:
                line.append(neighbour.word)
            # A no-break space keeps each word beside its similarity when lines wrap.
            line.append(f"\u00a0{neighbour.similarity:.3f}", style="dim")
        table.add_row(probe.probe, line)
    return table


def _document_line(probe: ProbeNeighbours) -> Text:
    """Return a document probe's excerpt, then its nearest documents with theirs, one per line."""
    line = Text(_quote(probe.excerpt, 60), style="italic")
    if not probe.in_vocabulary:
        line.append("\nnot trained", style="yellow")
    elif not probe.neighbours:
        line.append("\nneighbours after the first epoch", style="dim")
    for neighbour in probe.neighbours:
        line.append("\n")
        style = "bold green" if neighbour.is_new else ""
        line.append(("+" if neighbour.is_new else " ") + neighbour.word, style=style)
        line.append(f" {neighbour.similarity:.3f} ", style="dim")
        line.append(_quote(neighbour.excerpt, 40), style="italic dim")
    return line


def _quote(excerpt: str, width: int) -> str:
    if not excerpt:
        return ""
    text = excerpt if len(excerpt) <= width else excerpt[: width - 1] + "…"
    return f"“{text}”"


class NeighbourPanel(Static):
    """Nearest neighbours of each probe word; a word new since the previous epoch has a +."""
