"""Cutting a corpus file into chunks that gensim's ``corpus_file`` reader trains one at a time.

gensim's ``corpus_file`` training gives each worker thread a byte offset and
a word budget, and the thread trains the whole budget in one Cython call that
sums the loss in one float32. Cut into chunks of a few batches, the same
Cython call trains a chunk at a time: each chunk's float32 loss stays small
enough to keep its small terms, and between chunks the thread can pause,
stop and report progress.

A chunk ends where gensim's reader (``CythonLineSentence`` reading with
``FastLineSentence`` in gensim 4.4) would end a batch if it had started
at the first line, so a reader started at a chunk's offset stops exactly at
the chunk's end. That reader splits lines at ``\\n`` and words at ASCII
whitespace. It ends a batch after the line that takes the batch past
``MAX_WORDS_IN_BATCH`` words. It cuts a longer line into pieces that it
carries across batches, where no chunk edge could follow. Such lines are
therefore first split with newlines (``split_long_lines``).

A Doc2Vec reader takes one line at a time, so its chunks may end at any
line. A blank line inside a chunk would shift the document numbers that
follow it, so there a chunk also ends at every blank line.

The file is read in blocks with numpy, so a file that is one enormous line
needs no more memory than a block.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from gensim.models.word2vec_inner import MAX_WORDS_IN_BATCH

from .corpus import CorpusError

BLOCK_BYTES = 1 << 23
"""Bytes read at a time while scanning."""

PIECE_WORDS = MAX_WORDS_IN_BATCH // 2 + 1
"""Words per line after ``split_long_lines``: two such lines make a batch of 10,002 words.

gensim's corpus_file trainer keeps at most ``MAX_WORDS_IN_BATCH`` words of a
batch once unknown and downsampled words are dropped, and ignores the rest
(``prepare_c_structures_for_batch`` in gensim 4.4). Lines of 10,000 words
would make batches of 20,000 and lose up to half of them.
"""

CHUNK_WORDS = 4 * MAX_WORDS_IN_BATCH
"""Minimum words in a chunk (except the last).

Python work between two chunks takes 0.1 to 0.2 ms (measured on gcide with
two threads), about 1% of a one-batch chunk, so a chunk is four batches.
Its float32 loss total still matches the iterable reader's to 0.1%, and a
pause waits for at most one chunk per thread, about 0.05 s.
"""

_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[list(b" \t\n\r\x0b\x0c")] = True  # isspace() in the C locale, as C++ streams split words

Int64s = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ChunkPlan:
    """The chunks of one corpus file: each one's start and the words before it."""

    path: str
    size: int
    """The file's size in bytes when it was scanned."""
    offsets: Int64s
    """Byte offset of each chunk's first line."""
    lines: Int64s
    """Number of the first line of each chunk, counted from 0."""
    starts: Int64s
    """Words before each chunk, with the file's word count appended."""

    @property
    def total_words(self) -> int:
        """Words in the file, as gensim's reader counts them."""
        return int(self.starts[-1])

    def __len__(self) -> int:
        return len(self.offsets)


def _blocks(path: str) -> Iterator[tuple[int, npt.NDArray[np.uint8], npt.NDArray[np.bool_]]]:
    """Yield each block of the file with its offset and a mask of the bytes that start a word.

    Raises OSError when the file cannot be read.
    """
    after_space = True
    offset = 0
    with open(path, "rb") as file:
        while block := file.read(BLOCK_BYTES):
            data = np.frombuffer(block, dtype=np.uint8)
            space = _WHITESPACE[data]
            starts = ~space
            starts[1:] &= space[:-1]
            starts[0] &= after_space
            after_space = bool(space[-1])
            yield offset, data, starts
            offset += len(block)


def _line_ends(path: str) -> Iterator[tuple[int, Int64s, Int64s]]:
    """Yield, per block: the lines before it, the offset after each line end in it, and the words up to each.

    A last line without a newline ends at the end of the file.
    """
    words = lines = size = 0
    last_byte = 0x0A
    try:
        for offset, data, starts in _blocks(path):
            counted = np.cumsum(starts, dtype=np.int64)
            newlines = np.flatnonzero(data == 0x0A)
            if len(newlines):
                yield lines, offset + newlines + 1, words + counted[newlines]
            words += int(counted[-1])
            lines += len(newlines)
            size = offset + len(data)
            last_byte = int(data[-1])
    except OSError as error:
        raise CorpusError(f"cannot read corpus {path}: {error.strerror}; check that it exists") from None
    if last_byte != 0x0A:
        yield lines, np.array([size], dtype=np.int64), np.array([words], dtype=np.int64)


