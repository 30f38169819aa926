"""Evaluation after every epoch: word analogies, word-pair similarity and neighbour stability.

The analogy and similarity figures come from gensim's own
``KeyedVectors.evaluate_word_analogies`` and ``evaluate_word_pairs``. Files are
checked when a callback is created, so a wrong path fails before training
starts instead of after the first epoch.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from gensim.models.callbacks import CallbackAny2Vec

from .models import refresh_word_vectors
from .probes import pick_probes
from .stats import neighbour_overlap

Question = tuple[str, str, str, str]
WordPair = tuple[str, str, float]


@runtime_checkable
class EpochMetric(Protocol):
    """The interface EarlyStopping uses: HeldOutLoss and the callbacks in this module implement it."""

    monitor_name: str

    @property
    def latest(self) -> float | None: ...

    @property
    def measurements(self) -> int: ...

    def on_train_begin(self, model: Any) -> None: ...

    def measure(self, model: Any) -> float | None: ...


class EvaluationFileError(ValueError):
    """An evaluation file is missing, unreadable or malformed. The message names the file."""


def _read_lines(path: str, kind: str) -> list[str]:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise EvaluationFileError(f"{kind} file not found: {path}") from None
    except IsADirectoryError:
        raise EvaluationFileError(f"{kind} file is a folder: {path}; give the path of a text file") from None
    except OSError as error:
        raise EvaluationFileError(f"cannot read {kind} file {path}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise EvaluationFileError(f"{kind} file {path}: line {line} is not valid UTF-8") from None
    return text.splitlines(keepends=True)


def read_analogies(path: str) -> tuple[Question, ...]:
    """Return the questions of an analogy file in the format of gensim's ``questions-words.txt``.

    Lines starting with ``": "`` open a section, and a question is a line of
    four words. Other lines are skipped, as gensim skips them.

    Raises:
        EvaluationFileError: the file is missing or unreadable, a question
            comes before the first section header, or there is no question.
    """
    questions: list[Question] = []
    in_section = False
    for number, line in enumerate(_read_lines(path, "analogy"), start=1):
        if line.startswith(": "):
            in_section = True
            continue
        words = line.split()
        if len(words) != 4:
            continue
        if not in_section:
            raise EvaluationFileError(
                f"analogy file {path}: line {number} comes before any section header; "
                "start the file with a line such as ': capital-common-countries'"
            )
        questions.append((words[0], words[1], words[2], words[3]))
    if not questions:
        raise EvaluationFileError(f"analogy file {path} has no question: expected lines of four words 'a b c d'")
    return tuple(questions)


def read_word_pairs(path: str, delimiter: str = "\t") -> tuple[WordPair, ...]:
    """Return the (word, word, score) lines of a file like gensim's ``wordsim353.tsv``.

    Lines starting with ``#`` are comments; lines that are not two words and
    a number separated by *delimiter* are skipped, as gensim skips them.

    Raises:
        EvaluationFileError: the file is missing or unreadable, or has no valid line.
    """
    pairs: list[WordPair] = []
    for line in _read_lines(path, "word-pair"):
        if not line or line.startswith("#"):
            continue
        fields = line.split(delimiter)
        if len(fields) != 3:
            continue
        try:
            pairs.append((fields[0], fields[1], float(fields[2])))
        except ValueError:
            continue
    if not pairs:
        raise EvaluationFileError(
            f"word-pair file {path} has no valid line: expected 'word{delimiter!r}word{delimiter!r}score'"
        )
    return tuple(pairs)


def refresh_vectors(model: Any) -> None:
    """Make ``model.wv`` and its unit vectors reflect the current weights.

    FastText trains ``vectors_vocab`` and ``vectors_ngrams`` and rebuilds
    ``wv.vectors`` from them only when ``train()`` ends, and the cached norms of
    any model describe the weights of the last time they were filled.
    """
    refresh_word_vectors(model)
    model.wv.fill_norms(force=True)


def _check_restrict_vocab(restrict_vocab: int) -> None:
    if restrict_vocab < 1:
        raise ValueError(f"restrict_vocab must be at least 1; got {restrict_vocab}")


def _restricted_words(model: Any, restrict_vocab: int, case_insensitive: bool) -> set[str]:
    words = model.wv.index_to_key[:restrict_vocab]
    return {word.upper() for word in words} if case_insensitive else set(words)


@dataclass(frozen=True)
class AnalogyScore:
    """Analogy accuracy after one epoch."""

    epoch: int
    """Measurements made by this callback so far, this one included."""
    accuracy: float
    """Share of the evaluated questions answered correctly, from 0 to 1."""
    correct: int
    evaluated: int
    """Questions whose four words are all in the restricted vocabulary."""
    oov_percent: float
    """Percentage of the file's questions left out for out-of-vocabulary words."""
    seconds: float


