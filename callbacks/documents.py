"""Doc2Vec input: each line of the corpus is one document tagged with its line number."""

from __future__ import annotations

from collections.abc import Iterator

from gensim.models.doc2vec import TaggedDocument

from .corpus import LineCorpus

EXCERPT_WORDS = 12
"""Words kept from the start of each document to show beside its neighbours."""

MAX_EXCERPTS = 200_000
"""Documents whose excerpts are kept in memory; later documents are shown by number only."""


class TaggedCorpus:
    """Restartable iterable of TaggedDocument, one per line, tagged with the line number counted from 0.

    A line longer than gensim's 10,000-word limit becomes several documents
    with the same tag, which gensim trains as one document. While the first
    pass (the vocabulary scan) runs, the start of each document is kept in
    ``excerpts`` and its length in ``lengths``.
    """

    def __init__(self, lines: LineCorpus) -> None:
        self.lines = lines
        self.excerpts: dict[int, str] = {}
        self.lengths: dict[int, int] = {}
        self.collect = True
        """Keep excerpts and lengths during the next pass; switched off after the first."""

    def __iter__(self) -> Iterator[TaggedDocument]:
        lines = self.lines
        collect = self.collect
        excerpts, lengths = self.excerpts, self.lengths
        for words in lines:
            tag = lines.line_number - 1
            if collect:
                lengths[tag] = lengths.get(tag, 0) + len(words)
                if tag < MAX_EXCERPTS and tag not in excerpts:
                    excerpts[tag] = " ".join(words[:EXCERPT_WORDS])
            yield TaggedDocument(words, [tag])
        self.collect = False
