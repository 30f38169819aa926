"""Training parameters, named as gensim names them."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

MODEL_TYPES = ("word2vec", "fasttext", "doc2vec")

_SHARED = (
    "vector_size",
    "window",
    "min_count",
    "hs",
    "negative",
    "sample",
    "alpha",
    "min_alpha",
    "epochs",
    "workers",
    "seed",
    "max_vocab_size",
)
_PARAMETERS = {
    "word2vec": (*_SHARED, "sg"),
    "fasttext": (*_SHARED, "sg", "min_n", "max_n", "bucket"),
    "doc2vec": (*_SHARED, "dm", "dbow_words"),
}


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides how a model is trained.

    The fields carry gensim's own parameter names and defaults (gensim 4.x), so a
    run can be repeated with plain ``Word2Vec(**config.gensim_parameters())``
    (or ``FastText``, ``Doc2Vec`` as *model_type* names).
    """

    corpus: str
    output: str
    model_type: str = "word2vec"
    vector_size: int = 100
    window: int = 5
    min_count: int = 5
    sg: int = 0
    hs: int = 0
    negative: int = 5
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    epochs: int = 5
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    seed: int = 1
    max_vocab_size: int | None = None
    min_n: int = 3
    """FastText: shortest character n-gram."""
    max_n: int = 6
    """FastText: longest character n-gram."""
    bucket: int = 2_000_000
    """FastText: number of hash buckets for character n-grams."""
    dm: int = 1
    """Doc2Vec: 1 for distributed memory (PV-DM), 0 for distributed bag of words (PV-DBOW)."""
    dbow_words: int = 0
    """Doc2Vec: 1 to train word vectors alongside PV-DBOW document vectors."""
    probes: tuple[str, ...] = ()
    topn: int = 5
    corpus_file_mode: bool = False
    """Train with gensim's ``corpus_file`` reader instead of a Python iterable."""
    holdout: float = 0.0
    """Share of the sentences kept out of training to measure the held-out loss."""
    validation: str | None = None
    """A separate LineSentence file whose held-out loss is measured."""
    eval_analogies: str | None = None
    eval_similarity: str | None = None
    early_stop: str | None = None
    """Early-stopping settings, such as ``monitor=val_loss,patience=3,restore_best``."""

    def __post_init__(self) -> None:
        if self.model_type not in MODEL_TYPES:
            raise ValueError(f"unknown model type {self.model_type!r}; choose one of {', '.join(MODEL_TYPES)}")

    def gensim_parameters(self) -> dict[str, Any]:
        """Return the keyword arguments for the gensim model class's constructor."""
        values = asdict(self)
        return {name: values[name] for name in _PARAMETERS[self.model_type]}

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Names of the figures measured after each epoch on request, in table order."""
        names = []
        if self.holdout or self.validation:
            names.append("val_loss")
        if self.eval_analogies:
            names.append("analogy")
        if self.eval_similarity:
            names.append("similarity")
        if self.early_stop and "monitor=stability" in self.early_stop.replace(" ", ""):
            names.append("stability")
        return tuple(names)

    @property
    def loss_measured(self) -> bool:
        """True when the training loss can be measured: gensim computes none for FastText and Doc2Vec."""
        return self.model_type == "word2vec"