class _Chunks:
    """Chunk starts collected while scanning; a chunk left with no words is replaced by the next."""

    def __init__(self) -> None:
        self.offsets = [0]
        self.lines = [0]
        self.starts = [0]

    def cut(self, offset: int, line: int, words_before: int) -> None:
        if words_before == self.starts[-1]:
            self.offsets[-1], self.lines[-1] = offset, line
        else:
            self.offsets.append(offset)
            self.lines.append(line)
            self.starts.append(words_before)

    def plan(self, path: str, total_words: int) -> ChunkPlan:
        offsets, lines, starts = self.offsets, self.lines, self.starts
        if total_words == starts[-1] and len(starts) > 1:  # the last chunk would have no words
            offsets, lines, starts = offsets[:-1], lines[:-1], starts[:-1]
        return ChunkPlan(
            path,
            os.path.getsize(path),
            np.array(offsets, dtype=np.int64),
            np.array(lines, dtype=np.int64),
            np.array([*starts, total_words], dtype=np.int64),
        )


def plan_chunks(path: str, documents: bool = False) -> ChunkPlan | None:
    """Return the chunks of the corpus file at *path*, or None when a line is longer than a batch.

    *documents* selects Doc2Vec's chunks, which end at line ends and after
    blank lines. Other chunks end at batch ends, so every line must have at
    most ``MAX_WORDS_IN_BATCH`` words (see ``split_long_lines``).
    Raises CorpusError when the file cannot be read.
    """
    chunks = _Chunks()
    batch_start = 0  # words before the batch being read
    words_before = 0  # words before the last line end seen
    for lines_before, ends, words in _line_ends(path):
        counts = np.diff(words, prepend=words_before)
        words_before = int(words[-1])
        if documents:
            blank = np.flatnonzero(counts == 0)
            index = -1
            while True:
                # The line that takes the chunk to CHUNK_WORDS ends it, and so does a blank line.
                index = min(
                    int(np.searchsorted(words, chunks.starts[-1] + CHUNK_WORDS, side="left")),
                    int(next(iter(blank[np.searchsorted(blank, index, side="right") :]), len(words))),
                )
                if index >= len(words):
                    break
                chunks.cut(int(ends[index]), lines_before + index + 1, int(words[index]))
            continue
        if int(counts.max()) > MAX_WORDS_IN_BATCH:
            return None
        while True:
            # A batch ends with the line that takes it past MAX_WORDS_IN_BATCH.
            index = int(np.searchsorted(words, batch_start + MAX_WORDS_IN_BATCH, side="right"))
            if index == len(words):
                break
            batch_start = int(words[index])
            if batch_start - chunks.starts[-1] >= CHUNK_WORDS:
                chunks.cut(int(ends[index]), lines_before + index + 1, batch_start)
    return chunks.plan(path, words_before)


def long_line_cuts(path: str) -> list[int]:
    """Return the offsets of the whitespace bytes that a newline must replace so no line exceeds a batch.

    Each cut falls before word ``PIECE_WORDS``, twice that, and so on of a
    line. gensim's iterable reader cuts such a line into sentences too, at
    every ``MAX_WORDS_IN_BATCH`` words, so a context window may span fewer
    words at about one place in 5,000.
    """
    cuts: list[int] = []
    words = 0
    line_start_words = 0  # words before the line being read
    for offset, data, starts in _blocks(path):
        word_at = np.flatnonzero(starts)
        newlines = np.flatnonzero(data == 0x0A)
        # For each word, the words before its line: those before the last newline preceding it.
        words_by_newline = np.concatenate(([line_start_words], words + np.searchsorted(word_at, newlines)))
        line_of = np.searchsorted(newlines, word_at)
        in_line = words + np.arange(len(word_at)) - words_by_newline[line_of]
        marked = word_at[(in_line > 0) & (in_line % PIECE_WORDS == 0)]
        cuts.extend(int(position) for position in offset + marked - 1)
        line_start_words = int(words_by_newline[-1])
        words += len(word_at)
    return cuts


def split_long_lines(path: str, target: str) -> None:
    """Write *path* to *target* (or change it in place when they are the same) with long lines split.

    Raises CorpusError when a file cannot be read or written.
    """
    try:
        cuts = long_line_cuts(path)
        if target != path:
            partial = target + ".partial"
            shutil.copyfile(path, partial)
        else:
            partial = target
        with open(partial, "r+b") as file:
            for position in cuts:
                file.seek(position)
                file.write(b"\n")
        if partial != target:
            os.replace(partial, target)
    except OSError as error:
        raise CorpusError(
            f"cannot split the long lines of {path} into {target}: {error.strerror}; check the free space"
        ) from None
