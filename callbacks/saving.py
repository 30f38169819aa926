"""Atomic model saving in a form that plain gensim loads."""

from __future__ import annotations

import os
import tempfile

from gensim.models import Word2Vec

from .batches import unhooked

NO_SIDE_FILES = 1 << 62
"""A ``sep_limit`` in bytes larger than any array, so gensim writes no ``.npy`` side files."""


class OutputError(Exception):
    """The model cannot be written where requested; the message gives the reason and the fix."""


def check_output(path: str, what: str = "the model", option: str = "--output") -> None:
    """Raise OutputError unless a file can be created beside *path*, creating missing folders.

    *what* and *option* name the file and the option that set it in the message.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise OutputError(f"{option} {path} is a folder; give a file name for {what}")
    blocking = _file_in_the_way(folder)
    if blocking is not None:
        raise OutputError(f"cannot write {what} to {path}: {blocking} is a file, not a folder; choose another {option}")
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".gensim-tui-check-"):
            pass
    except OSError as error:
        raise OutputError(f"cannot write {what} to {folder}: {error.strerror}; choose another {option}") from None


def _file_in_the_way(folder: str) -> str | None:
    """Return the first part of *folder*'s path that exists as something other than a folder."""
    current = folder
    while current and not os.path.exists(current):
        current = os.path.dirname(current)
    return current if current and not os.path.isdir(current) else None


def save_model(model: Word2Vec, path: str) -> None:
    """Write *model* to *path* with gensim's ``save()``, replacing any old file atomically.

    All arrays go into the one pickle file so that a single rename publishes
    the whole model; a reader never sees a half-written file. ``separately=[]``
    alone is not enough: gensim (4.3-4.4 ``SaveLoad._save_specials``) decides
    again for nested objects such as ``model.wv``, storing any array over
    *sep_limit* in a side file named after the temporary file, so the limit is
    raised past any array's size.
    """
    folder = os.path.dirname(os.path.abspath(path))
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".gensim-tui-", suffix=".tmp")
        os.close(handle)
        # Unit vectors are derived data that plain gensim recomputes on demand.
        model.wv.norms = None
        with unhooked(model):
            model.save(temporary, separately=[], sep_limit=NO_SIDE_FILES)
        os.replace(temporary, path)
    except BaseException as error:
        if temporary is not None and os.path.exists(temporary):
            os.remove(temporary)
        if isinstance(error, OSError):
            raise OutputError(f"cannot save the model to {path}: {error.strerror or error}") from None
        raise
