"""Pure arithmetic behind the figures on screen."""

from __future__ import annotations

from collections.abc import Sequence


def loss_change(previous: float | None, current: float | None) -> tuple[float | None, float | None]:
    """Return the absolute and percent change from *previous* to *current* loss.

    Either is None when it cannot be computed: no previous epoch, an
    unmeasured loss, or a previous loss of zero for the percentage.
    """
    if previous is None or current is None:
        return None, None
    delta = current - previous
    percent = None if previous == 0 else 100.0 * delta / abs(previous)
    return delta, percent


def eta_seconds(elapsed: float, epoch: int, epochs: int, fraction_of_epoch: float) -> float | None:
    """Estimate the training time left, assuming the remaining work runs at the pace so far.

    *epoch* counts from 1 and *fraction_of_epoch* is the share of that epoch done.
    Returns None until some work has been done.
    """
    done = (epoch - 1 + min(max(fraction_of_epoch, 0.0), 1.0)) / epochs if epochs else 0.0
    if done <= 0.0 or elapsed <= 0.0:
        return None
    return max(0.0, elapsed * (1.0 - done) / done)


def scheduled_alpha(alpha: float, min_alpha: float, epochs: int, position: float) -> float:
    """Return the learning rate gensim's linear schedule gives at *position* epochs into training.

    gensim decays alpha linearly from *alpha* to *min_alpha* over all epochs
    (``Word2Vec._get_next_alpha``) and never goes below *min_alpha*.
    """
    if epochs <= 0:
        return alpha
    return max(min_alpha, alpha - (alpha - min_alpha) * position / epochs)


def neighbour_overlap(before: Sequence[str], after: Sequence[str]) -> float | None:
    """Return the share of *after* that was already in *before*, or None if either is empty."""
    if not before or not after:
        return None
    return len(set(before) & set(after)) / len(set(after))
