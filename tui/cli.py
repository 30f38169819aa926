"""The ``gensim-tui`` command.

Parsing happens before anything heavy is imported, so ``--help`` and argument
errors return at once without loading gensim or Textual.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from . import option_types

PROG = "gensim-tui"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser; option names are gensim's parameter names."""
    parser = option_types.OneLineParser(
        prog=PROG,
        description=(
            "Train a gensim Word2Vec model on CORPUS under a live terminal monitor: "
            "loss per epoch, speed, nearest neighbours of probe words; "
            "keys p pause/resume, s stop early, q quit, ? help."
        ),
        epilog=(
            f"Other commands: `{PROG} resume RUN_DIR` continues an interrupted run from its last checkpoint; "
            f"`{PROG} watch RUN_DIR` shows a run trained by another process."
        ),
    )
    parser.add_argument(
        "corpus",
        metavar="CORPUS",
        help="text file with one sentence per line, tokens separated by whitespace, UTF-8 (.gz, .bz2 and .xz "
        "work too), a folder of such files, or - for standard input",
    )
    parser.add_argument(
        "--model",
        choices=("word2vec", "fasttext", "doc2vec"),
        default="word2vec",
        help="model to train (default word2vec); for doc2vec each line is a document tagged with its line number",
    )
    model = parser.add_argument_group("parameters of all models (gensim's names and defaults)")
    model.add_argument(
        "--vector-size", type=option_types.positive, default=100, help="dimensions of the word vectors (default 100)"
    )
    model.add_argument(
        "--window",
        type=option_types.positive,
        default=5,
        help="max distance between centre and context word (default 5)",
    )
    model.add_argument(
        "--min-count", type=option_types.positive, default=5, help="ignore words with a lower total count (default 5)"
    )
    model.add_argument(
        "--sg",
        type=int,
        choices=(0, 1),
        default=0,
        help="Word2Vec and FastText: 1 for skip-gram, 0 for CBOW (default 0)",
    )
    model.add_argument("--hs", type=int, choices=(0, 1), default=0, help="1 for hierarchical softmax (default 0)")
    model.add_argument(
        "--negative",
        type=option_types.non_negative,
        default=5,
        help="noise words per positive sample, 0 for none (default 5)",
    )
    model.add_argument(
        "--sample",
        type=option_types.non_negative_float,
        default=1e-3,
        help="downsampling threshold for frequent words (default 0.001)",
    )
    model.add_argument(
        "--alpha", type=option_types.positive_float, default=0.025, help="initial learning rate (default 0.025)"
    )
    model.add_argument(
        "--min-alpha", type=option_types.non_negative_float, default=0.0001, help="final learning rate (default 0.0001)"
    )
    model.add_argument("--epochs", type=option_types.positive, default=5, help="passes over the corpus (default 5)")
    model.add_argument(
        "--workers",
        type=option_types.positive,
        default=os.cpu_count() or 1,
        help="worker threads (default: the number of cores)",
    )
    model.add_argument("--seed", type=int, default=1, help="seed of the random number generator (default 1)")
    model.add_argument(
        "--max-vocab-size",
        type=option_types.positive,
        default=None,
        help="prune the vocabulary scan to this many words (default: no limit)",
    )
    fasttext = parser.add_argument_group("FastText parameters")
    fasttext.add_argument(
        "--min-n", type=option_types.positive, default=3, help="shortest character n-gram (default 3)"
    )
    fasttext.add_argument(
        "--max-n", type=option_types.non_negative, default=6, help="longest character n-gram, 0 for none (default 6)"
    )
    fasttext.add_argument(
        "--bucket", type=option_types.positive, default=2_000_000, help="hash buckets for n-grams (default 2000000)"
    )
    doc2vec = parser.add_argument_group("Doc2Vec parameters")
    doc2vec.add_argument("--dm", type=int, choices=(0, 1), default=1, help="1 for PV-DM, 0 for PV-DBOW (default 1)")
    doc2vec.add_argument(
        "--dbow-words", type=int, choices=(0, 1), default=0, help="1 to train word vectors with PV-DBOW (default 0)"
    )
    monitor = parser.add_argument_group("monitor")
    monitor.add_argument(
        "--probe",
        action="append",
        default=[],
        metavar="WORD",
        help="word whose neighbours are shown after each epoch; repeat for more "
        "(default: a few picked from the vocabulary)",
    )
    monitor.add_argument(
        "--topn", type=option_types.positive, default=5, help="neighbours shown per probe word (default 5)"
    )
    monitor.add_argument(
        "--output",
        metavar="PATH",
        help="also copy the final model here (it is always saved in the run folder as word2vec.model, "
        "fasttext.model or doc2vec.model)",
    )
    monitor.add_argument("--csv", metavar="PATH", help="also write the epoch table to this CSV file")
    stopping = parser.add_argument_group("knowing when to stop")
    stopping.add_argument(
        "--holdout",
        type=option_types.fraction,
        default=0.0,
        metavar="FRACTION",
        help="keep this share of the sentences out of training and show their loss after each epoch (e.g. 0.05)",
    )
    stopping.add_argument("--validation", metavar="FILE", help="show the held-out loss of this separate corpus file")
    stopping.add_argument(
        "--eval-analogies", metavar="FILE", help="analogy accuracy after each epoch (questions-words format)"
    )
    stopping.add_argument(
        "--eval-similarity",
        metavar="FILE",
        help="Spearman correlation on word pairs after each epoch (wordsim353 format)",
    )
    stopping.add_argument(
        "--early-stop",
        metavar="SETTINGS",
        help="stop when a figure stops improving, e.g. monitor=val_loss,patience=3,min_delta=0.1%%,restore_best; "
        "keys: monitor (loss, val_loss, analogy, similarity, stability), mode (min, max), min_delta (a number "
        "or a percentage), patience, baseline, start_from_epoch, restore_best, stop_on_nan, divergence",
    )
    runs = parser.add_argument_group("long runs")
    runs.add_argument(
        "--run-dir",
        metavar="PATH",
        help="folder for the run's parameters, event log, checkpoints and model (default: runs/CORPUS-NAME-TIMESTAMP)",
    )
    runs.add_argument(
        "--checkpoint-every",
        type=option_types.positive,
        default=1,
        metavar="N",
        help="write a checkpoint every N epochs (default 1)",
    )
    runs.add_argument(
        "--corpus-file-mode",
        action="store_true",
        help="train with gensim's corpus_file reader, which scales better with many cores",
    )
    runs.add_argument(
        "--headless",
        action="store_true",
        help="no screen: print one line per epoch (the default when standard output is not a terminal)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command and return its exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["resume"]:
        return _resume(arguments[1:])
    if arguments[:1] == ["watch"]:
        return _watch(arguments[1:])
    return _train(arguments)


def _train(arguments: list[str]) -> int:
    args = build_parser().parse_args(arguments)
    if args.hs == 0 and args.negative == 0:
        return _fail("--hs 0 with --negative 0 leaves no training objective; set --negative 5 or --hs 1")
    if args.min_alpha > args.alpha:
        return _fail(f"--min-alpha {args.min_alpha} is above --alpha {args.alpha}; the learning rate only decreases")
    problem = option_types.check_stopping_options(args)
    if problem is not None:
        return _fail(problem)

    from gensim_tui.callbacks import CorpusError, OutputError, TrainingConfig
    from gensim_tui.callbacks.corpus import check_corpus
    from gensim_tui.callbacks.rundir import FINAL_MODEL_NAMES, RunDirectory, RunDirError
    from gensim_tui.callbacks.saving import check_output

    from .run import is_terminal

    run_path = args.run_dir or default_run_dir("stdin" if args.corpus == "-" else args.corpus)
    headless = args.headless or not is_terminal()
    try:
        if args.corpus == "-":
            args.corpus, headless = _read_standard_input(run_path, headless)
        check_corpus(args.corpus)
        if args.output:
            check_output(args.output)
        if args.csv:
            check_output(args.csv, "the epoch table", "--csv")
    except (CorpusError, OutputError) as error:
        return _fail(str(error), status=1)
    config = TrainingConfig(
        corpus=os.path.abspath(args.corpus),
        output=os.path.abspath(os.path.join(run_path, FINAL_MODEL_NAMES[args.model])),
        model_type=args.model,
        min_n=args.min_n,
        max_n=args.max_n,
        bucket=args.bucket,
        dm=args.dm,
        dbow_words=args.dbow_words,
        corpus_file_mode=args.corpus_file_mode,
        holdout=args.holdout,
        validation=os.path.abspath(args.validation) if args.validation else None,
        eval_analogies=os.path.abspath(args.eval_analogies) if args.eval_analogies else None,
        eval_similarity=os.path.abspath(args.eval_similarity) if args.eval_similarity else None,
        early_stop=args.early_stop,
        vector_size=args.vector_size,
        window=args.window,
        min_count=args.min_count,
        sg=args.sg,
        hs=args.hs,
        negative=args.negative,
        sample=args.sample,
        alpha=args.alpha,
        min_alpha=args.min_alpha,
        epochs=args.epochs,
        workers=args.workers,
        seed=args.seed,
        max_vocab_size=args.max_vocab_size,
        probes=tuple(args.probe),
        topn=args.topn,
    )
    copy_to = os.path.abspath(args.output) if args.output else None
    settings = {"checkpoint_every": args.checkpoint_every, "copy_to": copy_to}
    try:
        run_dir = RunDirectory.create(run_path, config, settings)
    except RunDirError as error:
        return _fail(str(error), status=1)

    from gensim_tui.callbacks.session import TrainingSession

    from .run import run_training

    session = TrainingSession(config, run_dir=run_dir, checkpoint_every=args.checkpoint_every, copy_to=copy_to)
    return run_training(session, run_dir, headless=headless, csv_path=args.csv)


def _read_standard_input(run_path: str, headless: bool) -> tuple[str, bool]:
    """Copy a piped corpus into the run folder; return its path and whether to run headless.

    Standard input can be read only once and training reads the corpus once per
    epoch. Afterwards the keys must come from the terminal, so standard input is
    pointed at it; without one, the run goes on headless.
    """
    from gensim_tui.callbacks.corpus import CorpusError
    from gensim_tui.callbacks.corpus_copy import reattach_terminal, spool_stdin

    if sys.stdin.isatty():
        # Checked before the run folder is made, so a mistake leaves no empty folder.
        raise CorpusError("standard input is a terminal; pipe a corpus into gensim-tui or give a file")
    os.makedirs(run_path, mode=0o700, exist_ok=True)

    def progressed(copied: int) -> None:
        print(f"\rreading standard input: {copied / 1e6:,.1f} MB", end="", file=sys.stderr, flush=True)

    path = spool_stdin(run_path, progressed)
    print(file=sys.stderr)
    if not headless and not reattach_terminal():
        headless = True
    return path, headless


def _resume(arguments: list[str]) -> int:
    parser = option_types.OneLineParser(
        prog=f"{PROG} resume",
        description="Continue an interrupted or stopped run from its last checkpoint to the planned epochs.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the run folder printed when the run started")
    parser.add_argument("--headless", action="store_true", help="no screen: print one line per epoch")
    args = parser.parse_args(arguments)

    from gensim_tui.callbacks import CorpusError
    from gensim_tui.callbacks.corpus import check_corpus
    from gensim_tui.callbacks.rundir import EVENTS, RunDirectory, RunDirError
    from gensim_tui.callbacks.runlog import RunLogError, read_run_log
    from gensim_tui.callbacks.session import TrainingSession

    from .run import is_terminal, run_training

    try:
        run_dir = RunDirectory.open(args.run_dir)
        config = run_dir.read_config()
        settings = run_dir.read_settings()
        checkpoint = run_dir.latest_checkpoint()
        if checkpoint is None:
            return _fail(f"{args.run_dir} has no checkpoint: it ended before its first epoch; start a new run", 1)
        if checkpoint.epochs_completed >= config.epochs:
            return _fail(f"{args.run_dir} already finished all {config.epochs} epochs; its model is {config.output}", 1)
        if run_dir.is_running():
            return _fail(f"{args.run_dir} is being trained by another process; watch it with `{PROG} watch`", 1)
        check_corpus(config.corpus)
        events = run_dir.file(EVENTS)
        history = list(read_run_log(events)) if os.path.exists(events) else []
    except (RunDirError, CorpusError, RunLogError) as error:
        return _fail(str(error), status=1)
    session = TrainingSession(
        config,
        run_dir=run_dir,
        checkpoint_every=int(settings.get("checkpoint_every", 1)),
        resume=checkpoint,
        copy_to=settings.get("copy_to"),
    )
    return run_training(session, run_dir, headless=args.headless or not is_terminal(), history=history)


def _watch(arguments: list[str]) -> int:
    parser = option_types.OneLineParser(
        prog=f"{PROG} watch",
        description=(
            "Show the screen of a run trained by another process, or replay a finished one; "
            "p and s pause, resume and stop it."
        ),
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the run folder printed when the run started")
    args = parser.parse_args(arguments)

    from gensim_tui.callbacks.rundir import RunDirectory, RunDirError

    try:
        RunDirectory.open(args.run_dir)
    except RunDirError as error:
        return _fail(str(error), status=1)
    if not sys.stdout.isatty():
        return _fail("watch needs a terminal to draw on; read the run folder's log.txt instead", 1)

    from .watch import run_watch

    return run_watch(args.run_dir)


def default_run_dir(corpus: str) -> str:
    """Return runs/CORPUS-NAME-TIMESTAMP, numbered if two runs start in the same second."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = os.path.join("runs", f"{_corpus_stem(corpus)}-{stamp}")
    candidate, number = base, 2
    while os.path.exists(candidate):
        candidate = f"{base}-{number}"
        number += 1
    return candidate


def _corpus_stem(corpus: str) -> str:
    name = os.path.basename(corpus.rstrip("/")) or "corpus"
    for suffix in (".gz", ".bz2"):
        name = name.removesuffix(suffix)
    return os.path.splitext(name)[0] or name


def _fail(message: str, status: int = 2) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status
