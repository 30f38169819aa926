"""Output checks and atomic model saving."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
from gensim_tui.callbacks.batches import BatchLedger, batch_hook
from gensim_tui.callbacks.control import TrainingControl
from gensim_tui.callbacks.saving import OutputError, check_output, save_model


@pytest.fixture(scope="module")
def model(lee_path: str) -> Word2Vec:
    """A small Word2Vec model trained for one epoch on the Lee corpus."""
    return Word2Vec(LineSentence(lee_path), vector_size=20, epochs=1, min_count=5, workers=1, seed=1)


def test_check_output_under_regular_file(tmp_path: Path) -> None:
    regular = tmp_path / "notes.txt"
    regular.write_text("not a folder\n")

    with pytest.raises(OutputError) as raised:
        check_output(str(regular / "model.w2v"))

    message = str(raised.value)
    assert str(regular) in message
    assert "--output" in message
    assert regular.read_text() == "not a folder\n"


def test_check_output_creates_missing_folders(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "today"

    check_output(str(folder / "model.w2v"))

    assert folder.is_dir()
    assert os.listdir(folder) == []


def test_check_output_rejects_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as raised:
        check_output(str(tmp_path))

    assert "is a folder" in str(raised.value)
    assert str(tmp_path) in str(raised.value)


def test_check_output_accepts_existing_file(tmp_path: Path) -> None:
    existing = tmp_path / "old.w2v"
    existing.write_bytes(b"old model")

    check_output(str(existing))

    assert existing.read_bytes() == b"old model"
    assert os.listdir(tmp_path) == ["old.w2v"]


def test_save_model_leaves_no_temporary_files(tmp_path: Path, model: Word2Vec) -> None:
    path = tmp_path / "model.w2v"

    save_model(model, str(path))

    assert os.listdir(tmp_path) == ["model.w2v"]
    loaded = Word2Vec.load(str(path))
    assert loaded.wv.index_to_key == model.wv.index_to_key
    assert np.array_equal(loaded.wv.vectors, model.wv.vectors)


def test_save_model_replaces_existing_file(tmp_path: Path, model: Word2Vec) -> None:
    path = tmp_path / "model.w2v"
    path.write_bytes(b"an older model")

    save_model(model, str(path))

    assert os.listdir(tmp_path) == ["model.w2v"]
    assert Word2Vec.load(str(path)).wv.vector_size == 20


def test_save_model_failure_keeps_old_file(tmp_path: Path, model: Word2Vec, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.w2v"
    save_model(model, str(path))
    old = path.read_bytes()

    def fail_halfway(filename: str, **_kwargs: object) -> None:
        with open(filename, "wb") as handle:
            handle.write(b"half a model")
        raise OSError(28, "No space left on device", filename)

    monkeypatch.setattr(model, "save", fail_halfway)
    with pytest.raises(OutputError, match=r"cannot save the model to .*No space left"):
        save_model(model, str(path))

    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.w2v"]


def test_save_model_removes_hook_from_file(tmp_path: Path, model: Word2Vec) -> None:
    path = tmp_path / "model.w2v"

    with batch_hook(model, BatchLedger(), TrainingControl()):
        save_model(model, str(path))
        # Training goes on after a save, so the hook must be back in place.
        assert "_do_train_job" in model.__dict__

    assert "_do_train_job" not in model.__dict__
    assert b"gensim_tui" not in path.read_bytes()
    assert "_do_train_job" not in Word2Vec.load(str(path)).__dict__
