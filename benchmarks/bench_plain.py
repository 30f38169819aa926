"""Train once without the screen and print per-epoch words/s as JSON.

Run by ``bench_speed.py`` in a fresh process for each measurement, so every
contestant starts from the same state:

- ``--mode loss`` and ``--mode noloss``: plain gensim, the way a user would
  write it: ``LineSentence``, ``build_vocab``, then
  ``train(compute_loss=True/False)`` with a callback that times each epoch.
- ``--mode core``: gensim-tui's training core (``TrainingSession``, with its
  per-batch loss hook and its own corpus reader) without any screen.

Words/s is raw corpus words per epoch divided by the epoch's wall-clock time,
from the start to the end of the epoch as gensim's epoch callbacks see them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.word2vec import LineSentence

MODES = ("loss", "noloss", "core")


class EpochTimer(CallbackAny2Vec):  # type: ignore[misc]
    """Record each epoch's wall-clock seconds and words/s."""

    def __init__(self) -> None:
        self.started = 0.0
        self.epochs: list[dict[str, float]] = []

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, model: Word2Vec) -> None:
        seconds = time.perf_counter() - self.started
        self.epochs.append(
            {
                "epoch": len(self.epochs) + 1,
                "seconds": seconds,
                "words_per_sec": model.corpus_total_words / seconds,
                "loss": float(model.get_latest_training_loss()),
            }
        )


def run_plain(corpus: str, epochs: int, workers: int, seed: int, compute_loss: bool) -> dict[str, Any]:
    """Train with plain gensim and return the per-epoch figures."""
    model = Word2Vec(epochs=epochs, workers=workers, seed=seed)
    started = time.perf_counter()
    model.build_vocab(LineSentence(corpus))
    vocabulary_seconds = time.perf_counter() - started
    timer = EpochTimer()
    model.train(
        LineSentence(corpus),
        total_examples=model.corpus_count,
        total_words=model.corpus_total_words,
        epochs=model.epochs,
        compute_loss=compute_loss,
        callbacks=[timer],
    )
    return {
        "corpus_words": model.corpus_total_words,
        "vocabulary_size": len(model.wv),
        "vocabulary_seconds": vocabulary_seconds,
        "epochs": timer.epochs,
    }


def run_core(corpus: str, epochs: int, workers: int, seed: int) -> dict[str, Any]:
    """Train with gensim-tui's ``TrainingSession`` and return the per-epoch figures."""
    from gensim_tui.callbacks import Event, TrainingConfig, TrainingSession
    from gensim_tui.callbacks.events import EpochEnded, RunFailed, VocabularyBuilt

    figures: dict[str, Any] = {"epochs": []}

    def collect(event: Event) -> None:
        if isinstance(event, VocabularyBuilt):
            figures["corpus_words"] = event.corpus_words
            figures["vocabulary_size"] = event.vocabulary_size
            figures["vocabulary_seconds"] = event.seconds
        elif isinstance(event, EpochEnded):
            figures["epochs"].append(
                {
                    "epoch": event.epoch,
                    "seconds": event.epoch_seconds,
                    "words_per_sec": event.words_per_sec,
                    "loss": event.loss,
                }
            )

    with tempfile.TemporaryDirectory(prefix="bench-core-") as folder:
        config = TrainingConfig(
            corpus=corpus, output=str(Path(folder) / "model"), epochs=epochs, workers=workers, seed=seed
        )
        result = TrainingSession(config, [collect]).run()
    if isinstance(result, RunFailed):
        raise RuntimeError(f"TrainingSession failed: {result.message}")
    return figures


def main(argv: list[str] | None = None) -> int:
    """Parse the options, train once, print the figures as one JSON object."""
    parser = argparse.ArgumentParser(description="Train Word2Vec once and print per-epoch words/s as JSON.")
    parser.add_argument(
        "--mode",
        choices=MODES,
        required=True,
        help="loss/noloss: plain gensim with compute_loss on/off; core: gensim-tui's TrainingSession",
    )
    parser.add_argument("--corpus", required=True, help="LineSentence corpus file")
    parser.add_argument("--epochs", type=int, default=3, help="training epochs (default: 3)")
    parser.add_argument("--workers", type=int, default=2, help="gensim worker threads (default: 2)")
    parser.add_argument("--seed", type=int, default=1, help="gensim random seed (default: 1)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.workers < 1:
        parser.error("--epochs and --workers must be at least 1")
    if not Path(args.corpus).is_file():
        parser.error(f"corpus not found: {args.corpus}")

    if args.mode == "core":
        figures = run_core(args.corpus, args.epochs, args.workers, args.seed)
    else:
        figures = run_plain(args.corpus, args.epochs, args.workers, args.seed, args.mode == "loss")
    figures["mode"] = args.mode
    json.dump(figures, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
