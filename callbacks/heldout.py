"""Held-out loss: gensim's training objective on sentences the model never trains on.

The loss is the one gensim's Cython trainers add to ``running_training_loss``
(``word2vec_inner.pyx``, gensim 4.3-4.4). Each output unit adds ``-log σ(x)``
for the positive target or a Huffman code bit 0, and ``-log σ(-x)`` for a
negative sample or a code bit 1. Here ``x`` is the dot product of the input
vector and the unit's output weights. This module computes it with numpy from
the model's current weights, without training, and with two differences that
make epochs comparable: the window is always full (no random shrinking) and
no word is downsampled. By default it is the exact ``log σ`` in float64;
``gensim_table=True`` reproduces gensim's own approximate bookkeeping instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.fasttext import FastTextKeyedVectors

from .heldout_split import SplitCorpus, is_heldout, split_holdout, validation_corpus

MAX_SENTENCE_LENGTH = 10_000
"""gensim's ``MAX_SENTENCE_LEN``: its trainers ignore in-vocabulary words past this many in one sentence."""

MAX_EXP = 6.0
"""gensim's ``MAX_EXP``: its loss leaves out every term whose score is at or beyond ±6."""

TABLE_SCALE = 83
"""Index scale of gensim's log table: ``EXP_TABLE_SIZE / MAX_EXP / 2`` is 1000 / 6 / 2 in C integers."""

CHUNK_FLOATS = 1 << 22
"""Floats gathered at once (16 MB in float32), which bounds memory for any number of pairs."""

ROWS_PER_PREDICTION = 32
"""Weight rows per prediction assumed when sizing chunks. A longer Huffman path makes a chunk larger."""

__all__ = [
    "HeldOutLoss",
    "SplitCorpus",
    "heldout_loss",
    "heldout_pairs",
    "is_heldout",
    "split_holdout",
    "validation_corpus",
]
"""The held-out API in one place. The split itself is in ``heldout_split``."""

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class HeldOutPairs:
    """(centre, context) word indexes from held-out sentences, grouped by centre occurrence.

    The pairs of one centre occurrence are contiguous and ordered by position,
    and occurrences follow the order of the text.
    """

    centres: IntArray
    contexts: IntArray
    occurrence_starts: IntArray
    """Index of the first pair of each centre occurrence."""
    occurrence_centres: IntArray
    """Vocabulary index of each centre occurrence's word."""
    vocabulary_size: int
    """Size of the vocabulary the indexes refer to."""

    @property
    def pairs(self) -> int:
        """Number of (centre, context) pairs."""
        return len(self.centres)


def _sentence_indexes(model: Any, sentences: Iterable[Sequence[str]]) -> tuple[IntArray, IntArray]:
    """Return the in-vocabulary word indexes of all sentences and the sentence boundaries."""
    key_to_index = model.wv.key_to_index
    words: list[int] = []
    bounds = [0]
    for sentence in sentences:
        indexes = [key_to_index[token] for token in sentence if token in key_to_index][:MAX_SENTENCE_LENGTH]
        # A lone word has no context and no loss that depends on the weights.
        if len(indexes) > 1:
            words.extend(indexes)
            bounds.append(len(words))
    return np.asarray(words, dtype=np.int64), np.asarray(bounds, dtype=np.int64)


def _choose_occurrences(counts: IntArray, max_pairs: int, seed: int) -> IntArray:
    """Pick centre positions, in text order, whose pairs add up to at most *max_pairs*."""
    if int(counts.sum()) <= max_pairs:
        return np.arange(len(counts), dtype=np.int64)
    order = np.random.default_rng(seed).permutation(len(counts))
    selected = order[np.cumsum(counts[order]) <= max_pairs]
    if len(selected) == 0:
        raise ValueError(f"max_pairs={max_pairs} is smaller than the pairs of a single word; raise it")
    return np.sort(selected)


