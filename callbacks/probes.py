"""Probe words: choosing them and reading their nearest neighbours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gensim.models import KeyedVectors, Word2Vec

from .documents import TaggedCorpus
from .events import Neighbour, ProbeNeighbours
from .models import refresh_word_vectors, word_vectors_trained
from .monitor import NeighbourReader

AUTO_PROBES = 4


def pick_probes(words_by_frequency: Sequence[str], count: int = AUTO_PROBES) -> tuple[str, ...]:
    """Pick *count* informative words from a vocabulary sorted by descending frequency.

    The most frequent words are mostly function words whose neighbours tell little,
    and the rarest have noisy vectors, so the picks are spread evenly over the
    alphabetic words of three or more letters ranked between about the 50th and
    the 1,000th.
    """
    skip = min(50, len(words_by_frequency) // 10)
    window = words_by_frequency[skip : skip + 1000]
    candidates = [word for word in window if word.isalpha() and len(word) >= 3]
    if len(candidates) < count:
        candidates = list(window) or list(words_by_frequency)
    if not candidates or count <= 0:
        return ()
    step = max(1, len(candidates) // count)
    return tuple(candidates[index * step] for index in range(min(count, len(candidates))))


def neighbours_of(
    vectors: KeyedVectors,
    probes: Sequence[str],
    counts: Mapping[str, int],
    topn: int,
    previous: Mapping[str, ProbeNeighbours],
) -> tuple[ProbeNeighbours, ...]:
    """Return each probe's *topn* neighbours by cosine similarity with the current weights.

    Neighbours absent from the probe's list in *previous* are marked new; on the
    first epoch, when there is no previous list, none are.
    """
    # The cached unit vectors describe the weights of an earlier epoch.
    vectors.fill_norms(force=True)
    results = []
    for probe in probes:
        count = counts.get(probe, 0)
        if probe not in vectors.key_to_index:
            results.append(ProbeNeighbours(probe, (), count, in_vocabulary=False))
            continue
        before = previous.get(probe)
        seen = {n.word for n in before.neighbours} if before is not None else None
        neighbours = tuple(
            Neighbour(word, float(similarity), is_new=seen is not None and word not in seen)
            for word, similarity in vectors.most_similar(probe, topn=topn)
        )
        results.append(ProbeNeighbours(probe, neighbours, count, in_vocabulary=True))
    return tuple(results)


def pick_document_probes(document_count: int, count: int = 3) -> tuple[int, ...]:
    """Pick *count* document tags spread evenly over a corpus of *document_count* documents."""
    if document_count <= 0 or count <= 0:
        return ()
    step = document_count / min(count, document_count)
    return tuple(int(index * step) for index in range(min(count, document_count)))


def document_neighbours_of(
    vectors: KeyedVectors,
    probes: Sequence[int],
    excerpts: Mapping[int, str],
    lengths: Mapping[int, int],
    topn: int,
    previous: Mapping[str, ProbeNeighbours],
) -> tuple[ProbeNeighbours, ...]:
    """Return each probe document's *topn* nearest documents by cosine similarity.

    Documents are named by their tag, the line number counted from 0; their
    excerpts come from *excerpts*, which may lack some (then none is shown).
    """
    vectors.fill_norms(force=True)
    results = []
    for tag in probes:
        name = f"doc {tag}"
        if not vectors.has_index_for(tag):
            results.append(ProbeNeighbours(name, (), 0, False, kind="document", excerpt=excerpts.get(tag, "")))
            continue
        before = previous.get(name)
        seen = {n.word for n in before.neighbours} if before is not None else None
        neighbours = []
        for other, similarity in vectors.most_similar(tag, topn=topn):
            word = f"doc {other}"
            is_new = seen is not None and word not in seen
            excerpt = excerpts.get(int(other), "")
            neighbours.append(Neighbour(word, float(similarity), is_new, excerpt))
        results.append(
            ProbeNeighbours(
                name, tuple(neighbours), lengths.get(tag, 0), True, kind="document", excerpt=excerpts.get(tag, "")
            )
        )
    return tuple(results)


def neighbour_reader(
    model: Word2Vec,
    probes: Sequence[str],
    counts: Mapping[str, int],
    documents: TaggedCorpus | None,
    topn: int,
) -> NeighbourReader:
    """Return the function the monitor calls after each epoch to read the probes' neighbours."""
    word_probes = tuple(probes) if word_vectors_trained(model) else ()
    document_probes: tuple[int, ...] = ()
    if documents is not None:
        tags = sorted(documents.lengths) or list(range(len(model.dv)))
        document_probes = tuple(tags[index] for index in pick_document_probes(len(tags)))

    def read(trained: Word2Vec, previous: Mapping[str, ProbeNeighbours]) -> tuple[ProbeNeighbours, ...]:
        refresh_word_vectors(trained)
        found = neighbours_of(trained.wv, word_probes, counts, topn, previous)
        if documents is not None:
            found += document_neighbours_of(
                trained.dv, document_probes, documents.excerpts, documents.lengths, topn, previous
            )
        return found

    return read
