"""Tables of the speed benchmark's figures."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench_tui import PauseReport, TuiRun, describe_status

REFERENCE = "plain-loss"
"""Key of the contestant that the ratio column divides by."""
NOISY_LOAD = 0.1
"""Cores used by other processes during a run above which the run is repeated and the table warns."""


@dataclass(frozen=True)
class Contestant:
    """One way of training the model that the benchmark times."""

    key: str
    label: str
    command: Path | None = None
    """The gensim-tui executable for runs in tmux; None for runs without a screen."""


@dataclass
class Results:
    """Per-epoch words/s of every contestant, one list per round."""

    rounds: dict[str, list[list[float]]] = field(default_factory=dict)
    other_load: dict[str, list[float]] = field(default_factory=dict)
    """Cores used by other processes during each run (see LoadMeter)."""

    def add(self, key: str, per_epoch: list[float], other_cores: float) -> None:
        self.rounds.setdefault(key, []).append(per_epoch)
        self.other_load.setdefault(key, []).append(other_cores)

    def epochs(self, key: str) -> list[float]:
        return [value for one_round in self.rounds.get(key, []) for value in one_round]


def print_table(contestants: list[Contestant], results: Results) -> None:
    """Print median, spread and ratio per contestant, then the per-round medians."""
    reference = statistics.median(results.epochs(REFERENCE))
    print(
        f"\n{'contestant':<46} {'epochs':>6} {'median words/s':>15} {'min':>10} {'max':>10} {'ratio':>6}"
        f" {'other load':>10}"
    )
    for contestant in contestants:
        values = results.epochs(contestant.key)
        if not values:
            continue
        median = statistics.median(values)
        print(
            f"{contestant.label:<46} {len(values):>6} {median:>15,.0f} {min(values):>10,.0f} "
            f"{max(values):>10,.0f} {median / reference:>6.3f} {max(results.other_load[contestant.key]):>10.2f}"
        )
    print(f"ratio: median words/s over the median of '{label_of(contestants, REFERENCE)}'")
    print("other load: max over the runs of the cores that other processes used meanwhile")
    print("\nper-round medians (words/s):")
    for contestant in contestants:
        medians = [f"{statistics.median(one_round):>10,.0f}" for one_round in results.rounds.get(contestant.key, [])]
        print(f"  {contestant.label:<44} {' '.join(medians)}")
    busiest = max(max(loads) for loads in results.other_load.values())
    if busiest > NOISY_LOAD:
        print(
            f"\nwarning: other processes used up to {busiest:.2f} cores during a run; "
            "rerun on a quiet machine for figures that compare well"
        )


def label_of(contestants: list[Contestant], key: str) -> str:
    return next(contestant.label for contestant in contestants if contestant.key == key)


def print_pauses(report: PauseReport) -> None:
    """Print the key-to-idle latency figures of the pause test."""
    print(
        f"\npause key to idle, {len(report.latencies)} pauses (poll {report.poll * 1000:.0f} ms, "
        f"idle = no CPU tick over {report.still_polls} polls):"
    )
    for label, seconds in (
        ("whole process", report.latencies),
        ("all threads but the main one", report.training_latencies),
    ):
        latencies = [value * 1000 for value in seconds]
        print(
            f"  {label + ':':<30} median {statistics.median(latencies):.0f} ms, min {min(latencies):.0f} ms, "
            f"max {max(latencies):.0f} ms  (each: {', '.join(f'{value:.0f}' for value in latencies)})"
        )
    print(f"  CPU while paused: {statistics.median(report.paused_cores):.3f} cores (median over the pauses)")
    print(
        f"  quit (q, y) during training: exit status {describe_status(report.exit_status)}, "
        f"{report.quit_seconds:.2f} s from the last key to process exit"
    )


def print_terminal_load(contestants: list[Contestant], tui_runs: dict[str, list[TuiRun]]) -> None:
    """Print the cores that the screen and the terminal used in each gensim-tui run."""
    if not any(run.main_thread_cores is not None for runs in tui_runs.values() for run in runs):
        return
    print("\ncores used from the first to the last epoch row, per run in tmux:")
    for contestant in contestants:
        runs = tui_runs.get(contestant.key, [])
        screen = ", ".join(f"{run.main_thread_cores:.3f}" for run in runs if run.main_thread_cores is not None)
        terminal = ", ".join(f"{run.terminal_cores:.3f}" for run in runs if run.terminal_cores is not None)
        if runs:
            print(f"  {contestant.label}")
            print(f"    main thread (Textual: drawing, events): {screen}")
            print(f"    tmux server (the terminal):             {terminal}")
