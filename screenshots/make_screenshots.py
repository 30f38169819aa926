"""Make the SVG screenshots in this folder from a real training run.

Usage: python screenshots/make_screenshots.py

It trains Word2Vec on gensim's bundled Lee news corpus, repeated so that an
epoch lasts about two seconds on two cores, under the monitor app in
Textual's headless test mode, and saves:

- training.svg: 120x40, mid-epoch with a few finished epochs in the table
- paused.svg: 120x40, after pressing p
- finished.svg: 120x40, after the last epoch
- training-80x24.svg: 80x24, mid-epoch

Every run trains afresh, so the figures differ a little from run to run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gensim.test.utils import datapath
from gensim_tui.callbacks import TrainingConfig, TrainingSession
from gensim_tui.callbacks.logs import captured_logs
from gensim_tui.tui.app import MonitorApp
from gensim_tui.tui.view import RunState
from textual.pilot import Pilot

HERE = Path(__file__).resolve().parent

COPIES = 12
"""Copies of the Lee corpus (about 60,000 words each) in the training corpus."""

EPOCHS = 8
PROBES = ("police", "government", "economy", "fire")
WAIT_SECONDS = 600.0
"""Upper bound on the wait for any state, so a broken build fails instead of hanging."""


def make_config(folder: Path) -> TrainingConfig:
    """Write the repeated corpus into *folder* and return the training parameters."""
    text = Path(datapath("lee_background.cor")).read_text(encoding="utf-8")
    (folder / "news.txt").write_text(text * COPIES, encoding="utf-8")
    # Relative paths, resolved in *folder*, keep temporary folder names off the screen.
    return TrainingConfig(
        corpus="news.txt",
        output="news.model",
        vector_size=50,
        window=5,
        min_count=5,
        epochs=EPOCHS,
        workers=2,
        probes=PROBES,
    )


async def wait_until(pilot: Pilot[int], condition: Callable[[], bool], description: str) -> None:
    """Let the app run until *condition* holds. Raise after WAIT_SECONDS, or at once if training failed."""
    app = pilot.app
    assert isinstance(app, MonitorApp)
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if app.view.failure is not None:
            raise RuntimeError(f"training failed: {app.view.failure.message}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {WAIT_SECONDS} s waiting for {description}")
        await pilot.pause(0.05)


def mid_epoch(app: MonitorApp, finished_epochs: int) -> bool:
    """True while training runs in the middle part of an epoch after *finished_epochs* epochs."""
    return (
        app.view.state is RunState.TRAINING
        and len(app.view.rows) >= finished_epochs
        and 0.3 <= app.view.epoch_fraction <= 0.7
    )


async def save(pilot: Pilot[int], name: str) -> Path:
    """Save the app's screen as *name* in this folder once it is fully drawn, and return the path.

    The footer rebuilds its keys after training events, and an export
    taken meanwhile shows it blank, so this waits for an export with the keys.
    """
    app = pilot.app
    await wait_until(pilot, lambda: "Pause/Resume" in app.export_screenshot(), "the footer to be drawn")
    # No await between the check and the save, so the screen cannot change in between.
    return Path(app.save_screenshot(filename=name, path=str(HERE)))


async def shoot_wide(config: TrainingConfig) -> list[Path]:
    """Train the whole run at 120x40 and save the training, paused and finished screens."""
    session = TrainingSession(config)
    app = MonitorApp(session)
    saved: list[Path] = []
    with captured_logs(session.emit):
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await wait_until(pilot, lambda: mid_epoch(app, 3), "the middle of the fourth epoch")
                saved.append(await save(pilot, "training.svg"))

                await pilot.press("p")
                await wait_until(pilot, lambda: app.view.state is RunState.PAUSED, "the paused state")
                saved.append(await save(pilot, "paused.svg"))

                await pilot.press("p")
                await wait_until(pilot, lambda: app.view.state is RunState.FINISHED, "the end of the run")
                saved.append(await save(pilot, "finished.svg"))
        finally:
            session.stop("the screenshots are taken")
            session.done.wait(WAIT_SECONDS)
    return saved


async def shoot_narrow(config: TrainingConfig) -> list[Path]:
    """Train at 80x24 until the middle of the third epoch, save the screen, then stop."""
    session = TrainingSession(config)
    app = MonitorApp(session)
    saved: list[Path] = []
    with captured_logs(session.emit):
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_until(pilot, lambda: mid_epoch(app, 2), "the middle of the third epoch")
                saved.append(await save(pilot, "training-80x24.svg"))
        finally:
            session.stop("the screenshots are taken")
            session.done.wait(WAIT_SECONDS)
    return saved


async def shoot_all() -> list[Path]:
    """Make every screenshot, training in a temporary folder that is removed afterwards."""
    start_folder = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="gensim-tui-screenshots-") as folder:
        os.chdir(folder)
        try:
            config = make_config(Path(folder))
            return [*await shoot_wide(config), *await shoot_narrow(config)]
        finally:
            os.chdir(start_folder)


def main() -> int:
    """Make the screenshots and print their paths and sizes."""
    saved = asyncio.run(shoot_all())
    for path in saved:
        print(f"{path.stat().st_size:>8} bytes  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
