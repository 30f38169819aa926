"""A LineSentence-format corpus reader that reports how far it has read.

One sentence per line, tokens separated by whitespace, UTF-8; ``.gz``,
``.bz2`` and ``.xz`` files are decompressed on the fly. The corpus is a file
or a folder of such files. Lines longer than gensim's 10,000-token sentence
limit are split as gensim's own ``LineSentence`` splits them, because gensim's
trainers silently drop every token past that limit.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import time
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO

from .control import TrainingControl

MAX_SENTENCE_LENGTH = 10_000
"""gensim's ``MAX_WORDS_IN_BATCH``: the longest sentence its trainers use whole."""

BLOCK_SIZE = 1 << 16
"""Bytes of a line read at a time, so a file that is one enormous line (text8) is never held whole."""

FINISH_LINE_BYTES = 1 << 20
"""After a stop request, the current line is still read to its end unless it is longer than this.

A longer line (text8 is one line of 100 MB) stops at the first boundary
between two of its sentence pieces after this many of its bytes.
"""

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")

_Lines = IO[bytes] | gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile
"""A corpus file as read: the file itself or its decompressed stream."""

ProgressCallback = Callable[[int, int, int], None]
"""Receives (bytes read, words read, sentences read)."""


class CorpusError(Exception):
    """The corpus cannot be used; the message gives the reason and the fix."""


READ_ERRORS = (OSError, CorpusError, EOFError, ValueError, zlib.error, lzma.LZMAError)
"""Exceptions that reading a missing, unreadable, corrupt or non-UTF-8 corpus file raises."""

_ASCII_WHITESPACE = (b" ", b"\t", b"\r", b"\x0b", b"\x0c")
"""Bytes at which a line can be cut: ``str.split()`` splits there too, and no UTF-8 multibyte sequence contains them."""


def corpus_files(path: str) -> list[str]:
    """Return the files that make up the corpus at *path*: the file itself, or a folder's files.

    A folder contributes its regular files in sorted name order, as gensim's
    ``PathLineSentences`` reads them, except hidden files (names starting with
    a dot). Subfolders are not read. Raises CorpusError for a folder without
    such files, and OSError when the folder cannot be listed.
    """
    if not os.path.isdir(path):
        return [path]
    names = sorted(name for name in os.listdir(path) if not name.startswith("."))
    files = [os.path.join(path, name) for name in names if os.path.isfile(os.path.join(path, name))]
    if not files:
        raise CorpusError(
            f"corpus is a folder with no files: {path}; put text files in it "
            "(hidden files and subfolders are skipped) or give the path of a text file"
        )
    return files


def check_corpus(path: str) -> None:
    """Raise CorpusError unless *path* is a readable file or a folder of readable files."""
    if not os.path.exists(path):
        raise CorpusError(f"corpus not found: {path}; give the path of a text file with one sentence per line")
    try:
        files = corpus_files(path)
    except OSError as error:
        raise CorpusError(f"cannot list corpus folder {path}: {error.strerror}; check its permissions") from None
    for file in files:
        try:
            with open(file, "rb") as handle:
                handle.read(1)
        except OSError as error:
            raise CorpusError(f"cannot read corpus {file}: {error.strerror}; check its permissions") from None


class _Progress:
    """Counts of one pass, shared by the readers of the files and of long lines."""

    def __init__(self, callback: ProgressCallback | None, interval: float) -> None:
        self.callback = callback
        self.interval = interval
        self.next_report = time.monotonic() + interval
        self.words = 0
        self.sentences = 0
        self.lines_before = 0
        """Lines in the files of the corpus before the current one."""
        self.bytes_before = 0
        """Bytes in the files of the corpus before the current one."""
        self.raw: IO[bytes] | None = None
        """The current file, as stored on disk."""

    def report(self) -> None:
        if self.callback is None:
            return
        bytes_read = self.bytes_before + (self.raw.tell() if self.raw is not None else 0)
        self.callback(bytes_read, self.words, self.sentences)
        self.next_report = time.monotonic() + self.interval


