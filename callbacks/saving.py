"""Atomic model saving in a form that plain gensim loads."""

from __future__ import annotations

import os
import tempfile

from gensim.models import Word2Vec

from .batches import unhooked


class OutputError(Exception):
    """The model cannot be written where requested; the message says why and what to do."""


def check_output(path: str) -> None:
    """Raise OutputError unless a file can be created beside *path*, creating missing folders."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise OutputError(f"output is a folder: {path}; give a file name for the model")
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".gensim-tui-check-"):
            pass
    except OSError as error:
        raise OutputError(f"cannot write the model to {folder}: {error.strerror}; choose another --output") from None


def save_model(model: Word2Vec, path: str) -> None:
    """Write *model* to *path* with gensim's ``save()``, replacing any old file atomically.

    All arrays go into the one pickle file (``separately=[]``) so that a single
    rename publishes the whole model; a reader never sees a half-written file.
    """
    folder = os.path.dirname(os.path.abspath(path))
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".gensim-tui-", suffix=".tmp")
        os.close(handle)
        # Unit vectors are derived data that plain gensim recomputes on demand.
        model.wv.norms = None
        with unhooked(model):
            model.save(temporary, separately=[])
        os.replace(temporary, path)
    except BaseException as error:
        if temporary is not None and os.path.exists(temporary):
            os.remove(temporary)
        if isinstance(error, OSError):
            raise OutputError(f"cannot save the model to {path}: {error.strerror or error}") from None
        raise