@dataclass(frozen=True)
class SimilarityScore:
    """Correlation of cosine similarity with human judgements after one epoch."""

    epoch: int
    """Measurements made by this callback so far, this one included."""
    spearman: float
    pearson: float
    evaluated: int
    """Pairs whose two words are in the restricted vocabulary."""
    oov_percent: float
    """Percentage of the file's pairs left out for out-of-vocabulary words, as gensim returns it."""
    seconds: float


class AnalogyEvaluation(CallbackAny2Vec):  # type: ignore[misc]
    """Record gensim's analogy accuracy on *path* after every epoch.

    Only the *restrict_vocab* most frequent words are candidates and
    questions with other words are left out, as in gensim. The cost per epoch
    is one ``most_similar`` over *restrict_vocab* vectors per question.
    """

    monitor_name = "analogy"
    """The early-stopping monitor name of this figure."""

    def __init__(self, path: str, restrict_vocab: int = 30_000, case_insensitive: bool = True) -> None:
        _check_restrict_vocab(restrict_vocab)
        self.path = path
        self.restrict_vocab = restrict_vocab
        self.case_insensitive = case_insensitive
        self.questions = read_analogies(path)
        self.history: list[AnalogyScore] = []
        self._evaluated: int | None = None

    @property
    def latest(self) -> float | None:
        """The last accuracy recorded, or None before the first."""
        return self.history[-1].accuracy if self.history else None

    @property
    def measurements(self) -> int:
        """Number of figures recorded."""
        return len(self.history)

    def on_train_begin(self, model: Any) -> None:
        self._evaluated = self.check_coverage(model)

    def on_epoch_end(self, model: Any) -> None:
        self.measure(model)

    def check_coverage(self, model: Any) -> int:
        """Return how many questions can be evaluated; raise ValueError if none can."""
        words = _restricted_words(model, self.restrict_vocab, self.case_insensitive)
        fold = str.upper if self.case_insensitive else str
        covered = sum(all(fold(word) in words for word in question) for question in self.questions)
        if covered == 0:
            raise ValueError(
                f"none of the {len(self.questions)} questions in {self.path} has all four words among the "
                f"model's {self.restrict_vocab} most frequent words; use a file that matches the corpus"
            )
        return covered

    def measure(self, model: Any) -> float:
        """Evaluate the current weights, record an AnalogyScore and return the accuracy."""
        started = time.perf_counter()
        if self._evaluated is None:
            self._evaluated = self.check_coverage(model)
        refresh_vectors(model)
        accuracy, sections = model.wv.evaluate_word_analogies(
            self.path, restrict_vocab=self.restrict_vocab, case_insensitive=self.case_insensitive
        )
        total = sections[-1]
        correct = len(total["correct"])
        evaluated = correct + len(total["incorrect"])
        oov = 100.0 * (len(self.questions) - evaluated) / len(self.questions)
        seconds = time.perf_counter() - started
        self.history.append(AnalogyScore(len(self.history) + 1, float(accuracy), correct, evaluated, oov, seconds))
        return float(accuracy)


class SimilarityEvaluation(CallbackAny2Vec):  # type: ignore[misc]
    """Record gensim's word-pair correlation on *path* after every epoch (Spearman is the figure)."""

    monitor_name = "similarity"
    """The early-stopping monitor name of this figure."""

    def __init__(
        self, path: str, restrict_vocab: int = 30_000, case_insensitive: bool = True, delimiter: str = "\t"
    ) -> None:
        _check_restrict_vocab(restrict_vocab)
        self.path = path
        self.restrict_vocab = restrict_vocab
        self.case_insensitive = case_insensitive
        self.delimiter = delimiter
        self.pairs = read_word_pairs(path, delimiter)
        self.history: list[SimilarityScore] = []
        self._evaluated: int | None = None

    @property
    def latest(self) -> float | None:
        """The last Spearman correlation recorded, or None before the first."""
        return self.history[-1].spearman if self.history else None

    @property
    def measurements(self) -> int:
        """Number of figures recorded."""
        return len(self.history)

    def on_train_begin(self, model: Any) -> None:
        self._evaluated = self.check_coverage(model)

    def on_epoch_end(self, model: Any) -> None:
        self.measure(model)

    def check_coverage(self, model: Any) -> int:
        """Return how many pairs can be evaluated; raise ValueError if none can."""
        words = _restricted_words(model, self.restrict_vocab, self.case_insensitive)
        fold = str.upper if self.case_insensitive else str
        covered = sum(fold(first) in words and fold(second) in words for first, second, _ in self.pairs)
        if covered == 0:
            raise ValueError(
                f"none of the {len(self.pairs)} pairs in {self.path} has both words among the model's "
                f"{self.restrict_vocab} most frequent words; use a file that matches the corpus"
            )
        return covered

    def measure(self, model: Any) -> float:
        """Evaluate the current weights, record a SimilarityScore and return the Spearman correlation."""
        started = time.perf_counter()
        if self._evaluated is None:
            self._evaluated = self.check_coverage(model)
        refresh_vectors(model)
        pearson, spearman, oov = model.wv.evaluate_word_pairs(
            self.path,
            delimiter=self.delimiter,
            restrict_vocab=self.restrict_vocab,
            case_insensitive=self.case_insensitive,
        )
        seconds = time.perf_counter() - started
        score = SimilarityScore(
            len(self.history) + 1, float(spearman[0]), float(pearson[0]), self._evaluated, float(oov), seconds
        )
        self.history.append(score)
        return score.spearman


