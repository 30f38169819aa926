"""A plot with axes of the training and held-out loss per epoch, raw and smoothed."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

SMOOTHING = 0.5
"""Weight of the newest epoch in the exponential moving average."""


def smoothed(values: Sequence[float], weight: float = SMOOTHING) -> list[float]:
    """Return the exponential moving average of *values*, starting at the first value."""
    result: list[float] = []
    for value in values:
        result.append(value if not result else weight * value + (1.0 - weight) * result[-1])
    return result


class LossPlot(PlotextPlot):
    """Training loss (left axis) and held-out loss (right axis) per epoch, the best epoch marked."""

    def show(
        self,
        training: Sequence[tuple[int, float]],
        heldout: Sequence[tuple[int, float]],
        best_epoch: int | None,
    ) -> None:
        """Redraw from (epoch, value) series; either may be empty."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("loss per epoch")
        plt.xlabel("epoch")
        if training:
            epochs, values = zip(*training, strict=True)
            plt.plot(epochs, values, label="training", yside="left", marker="braille")
            plt.plot(epochs, smoothed(values), label="smoothed", yside="left", marker="dot")
        if heldout:
            epochs, values = zip(*heldout, strict=True)
            plt.plot(epochs, values, label="held-out", yside="right", marker="braille")
            plt.plot(epochs, smoothed(values), label="held-out smoothed", yside="right", marker="dot")
        if best_epoch is not None:
            plt.vline(best_epoch)
            plt.text(f"best {best_epoch}", best_epoch, _top(training, heldout))
        if not training and not heldout:
            plt.title("loss per epoch: no measured loss yet")
        self.refresh()


def _top(training: Sequence[tuple[int, float]], heldout: Sequence[tuple[int, float]]) -> float:
    values = [value for _epoch, value in training] or [value for _epoch, value in heldout] or [0.0]
    return max(values)