class LineCorpus:
    """Restartable iterable of token lists read from a LineSentence file or a folder of them.

    Iteration ends early once *control* has a stop request, which is how
    training is cut short in the middle of an epoch. It ends at the end of the
    line being read. Inside a line longer than ``FINISH_LINE_BYTES`` it ends
    at a boundary between two of the line's ``max_sentence_length`` pieces.
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
        self.block_size = BLOCK_SIZE
        """Maximum bytes of a line read at once; longer lines are read in pieces of this size."""
        self.on_progress: ProgressCallback | None = None
        """Called about twice a second while iterating, then once at the end."""
        self.progress_interval = 0.5
        self.skip_words = 0
        """Raw words to skip at the start of the next pass only; the next pass after it reads everything."""
        self.line_number = 0
        """Line that the latest sentence came from, counted from 1 over the whole corpus (all of a folder's files)."""
        self.guard_errors = False
        """When True, a read error ends the pass early and is kept in ``error`` instead of raised."""
        self.error: Exception | None = None
        """The error that ended the last pass early, if reading failed."""

    @property
    def size(self) -> int:
        """Size on disk in bytes of the file or of all of the folder's files (compressed size for compressed files)."""
        return sum(os.path.getsize(file) for file in corpus_files(self.path))

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
        except READ_ERRORS as error:
            self.error = error
            if self.control is not None:
                self.control.request_stop()

    def _sentences(self, skip: int) -> Iterator[list[str]]:
        self.line_number = 0
        progress = _Progress(self.on_progress, self.progress_interval)
        for path in corpus_files(self.path):
            if self.control is not None and self.control.stop_requested:
                break
            with open(path, "rb") as raw:
                progress.raw = raw
                for sentence in self._read(path, decompressed(path, raw), progress):
                    if skip > 0:
                        skip -= len(sentence)
                        continue
                    yield sentence
                progress.bytes_before += raw.tell()
                progress.raw = None
        progress.report()

    def _read(self, path: str, lines: _Lines, progress: _Progress) -> Iterator[list[str]]:
        """Yield the sentences of one file, updating *progress* for every line."""
        control = self.control
        on_progress = self.on_progress
        limit = self.max_sentence_length
        words, sentences = progress.words, progress.sentences
        first_line = progress.lines_before + 1
        line_number = first_line - 1

        # readline(block_size) returns a whole line when it fits, which is the
        # fast path below; a longer line comes in pieces, without its newline.
        pieces = iter(partial(lines.readline, self.block_size), b"")
        for line_number, line in enumerate(pieces, start=first_line):
            if control is not None and control.stop_requested:
                break
            if line[-1] != 0x0A:  # a line longer than a block, or a last line without a newline
                progress.words, progress.sentences = words, sentences
                yield from self._read_long_line(path, line, lines, line_number - first_line + 1, progress)
                words, sentences = progress.words, progress.sentences
                continue

            try:
                tokens = line.decode("utf-8").split()
            except UnicodeDecodeError as error:
                raise _invalid_utf8(path, line_number - first_line + 1, error.start + 1) from None
            if on_progress is not None:
                words += len(tokens)
                # Counted as gensim counts them: a blank line yields no sentence, a long line several.
                sentences += -(-len(tokens) // limit)
                if line_number % 256 == 0 and time.monotonic() >= progress.next_report:
                    progress.words, progress.sentences = words, sentences
                    progress.report()
            self.line_number = line_number
            if len(tokens) <= limit:
                if tokens:  # gensim's LineSentence yields nothing for a blank line
                    yield tokens
            else:
                for start in range(0, len(tokens), limit):
                    yield tokens[start : start + limit]

        progress.words, progress.sentences = words, sentences
        progress.lines_before = line_number

    def _read_long_line(
        self, path: str, first: bytes, lines: _Lines, line_in_file: int, progress: _Progress
    ) -> Iterator[list[str]]:
        """Yield the pieces of the line that starts with *first*, reading the rest of it block by block.

        Each block is cut after its last ASCII whitespace byte and the bytes
        after the cut are carried to the next block, so every token is decoded
        whole. The pieces are those of ``LineSentence``: ``max_sentence_length``
        tokens counted from the start of the line, and the rest at its end.
        Memory holds one block and its tokens, the carried bytes (part of one
        token) and fewer than ``max_sentence_length`` pending tokens.
        """
        limit = self.max_sentence_length
        self.line_number = progress.lines_before + line_in_file
        pending: list[str] = []
        carried: list[bytes] = []
        decoded_bytes = 0  # bytes of the line before the carried ones
        block = first
        while True:
            line_ends = not block or block[-1] == 0x0A
            if line_ends:
                cut = len(block)
            else:
                cut = max(block.rfind(space) for space in _ASCII_WHITESPACE) + 1
                if cut == 0:  # no whitespace: the whole block is inside one token
                    carried.append(block)
                    block = lines.readline(self.block_size)
                    continue
            data = b"".join([*carried, block[:cut]]) if carried else block[:cut]
            carried = [block[cut:]] if cut < len(block) else []
            try:
                tokens = data.decode("utf-8").split()
            except UnicodeDecodeError as error:
                raise _invalid_utf8(path, line_in_file, decoded_bytes + error.start + 1) from None
            decoded_bytes += len(data)
            if pending:
                pending.extend(tokens)
                tokens = pending
            full = len(tokens) - len(tokens) % limit
            for start in range(0, full, limit):
                piece = tokens[start : start + limit]
                progress.words += len(piece)
                progress.sentences += 1
                yield piece
            pending = tokens[full:]
            if line_ends:
                break
            if self.control is not None and self.control.stop_requested and decoded_bytes >= FINISH_LINE_BYTES:
                # Dropping the pending tokens keeps every piece yielded so far
                # whole, so skip_words can resume exactly after the last one.
                return
            block = lines.readline(self.block_size)
            if block and time.monotonic() >= progress.next_report:
                progress.report()
        if pending:
            progress.words += len(pending)
            progress.sentences += 1
            yield pending


def _invalid_utf8(path: str, line: int, byte: int) -> CorpusError:
    return CorpusError(
        f"{path}: line {line} is not valid UTF-8 (byte {byte} of the line); convert the file with iconv -t UTF-8"
    )


def decompressed(path: str, raw: IO[bytes]) -> _Lines:
    """Return a stream of the contents of *raw*, decompressed when *path* ends with a compressed suffix."""
    if path.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if path.endswith(".bz2"):
        return bz2.BZ2File(raw, mode="rb")
    if path.endswith(".xz"):
        return lzma.LZMAFile(raw, mode="rb")
    return raw
