"""Held-out loss: splitting, pairs, and the loss checked against a slow per-pair computation and gensim."""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gensim.models import FastText, Word2Vec
from gensim.models.word2vec import LineSentence
from gensim_tui.callbacks.corpus import CorpusError
from gensim_tui.callbacks.heldout import (
    HeldOutLoss,
    HeldOutPairs,
    SplitCorpus,
    heldout_loss,
    heldout_pairs,
    is_heldout,
    split_holdout,
    validation_corpus,
)

TINY_CORPUS = [
    line.split()
    for line in (
        "the quick brown fox jumps over the lazy dog",
        "a lazy dog sleeps under the old tree",
        "the brown dog runs after the quick fox",
        "an old fox hides under a brown tree",
        "quick",
        "the dog and the fox are friends now",
    )
]


@pytest.fixture(scope="module")
def lee_sentences(lee_path: str) -> list[list[str]]:
    return [list(sentence) for sentence in LineSentence(lee_path)]


def tiny_model(kind: type[Any], **parameters: Any) -> Any:
    """Train a tiny model, then give every weight a random value of a visible size.

    Five epochs on six sentences leave the output weights near zero, where
    every score is about 0 and the loss hardly depends on the input vectors.
    """
    settings: dict[str, Any] = {"vector_size": 8, "window": 2, "min_count": 1, "seed": 3, "workers": 1, "epochs": 5}
    settings.update(parameters)
    if kind is FastText:
        settings.setdefault("bucket", 300)
        settings.setdefault("min_n", 2)
        settings.setdefault("max_n", 3)
    model = kind(TINY_CORPUS, **settings)
    rng = np.random.default_rng(17)
    arrays = [model.wv.vectors_vocab, model.wv.vectors_ngrams] if kind is FastText else [model.wv.vectors]
    arrays += [getattr(model, name) for name in ("syn1neg", "syn1") if hasattr(model, name)]
    for array in arrays:
        array[...] = rng.normal(0.0, 0.5, array.shape)
    return model


def log_sigmoid(x: float) -> float:
    return -math.log1p(math.exp(-x)) if x > -30 else x


def input_vector(model: Any, word: int, *, summed: bool) -> np.ndarray[Any, Any]:
    """Return one word's input vector in float64: the plain sum of its rows for CBOW (*summed*), else skip-gram's."""
    wv = model.wv
    if not isinstance(model, FastText):
        vector: np.ndarray[Any, Any] = wv.vectors[word].astype(np.float64)
        return vector
    total: np.ndarray[Any, Any] = wv.vectors_vocab[word].astype(np.float64)
    for bucket in wv.buckets_word[word]:
        total = total + wv.vectors_ngrams[bucket]
    count = len(wv.buckets_word[word])
    # Skip-gram in fasttext_inner.pyx divides the sum by the number of ngrams, not ngrams + 1.
    if not summed and count:
        return total / count
    return total


def reference_loss(model: Any, sentences: Sequence[Sequence[str]], seed: int) -> tuple[float, int]:
    """Return (total loss, predictions) with one Python step per pair, written from word2vec_inner.pyx."""
    rng = np.random.default_rng(seed)
    cum_table = [int(value) for value in model.cum_table] if model.negative else []
    total, predictions = 0.0, 0
    for sentence in sentences:
        words = [model.wv.key_to_index[token] for token in sentence if token in model.wv.key_to_index]
        if len(words) < 2:
            continue
        for i, centre in enumerate(words):
            window = [
                words[j] for j in range(max(0, i - model.window), min(len(words), i + model.window + 1)) if j != i
            ]
            if model.sg:
                for context in window:
                    if isinstance(model, FastText):
                        inputs, target = input_vector(model, centre, summed=False), context
                    else:
                        inputs, target = input_vector(model, context, summed=False), centre
                    total += output_loss(model, inputs, target, rng, cum_table)
                    predictions += 1
            else:
                inputs = np.sum([input_vector(model, word, summed=True) for word in window], axis=0)
                count = len(window)
                if isinstance(model, FastText):
                    count += sum(len(model.wv.buckets_word[word]) for word in window)
                if model.cbow_mean:
                    inputs = inputs / count
                total += output_loss(model, np.asarray(inputs), centre, rng, cum_table)
                predictions += 1
    return total, predictions


def output_loss(
    model: Any, inputs: np.ndarray[Any, Any], target: int, rng: np.random.Generator, cum_table: list[int]
) -> float:
    loss = 0.0
    if model.hs:
        codes = model.wv.get_vecattr(target, "code")
        points = model.wv.get_vecattr(target, "point")
        for code, point in zip(codes, points, strict=True):
            score = float(inputs @ model.syn1[point].astype(np.float64))
            loss -= log_sigmoid(score if code == 0 else -score)
    if model.negative:
        loss -= log_sigmoid(float(inputs @ model.syn1neg[target].astype(np.float64)))
        for draw in rng.integers(0, cum_table[-1], size=model.negative):
            negative = bisect.bisect_left(cum_table, int(draw))
            if negative != target:
                loss -= log_sigmoid(-float(inputs @ model.syn1neg[negative].astype(np.float64)))
    return loss


