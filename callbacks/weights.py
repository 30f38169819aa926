"""Copying a model's trainable weights aside and back, to keep the best epoch's."""

from __future__ import annotations

from typing import Any

import numpy as np
from gensim.models.fasttext import FastTextKeyedVectors


def _trainable_arrays(model: Any) -> dict[str, np.ndarray[Any, Any]]:
    """Return the arrays that training changes, by name. FastText's ``wv.vectors`` is derived from them."""
    wv = model.wv
    if isinstance(wv, FastTextKeyedVectors):
        arrays = {"wv.vectors_vocab": wv.vectors_vocab, "wv.vectors_ngrams": wv.vectors_ngrams}
    else:
        arrays = {"wv.vectors": wv.vectors}
    documents = getattr(model, "dv", None)
    if documents is not None:
        arrays["dv.vectors"] = documents.vectors
    for name in ("syn1neg", "syn1"):
        array = getattr(model, name, None)
        if isinstance(array, np.ndarray) and array.size:
            arrays[name] = array
    return arrays


def copy_weights(model: Any) -> dict[str, np.ndarray[Any, Any]]:
    """Return a copy of every array that training changes."""
    return {name: array.copy() for name, array in _trainable_arrays(model).items()}


def restore_weights(model: Any, weights: dict[str, np.ndarray[Any, Any]]) -> None:
    """Copy *weights* from ``copy_weights`` back into *model* and refresh what derives from them."""
    live = _trainable_arrays(model)
    for name, saved in weights.items():
        np.copyto(live[name], saved)
    model.wv.norms = None
    if isinstance(model.wv, FastTextKeyedVectors):
        model.wv.adjust_vectors()
    if getattr(model, "dv", None) is not None:
        model.dv.norms = None
