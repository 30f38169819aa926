"""Short human-readable forms of the figures on screen."""

from __future__ import annotations

NOT_MEASURED = "—"
"""Shown where a figure was not measured; never 0."""


def duration(seconds: float | None) -> str:
    """Format seconds as H:MM:SS, or M:SS under an hour."""
    if seconds is None:
        return NOT_MEASURED
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def seconds(value: float | None) -> str:
    """Format a short span with a unit: 0.84s, 12.3s, 4:05."""
    if value is None:
        return NOT_MEASURED
    if value < 10:
        return f"{value:.2f}s"
    if value < 60:
        return f"{value:.1f}s"
    return duration(value)


def count(value: float | None) -> str:
    """Format a count with a k/M/G suffix and three significant digits."""
    if value is None:
        return NOT_MEASURED
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            scaled = value / limit
            return f"{scaled:.3g}{suffix}" if abs(scaled) < 100 else f"{scaled:.0f}{suffix}"
    return f"{value:.0f}"


def loss(value: float | None) -> str:
    """Format a loss with five significant digits, or the not-measured mark."""
    if value is None:
        return NOT_MEASURED
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def signed(value: float | None) -> str:
    """Format a change with an explicit sign."""
    if value is None:
        return NOT_MEASURED
    return f"{value:+,.0f}" if abs(value) >= 1000 else f"{value:+.4g}"


def percent(value: float | None) -> str:
    """Format a signed percentage."""
    if value is None:
        return NOT_MEASURED
    return f"{value:+.1f}%"


def size(value: int | None) -> str:
    """Format a byte count: 512 B, 3.4 MB."""
    if value is None:
        return NOT_MEASURED
    amount = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    return f"{amount:.1f} TB"