ARCHITECTURES = {
    "w2v-sg-ns": (Word2Vec, {"sg": 1, "negative": 4}),
    "w2v-sg-hs": (Word2Vec, {"sg": 1, "hs": 1, "negative": 0}),
    "w2v-cbow-ns": (Word2Vec, {"sg": 0, "negative": 4}),
    "w2v-cbow-hs": (Word2Vec, {"sg": 0, "hs": 1, "negative": 0}),
    "w2v-cbow-sum-hs-ns": (Word2Vec, {"sg": 0, "cbow_mean": 0, "hs": 1, "negative": 3}),
    "ft-sg-ns": (FastText, {"sg": 1, "negative": 4}),
    "ft-sg-hs": (FastText, {"sg": 1, "hs": 1, "negative": 0}),
    "ft-cbow-ns": (FastText, {"sg": 0, "negative": 4}),
    "ft-cbow-hs": (FastText, {"sg": 0, "hs": 1, "negative": 0}),
    "ft-no-ngrams-sg-ns": (FastText, {"sg": 1, "negative": 4, "max_n": 0}),
}


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_loss_equals_per_pair_reference(name: str) -> None:
    kind, parameters = ARCHITECTURES[name]
    model = tiny_model(kind, **parameters)
    pairs = heldout_pairs(model, TINY_CORPUS)
    expected_total, predictions = reference_loss(model, TINY_CORPUS, seed=11)

    total = heldout_loss(model, pairs, seed=11, reduction="sum")
    mean = heldout_loss(model, pairs, seed=11)

    assert total == pytest.approx(expected_total, rel=1e-5)
    assert mean == pytest.approx(expected_total / predictions, rel=1e-5)


def test_pairs_cover_full_window() -> None:
    model = tiny_model(Word2Vec)
    sentence = ["the", "quick", "brown", "fox", "jumps"]
    pairs = heldout_pairs(model, [sentence])
    index = model.wv.key_to_index
    expected = [
        (index[sentence[i]], index[sentence[j]])
        for i in range(5)
        for j in range(max(0, i - 2), min(5, i + 3))
        if j != i
    ]

    assert list(zip(pairs.centres.tolist(), pairs.contexts.tolist(), strict=True)) == expected
    assert pairs.occurrence_starts.tolist() == [0, 2, 5, 9, 12]
    assert pairs.occurrence_centres.tolist() == [index[word] for word in sentence]


def test_pairs_skip_unknown_words_and_lone_words() -> None:
    model = tiny_model(Word2Vec)
    pairs = heldout_pairs(model, [["fox", "unseen", "dog"], ["tree"], ["unseen", "words"]])
    index = model.wv.key_to_index

    assert pairs.centres.tolist() == [index["fox"], index["dog"]]
    assert pairs.contexts.tolist() == [index["dog"], index["fox"]]


def test_pairs_cap_keeps_whole_occurrences(lee_sentences: list[list[str]]) -> None:
    model = Word2Vec(lee_sentences[:60], vector_size=10, window=3, min_count=2, epochs=1, seed=1, workers=1)
    full = heldout_pairs(model, lee_sentences[60:90], max_pairs=10**9)
    capped = heldout_pairs(model, lee_sentences[60:90], max_pairs=2_000, seed=4)
    again = heldout_pairs(model, lee_sentences[60:90], max_pairs=2_000, seed=4)
    other = heldout_pairs(model, lee_sentences[60:90], max_pairs=2_000, seed=5)

    assert full.pairs > 2_000
    assert 2_000 - 6 <= capped.pairs <= 2_000
    assert np.array_equal(capped.centres, again.centres)
    assert np.array_equal(capped.contexts, again.contexts)
    assert not np.array_equal(capped.centres, other.centres)
    full_groups = occurrence_groups(full)
    assert all(full_groups[group] >= count for group, count in occurrence_groups(capped).items())


def occurrence_groups(pairs: HeldOutPairs) -> Counter[tuple[int, tuple[int, ...]]]:
    """Count each (centre, all its contexts) group, so a cut-short occurrence would show up as a new group."""
    ends = np.append(pairs.occurrence_starts[1:], pairs.pairs)
    return Counter(
        (int(pairs.centres[start]), tuple(pairs.contexts[start:end].tolist()))
        for start, end in zip(pairs.occurrence_starts, ends, strict=True)
    )


def test_loss_is_deterministic(lee_sentences: list[list[str]]) -> None:
    training, heldout = split_holdout(lee_sentences, 0.1, seed=2)
    model = Word2Vec(training, vector_size=20, min_count=3, epochs=2, seed=1, workers=2)
    first = heldout_loss(model, heldout_pairs(model, heldout, max_pairs=5_000))
    second = heldout_loss(model, heldout_pairs(model, heldout, max_pairs=5_000))

    assert first == second


