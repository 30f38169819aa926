"""Helpers for the tests of the screen: corpora that train for seconds, waiting on the app, reading the screen."""

from __future__ import annotations

import asyncio
import html
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gensim.test.utils import datapath
from gensim_tui.callbacks import TrainingConfig, TrainingSession
from textual.app import App
from textual.pilot import Pilot

WAIT_SECONDS = 120.0
"""Upper bound on any wait in these tests. It guards against hangs and is never a speed check."""

POLL_SECONDS = 0.05

LEE_COPIES = 12
"""Copies of the Lee corpus (about 60,000 words each) that make one epoch last one to two seconds on two cores."""


def repeated_corpus(folder: Path, copies: int, name: str = "news.txt") -> Path:
    """Write gensim's Lee background corpus *copies* times into *folder* / *name* and return the path."""
    text = Path(datapath("lee_background.cor")).read_text(encoding="utf-8")
    path = folder / name
    path.write_text(text * copies, encoding="utf-8")
    return path


def app_config(corpus: Path, output: Path, **overrides: Any) -> TrainingConfig:
    """Return a config small enough for a test of the screen, with *overrides* applied."""
    values: dict[str, Any] = {
        "vector_size": 20,
        "epochs": 3,
        "workers": 2,
        "min_count": 5,
        "seed": 1,
        "probes": ("police", "government"),
    }
    values.update(overrides)
    return TrainingConfig(corpus=str(corpus), output=str(output), **values)


async def wait_until(
    pilot: Pilot[Any],
    condition: Callable[[], bool],
    description: str,
    timeout: float = WAIT_SECONDS,
) -> None:
    """Let the app run until *condition* holds, and fail with *description* after *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {description}")
        if pilot.app.is_running:
            await pilot.pause(POLL_SECONDS)
        else:
            # Pilot.pause needs a screen, which an exiting app no longer has.
            await asyncio.sleep(POLL_SECONDS)


def finish_session(session: TrainingSession, timeout: float = WAIT_SECONDS) -> None:
    """Stop *session* if it still runs and wait until its thread has sent the last event.

    Every test calls this in a ``finally``, so no training thread outlives its test.
    """
    session.stop("the test ended")
    if not session.done.wait(timeout):
        raise AssertionError(f"the training thread did not end within {timeout} s of a stop request")


_SVG_TEXT = re.compile(
    r'<text class="[^"]*" x="(?P<x>[\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#terminal-(?:\d+-)?line-(?P<line>\d+)\)">(?P<text>.*?)</text>',
    re.DOTALL,
)

_CELL_WIDTH = 12.2
"""Width in px of one terminal cell in Rich's SVG export: its 20 px line height times its font aspect ratio 0.61."""


def svg_lines(svg: str) -> list[str]:
    """Return the text of each terminal line in an SVG screenshot made by Rich (Textual's export).

    Rich leaves out runs of blank cells, so each piece of text is placed at the
    column its x coordinate gives. Characters two cells wide count as one here.
    """
    lines: dict[int, str] = {}
    for match in _SVG_TEXT.finditer(svg):
        number = int(match["line"])
        column = round(float(match["x"]) / _CELL_WIDTH)
        text = html.unescape(match["text"]).replace("\xa0", " ").rstrip("\n")
        lines[number] = lines.get(number, "").ljust(column) + text
    if not lines:
        return []
    return [lines.get(number, "").rstrip() for number in range(max(lines) + 1)]


def screen_lines(app: App[Any]) -> list[str]:
    """Return the text of each line of the app's screen as it is drawn now."""
    return svg_lines(app.export_screenshot())


async def wait_for_screen(
    pilot: Pilot[Any],
    condition: Callable[[list[str]], bool],
    description: str,
    timeout: float = 10.0,
) -> list[str]:
    """Wait until the lines of the screen satisfy *condition*, and return them.

    A widget changed by an event is redrawn on a later turn of the event
    loop, so a screen read straight after the event can show the old text.
    """
    app = pilot.app
    lines: list[str] = []

    def drawn() -> bool:
        nonlocal lines
        lines = screen_lines(app)
        return condition(lines)

    try:
        await wait_until(pilot, drawn, description, timeout)
    except AssertionError as error:
        raise AssertionError(f"{error}; the screen:\n" + "\n".join(lines)) from None
    return lines


async def wait_for_footer(pilot: Pilot[Any], timeout: float = 10.0) -> None:
    """Wait until the footer shows its keys.

    The footer rebuilds its keys after each event the app draws, and a screen
    read meanwhile shows the footer blank.
    """
    await wait_for_screen(
        pilot, lambda lines: bool(lines) and "Pause/Resume" in lines[-1], "the footer keys to be drawn", timeout
    )


def load_model_in_fresh_python(path: Path, cwd: Path | None = None) -> dict[str, Any]:
    """Load the model at *path* with plain gensim in a new interpreter and return what it reports.

    The report has the vocabulary size, vector size and epochs of the model,
    the nearest neighbour of its most frequent word, and the names of any
    gensim_tui modules that loading imported (there must be none).
    """
    script = (
        "import json, sys\n"
        "from gensim.models import Word2Vec\n"
        f"model = Word2Vec.load({str(path)!r})\n"
        "first = model.wv.index_to_key[0]\n"
        "print(json.dumps({\n"
        "    'words': len(model.wv),\n"
        "    'vector_size': model.vector_size,\n"
        "    'epochs': model.epochs,\n"
        "    'neighbour': model.wv.most_similar(first, topn=1)[0][0],\n"
        "    'gensim_tui_modules': sorted(\n"
        "        name for name in sys.modules if name == 'gensim_tui' or name.startswith('gensim_tui.')\n"
        "    ),\n"
        "}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        cwd=cwd,
        check=False,
    )
    assert completed.returncode == 0, f"plain gensim could not load {path}:\n{completed.stderr}"
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def live_non_daemon_threads() -> list[str]:
    """Return the names of live threads, other than the main thread, that would keep Python from exiting."""
    main = threading.main_thread()
    return [thread.name for thread in threading.enumerate() if thread is not main and not thread.daemon]
