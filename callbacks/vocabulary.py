"""Building the vocabulary with progress, and the checks that make training possible."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from gensim.models import Word2Vec

from .config import TrainingConfig
from .control import TrainingControl
from .corpus import CorpusError, LineCorpus
from .events import Event, VocabularyBuilt, VocabularyProgressed
from .probes import pick_probes


def build_vocabulary(
    model: Word2Vec,
    corpus: LineCorpus,
    config: TrainingConfig,
    emit: Callable[[Event], None],
    control: TrainingControl,
    source: Iterable[Any] | None = None,
) -> tuple[tuple[str, ...], dict[str, int]] | None:
    """Scan the corpus, check that training is possible, then allocate the weights.

    These are the steps of gensim's ``build_vocab`` taken one at a time, so the
    raw counts can be checked before ``prepare_vocab`` discards them. *source*
    is what gensim iterates (Doc2Vec needs tagged documents); it reads *corpus*,
    whose progress is reported. Returns
    the probe words and their corpus counts, or None if a stop was requested
    during the scan. Raises CorpusError for an empty corpus or one in which no
    word reaches min_count.
    """
    started = time.monotonic()
    size = corpus.size

    def progressed(bytes_read: int, words: int, sentences: int) -> None:
        emit(VocabularyProgressed(bytes_read, size, words, sentences))

    corpus.on_progress = progressed
    try:
        total_words, corpus_count = model.scan_vocab(
            corpus_iterable=corpus if source is None else source, progress_per=100_000
        )
    finally:
        corpus.on_progress = None
    model.corpus_count = corpus_count
    model.corpus_total_words = total_words
    raw_counts: dict[str, int] = model.raw_vocab
    if control.stop_requested:
        return None
    if total_words == 0:
        raise CorpusError(f"corpus is empty: {config.corpus} has no words; give a file with one sentence per line")
    min_count = config.min_count
    if not any(count >= min_count for count in raw_counts.values()):
        ranked = sorted(raw_counts.values(), reverse=True)
        suggestion = ranked[min(len(ranked), 50) - 1]
        raise CorpusError(
            f"no word occurs at least {min_count} times (min_count): the corpus has "
            f"{len(raw_counts)} distinct words and the most frequent occurs {ranked[0]} "
            f"{'time' if ranked[0] == 1 else 'times'}; "
            f"try --min-count {suggestion}"
        )
    probes = config.probes
    counts = {probe: raw_counts.get(probe, 0) for probe in probes}
    model.prepare_vocab()
    model.prepare_weights()
    if not probes:
        probes = pick_probes(model.wv.index_to_key)
        counts = {probe: int(model.wv.get_vecattr(probe, "count")) for probe in probes}
    emit(
        VocabularyBuilt(
            vocabulary_size=len(model.wv),
            distinct_words=len(raw_counts),
            corpus_words=total_words,
            sentences=corpus_count,
            min_count=min_count,
            probes=probes,
            probe_counts=tuple(counts[probe] for probe in probes),
            seconds=time.monotonic() - started,
        )
    )
    return probes, counts
