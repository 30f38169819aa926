"""Plain console output for runs without a screen (``--headless``, nohup, cron, CI)."""

from __future__ import annotations

import os
import time

from gensim_tui.callbacks.events import (
    CheckpointSaved,
    EarlyStopChecked,
    EpochEnded,
    EpochEvaluated,
    EpochProgressed,
    Event,
    ModelSaved,
    Paused,
    Resumed,
    RunFinished,
    RunResumed,
    RunStarted,
    StopRequested,
    VocabularyBuilt,
    VocabularyProgressed,
)
from rich.console import Console

from . import formatting

PROGRESS_EVERY = 10.0
"""Seconds between two progress lines; a log file grows by a few lines a minute at most."""


class ConsoleReporter:
    """A sink that prints one plain line per epoch and a progress line every few seconds.

    Once the terminal or pipe stops accepting output (the SSH session is gone,
    the reader of the pipe quit), the reporter goes quiet instead of failing
    the training thread that called it.
    """

    def __init__(self, console: Console | None = None, progress_every: float = PROGRESS_EVERY) -> None:
        self.console = console or Console(highlight=False, soft_wrap=True)
        self.progress_every = progress_every
        self._next_progress = 0.0
        self.silenced = False

    def __call__(self, event: Event) -> None:
        if self.silenced:
            return
        line = self.line_for(event)
        if line is None:
            return
        try:
            self.console.print(line, markup=False)
        except (OSError, SystemExit):
            # Rich handles a broken pipe by pointing standard output at
            # /dev/null and raising SystemExit (Console.on_broken_pipe in rich
            # 15.0), which would otherwise end the training thread.
            self.silenced = True

    def line_for(self, event: Event) -> str | None:
        """Return the line printed for *event*, or None for events shown only on screen."""
        if isinstance(event, (EpochProgressed, VocabularyProgressed)):
            now = time.monotonic()
            if now < self._next_progress:
                return None
            self._next_progress = now + self.progress_every
            return _progress_line(event)
        if isinstance(event, RunStarted):
            return (
                f"training word2vec on {event.corpus} for {event.epochs} epochs; model will be saved to {event.output}"
            )
        if isinstance(event, RunResumed):
            return (
                f"resuming from {os.path.basename(event.checkpoint)}: {event.epochs_completed} of "
                f"{event.epochs} epochs done"
            )
        if isinstance(event, VocabularyBuilt):
            return (
                f"vocabulary: {event.vocabulary_size} words with count >= {event.min_count} "
                f"({event.distinct_words} distinct, {event.corpus_words} words, {event.sentences} sentences); "
                f"probes: {', '.join(event.probes) or 'none'}"
            )
        if isinstance(event, EpochEnded):
            return (
                f"epoch {event.epoch}/{event.epochs}  loss {formatting.loss(event.loss)}"
                f"  Δ {formatting.signed(event.loss_delta)} ({formatting.percent(event.loss_delta_percent)})"
                f"  {formatting.count(event.words_per_sec)} words/s  {formatting.seconds(event.epoch_seconds)}"
                f"  elapsed {formatting.duration(event.elapsed_seconds)}  alpha {event.alpha:.5f}"
            )
        if isinstance(event, Paused):
            return f"paused in epoch {event.epoch}"
        if isinstance(event, Resumed):
            return f"resumed after {formatting.seconds(event.paused_seconds)}"
        if isinstance(event, StopRequested):
            return f"stopping in epoch {event.epoch}: {event.reason}"
        if isinstance(event, CheckpointSaved):
            return f"checkpoint saved: {event.path}"
        if isinstance(event, ModelSaved):
            return f"model saved: {event.path}"
        if isinstance(event, RunFinished):
            if event.stopped_early:
                return f"stopped early after epoch {event.epochs_completed} of {event.epochs}"
            return f"finished {event.epochs_completed} epochs in {formatting.duration(event.elapsed_seconds)}"
        if isinstance(event, EpochEvaluated):
            figures = [
                f"{name} {value:.4g}" for name, value in event.values.items() if name != "loss" and value is not None
            ]
            return f"  after epoch {event.epoch}: {', '.join(figures)}" if figures else None
        if isinstance(event, EarlyStopChecked) and event.stop:
            return f"early stopping: {event.reason}"
        # A failure is printed once, on standard error, when the run ends.
        return None


def _progress_line(event: EpochProgressed | VocabularyProgressed) -> str:
    if isinstance(event, VocabularyProgressed):
        read = formatting.size(event.bytes_read)
        total = formatting.size(event.bytes_total) if event.bytes_total else "?"
        return f"  vocabulary scan: {read} of {total}, {formatting.count(event.words)} words"
    share = event.words_done / event.words_total if event.words_total else 0.0
    return (
        f"  epoch {event.epoch}/{event.epochs}: {share:.0%}, {formatting.count(event.words_per_sec)} words/s,"
        f" elapsed {formatting.duration(event.elapsed_seconds)}"
    )