def heldout_pairs(
    model: Any, sentences: Iterable[Sequence[str]], max_pairs: int = 100_000, seed: int = 0
) -> HeldOutPairs:
    """Build the (centre, context) pairs of *sentences* with *model*'s vocabulary and window.

    Out-of-vocabulary words are dropped before windowing, as gensim drops them.
    The window is always the model's full ``window`` on both sides (gensim
    shrinks it at random for each word) and no word is downsampled, so the
    pairs are the same on every call. When there are more than *max_pairs*,
    whole centre occurrences are kept at random with *seed* until the cap is
    reached.

    Raises:
        ValueError: no sentence has two in-vocabulary words, or *max_pairs* is too small.
    """
    if max_pairs < 1:
        raise ValueError(f"max_pairs must be at least 1; got {max_pairs}")
    words, bounds = _sentence_indexes(model, sentences)
    if len(words) == 0:
        raise ValueError(
            "no held-out sentence has two words in the model's vocabulary; "
            "check the held-out text (a generator can be read only once)"
        )
    window = int(model.window)
    lengths = np.diff(bounds)
    starts = np.repeat(bounds[:-1], lengths)
    ends = np.repeat(bounds[1:], lengths)
    positions = np.arange(len(words), dtype=np.int64)
    counts = np.minimum(window, positions - starts) + np.minimum(window, ends - 1 - positions)
    chosen = _choose_occurrences(counts, max_pairs, seed)

    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
    context_positions = chosen[:, None] + offsets[None, :]
    valid = (context_positions >= starts[chosen, None]) & (context_positions < ends[chosen, None])
    occurrence_of_pair = np.broadcast_to(np.arange(len(chosen))[:, None], valid.shape)[valid]
    pair_counts = valid.sum(axis=1)
    occurrence_starts = np.concatenate([[0], np.cumsum(pair_counts)[:-1]]).astype(np.int64)
    return HeldOutPairs(
        centres=words[chosen][occurrence_of_pair],
        contexts=words[context_positions[valid]],
        occurrence_starts=occurrence_starts,
        occurrence_centres=words[chosen],
        vocabulary_size=len(model.wv),
    )


