"""Splitting a corpus into training and held-out sentences, the same way on every pass."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from .corpus import LineCorpus, check_corpus


def _unit_hash(seed: int, index: int) -> float:
    """Map (seed, index) to a uniform float in [0, 1) with the splitmix64 finaliser."""
    mask = (1 << 64) - 1
    z = (seed * 0x9E3779B97F4A7C15 + index + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return (z ^ (z >> 31)) / 2.0**64


def is_heldout(index: int, fraction: float, seed: int = 0) -> bool:
    """Return True if the sentence at *index* (from 0) belongs to the held-out part.

    Each sentence is decided on its own from a hash of (seed, index), so the
    held-out share is about *fraction* and the same sentences are picked on
    every pass and in every process.
    """
    return _unit_hash(seed, index) < fraction


def _check_fraction(fraction: float) -> None:
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"held-out fraction must be between 0 and 1, exclusive; got {fraction}")


def split_holdout(
    sentences: Iterable[Sequence[str]], fraction: float, seed: int = 0
) -> tuple[list[list[str]], list[list[str]]]:
    """Split *sentences* into (training, held-out) lists with ``is_heldout``.

    Raises:
        ValueError: *fraction* is not strictly between 0 and 1.
    """
    _check_fraction(fraction)
    training: list[list[str]] = []
    heldout: list[list[str]] = []
    for index, sentence in enumerate(sentences):
        (heldout if is_heldout(index, fraction, seed) else training).append(list(sentence))
    return training, heldout


class SplitCorpus:
    """Restartable iterable over one part of a corpus, split as ``split_holdout`` splits it.

    Streams *corpus*, which must be restartable itself, on every pass, so a
    corpus larger than memory can be split. Give ``SplitCorpus(corpus, 0.1)`` to ``build_vocab`` and ``train`` and
    ``SplitCorpus(corpus, 0.1, part="heldout")`` to ``HeldOutLoss``.
    """

    def __init__(
        self,
        corpus: Iterable[Sequence[str]],
        fraction: float,
        seed: int = 0,
        part: Literal["train", "heldout"] = "train",
    ) -> None:
        _check_fraction(fraction)
        if part not in ("train", "heldout"):
            raise ValueError(f"part must be 'train' or 'heldout'; got {part!r}")
        self.corpus = corpus
        self.fraction = fraction
        self.seed = seed
        self.part = part

    def __iter__(self) -> Iterator[list[str]]:
        take_heldout = self.part == "heldout"
        for index, sentence in enumerate(self.corpus):
            if is_heldout(index, self.fraction, self.seed) == take_heldout:
                yield list(sentence)


def validation_corpus(path: str) -> LineCorpus:
    """Return a restartable reader of a separate validation file in LineSentence format.

    Raises:
        CorpusError: the file is missing, a folder or unreadable.
    """
    check_corpus(path)
    return LineCorpus(path)
