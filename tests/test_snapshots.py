"""SVG snapshots of the monitor fed a fixed run, at 80x24 and 120x40.

After any change to the layout, look at the new screens and accept them with
``pytest tests/test_snapshots.py --snapshot-update``. The baselines live in
tests/__snapshots__/test_snapshots/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

import pytest
from apphelpers import screen_lines, wait_for_footer
from fixture_events import (
    EPOCHS,
    FROZEN_CLOCK,
    PROBES,
    finished_events,
    paused_events,
    stopped_events,
    training_events,
)
from gensim_tui.callbacks.events import Event
from gensim_tui.tui.app import MonitorApp
from gensim_tui.tui.screens import QuitScreen
from textual.app import App
from textual.pilot import Pilot


class SnapCompare(Protocol):
    """The ``snap_compare`` fixture of pytest-textual-snapshot."""

    def __call__(
        self,
        app: App[Any],
        press: Iterable[str] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = None,
    ) -> bool: ...


STATES: dict[str, Callable[[], list[Event]]] = {
    "training": training_events,
    "paused": paused_events,
    "finished": finished_events,
}

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def frozen_app() -> MonitorApp:
    """An app without a session whose clock never moves, so elapsed times and ETAs stay fixed."""
    return MonitorApp(clock=lambda: FROZEN_CLOCK)


def feed(events: list[Event]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Return a ``run_before`` that draws *events* on the app."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, MonitorApp)
        for event in events:
            app.apply_event(event)
        await wait_for_footer(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", list(STATES))
def test_monitor_screen(snap_compare: SnapCompare, state: str, size: tuple[int, int]) -> None:
    assert snap_compare(frozen_app(), terminal_size=size, run_before=feed(STATES[state]()))


def test_stopped_early_narrow(snap_compare: SnapCompare) -> None:
    assert snap_compare(frozen_app(), terminal_size=(80, 24), run_before=feed(stopped_events()))


def test_help_screen_narrow(snap_compare: SnapCompare) -> None:
    assert snap_compare(
        frozen_app(),
        press=["question_mark"],
        terminal_size=(80, 24),
        run_before=feed(training_events()),
    )


def test_quit_dialog_narrow(snap_compare: SnapCompare) -> None:
    events = training_events()

    async def run_before(pilot: Pilot[Any]) -> None:
        await feed(events)(pilot)
        # The q key opens this dialog only while a session trains, and this app has none.
        pilot.app.push_screen(QuitScreen())
        await pilot.pause()

    assert snap_compare(frozen_app(), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("state", list(STATES))
async def test_narrow_screen_shows_essentials(state: str) -> None:
    """At 80x24 the state, every finished epoch, every probe and the footer keys stay on screen."""
    app = frozen_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await feed(STATES[state]())(pilot)
        lines = screen_lines(app)

    assert len(lines) == 24
    assert f" {state} " in lines[1]
    epochs = EPOCHS if state == "finished" else 3
    for epoch in range(1, epochs + 1):
        assert any(line.split()[:1] == [str(epoch)] for line in lines), f"no row for epoch {epoch}"
    text = "\n".join(lines)
    for probe in PROBES:
        assert probe in text
    assert "not in vocabulary" in text
    for key in ("p Pause/Resume", "s Stop early", "q Quit", "l Log", "? Help"):
        assert key in lines[-1]
