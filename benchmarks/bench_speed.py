"""Compare gensim-tui's training speed with plain gensim, and time its pause key.

Usage: python benchmarks/bench_speed.py [--corpus PATH] [--epochs N] [--workers N] [--repeats N]

Each round trains the same Word2Vec model once per contestant, each in a fresh
process, in a fixed alternating order so that slow drift of the machine
affects every contestant alike:

1. plain gensim, ``train(compute_loss=True)`` (the reference for the ratio)
2. the installed ``gensim-tui`` command in a detached tmux session
3. with ``--candidate PATH``: that second gensim-tui executable, also in tmux
4. plain gensim, ``train(compute_loss=False)``
5. gensim-tui's training core without a screen (skip with ``--skip-core``)

Words/s is measured per epoch: raw corpus words over the epoch's wall-clock
seconds. gensim-tui reports it in its ``--csv`` file; the other contestants
print it from an epoch callback (see bench_plain.py). The table shows the
median over all epochs of all rounds. A last gensim-tui run measures how long
the pause key takes to make the process idle. See README.md in this folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import Any

from bench_corpus import Corpus, CorpusUnavailable, default_cache_dir, resolve_corpus
from bench_report import NOISY_LOAD, REFERENCE, Contestant, Results, print_pauses, print_table, print_terminal_load
from bench_tmux import BenchmarkError, LoadMeter, wait_for_quiet
from bench_tui import PauseReport, TuiRun, run_pause_test, run_tui, tui_command

PLAIN_SCRIPT = Path(__file__).with_name("bench_plain.py")
QUIET_CORES = 0.1
QUIET_WINDOW = 2.0
"""Before each run the benchmark waits until the machine used at most QUIET_CORES over QUIET_WINDOW seconds."""


def machine_description() -> str:
    """Return the CPU count and model, the OS and the library versions."""
    import gensim

    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, gensim {gensim.__version__}"
    )


def find_command(requested: str | None) -> Path:
    """Return the gensim-tui executable: *requested*, the one beside this Python, or the one on PATH."""
    if requested is not None:
        candidate: str | None = requested
    else:
        beside = Path(sys.executable).with_name("gensim-tui")
        candidate = str(beside) if beside.is_file() else shutil.which("gensim-tui")
    if candidate is None or not Path(candidate).is_file():
        raise BenchmarkError(
            "gensim-tui command not found; install the project (pip install -e .) or pass --command PATH"
        )
    return Path(candidate)


def check_tools(command: Path) -> None:
    """Raise BenchmarkError unless tmux exists and *command* has the options the benchmark uses."""
    if shutil.which("tmux") is None:
        raise BenchmarkError("tmux not found; install it (apt-get install -y tmux) to run gensim-tui in a terminal")
    try:
        completed = subprocess.run([str(command), "--help"], capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"{command} --help timed out after 60 s") from None
    except OSError as error:
        raise BenchmarkError(
            f"cannot run {command}: {error.strerror}; give the path of a gensim-tui executable"
        ) from None
    missing = [
        option for option in ("--csv", "--output", "--epochs", "--workers", "--seed") if option not in completed.stdout
    ]
    if completed.returncode != 0 or missing:
        raise BenchmarkError(
            f"{command} --help exited with status {completed.returncode} and does not list "
            f"{', '.join(missing) or 'a usable interface'}; the benchmark needs the complete CLI. "
            f"Output: {(completed.stdout + completed.stderr).strip()[:300]!r}"
        )


def run_headless(mode: str, corpus: Path, args: argparse.Namespace, meter: LoadMeter) -> list[float]:
    """Run bench_plain.py once in a fresh process; return its per-epoch words/s.

    *meter* is closed when the process has ended, with the CPU time it used.
    """
    command = [
        sys.executable,
        str(PLAIN_SCRIPT),
        "--mode",
        mode,
        "--corpus",
        str(corpus),
        "--epochs",
        str(args.epochs),
        "--workers",
        str(args.workers),
        "--seed",
        str(args.seed),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=args.run_timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"{mode} run timed out after {args.run_timeout:.0f} s") from None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    meter.finish(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if completed.returncode != 0:
        raise BenchmarkError(
            f"{mode} run failed with exit status {completed.returncode}: {completed.stderr.strip()[-2000:]}"
        )
    figures: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return [float(epoch["words_per_sec"]) for epoch in figures["epochs"]]


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """Parse and check the command line; exit with status 2 on an invalid option."""
    parser = argparse.ArgumentParser(
        description="Compare words/s of gensim-tui in a real terminal with plain gensim, and time its pause key."
    )
    parser.add_argument(
        "--corpus",
        help="LineSentence corpus file (default: the GCIDE corpus, built into "
        "the cache folder from Debian's dict-gcide; without it gensim's head500.noblanks.cor)",
    )
    parser.add_argument("--epochs", type=int, default=3, help="training epochs per run (default: 3)")
    parser.add_argument("--workers", type=int, default=2, help="gensim worker threads (default: 2)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="rounds of alternating runs; 0 runs only the pause test (default: 3)"
    )
    parser.add_argument("--seed", type=int, default=1, help="gensim random seed (default: 1)")

    parser.add_argument(
        "--pauses",
        type=int,
        default=5,
        help="pause/resume cycles in the pause-latency run; 0 skips that run (default: 5)",
    )
    parser.add_argument(
        "--candidate",
        type=Path,
        help="a second gensim-tui executable (for example a build with a change under test) to time in the same rounds",
    )
    parser.add_argument("--skip-core", action="store_true", help="leave out the screenless TrainingSession runs")

    parser.add_argument("--width", type=int, default=120, help="tmux window width in columns (default: 120)")
    parser.add_argument("--height", type=int, default=40, help="tmux window height in rows (default: 40)")
    parser.add_argument("--command", help="gensim-tui executable (default: the one beside this Python, else PATH)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=default_cache_dir(),
        help="folder for the built GCIDE corpus (default: %(default)s)",
    )

    parser.add_argument(
        "--run-timeout",
        type=float,
        default=900.0,
        help="seconds one training run may take before the benchmark gives up (default: 900)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="seconds to wait before each run for other processes to go quiet, then run anyway (default: 60)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="times to repeat a run during which other processes used more than 0.1 cores (default: 2)",
    )
    parser.add_argument("--json", type=Path, help="also write every measured figure to this JSON file")

    args = parser.parse_args(argv)
    check_arguments(parser, args)
    return args


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exit through ``parser.error`` when an option value is out of range."""
    for name in ("epochs", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    if args.repeats < 0:
        parser.error(f"--repeats must be 0 or more, got {args.repeats}")
    if args.repeats == 0 and args.pauses == 0:
        parser.error("--repeats 0 and --pauses 0 leave nothing to measure")
    if args.pauses < 0:
        parser.error(f"--pauses must be 0 or more, got {args.pauses}")
    if args.pauses and args.epochs < 2:
        parser.error("the pause test pauses from the second epoch on, so it needs --epochs 2 or more (or --pauses 0)")
    if args.width < 80 or args.height < 24:
        parser.error(f"the tmux window must be at least 80x24, got {args.width}x{args.height}")
    if args.quiet_wait < 0 or args.retries < 0:
        parser.error("--quiet-wait and --retries must be 0 or more")
    if args.run_timeout <= 0:
        parser.error(f"--run-timeout must be positive, got {args.run_timeout}")


def raise_on_signal(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM and SIGHUP into SystemExit, so that cleanup in ``finally`` blocks runs."""
    raise SystemExit(128 + signum)


def measure_once(
    contestant: Contestant, args: argparse.Namespace, corpus: Corpus, folder: Path, name: str
) -> tuple[list[float], float, TuiRun | None]:
    """Run *contestant* once after waiting for a quiet machine; return (words/s per epoch, other load, tmux figures)."""
    quiet = wait_for_quiet(QUIET_CORES, QUIET_WINDOW, args.quiet_wait)
    meter = LoadMeter()
    tui_run: TuiRun | None = None
    if contestant.command is not None:
        tui_run = run_tui(contestant.command, corpus.path, args, folder, name, meter)
        per_epoch = tui_run.words_per_sec
    else:
        per_epoch = run_headless(contestant.key.removeprefix("plain-"), corpus.path, args, meter)
    other_cores = meter.result()
    print(
        f"{name:<18} {contestant.label:<46} {' '.join(f'{value:>10,.0f}' for value in per_epoch)} words/s  "
        f"({time.monotonic() - meter.started:.0f} s, other load {quiet:.2f} cores before, {other_cores:.2f} during)",
        flush=True,
    )
    return per_epoch, other_cores, tui_run


def benchmark(args: argparse.Namespace, corpus: Corpus, command: Path, folder: Path) -> dict[str, Any]:
    """Run all rounds and the pause test, print the tables, return the raw figures."""
    terminal = f"in tmux {args.width}x{args.height}"
    contestants = [
        Contestant(REFERENCE, "plain gensim, compute_loss=True"),
        Contestant("tui", f"gensim-tui {terminal}", command),
    ]
    if args.candidate is not None:
        contestants.append(Contestant("candidate", f"candidate {args.candidate.name} {terminal}", args.candidate))
    contestants.append(Contestant("plain-noloss", "plain gensim, compute_loss=False"))
    if not args.skip_core:
        contestants.append(Contestant("core", "gensim-tui core, no screen (TrainingSession)"))
    results = Results()
    tui_runs: dict[str, list[TuiRun]] = {}
    for round_number in range(1, args.repeats + 1):
        for contestant in contestants:
            for attempt in range(1, args.retries + 2):
                name = f"{contestant.key}-r{round_number}-{attempt}"
                per_epoch, other_cores, tui_run = measure_once(contestant, args, corpus, folder, name)
                if other_cores <= NOISY_LOAD or attempt > args.retries:
                    break
                print(f"  discarded: other processes used {other_cores:.2f} cores meanwhile; running it again")
            results.add(contestant.key, per_epoch, other_cores)
            if tui_run is not None:
                tui_runs.setdefault(contestant.key, []).append(tui_run)
    if args.repeats:
        print_table(contestants, results)
        print_terminal_load(contestants, tui_runs)

    pauses: PauseReport | None = None
    if args.pauses:
        csv_path = folder / "pause.csv"
        command_line = tui_command(command, corpus.path, args, csv_path, folder / "pause.model")
        wait_for_quiet(QUIET_CORES, QUIET_WINDOW, args.quiet_wait)
        pauses = run_pause_test(command_line, csv_path, args, folder)
        print_pauses(pauses)
    return {
        "rounds": results.rounds,
        "other_load_cores": results.other_load,
        "tmux_runs": {key: [asdict(run) for run in runs] for key, runs in tui_runs.items()},
        "pauses": asdict(pauses) if pauses is not None else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = parse_arguments(argv)
    signal.signal(signal.SIGTERM, raise_on_signal)
    signal.signal(signal.SIGHUP, raise_on_signal)

    try:
        command = find_command(args.command)
        check_tools(command)
        if args.candidate is not None:
            check_tools(args.candidate)
        corpus, notice = resolve_corpus(args.corpus, args.cache_dir)
    except (BenchmarkError, CorpusUnavailable) as error:
        print(f"bench_speed: {error}", file=sys.stderr)
        return 2

    if notice is not None:
        print(f"note: {notice}")
    print(f"corpus: {corpus.path} - {corpus.description}, {corpus.lines:,} lines, {corpus.words:,} words")
    print(f"machine: {machine_description()}")
    print(
        f"runs: {args.repeats} rounds, {args.epochs} epochs each, workers={args.workers}, seed={args.seed}, "
        f"other parameters at gensim's defaults; gensim-tui: {command}\n",
        flush=True,
    )

    try:
        with tempfile.TemporaryDirectory(prefix="gensim-tui-bench-") as folder:
            figures = benchmark(args, corpus, command, Path(folder))
    except BenchmarkError as error:
        print(f"bench_speed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench_speed: interrupted; the tmux sessions and temporary files were removed", file=sys.stderr)
        return 130

    if args.json is not None:
        figures["corpus"] = {"path": str(corpus.path), "lines": corpus.lines, "words": corpus.words}
        figures["machine"] = machine_description()
        figures["parameters"] = {"epochs": args.epochs, "workers": args.workers, "seed": args.seed}
        try:
            args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            print(f"bench_speed: cannot write {args.json}: {error.strerror}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
