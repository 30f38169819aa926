"""The gensim model classes behind each model type, and what differs between them."""

from __future__ import annotations

from typing import Any

from gensim.models import Doc2Vec, FastText, Word2Vec

from .config import TrainingConfig

MODEL_CLASSES: dict[str, type[Word2Vec]] = {"word2vec": Word2Vec, "fasttext": FastText, "doc2vec": Doc2Vec}


def create_model(config: TrainingConfig) -> Word2Vec:
    """Return an untrained model of the configured type; FastText and Doc2Vec subclass Word2Vec."""
    return MODEL_CLASSES[config.model_type](**config.gensim_parameters())


def load_model(config: TrainingConfig, path: str) -> Word2Vec:
    """Load a model of the configured type saved with gensim's ``save()``."""
    model: Word2Vec = MODEL_CLASSES[config.model_type].load(path)
    return model


def refresh_word_vectors(model: Any) -> None:
    """Bring ``model.wv.vectors`` up to date with the weights of the current epoch.

    FastText trains ``wv.vectors_vocab`` and ``wv.vectors_ngrams`` and derives
    ``wv.vectors`` from them only when training ends (gensim 4.3-4.4
    ``FastText._clear_post_train``); neighbours read mid-training would
    otherwise describe the initial weights.
    """
    if isinstance(model, FastText):
        model.wv.adjust_vectors()


def word_vectors_trained(model: Any) -> bool:
    """Return False for PV-DBOW Doc2Vec without dbow_words, whose word vectors stay random."""
    if isinstance(model, Doc2Vec):
        return bool(model.dm or model.dbow_words)
    return True
