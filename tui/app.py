"""The Textual app that shows one training run live."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar, Protocol

from gensim_tui.callbacks.events import (
    EarlyStopChecked,
    EpochEnded,
    EpochEvaluated,
    EpochProgressed,
    Event,
    LogRecorded,
    RunFailed,
    RunFinished,
    RunStarted,
    VocabularyBuilt,
    VocabularyProgressed,
)
from gensim_tui.callbacks.session import TrainingSession
from rich.text import Text
from textual import events as textual_events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Footer, RichLog, Static

from .epochs import EpochTable, Trends
from .neighbours import NeighbourPanel, render_neighbours
from .plot import LossPlot
from .screens import HelpScreen, QuitScreen
from .status import ProgressPanel, StatusBar, render_progress, render_status
from .terminal import surviving_driver
from .view import RunState, RunView

NARROW_WIDTH = 100
"""Below this many columns the panels stack vertically."""

SHORT_HEIGHT = 30
"""Below this many rows the log panel starts hidden."""

_MERGEABLE = (EpochProgressed, VocabularyProgressed)


class TrainingEventPosted(Message):
    """A training event arrived from the training thread."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # Progress samples supersede older ones still queued, so a slow screen
        # (or a slow SSH link) never falls behind the training threads.
        return (
            isinstance(self.event, _MERGEABLE)
            and isinstance(message, TrainingEventPosted)
            and type(message.event) is type(self.event)
        )


class Steering(Protocol):
    """Target of the keys: a session in this process, or one reached through its run folder."""

    def pause(self) -> bool: ...
    def resume(self) -> bool: ...
    def stop(self, reason: str = ...) -> bool: ...