def neighbour_stability(previous: Mapping[str, Sequence[str]], current: Mapping[str, Sequence[str]]) -> float | None:
    """Return the mean share of each probe's current neighbours that were already its neighbours before.

    Only probes with a non-empty list in both mappings count. Returns None
    when there is none, for example at the first epoch.
    """
    overlaps = [neighbour_overlap(previous[probe], current[probe]) for probe in current if probe in previous]
    values = [overlap for overlap in overlaps if overlap is not None]
    return sum(values) / len(values) if values else None


def top_neighbours(wv: Any, probes: Sequence[str], topn: int) -> dict[str, tuple[str, ...]]:
    """Return the *topn* nearest words by cosine similarity of each probe in the vocabulary.

    It reads the cached unit vectors, so call ``refresh_vectors`` first during training.
    """
    known = [probe for probe in probes if probe in wv.key_to_index]
    if not known:
        return {}
    units = wv.get_normed_vectors()
    rows = np.asarray([wv.key_to_index[probe] for probe in known])
    similarities = units[rows] @ units.T
    similarities[np.arange(len(rows)), rows] = -np.inf
    count = min(topn, similarities.shape[1] - 1)
    if count <= 0:
        return {probe: () for probe in known}
    best = np.argpartition(-similarities, count - 1, axis=1)[:, :count]
    order = np.argsort(-np.take_along_axis(similarities, best, axis=1), axis=1, kind="stable")
    ranked = np.take_along_axis(best, order, axis=1)
    return {probe: tuple(wv.index_to_key[index] for index in ranked[row]) for row, probe in enumerate(known)}


@dataclass(frozen=True)
class StabilityScore:
    """How much the probes' neighbour lists changed in one epoch."""

    epoch: int
    """Measurements made by this callback so far, this one included."""
    stability: float | None
    """Mean neighbour overlap with the previous epoch, from 0 to 1; None at the first measurement."""
    neighbours: Mapping[str, tuple[str, ...]]
    seconds: float


class NeighbourStability(CallbackAny2Vec):  # type: ignore[misc]
    """Record after every epoch how many of the probes' *topn* neighbours stayed the same.

    *probes* is a list of words, or a number of words to pick from the
    vocabulary as gensim-tui picks its probe words. Works for any model with
    a ``wv``, FastText included.
    """

    monitor_name = "stability"
    """The early-stopping monitor name of this figure."""

    def __init__(self, probes: Sequence[str] | int = 20, topn: int = 10) -> None:
        if isinstance(probes, int) and probes < 1:
            raise ValueError(f"the number of probes must be at least 1; got {probes}")
        if not isinstance(probes, int) and not probes:
            raise ValueError("give at least one probe word")
        if topn < 1:
            raise ValueError(f"topn must be at least 1; got {topn}")
        self.probes: tuple[str, ...] | int = probes if isinstance(probes, int) else tuple(probes)
        self.topn = topn
        self.history: list[StabilityScore] = []

    @property
    def latest(self) -> float | None:
        """The last stability recorded, or None before the first or at the first epoch."""
        return self.history[-1].stability if self.history else None

    @property
    def measurements(self) -> int:
        """Number of figures recorded."""
        return len(self.history)

    def on_train_begin(self, model: Any) -> None:
        if isinstance(self.probes, int):
            self.probes = pick_probes(model.wv.index_to_key, self.probes)

    def on_epoch_end(self, model: Any) -> None:
        self.measure(model)

    def measure(self, model: Any) -> float | None:
        """Read the probes' neighbours, record a StabilityScore and return the stability."""
        started = time.perf_counter()
        self.on_train_begin(model)
        assert not isinstance(self.probes, int)
        refresh_vectors(model)
        neighbours = top_neighbours(model.wv, self.probes, self.topn)
        stability = neighbour_stability(self.history[-1].neighbours, neighbours) if self.history else None
        seconds = time.perf_counter() - started
        self.history.append(StabilityScore(len(self.history) + 1, stability, neighbours, seconds))
        return stability