def _input_table(model: Any, words: IntArray) -> tuple[FloatArray, IntArray, FloatArray]:
    """Return (rows, row of each vocabulary index, count) for the input side of *words*.

    For Word2Vec a row is the word's vector and its count is 1. For FastText a
    row is ``vectors_vocab`` plus the word's ``vectors_ngrams`` rows and its
    count is one plus the number of its ngram buckets, as ``fasttext_inner.pyx``
    sums them (``wv.vectors`` is refreshed only after training).
    """
    wv = model.wv
    if not isinstance(wv, FastTextKeyedVectors):
        return wv.vectors, np.arange(len(wv), dtype=np.int64), np.ones(len(wv), dtype=np.float32)
    unique = np.unique(words)
    buckets = [wv.buckets_word[index] for index in unique]
    sizes = np.asarray([len(b) for b in buckets], dtype=np.int64)
    rows = wv.vectors_vocab[unique].astype(np.float32, copy=True)
    step = max(1, CHUNK_FLOATS // (wv.vector_size * max(1, int(sizes.max(initial=1)))))
    for first in range(0, len(unique), step):
        part = slice(first, first + step)
        flat = np.concatenate([np.asarray(b, dtype=np.int64) for b in buckets[part]] + [np.zeros(0, np.int64)])
        filled = np.flatnonzero(sizes[part] > 0)
        if len(filled):
            group_starts = np.concatenate([[0], np.cumsum(sizes[part])[:-1]])[filled]
            rows[first + filled] += np.add.reduceat(wv.vectors_ngrams[flat], group_starts, axis=0)
    lookup = np.full(len(wv), -1, dtype=np.int64)
    lookup[unique] = np.arange(len(unique))
    return rows, lookup, (1 + sizes).astype(np.float32)


def _prediction_inputs(model: Any, pairs: HeldOutPairs) -> Iterator[tuple[FloatArray, IntArray]]:
    """Yield (input vectors, target word indexes) in chunks, one row per prediction gensim makes."""
    fasttext = isinstance(model.wv, FastTextKeyedVectors)
    rows, lookup, counts = _input_table(model, np.concatenate([pairs.centres, pairs.contexts]))
    step = max(1, CHUNK_FLOATS // (model.wv.vector_size * ROWS_PER_PREDICTION))
    if model.sg:
        # Word2Vec feeds the context word and predicts the centre; FastText the reverse.
        inputs, targets = (pairs.centres, pairs.contexts) if fasttext else (pairs.contexts, pairs.centres)
        for first in range(0, len(targets), step):
            chosen = lookup[inputs[first : first + step]]
            vectors = rows[chosen]
            if fasttext:
                # fasttext_inner.pyx divides by the number of ngrams alone, not ngrams + 1.
                vectors = (vectors / np.maximum(counts[chosen] - 1, 1)[:, None]).astype(np.float32)
            yield vectors, targets[first : first + step]
        return
    ends = np.append(pairs.occurrence_starts[1:], pairs.centres.size)
    for first in range(0, len(ends), step):
        start, stop = int(pairs.occurrence_starts[first]), int(ends[min(first + step, len(ends)) - 1])
        chosen = lookup[pairs.contexts[start:stop]]
        local = pairs.occurrence_starts[first : first + step] - start
        sums = np.add.reduceat(rows[chosen], local, axis=0)
        if model.cbow_mean:
            sums /= np.add.reduceat(counts[chosen], local)[:, None]
        yield sums, pairs.occurrence_centres[first : first + step]


def _huffman_tree(wv: Any, targets: IntArray) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Return padded (points, codes, mask) arrays of the Huffman paths of *targets*."""
    unique, inverse = np.unique(targets, return_inverse=True)
    points = wv.expandos["point"]
    codes = wv.expandos["code"]
    depth = max(len(codes[index]) for index in unique)
    padded_points = np.zeros((len(unique), depth), dtype=np.int64)
    padded_codes = np.zeros((len(unique), depth), dtype=np.int64)
    mask = np.zeros((len(unique), depth), dtype=bool)
    for row, index in enumerate(unique):
        length = len(codes[index])
        padded_points[row, :length] = points[index]
        padded_codes[row, :length] = codes[index]
        mask[row, :length] = True
    return padded_points[inverse], padded_codes[inverse], mask[inverse]


def _gensim_log_table() -> npt.NDArray[np.float64]:
    """Return ``LOG_TABLE`` as ``word2vec_inner.pyx`` fills it: log σ at 1,000 points from -6 to 6."""
    exp_table = np.exp((np.arange(1000, dtype=np.float32) / np.float32(1000) * 2 - 1) * 6).astype(np.float32)
    table: npt.NDArray[np.float64] = np.log(exp_table / (exp_table + 1)).astype(np.float32).astype(np.float64)
    return table


def _loss_terms(
    scores: npt.NDArray[Any], signs: npt.NDArray[Any], keep: npt.NDArray[np.bool_], gensim_table: bool
) -> float:
    """Sum ``-log σ(sign · score)`` over the kept terms, exactly or as gensim's bookkeeping reads it."""
    signed = signs * scores.astype(np.float64)
    if not gensim_table:
        return float(np.logaddexp(0.0, -signed)[keep].sum())
    keep = keep & (np.abs(signed) < MAX_EXP)
    index = np.clip(((signed + MAX_EXP) * TABLE_SCALE).astype(np.int64), 0, 999)
    return float(-_LOG_TABLE[index][keep].sum())


_LOG_TABLE = _gensim_log_table()


def heldout_loss(
    model: Any,
    pairs: HeldOutPairs,
    *,
    seed: int = 0,
    gensim_table: bool = False,
    reduction: Literal["mean", "sum"] = "mean",
) -> float:
    """Compute the training objective's loss of *model*'s current weights on *pairs*.

    Skip-gram makes one prediction per pair, CBOW one per centre occurrence
    from the mean (``cbow_mean=1``) or sum of its context's input vectors.
    Negative sampling takes, for each prediction in order, ``model.negative``
    integers below ``cum_table[-1]`` from ``numpy.random.default_rng(seed)``
    and maps them to words through ``model.cum_table`` as gensim maps its own
    draws, so every call uses the same negatives. A negative equal to the
    target is left out, as gensim does. Hierarchical softmax walks the
    target's Huffman path in ``syn1``. A model with both adds both losses.

    Args:
        model: a trained or training Word2Vec or FastText model.
        pairs: pairs from ``heldout_pairs`` built with the same vocabulary.
        seed: seed of the negative samples.
        gensim_table: reproduce gensim's ``running_training_loss`` instead of
            the exact loss: leave out terms whose score is at or beyond ±6 and
            read ``log σ`` from gensim's table. That table's index is scaled
            by 83 where 83.3 would be exact, so it reads more than the exact
            loss (about 2% more for the Lee-corpus models in the tests).
        reduction: "mean" for the loss per prediction, "sum" for the total.

    Raises:
        ValueError: *pairs* were built with another vocabulary, or an unknown reduction.
    """
    if pairs.vocabulary_size != len(model.wv):
        raise ValueError(
            f"the pairs were built for a vocabulary of {pairs.vocabulary_size} words but the model has "
            f"{len(model.wv)}; build them again with heldout_pairs()"
        )
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum'; got {reduction!r}")
    rng = np.random.default_rng(seed)
    total = 0.0
    predictions = 0
    for inputs, targets in _prediction_inputs(model, pairs):
        predictions += len(targets)
        if model.hs:
            points, codes, mask = _huffman_tree(model.wv, targets)
            scores = np.einsum("nd,nld->nl", inputs, model.syn1[points])
            total += _loss_terms(scores, 1.0 - 2.0 * codes, mask, gensim_table)
        if model.negative:
            total += _negative_sampling_loss(model, inputs, targets, rng, gensim_table)
    return total / predictions if reduction == "mean" else total


def _negative_sampling_loss(
    model: Any, inputs: FloatArray, targets: IntArray, rng: np.random.Generator, gensim_table: bool
) -> float:
    cum_table = model.cum_table
    draws = rng.integers(0, int(cum_table[-1]), size=(len(targets), int(model.negative)))
    negatives = np.searchsorted(cum_table, draws, side="left")
    outputs = np.concatenate([targets[:, None], negatives], axis=1)
    scores = np.einsum("nd,nkd->nk", inputs, model.syn1neg[outputs])
    signs = np.full(outputs.shape, -1.0)
    signs[:, 0] = 1.0
    keep = np.ones(outputs.shape, dtype=bool)
    keep[:, 1:] = negatives != targets[:, None]
    return _loss_terms(scores, signs, keep, gensim_table)


class HeldOutLoss(CallbackAny2Vec):  # type: ignore[misc]
    """Record the held-out loss (mean per prediction) after every epoch.

    Works with plain ``model.train(..., callbacks=[HeldOutLoss(heldout)])``.
    The pairs are built from *sentences* on the first measurement of each
    ``train()`` call; each measurement then costs time proportional to
    *max_pairs*, whatever the corpus size.
    """

    monitor_name = "val_loss"
    """The early-stopping monitor name of this figure."""

    def __init__(
        self,
        sentences: Iterable[Sequence[str]],
        max_pairs: int = 100_000,
        seed: int = 0,
        gensim_table: bool = False,
    ) -> None:
        if max_pairs < 1:
            raise ValueError(f"max_pairs must be at least 1; got {max_pairs}")
        self.sentences = sentences
        self.max_pairs = max_pairs
        self.seed = seed
        self.gensim_table = gensim_table
        self.history: list[float] = []
        """Mean held-out loss per prediction after each epoch."""
        self.seconds: list[float] = []
        """Time each measurement took, the first including building the pairs."""
        self._pairs: HeldOutPairs | None = None

    @property
    def latest(self) -> float | None:
        """The last figure recorded, or None before the first."""
        return self.history[-1] if self.history else None

    @property
    def measurements(self) -> int:
        """Number of figures recorded."""
        return len(self.history)

    def on_train_begin(self, model: Any) -> None:
        # The vocabulary may have grown since the last train() call.
        self._pairs = None

    def on_epoch_end(self, model: Any) -> None:
        self.measure(model)

    def measure(self, model: Any) -> float:
        """Compute and record the held-out loss of *model*'s current weights."""
        started = time.perf_counter()
        if self._pairs is None or self._pairs.vocabulary_size != len(model.wv):
            self._pairs = heldout_pairs(model, self.sentences, self.max_pairs, self.seed)
        loss = heldout_loss(model, self._pairs, seed=self.seed, gensim_table=self.gensim_table)
        self.history.append(loss)
        self.seconds.append(time.perf_counter() - started)
        return loss
