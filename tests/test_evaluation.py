"""Evaluation callbacks: each recorded figure against an independent recomputation with numpy and scipy."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gensim.models import FastText, KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath
from gensim_tui.callbacks.evaluation import (
    AnalogyEvaluation,
    EvaluationFileError,
    NeighbourStability,
    SimilarityEvaluation,
    neighbour_stability,
    top_neighbours,
)
from scipy.stats import pearsonr, spearmanr  # type: ignore[import-untyped]

SECTIONS = ("family", "gram3-comparative", "gram5-present-participle", "gram6-nationality-adjective", "gram8-plural")
RESTRICT = 30_000


class WeightRecorder(CallbackAny2Vec):  # type: ignore[misc]
    """Keep a copy of the FastText input weights at the end of every epoch."""

    def __init__(self) -> None:
        self.weights: list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = []

    def on_epoch_end(self, model: Any) -> None:
        self.weights.append((model.wv.vectors_vocab.copy(), model.wv.vectors_ngrams.copy()))


def fasttext_word_vectors(model: Any, vocab: np.ndarray[Any, Any], ngrams: np.ndarray[Any, Any]) -> KeyedVectors:
    """Return plain KeyedVectors whose vectors are the mean of each word's own row and its ngram rows.

    The float32 additions run in the order FastText uses after training, so
    the result is bit for bit what the model would report. That matters on
    a small corpus, where most FastText cosine similarities are above 0.99
    and a last-bit difference reorders them.
    """
    vectors = vocab.copy()
    for index, buckets in enumerate(model.wv.buckets_word):
        for bucket in buckets:
            vectors[index] += ngrams[bucket]
        vectors[index] /= len(buckets) + 1
    keyed = KeyedVectors(vectors.shape[1])
    keyed.add_vectors(model.wv.index_to_key, vectors)
    return keyed


def restricted_index(model: Any) -> dict[str, int]:
    """Map each upper-cased word among the RESTRICT most frequent to the index of its most frequent case."""
    index: dict[str, int] = {}
    for position, word in enumerate(model.wv.index_to_key[:RESTRICT]):
        index.setdefault(word.upper(), position)
    return index


def questions_of(path: str) -> list[list[str]]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.upper().split() for line in lines if not line.startswith(": ") and len(line.split()) == 4]


def analogies_by_hand(model: Any, path: str) -> tuple[int, int, int]:
    """Return (correct, evaluated, questions) with 3CosAdd over the restricted vocabulary.

    The arithmetic stays in float32, as gensim's, because a float64 ranking
    can swap two candidates whose cosines differ in the last float32 bit.
    """
    index = restricted_index(model)
    vectors = model.wv.vectors[:RESTRICT]
    norms = np.linalg.norm(vectors, axis=1)
    units = vectors / norms[:, None]
    upper = [word.upper() for word in model.wv.index_to_key[: len(vectors)]]
    questions = questions_of(path)
    correct = evaluated = 0
    for a, b, c, expected in questions:
        if not all(word in index for word in (a, b, c, expected)):
            continue
        evaluated += 1
        target = units[index[b]] + units[index[c]] - units[index[a]]
        scores = (vectors @ (target / np.linalg.norm(target))) / norms
        for position, word in enumerate(upper):
            if word in (a, b, c):
                scores[position] = -np.inf
        correct += upper[int(np.argmax(scores))] == expected
    return correct, evaluated, len(questions)


def similarity_by_hand(model: Any, path: str) -> tuple[float, float, int, int]:
    """Return (Spearman, Pearson, pairs evaluated, pairs in the file) with cosines in float64."""
    index = restricted_index(model)
    vectors = model.wv.vectors.astype(np.float64)
    units = vectors / np.linalg.norm(vectors, axis=1)[:, None]
    gold, predicted, lines = [], [], 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        first, second, score = line.upper().split("\t")
        lines += 1
        if first in index and second in index:
            gold.append(float(score))
            predicted.append(float(units[index[first]] @ units[index[second]]))
    return float(spearmanr(gold, predicted).statistic), float(pearsonr(gold, predicted).statistic), len(gold), lines


@dataclass
class FastTextRun:
    model: Any
    analogies: AnalogyEvaluation
    similarity: SimilarityEvaluation
    recorder: WeightRecorder
    questions: str


@pytest.fixture(scope="module")
def fasttext_run(lee_path: str, tmp_path_factory: pytest.TempPathFactory) -> FastTextRun:
    """FastText on the Lee corpus, evaluated every epoch on a few sections of questions-words.txt."""
    questions = tmp_path_factory.mktemp("analogies") / "sections.txt"
    keep, lines = False, []
    for line in Path(datapath("questions-words.txt")).read_text(encoding="utf-8").splitlines():
        if line.startswith(": "):
            keep = line[2:].strip() in SECTIONS
        if keep:
            lines.append(line)
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = FastText(vector_size=40, min_count=3, seed=1, workers=2, bucket=20_000)
    model.build_vocab(LineSentence(lee_path))
    run = FastTextRun(
        model,
        AnalogyEvaluation(str(questions), restrict_vocab=RESTRICT),
        SimilarityEvaluation(datapath("wordsim353.tsv"), restrict_vocab=RESTRICT),
        WeightRecorder(),
        str(questions),
    )
    model.train(
        LineSentence(lee_path),
        total_examples=model.corpus_count,
        epochs=4,
        callbacks=[run.analogies, run.similarity, run.recorder],
    )
    return run


@pytest.fixture(scope="module")
def head500_model(head500_path: str) -> Word2Vec:
    return Word2Vec(LineSentence(head500_path), vector_size=40, min_count=5, seed=1, workers=2, epochs=2)


def test_fasttext_analogies_each_epoch(fasttext_run: FastTextRun) -> None:
    run = fasttext_run
    assert [score.epoch for score in run.analogies.history] == [1, 2, 3, 4]
    for score, (vocab, ngrams) in zip(run.analogies.history, run.recorder.weights, strict=True):
        vectors = fasttext_word_vectors(run.model, vocab, ngrams)
        accuracy, sections = vectors.evaluate_word_analogies(run.questions, restrict_vocab=RESTRICT)

        assert score.accuracy == accuracy
        assert score.correct == len(sections[-1]["correct"])
        assert score.evaluated == len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])
        assert score.seconds > 0
    assert run.analogies.history[-1].correct > 0
    assert run.analogies.latest == run.analogies.history[-1].accuracy


def test_fasttext_similarity_each_epoch(fasttext_run: FastTextRun) -> None:
    run = fasttext_run
    for score, (vocab, ngrams) in zip(run.similarity.history, run.recorder.weights, strict=True):
        vectors = fasttext_word_vectors(run.model, vocab, ngrams)
        pearson, spearman, oov = vectors.evaluate_word_pairs(datapath("wordsim353.tsv"), restrict_vocab=RESTRICT)

        assert score.spearman == spearman.statistic
        assert score.pearson == pearson.statistic
        assert score.oov_percent == oov
    spearmans = [score.spearman for score in run.similarity.history]
    assert len(set(spearmans)) == len(spearmans)


def test_word2vec_analogies_on_head500(head500_model: Word2Vec) -> None:
    callback = AnalogyEvaluation(datapath("questions-words.txt"), restrict_vocab=RESTRICT)
    callback.on_train_begin(head500_model)
    accuracy = callback.measure(head500_model)
    correct, evaluated, questions = analogies_by_hand(head500_model, datapath("questions-words.txt"))

    assert callback.history[0].correct == correct
    assert callback.history[0].evaluated == evaluated
    assert evaluated > 500
    assert accuracy == pytest.approx(correct / evaluated)
    assert callback.history[0].oov_percent == pytest.approx(100 * (questions - evaluated) / questions)


def test_word2vec_similarity_on_head500(head500_model: Word2Vec) -> None:
    callback = SimilarityEvaluation(datapath("simlex999.txt"), restrict_vocab=RESTRICT)
    spearman = callback.measure(head500_model)
    expected, pearson, evaluated, lines = similarity_by_hand(head500_model, datapath("simlex999.txt"))

    # gensim's cosines are float32, and swapping two nearly equal ones moves
    # Spearman's rho by up to 12 / n², 1e-4 for the 350 pairs here.
    assert spearman == pytest.approx(expected, abs=1e-4)
    assert callback.history[0].pearson == pytest.approx(pearson, abs=1e-6)
    assert callback.history[0].evaluated == evaluated
    assert callback.history[0].oov_percent == pytest.approx(100 * (lines - evaluated) / lines)


def test_restrict_vocab_limits_questions(head500_model: Word2Vec) -> None:
    wide = AnalogyEvaluation(datapath("questions-words.txt"), restrict_vocab=RESTRICT)
    narrow = AnalogyEvaluation(datapath("questions-words.txt"), restrict_vocab=2_000)
    wide.measure(head500_model)
    narrow.measure(head500_model)

    assert 0 < narrow.history[0].evaluated < wide.history[0].evaluated


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Athens Greece Baghdad Iraq\n: capitals\n", "line 1 comes before any section header"),
        (": capitals\nonly three words\n", "has no question"),
        (b"\xff\xfe: capitals\n", "line 1 is not valid UTF-8"),
    ],
)
def test_analogy_file_malformed(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "questions.txt"
    path.write_bytes(content.encode() if isinstance(content, str) else content)

    with pytest.raises(EvaluationFileError, match=message) as raised:
        AnalogyEvaluation(str(path))
    assert str(path) in str(raised.value)


def test_evaluation_file_missing_or_folder(tmp_path: Path) -> None:
    with pytest.raises(EvaluationFileError, match=r"analogy file not found: .*missing\.txt"):
        AnalogyEvaluation(str(tmp_path / "missing.txt"))
    with pytest.raises(EvaluationFileError, match=r"word-pair file not found: .*missing\.tsv"):
        SimilarityEvaluation(str(tmp_path / "missing.tsv"))
    with pytest.raises(EvaluationFileError, match="is a folder"):
        SimilarityEvaluation(str(tmp_path))


def test_word_pair_file_without_valid_line(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text("# comment\nlove sex 6.77\nlove\tsex\tmuch\n", encoding="utf-8")

    with pytest.raises(EvaluationFileError, match=f"{path} has no valid line"):
        SimilarityEvaluation(str(path))


def test_files_outside_vocabulary_fail_at_train_begin(tmp_path: Path, head500_model: Word2Vec) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text(": made-up\nzzqx qqzx xzzq qxxz\n", encoding="utf-8")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("zzqx\tqqzx\t5.0\n", encoding="utf-8")

    with pytest.raises(ValueError, match="none of the 1 questions"):
        AnalogyEvaluation(str(questions)).on_train_begin(head500_model)
    with pytest.raises(ValueError, match="none of the 1 questions"):
        AnalogyEvaluation(str(questions)).measure(head500_model)
    with pytest.raises(ValueError, match="none of the 1 pairs"):
        SimilarityEvaluation(str(pairs)).on_train_begin(head500_model)
    with pytest.raises(ValueError, match="none of the 1 pairs"):
        SimilarityEvaluation(str(pairs)).measure(head500_model)


def test_evaluation_rejects_zero_restrict_vocab() -> None:
    with pytest.raises(ValueError, match="restrict_vocab must be at least 1"):
        AnalogyEvaluation(datapath("questions-words.txt"), restrict_vocab=0)
    with pytest.raises(ValueError, match="restrict_vocab must be at least 1"):
        SimilarityEvaluation(datapath("wordsim353.tsv"), restrict_vocab=0)


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        ({"a": ["x", "y"], "b": ["p", "q"]}, {"a": ["y", "z"], "b": ["q", "p"]}, 0.75),
        ({"a": ["x", "y", "z", "w"]}, {"a": ["v", "u", "t", "s"]}, 0.0),
        ({"a": ["x"], "b": ["p"]}, {"a": ["x"], "c": ["p"]}, 1.0),
        ({"a": []}, {"a": ["x"]}, None),
        ({}, {"a": ["x"]}, None),
    ],
)
def test_neighbour_stability_by_hand(
    previous: dict[str, list[str]], current: dict[str, list[str]], expected: float | None
) -> None:
    assert neighbour_stability(previous, current) == expected


def assert_same_neighbours(wv: KeyedVectors, probe: str, neighbours: tuple[str, ...]) -> None:
    """Check that *neighbours* are a top list by gensim's cosines, up to float32 rounding of equal cosines.

    Comparing with most_similar's list word for word fails now and then,
    because the Lee and head500 models have neighbours whose cosines differ
    only in the last float32 bit, and the two computations round differently.
    """
    expected = wv.most_similar(probe, topn=len(neighbours))
    similarities = [float(wv.similarity(probe, word)) for word in neighbours]
    assert probe not in neighbours
    assert len(set(neighbours)) == len(expected)
    assert min(similarities) >= expected[-1][1] - 1e-6
    assert all(first >= second - 1e-6 for first, second in pairwise(similarities))


def test_top_neighbours_match_most_similar(head500_model: Word2Vec) -> None:
    probes = ["music", "war", "water", "not-a-word"]
    head500_model.wv.fill_norms(force=True)
    found = top_neighbours(head500_model.wv, probes, 8)

    assert set(found) == {"music", "war", "water"}
    for probe, neighbours in found.items():
        assert_same_neighbours(head500_model.wv, probe, neighbours)


def test_stability_callback_records_overlap(lee_path: str) -> None:
    model = Word2Vec(vector_size=30, min_count=3, seed=1, workers=2)
    model.build_vocab(LineSentence(lee_path))
    callback = NeighbourStability(probes=6, topn=10)
    model.train(LineSentence(lee_path), total_examples=model.corpus_count, epochs=4, callbacks=[callback])

    history = callback.history
    assert isinstance(callback.probes, tuple)
    assert len(callback.probes) == 6
    assert history[0].stability is None
    for before, after in pairwise(history):
        assert after.stability == neighbour_stability(before.neighbours, after.neighbours)
        assert after.stability is not None
        assert 0.0 <= after.stability <= 1.0
    model.wv.fill_norms(force=True)
    for probe, neighbours in history[-1].neighbours.items():
        assert_same_neighbours(model.wv, probe, neighbours)


def test_stability_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        NeighbourStability(probes=0)
    with pytest.raises(ValueError, match="at least one probe"):
        NeighbourStability(probes=[])
    with pytest.raises(ValueError, match="topn"):
        NeighbourStability(probes=["war"], topn=0)