class MonitorApp(App[int]):
    """Live view of a training run, with keys to pause, stop and quit.

    With a *session* the app runs it in a thread worker and steers it. Without
    one it draws the events given to ``apply_event`` (or posted as
    TrainingEventPosted messages), which is how tests, replays and
    ``gensim-tui watch`` feed it; *steering* then carries the keys' requests.
    *history* is drawn first: the events of the run before a resume.
    """

    CSS_PATH = "monitor.tcss"
    TITLE = "gensim-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause/Resume"),
        Binding("s", "stop", "Stop early"),
        Binding("q", "quit", "Quit"),
        Binding("l", "toggle_log", "Log"),
        Binding("g", "toggle_plot", "Plot"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+c", "interrupt", "Interrupt", show=False, priority=True),
    ]

    def __init__(
        self,
        session: TrainingSession | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        steering: Steering | None = None,
        history: Sequence[Event] = (),
    ) -> None:
        super().__init__(driver_class=surviving_driver())
        self.session = session
        self.steering: Steering | None = session if session is not None else steering
        self.clock = clock
        self.view = RunView()
        self.history = tuple(history)
        self.interrupted = False
        """True once ctrl+c stopped training; the command then exits with status 130."""
        self.abandoned = False
        """True after a second ctrl+c: the command exits without waiting for the save."""
        self._quit_when_done = False
        self._drawn_state: RunState | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield ProgressPanel(id="progress")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Trends(id="trends")
                yield Static(id="decision")
                yield EpochTable(id="epochs")
            with VerticalScroll(id="neighbours"):
                yield NeighbourPanel()
            yield LossPlot(id="plot")
        yield RichLog(id="log", max_lines=500, wrap=False, markup=False, highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#neighbours").border_title = "neighbours"
        self.query_one("#log").border_title = "gensim log"
        self.query_one(LossPlot).display = False
        self.query_one("#decision").display = False
        self.query_one("#log").display = self.size.height >= SHORT_HEIGHT
        self._apply_size()
        for event in self.history:
            self.apply_event(event)
        self._refresh_panels()
        # One tick a second is enough for the clock and keeps a slow link quiet.
        self.set_interval(1.0, self._refresh_status)
        if self.session is not None:
            self.session.sinks.append(self._receive)
            self.run_worker(self._train, name="training", thread=True, exit_on_error=False)

    def on_resize(self, event: textual_events.Resize) -> None:
        self._apply_size()

    def _apply_size(self) -> None:
        self.screen.set_class(self.size.width < NARROW_WIDTH, "narrow")

    def _train(self) -> None:
        assert self.session is not None
        self.session.run()

    def _receive(self, event: Event) -> None:
        """Sink for the session; runs on the training thread, so it only posts."""
        if self.is_running:
            self.post_message(TrainingEventPosted(event))

    def on_unmount(self) -> None:
        if self.session is not None and self._receive in self.session.sinks:
            self.session.sinks.remove(self._receive)

    def on_training_event_posted(self, message: TrainingEventPosted) -> None:
        self.apply_event(message.event)

    def apply_event(self, event: Event) -> None:
        """Update the view with *event* and redraw what it changed."""
        self.view.apply(event, self.clock())
        try:
            self._draw(event)
        except NoMatches:
            # Events still queued when the app closes find their widgets gone.
            return

    def _draw(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.query_one(EpochTable).set_metrics(event.metrics)
        if isinstance(event, LogRecorded):
            self.query_one("#log", RichLog).write(_log_line(event))
            return
        if isinstance(event, EpochEnded):
            self.query_one(EpochTable).show_epoch(event)
            self._refresh_panels()
            self._refresh_plot()
        elif isinstance(event, EpochEvaluated):
            self.query_one(EpochTable).show_evaluation(event)
            stability = event.values.get("stability")
            title = "neighbours" if stability is None else f"neighbours · {stability:.0%} unchanged"
            self.query_one("#neighbours").border_title = title
            self._refresh_plot()
        elif isinstance(event, EarlyStopChecked):
            self.query_one(EpochTable).mark_best(event.best_epoch)
            decision = self.query_one("#decision", Static)
            decision.update(Text(f"early stopping: {event.reason}", style="bold yellow" if event.stop else "dim"))
            decision.display = True
            self._refresh_plot()
        elif isinstance(event, VocabularyBuilt):
            self._refresh_panels()
        elif isinstance(event, RunFailed):
            self.notify(event.message, title="training failed", severity="error", timeout=30)
            if not self.view.rows:
                # Nothing trained yet: the message is all there is to see, and
                # the command line prints it once the screen is gone.
                self.close_with(1)
        elif isinstance(event, RunFinished):
            if event.output is not None:
                self.notify(f"model saved to {event.output}", title=self.view.state.value, timeout=4)
            if self._quit_when_done:
                self.close_with(0)
        self._refresh_status()
        if self.view.state is not self._drawn_state:
            # Rebuilding the footer on every event would make it flicker.
            self._drawn_state = self.view.state
            self.refresh_bindings()

    def _refresh_status(self) -> None:
        if not self.is_running:
            return
        try:
            status = self.query_one(StatusBar)
            progress = self.query_one(ProgressPanel)
        except NoMatches:
            # The interval can fire while the app is closing.
            return
        now = self.clock()
        status.update(render_status(self.view, now))
        progress.update(render_progress(self.view))

    def _refresh_panels(self) -> None:
        view = self.view
        measured = any(row.loss is not None for row in view.rows) or not view.rows
        self.query_one(Trends).show(list(view.losses), list(view.speeds), measured)
        min_count = view.vocabulary.min_count if view.vocabulary is not None else None
        self.query_one(NeighbourPanel).update(render_neighbours(view.probes, min_count))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim the keys that do nothing in the current state."""
        if action == "toggle_pause":
            return (self.steering is not None and self.view.state in (RunState.TRAINING, RunState.PAUSED)) or None
        if action == "stop":
            active = self.view.state.active and self.view.state is not RunState.STOPPING
            return (self.steering is not None and active) or None
        return True

    def action_toggle_pause(self) -> None:
        """Pause training, or resume it if paused."""
        if self.steering is None:
            return
        if self.view.state is RunState.PAUSED:
            self.steering.resume()
        else:
            self.steering.pause()

    def action_stop(self) -> None:
        """End training early and save the model."""
        if self.steering is not None:
            self.steering.stop()

    async def action_quit(self) -> None:
        """Quit at once unless this process trains; then ask, stop, save and quit."""
        if self.session is None or not self.view.state.active:
            self.close_with(1 if self.view.state is RunState.FAILED else 0)
            return

        def answered(quit_run: bool | None) -> None:
            if quit_run and self.session is not None:
                self.quit_when_done()
                self.session.stop("quit by the user")

        self.push_screen(QuitScreen(), answered)

    def action_interrupt(self) -> None:
        """Stop, save a checkpoint and exit, as SIGINT does; a second ctrl+c exits at once."""
        if self.session is None or not self.view.state.active:
            self.close_with(130)
            return
        if self.interrupted:
            self.abandoned = True
            self.close_with(130)
            return
        self.interrupted = True
        self.quit_when_done()
        self.session.stop("interrupted by ctrl+c")
        self.notify("stopping and saving a checkpoint; press ctrl+c again to leave at once", timeout=10)

    def close_with(self, status: int) -> None:
        """Exit the app with *status* as both its result and its return code."""
        self.exit(status, return_code=status)

    def quit_when_done(self) -> None:
        """Close the screen once the run has finished and saved."""
        self._quit_when_done = True
        if not self.view.state.active:
            self.close_with(1 if self.view.state is RunState.FAILED else 0)

    def _refresh_plot(self) -> None:
        view = self.view
        training = [(row.epoch, row.loss) for row in view.rows if row.loss is not None]
        heldout = [
            (epoch, value)
            for epoch, evaluated in sorted(view.evaluations.items())
            if (value := evaluated.values.get("val_loss")) is not None
        ]
        best = view.decision.best_epoch if view.decision is not None else None
        self.query_one(LossPlot).show(training, heldout, best)

    def action_toggle_plot(self) -> None:
        """Show the loss plot in place of the neighbours, or back."""
        plot = self.query_one(LossPlot)
        plot.display = not plot.display
        self.query_one("#neighbours").display = not plot.display

    def action_toggle_log(self) -> None:
        """Show or hide gensim's log."""
        log = self.query_one("#log")
        log.display = not log.display

    def action_help(self) -> None:
        """Show the keys and what the figures mean."""
        self.push_screen(HelpScreen())


def _log_line(record: LogRecorded) -> Text:
    stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
    style = {"WARNING": "yellow", "ERROR": "red", "CRITICAL": "bold red"}.get(record.level, "")
    line = Text(f"{stamp} ", style="dim")
    line.append(f"{record.level[:4]} ", style=style or "dim")
    line.append(record.message, style=style)
    return line
