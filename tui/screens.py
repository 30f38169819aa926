"""Modal screens: the help text and the quit confirmation."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown

HELP_TEXT = """\
# gensim-tui keys

| key | action |
|-----|--------|
| `p` | pause training; press again to resume where it was |
| `s` | stop early: end the current epoch now, save the model |
| `q` | quit: while training, asks first, then stops and saves |
| `l` | show or hide gensim's log |
| `g` | show the loss plot in place of the neighbours, or back |
| `ctrl+c` | stop, save a checkpoint and exit with status 130; press it again to leave at once |
| `?` | this help; `escape` closes it |

**Pause** stops the worker threads within about one batch (10,000 words);
elapsed time and words/s exclude the pause.

**Loss** is the sum of the training objective over one epoch, counted per
batch so that it does not depend on the number of worker threads. A `+`
before a neighbour marks a word that was not among that probe's neighbours
one epoch earlier. A `—` marks a figure that was not measured.
"""


class HelpScreen(ModalScreen[None]):
    """The keys and what the figures mean."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss_help", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Markdown(HELP_TEXT)

    def action_dismiss_help(self) -> None:
        """Close the help screen."""
        self.dismiss(None)


class QuitScreen(ModalScreen[bool]):
    """Ask before quitting while training runs; the result is True to quit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Stop, save and quit"),
        Binding("n,escape", "answer(False)", "Keep training"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            yield Label("Training is still running.")
            yield Label("Stop it, save the model and quit?  [b]y[/b] yes   [b]n[/b] no")

    def action_answer(self, quit_run: bool) -> None:
        """Close the dialog with the user's choice."""
        self.dismiss(quit_run)
