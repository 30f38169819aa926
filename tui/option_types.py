"""Argument types and cross-checks for the command line; nothing here imports gensim at module level."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, without the usage block above them."""

    def error(self, message: str) -> NoReturn:
        """Print the problem and where to read about the options, then exit with status 2."""
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def check_stopping_options(args: argparse.Namespace) -> str | None:
    """Return a one-line problem with the evaluation and early-stopping options, or None."""
    if args.holdout and args.validation:
        return "give --holdout or --validation, not both"
    if (args.holdout or args.validation) and args.model == "doc2vec":
        return "the held-out loss is computed for word2vec and fasttext, not doc2vec"
    if args.holdout and args.corpus_file_mode:
        return (
            "--holdout needs the default reader, which can leave lines out; "
            "use --validation FILE with --corpus-file-mode"
        )
    from gensim_tui.callbacks.corpus import CorpusError, check_corpus
    from gensim_tui.callbacks.epoch_metrics import parse_early_stop
    from gensim_tui.callbacks.evaluation import AnalogyEvaluation, EvaluationFileError, SimilarityEvaluation

    try:
        if args.validation:
            check_corpus(args.validation)
        if args.eval_analogies:
            AnalogyEvaluation(args.eval_analogies)
        if args.eval_similarity:
            SimilarityEvaluation(args.eval_similarity)
    except (CorpusError, EvaluationFileError) as error:
        return str(error)
    if any(not probe.strip() for probe in args.probe):
        return "--probe needs a word; an empty one was given"
    if not args.early_stop:
        return None
    try:
        policy = parse_early_stop(args.early_stop)
    except (ValueError, TypeError) as error:
        return f"invalid --early-stop: {error}"
    needs = {
        "val_loss": (args.holdout or args.validation, "--holdout or --validation"),
        "analogy": (args.eval_analogies, "--eval-analogies"),
        "similarity": (args.eval_similarity, "--eval-similarity"),
        "loss": (args.model == "word2vec", "--model word2vec: gensim computes no training loss for the others"),
    }
    given, option = needs.get(policy.monitor, (True, ""))
    if not given:
        return f"--early-stop monitor={policy.monitor} needs {option}"
    return None


def positive(text: str) -> int:
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def non_negative(text: str) -> int:
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None


def fraction(text: str) -> float:
    value = float_number(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float_number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = float_number(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def float_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from None
