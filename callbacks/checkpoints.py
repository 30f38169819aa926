"""Checkpoints in the run folder, written so that the previous one survives any failure."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from gensim.models import Word2Vec

from .events import CheckpointSaved
from .rundir import Checkpoint, RunDirectory
from .saving import OutputError, save_model
from .stats import scheduled_alpha


class CheckpointWriter:
    """Save the model into the run folder every *every* epochs and on interruption.

    Each checkpoint goes to a new file, written to a temporary name and renamed;
    only then does ``checkpoint.json`` point at it and the older file go away.
    A crash at any step leaves the index naming a complete file.
    """

    def __init__(
        self,
        run_dir: RunDirectory,
        every: int,
        probes: Sequence[str] = (),
        probe_counts: Sequence[int] = (),
    ) -> None:
        self.run_dir = run_dir
        self.every = every
        self.probes = tuple(probes)
        self.probe_counts = tuple(probe_counts)

    def due(self, epochs_completed: int, epochs: int) -> bool:
        """Return True if a checkpoint is due after *epochs_completed* of *epochs*."""
        return epochs_completed % self.every == 0 or epochs_completed == epochs

    def save(
        self,
        model: Word2Vec,
        schedule: tuple[float, float, int],
        epochs_completed: int,
        elapsed_seconds: float,
        words_into_epoch: int = 0,
        loss_into_epoch: float = 0.0,
        seconds_into_epoch: float = 0.0,
        previous_loss: float | None = None,
    ) -> CheckpointSaved:
        """Write a checkpoint of *model* at the given position and make it the latest one.

        *schedule* is the run's (alpha, min_alpha, epochs), from which the
        learning rate at this position is recorded for resuming.
        """
        started = time.monotonic()
        name = f"checkpoint-{epochs_completed:04d}"
        if words_into_epoch:
            name += f"-{words_into_epoch}w"
        name += ".model"
        alpha, min_alpha, epochs = schedule
        position = epochs_completed + words_into_epoch / max(1, model.corpus_total_words)
        alpha_at_position = scheduled_alpha(alpha, min_alpha, epochs, position)
        # gensim's reader thread runs ahead of the trained words, so after a
        # cut-short epoch the model's lowest alpha lies past this position.
        # Saved as is, the resumed train() would warn "Effective 'alpha' higher
        # than previous training cycles".
        model.min_alpha_yet_reached = alpha_at_position
        path = self.run_dir.file(name)
        try:
            save_model(model, path)
            checkpoint = Checkpoint(
                file=name,
                epochs_completed=epochs_completed,
                words_into_epoch=words_into_epoch,
                loss_into_epoch=loss_into_epoch,
                seconds_into_epoch=seconds_into_epoch,
                alpha=alpha_at_position,
                elapsed_seconds=elapsed_seconds,
                saved_at=time.time(),
                probes=self.probes,
                probe_counts=self.probe_counts,
                previous_loss=previous_loss,
            )
            try:
                self.run_dir.record_checkpoint(checkpoint)
            except OSError:
                # The index still names the previous checkpoint; this file would be an orphan.
                os.remove(path)
                raise
        except OutputError as error:
            # save_model's message already names the file and the reason.
            raise OutputError(f"{error}; {self._what_to_do()}") from None
        except OSError as error:
            raise OutputError(
                f"cannot write checkpoint {path}: {error.strerror or error}; {self._what_to_do()}"
            ) from None
        return CheckpointSaved(path, epochs_completed, words_into_epoch, time.monotonic() - started)

    def _what_to_do(self) -> str:
        folder = self.run_dir.path
        return f"free space or fix permissions in {folder}, then continue with `gensim-tui resume {folder}`"
