"""The early-stopping example for the README, run as a user would run it: a fresh interpreter and plain gensim."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from gensim.models import Word2Vec

EXAMPLE = """\
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath
from gensim_tui.callbacks.early_stopping import EarlyStopping, EarlyStoppingPolicy
from gensim_tui.callbacks.heldout import HeldOutLoss, split_holdout

sentences = LineSentence(datapath("lee_background.cor"))
training, heldout = split_holdout(sentences, fraction=0.1, seed=1)

model = Word2Vec(vector_size=50, min_count=3, seed=1)
model.build_vocab(training)
val_loss = HeldOutLoss(heldout)
stopper = EarlyStopping(
    EarlyStoppingPolicy("val_loss", patience=2, min_delta=0.005, relative=True, restore_best=True),
    metric=val_loss,
)
model.train(training, total_examples=model.corpus_count, epochs=50, callbacks=[stopper])

print("held-out loss per epoch:", [round(loss, 3) for loss in val_loss.history])
print(f"stopped after epoch {stopper.stopped_epoch}: {stopper.decisions[-1].reason}")
print(f"kept the weights of epoch {stopper.policy.best_epoch}")
model.save("word2vec.model")
"""


def test_example_runs_and_stops_early(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", EXAMPLE], cwd=tmp_path, capture_output=True, text=True, timeout=150)

    assert result.returncode == 0, result.stderr
    stopped = re.search(
        r"^stopped after epoch (\d+): val_loss did not improve by 0.5% for 2 epochs", result.stdout, re.M
    )
    assert stopped is not None, result.stdout
    assert 3 <= int(stopped.group(1)) < 50
    kept = re.search(r"^kept the weights of epoch (\d+)$", result.stdout, re.M)
    assert kept is not None, result.stdout
    assert int(kept.group(1)) == int(stopped.group(1)) - 2
    assert Word2Vec.load(str(tmp_path / "word2vec.model")).wv.vector_size == 50
