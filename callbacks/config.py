"""Training parameters, named as gensim names them."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides how a Word2Vec model is trained.

    The fields carry gensim's own parameter names and defaults (gensim 4.x), so a
    run can be repeated with plain ``Word2Vec(**config.gensim_parameters())``.
    """

    corpus: str
    output: str
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
    probes: tuple[str, ...] = ()
    topn: int = 5

    def gensim_parameters(self) -> dict[str, object]:
        """Return the keyword arguments for gensim's ``Word2Vec`` constructor."""
        names = (
            "vector_size",
            "window",
            "min_count",
            "sg",
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
        values = asdict(self)
        return {name: values[name] for name in names}
