"""The ``gensim-tui`` command.

Parsing happens before anything heavy is imported, so ``--help`` and argument
errors answer at once without loading gensim or Textual.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

PROG = "gensim-tui"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser; option names are gensim's parameter names."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Train a gensim Word2Vec model on CORPUS under a live terminal monitor: "
            "loss per epoch, speed, nearest neighbours of probe words; "
            "keys p pause/resume, s stop early, q quit, ? help."
        ),
    )
    parser.add_argument(
        "corpus",
        metavar="CORPUS",
        help="text file with one sentence per line, tokens separated by whitespace, UTF-8; .gz and .bz2 work too",
    )
    model = parser.add_argument_group("Word2Vec parameters (gensim's names and defaults)")
    model.add_argument(
        "--vector-size", type=_positive, default=100, help="dimensions of the word vectors (default 100)"
    )
    model.add_argument(
        "--window", type=_positive, default=5, help="max distance between centre and context word (default 5)"
    )
    model.add_argument(
        "--min-count", type=_positive, default=5, help="ignore words with a lower total count (default 5)"
    )
    model.add_argument("--sg", type=int, choices=(0, 1), default=0, help="1 for skip-gram, 0 for CBOW (default 0)")
    model.add_argument("--hs", type=int, choices=(0, 1), default=0, help="1 for hierarchical softmax (default 0)")
    model.add_argument(
        "--negative", type=_non_negative, default=5, help="noise words per positive sample, 0 for none (default 5)"
    )
    model.add_argument(
        "--sample",
        type=_non_negative_float,
        default=1e-3,
        help="downsampling threshold for frequent words (default 0.001)",
    )
    model.add_argument("--alpha", type=_positive_float, default=0.025, help="initial learning rate (default 0.025)")
    model.add_argument(
        "--min-alpha", type=_non_negative_float, default=0.0001, help="final learning rate (default 0.0001)"
    )
    model.add_argument("--epochs", type=_positive, default=5, help="passes over the corpus (default 5)")
    model.add_argument(
        "--workers", type=_positive, default=os.cpu_count() or 1, help="worker threads (default: the number of cores)"
    )
    model.add_argument("--seed", type=int, default=1, help="seed of the random number generator (default 1)")
    model.add_argument(
        "--max-vocab-size",
        type=_positive,
        default=None,
        help="prune the vocabulary scan to this many words (default: no limit)",
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
    monitor.add_argument("--topn", type=_positive, default=5, help="neighbours shown per probe word (default 5)")
    monitor.add_argument(
        "--output", metavar="PATH", help="where to save the model (default: CORPUS-NAME.model in the current folder)"
    )
    monitor.add_argument("--csv", metavar="PATH", help="also write the epoch table to this CSV file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command and return its exit status."""
    args = build_parser().parse_args(argv)
    if args.hs == 0 and args.negative == 0:
        return _fail("--hs 0 with --negative 0 leaves no training objective; set --negative 5 or --hs 1")
    if args.min_alpha > args.alpha:
        return _fail(f"--min-alpha {args.min_alpha} is above --alpha {args.alpha}; the learning rate only decreases")

    from gensim_tui.callbacks import CorpusError, OutputError, TrainingConfig
    from gensim_tui.callbacks.corpus import check_corpus
    from gensim_tui.callbacks.saving import check_output

    output = args.output or default_output(args.corpus)
    try:
        check_corpus(args.corpus)
        check_output(output)
        if args.csv:
            check_output(args.csv)
    except (CorpusError, OutputError) as error:
        return _fail(str(error), status=1)

    config = TrainingConfig(
        corpus=args.corpus,
        output=output,
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
    from .run import run_with_screen

    return run_with_screen(config, csv_path=args.csv)


def default_output(corpus: str) -> str:
    """Return CORPUS-NAME.model in the current folder, numbered so no earlier model is overwritten."""
    name = os.path.basename(corpus.rstrip("/")) or "corpus"
    for suffix in (".gz", ".bz2"):
        name = name.removesuffix(suffix)
    stem = os.path.splitext(name)[0] or name
    candidate = f"{stem}.model"
    number = 2
    while os.path.exists(candidate):
        candidate = f"{stem}-{number}.model"
        number += 1
    return candidate


def _fail(message: str, status: int = 2) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return status


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _non_negative(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None


def _positive_float(text: str) -> float:
    value = _float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = _float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
