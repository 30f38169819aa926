"""A LineSentence-format corpus reader that reports how far it has read.

One sentence per line, tokens separated by whitespace, UTF-8; ``.gz`` and
``.bz2`` files are decompressed on the fly. Lines longer than gensim's
10,000-token sentence limit are split as gensim's own ``LineSentence`` splits
them, because gensim's trainers silently drop every token past that limit.
"""

from __future__ import annotations

import bz2
import gzip
import os
import time
from collections.abc import Callable, Iterator
from typing import IO

from .control import TrainingControl

MAX_SENTENCE_LENGTH = 10_000
"""gensim's ``MAX_WORDS_IN_BATCH``: the longest sentence its trainers use whole."""

ProgressCallback = Callable[[int, int, int], None]
"""Receives (bytes read, words read, sentences read)."""


class CorpusError(Exception):
    """The corpus cannot be used; the message says why and what to do."""


def check_corpus(path: str) -> None:
    """Raise CorpusError unless *path* is a readable file."""
    if not os.path.exists(path):
        raise CorpusError(f"corpus not found: {path}; give the path of a text file with one sentence per line")
    if os.path.isdir(path):
        raise CorpusError(f"corpus is a folder, not a file: {path}; give the path of a text file")
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as error:
        raise CorpusError(f"cannot read corpus {path}: {error.strerror}; check its permissions") from None


class LineCorpus:
    """Restartable iterable of token lists read from a LineSentence file.

    Iteration ends early, at a line boundary, once *control* has a stop
    request, which is how training is cut short in the middle of an epoch.
    """

    def __init__(
        self,
        path: str,
        control: TrainingControl | None = None,
        max_sentence_length: int = MAX_SENTENCE_LENGTH,
    ) -> None:
        self.path = path
        self.control = control
        self.max_sentence_length = max_sentence_length
        self.on_progress: ProgressCallback | None = None
        """Called about twice a second while iterating, then once at the end."""
        self.progress_interval = 0.5
        self.skip_words = 0
        """Raw words to skip at the start of the next pass only; the next pass after it reads everything."""
        self.line_number = 0
        """Line of the file (counted from 1) that the latest sentence came from."""
        self.guard_errors = False
        """When True, a read error ends the pass early and is kept in ``error`` instead of raised."""
        self.error: Exception | None = None
        """The error that ended the last pass early, if reading failed."""

    @property
    def size(self) -> int:
        """Size of the file on disk in bytes (compressed size for .gz and .bz2)."""
        return os.path.getsize(self.path)

    def __iter__(self) -> Iterator[list[str]]:
        skip, self.skip_words = self.skip_words, 0
        if not self.guard_errors:
            yield from self._sentences(skip)
            return
        # gensim reads the corpus in a producer thread; if that thread raises,
        # the worker threads wait for batches forever. Ending the pass instead,
        # with a stop request so that queued batches are dropped, lets train()
        # return and the caller report the error kept here.
        self.error = None
        try:
            yield from self._sentences(skip)
        except (OSError, CorpusError, EOFError, ValueError) as error:
            self.error = error
            if self.control is not None:
                self.control.request_stop()

    def _sentences(self, skip: int) -> Iterator[list[str]]:
        with open(self.path, "rb") as raw:
            for sentence in self._read(raw, _decompressed(self.path, raw)):
                if skip > 0:
                    skip -= len(sentence)
                    continue
                yield sentence

    def _read(self, raw: IO[bytes], lines: IO[bytes] | gzip.GzipFile | bz2.BZ2File) -> Iterator[list[str]]:
        control = self.control
        on_progress = self.on_progress
        limit = self.max_sentence_length
        next_report = time.monotonic() + self.progress_interval
        words = sentences = 0
        for line_number, line in enumerate(lines, start=1):
            if control is not None and control.stop_requested:
                break
            try:
                tokens = line.decode("utf-8").split()
            except UnicodeDecodeError as error:
                raise CorpusError(
                    f"{self.path}: line {line_number} is not valid UTF-8 "
                    f"(byte {error.start + 1} of the line); convert the file with iconv -t UTF-8"
                ) from None
            if on_progress is not None:
                words += len(tokens)
                # Counted as gensim counts them: blank lines are none, long lines several.
                sentences += -(-len(tokens) // limit)
                if line_number % 256 == 0 and time.monotonic() >= next_report:
                    on_progress(raw.tell(), words, sentences)
                    next_report = time.monotonic() + self.progress_interval
            self.line_number = line_number
            if len(tokens) <= limit:
                if tokens:  # gensim's LineSentence yields nothing for a blank line
                    yield tokens
            else:
                for start in range(0, len(tokens), limit):
                    yield tokens[start : start + limit]
        if on_progress is not None:
            on_progress(raw.tell(), words, sentences)


def _decompressed(path: str, raw: IO[bytes]) -> IO[bytes] | gzip.GzipFile | bz2.BZ2File:
    if path.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if path.endswith(".bz2"):
        return bz2.BZ2File(raw, mode="rb")
    return raw
