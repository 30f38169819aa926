"""Helpers for the tests of FastText, Doc2Vec and corpus-file mode: corpora on disk, small configs, plain gensim."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from gensim.test.utils import datapath
from gensim_tui.callbacks import TrainingConfig
from gensim_tui.callbacks.documents import EXCERPT_WORDS

WAIT_SECONDS = 120.0
"""Upper bound on any wait in these tests. It guards against hangs and is never a speed check."""

LEE = str(datapath("lee_background.cor"))

SMALL_BUCKET = 20_000
"""FastText hash buckets for tests: gensim's default of 2,000,000 makes every saved model hundreds of MB."""


def lee_lines() -> list[str]:
    """Return the lines of gensim's Lee background corpus, without their newlines."""
    return Path(LEE).read_text(encoding="utf-8").splitlines()


def lee_word_count() -> int:
    """Return the number of whitespace-separated tokens in the Lee corpus."""
    return len(Path(LEE).read_text(encoding="utf-8").split())


def excerpt_of(line: str) -> str:
    """Return the excerpt that a document shown beside its neighbours should carry: the line's first words."""
    return " ".join(line.split()[:EXCERPT_WORDS])


def gzipped_halves(folder: Path) -> Path:
    """Write the Lee corpus into *folder* as two gzipped files of 150 lines each and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = lee_lines()
    middle = len(lines) // 2
    for name, part in (("part-1.txt.gz", lines[:middle]), ("part-2.txt.gz", lines[middle:])):
        (folder / name).write_bytes(gzip.compress(("\n".join(part) + "\n").encode("utf-8")))
    return folder


def repeated_lee(folder: Path, copies: int, name: str = "news.txt") -> Path:
    """Write the Lee corpus *copies* times into *folder* / *name*, so that an epoch lasts long enough to stop in."""
    path = folder / name
    path.write_text(Path(LEE).read_text(encoding="utf-8") * copies, encoding="utf-8")
    return path


def type_config(corpus: str | Path, output: str | Path, model_type: str, **overrides: Any) -> TrainingConfig:
    """Return a config that trains *model_type* on *corpus* in about a second, with *overrides* applied."""
    values: dict[str, Any] = {
        "model_type": model_type,
        "vector_size": 20,
        "epochs": 3,
        "workers": 2,
        "min_count": 5,
        "seed": 1,
        "bucket": SMALL_BUCKET,
    }
    values.update(overrides)
    return TrainingConfig(corpus=str(corpus), output=str(output), **values)


_TRAIN_FURTHER = """
import json, sys
import numpy
from gensim.models import Doc2Vec, FastText, Word2Vec
from gensim.models.doc2vec import TaggedLineDocument
from gensim.models.word2vec import LineSentence

model_type, path, corpus = sys.argv[1:4]
model_class = {"word2vec": Word2Vec, "fasttext": FastText, "doc2vec": Doc2Vec}[model_type]
model = model_class.load(path)
planned_epochs = model.epochs
loaded_modules = sorted(name for name in sys.modules if name.split(".")[0] == "gensim_tui")
# Doc2Vec's TaggedLineDocument tags each line with its number counted from 0, as gensim-tui does.
documents = TaggedLineDocument(corpus) if model_type == "doc2vec" else LineSentence(corpus)
def weights():
    return model.dv.vectors if model_type == "doc2vec" else model.wv.vectors

before = weights().copy()
trainings_before = model.train_count
# gensim 4.4's Doc2Vec.train returns None; Word2Vec and FastText return (effective, raw) word counts.
counts = model.train(documents, total_examples=model.corpus_count, epochs=1)
# FastText replaces wv.vectors with a new array when training ends, so it is read again.
after = weights()
print(json.dumps({
    "class": type(model).__name__,
    "epochs": planned_epochs,
    "vector_size": model.vector_size,
    "words": len(model.wv),
    "documents": len(model.dv) if model_type == "doc2vec" else None,
    "raw_words_trained": counts[1] if counts is not None else None,
    "trainings_added": model.train_count - trainings_before,
    "weights_changed": bool(not numpy.allclose(before, after)),
    "gensim_tui_modules": loaded_modules,
}))
"""


def train_further_in_fresh_python(model_type: str, model: Path, corpus: str | Path) -> dict[str, Any]:
    """Load *model* with plain gensim in a new interpreter, train it one more epoch on *corpus*, and report.

    The interpreter never imports gensim_tui, so a model whose pickle refers
    to this package fails to load there and the report lists the modules
    that loading pulled in.
    """
    completed = subprocess.run(
        [sys.executable, "-c", _TRAIN_FURTHER, model_type, str(model), str(corpus)],
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        cwd=model.parent,
        check=False,
    )
    assert completed.returncode == 0, f"plain gensim could not load and train {model}:\n{completed.stderr}"
    report: dict[str, Any] = json.loads(completed.stdout)
    return report