@pytest.mark.parametrize("sg", [0, 1])
def test_gensim_table_matches_gensim_bookkeeping(lee_sentences: list[list[str]], sg: int) -> None:
    training, heldout = split_holdout(lee_sentences, 0.1, seed=0)
    parameters = {"vector_size": 30, "sg": sg, "hs": 1, "negative": 0, "sample": 0, "shrink_windows": False}
    model = Word2Vec(min_count=5, seed=1, workers=1, **parameters)
    model.build_vocab(training)
    model.train(training, total_examples=model.corpus_count, epochs=2)
    ours = heldout_loss(model, heldout_pairs(model, heldout, max_pairs=10**9), gensim_table=True, reduction="sum")
    exact = heldout_loss(model, heldout_pairs(model, heldout, max_pairs=10**9), reduction="sum")

    # A learning rate of 1e-30 leaves float32 weights unchanged, and gensim reads 0 as "use the default".
    model.train(heldout, total_examples=len(heldout), epochs=1, start_alpha=1e-30, end_alpha=1e-30, compute_loss=True)

    assert ours == pytest.approx(model.get_latest_training_loss(), rel=1e-4)
    assert exact < ours


def test_heldout_loss_falls_over_epochs(lee_sentences: list[list[str]]) -> None:
    training, heldout = split_holdout(lee_sentences, 0.1, seed=0)
    model = Word2Vec(vector_size=40, min_count=3, seed=1, workers=2)
    model.build_vocab(training)
    callback = HeldOutLoss(heldout, max_pairs=20_000)
    model.train(training, total_examples=model.corpus_count, epochs=6, callbacks=[callback])

    assert len(callback.history) == 6
    assert len(callback.seconds) == 6
    assert callback.history[1] < callback.history[0]
    assert callback.history[-1] < 0.9 * callback.history[0]
    assert callback.latest == callback.history[-1]


def test_split_is_deterministic_and_partitions(lee_sentences: list[list[str]]) -> None:
    training, heldout = split_holdout(lee_sentences, 0.1, seed=7)
    streamed_training = list(SplitCorpus(lee_sentences, 0.1, seed=7))
    streamed_heldout = SplitCorpus(lee_sentences, 0.1, seed=7, part="heldout")

    assert training == streamed_training
    assert heldout == list(streamed_heldout)
    assert list(streamed_heldout) == list(streamed_heldout)
    assert len(training) + len(heldout) == len(lee_sentences)
    assert 15 <= len(heldout) <= 45
    assert [is_heldout(index, 0.1, 7) for index in range(len(lee_sentences))].count(True) == len(heldout)
    assert split_holdout(lee_sentences, 0.1, seed=8)[1] != heldout


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_split_rejects_bad_fraction(fraction: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        split_holdout(TINY_CORPUS, fraction)
    with pytest.raises(ValueError, match="between 0 and 1"):
        SplitCorpus(TINY_CORPUS, fraction)


def test_split_corpus_rejects_unknown_part() -> None:
    with pytest.raises(ValueError, match="'train' or 'heldout'"):
        SplitCorpus(TINY_CORPUS, 0.5, part="test")  # type: ignore[arg-type]


def test_validation_corpus_reads_file(tmp_path: Path) -> None:
    path = tmp_path / "validation.txt"
    path.write_text("the quick fox\n\nthe lazy dog\n", encoding="utf-8")

    assert list(validation_corpus(str(path))) == [["the", "quick", "fox"], ["the", "lazy", "dog"]]


def test_validation_corpus_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"missing\.txt"):
        validation_corpus(str(tmp_path / "missing.txt"))


def test_pairs_reject_bad_input() -> None:
    model = tiny_model(Word2Vec)

    with pytest.raises(ValueError, match="no held-out sentence"):
        heldout_pairs(model, [["unseen", "words"], ["fox"]])
    with pytest.raises(ValueError, match="max_pairs must be at least 1"):
        heldout_pairs(model, TINY_CORPUS, max_pairs=0)
    with pytest.raises(ValueError, match="smaller than the pairs of a single word"):
        heldout_pairs(model, TINY_CORPUS, max_pairs=1)


def test_callback_rejects_zero_max_pairs() -> None:
    with pytest.raises(ValueError, match="max_pairs must be at least 1"):
        HeldOutLoss(TINY_CORPUS, max_pairs=0)


def test_loss_rejects_pairs_of_other_vocabulary() -> None:
    model = tiny_model(Word2Vec)
    other = tiny_model(Word2Vec, min_count=2)
    pairs = heldout_pairs(other, TINY_CORPUS)

    with pytest.raises(ValueError, match="build them again"):
        heldout_loss(model, pairs)
    with pytest.raises(ValueError, match="reduction"):
        heldout_loss(other, pairs, reduction="max")  # type: ignore[arg-type]


def test_callback_explains_exhausted_generator() -> None:
    model = tiny_model(Word2Vec)
    callback = HeldOutLoss(sentence for sentence in TINY_CORPUS)
    model.train(TINY_CORPUS, total_examples=len(TINY_CORPUS), epochs=1, callbacks=[callback])

    with pytest.raises(ValueError, match="generator can be read only once"):
        model.train(TINY_CORPUS, total_examples=len(TINY_CORPUS), epochs=1, callbacks=[callback])
