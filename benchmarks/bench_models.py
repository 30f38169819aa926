"""Words/s of every model type under gensim-tui against plain gensim, side by side in one run.

For each model type (word2vec, fasttext, doc2vec), each reader (a Python
iterable, gensim's corpus_file) and each worker count (1, 2), it trains the
same model twice in fresh processes: once with a plain gensim script, once with
the installed ``gensim-tui`` command (headless, figures read from its
``--csv`` file), and prints the median per-epoch words/s of each, their
ratio, and the ratio of the best epochs. Usage::

    python benchmarks/bench_models.py [--corpus PATH] [--epochs N] [--repeats N]

The default corpus is the 4.5-million-word GCIDE corpus built by
``shared/corpora/gcide.py`` into /tmp/gcide.txt, else the largest corpus gensim
ships. Words/s is raw corpus words of an epoch over its wall-clock seconds in
both contestants.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PLAIN_SCRIPT = r"""
import json, sys, time
from gensim.models import Doc2Vec, FastText, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from gensim.models.doc2vec import TaggedLineDocument
from gensim.models.word2vec import LineSentence

model_type, corpus = sys.argv[1], sys.argv[2]
epochs, workers, file_mode = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"

class Timer(CallbackAny2Vec):
    def __init__(self):
        self.rates = []
    def on_epoch_begin(self, model):
        self.started = time.perf_counter()
    def on_epoch_end(self, model):
        self.rates.append(model.corpus_total_words / (time.perf_counter() - self.started))

timer = Timer()
cls = {"word2vec": Word2Vec, "fasttext": FastText, "doc2vec": Doc2Vec}[model_type]
model = cls(epochs=epochs, workers=workers, seed=1)
if file_mode:
    model.build_vocab(corpus_file=corpus)
    model.train(corpus_file=corpus, total_words=model.corpus_total_words, epochs=epochs, callbacks=[timer],
                compute_loss=model_type == "word2vec")
else:
    sentences = TaggedLineDocument(corpus) if model_type == "doc2vec" else LineSentence(corpus)
    model.build_vocab(sentences)
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs, callbacks=[timer],
                compute_loss=model_type == "word2vec")
print(json.dumps(timer.rates))
"""


def default_corpus() -> str:
    """Return the GCIDE corpus if it was built, else gensim's largest shipped corpus."""
    if os.path.exists("/tmp/gcide.txt"):
        return "/tmp/gcide.txt"
    from gensim.test.utils import datapath

    return str(datapath("head500.noblanks.cor"))


def plain_rates(model_type: str, corpus: str, epochs: int, workers: int, file_mode: bool) -> list[float]:
    """Train with a plain gensim script in a fresh process; return words/s per epoch."""
    arguments = [model_type, corpus, str(epochs), str(workers), "1" if file_mode else "0"]
    completed = subprocess.run(
        [sys.executable, "-c", PLAIN_SCRIPT, *arguments], capture_output=True, text=True, check=True, timeout=1800
    )
    rates: list[float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return rates


def tui_rates(command: str, model_type: str, corpus: str, epochs: int, workers: int, file_mode: bool) -> list[float]:
    """Train with the installed gensim-tui command, headless; return words/s per epoch from its CSV file."""
    with tempfile.TemporaryDirectory(prefix="gensim-tui-bench-") as folder:
        table = Path(folder) / "epochs.csv"
        arguments = [
            command,
            corpus,
            "--model",
            model_type,
            "--epochs",
            str(epochs),
            "--workers",
            str(workers),
            "--seed",
            "1",
            "--headless",
            "--run-dir",
            str(Path(folder) / "run"),
            "--csv",
            str(table),
        ]
        if file_mode:
            arguments.append("--corpus-file-mode")
        subprocess.run(arguments, capture_output=True, text=True, check=True, timeout=1800)
        with open(table, encoding="utf-8") as handle:
            return [float(row["words_per_sec"]) for row in csv.DictReader(handle)]


def main() -> int:
    """Run every configuration and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=None, help="LineSentence corpus (default: /tmp/gcide.txt if present)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per training (default 2)")
    parser.add_argument("--repeats", type=int, default=1, help="trainings per contestant and configuration")
    parser.add_argument("--models", default="word2vec,fasttext,doc2vec", help="comma-separated model types")
    args = parser.parse_args()
    command = shutil.which("gensim-tui")
    if command is None:
        print("bench_models: error: gensim-tui is not installed; run pip install . first", file=sys.stderr)
        return 1
    corpus = args.corpus or default_corpus()
    print(f"corpus {corpus}, {args.epochs} epochs per training, {args.repeats} repeat(s), {os.cpu_count()} cores")
    print(
        f"{'model':<9} {'reader':<12} {'workers':>7} {'plain words/s':>14} {'gensim-tui':>12} {'ratio':>7} "
        f"{'best ratio':>10}"
    )
    for model_type in args.models.split(","):
        for file_mode in (False, True):
            for workers in (1, 2):
                plain: list[float] = []
                tui: list[float] = []
                # Alternating the contestants spreads slow drift of the machine over both.
                for _ in range(args.repeats):
                    plain += plain_rates(model_type, corpus, args.epochs, workers, file_mode)
                    tui += tui_rates(command, model_type, corpus, args.epochs, workers, file_mode)
                plain_median, tui_median = statistics.median(plain), statistics.median(tui)
                reader = "corpus_file" if file_mode else "iterable"
                # The best epochs are the least disturbed by other load, which
                # on a shared machine can slow a whole process by 20%.
                print(
                    f"{model_type:<9} {reader:<12} {workers:>7} {plain_median:>14,.0f} {tui_median:>12,.0f} "
                    f"{tui_median / plain_median:>7.3f} {max(tui) / max(plain):>10.3f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
