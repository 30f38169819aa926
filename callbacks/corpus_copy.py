"""Copies of a corpus made before training.

Standard input is spooled to a file because training reads the corpus
several times, and a compressed corpus or a folder of files is turned into
one plain file because gensim's ``corpus_file`` training reads only that
(gensim 4.4 reads it with a C++ ``std::ifstream``, which cannot decompress).
"""

from __future__ import annotations

import contextlib
import itertools
import lzma
import os
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from .corpus import COMPRESSED_SUFFIXES, CorpusError, corpus_files, decompressed

COPY_BLOCK_SIZE = 1 << 20
"""Bytes copied at a time."""

STDIN_COPY_NAME = "stdin-corpus.txt"
"""Name of the file that ``spool_stdin`` writes, with ``.gz``, ``.bz2`` or ``.xz`` added for a compressed stream."""

PLAIN_COPY_NAME = "corpus-plain.txt"
"""Name of the file that ``plain_copy`` writes."""

CopyProgressCallback = Callable[[int], None]
"""Receives the bytes read so far."""

_BZIP2_LEVELS = [bytes([digit]) for digit in b"123456789"]
_BZIP2_MAGICS = (b"1AY&SY", b"\x17rE8P\x90")
"""The first block's magic, or the end-of-stream magic of an empty stream."""


def spool_stdin(
    destination_folder: str, on_progress: CopyProgressCallback | None = None, progress_interval: float = 0.5
) -> str:
    """Copy standard input into a file in *destination_folder* and return the file's path.

    Standard input can be read only once, but training reads the corpus once
    for the vocabulary and once per epoch. A gzip, bzip2 or xz stream is kept
    compressed and named with the matching suffix, which LineCorpus reads.
    *on_progress* receives the bytes copied, at most once per
    *progress_interval* seconds while copying, then once at the end. Raises
    CorpusError when standard input is a terminal, closed, empty or
    unreadable, or when the copy cannot be written.
    """
    if os.isatty(0):
        raise CorpusError("standard input is a terminal; pipe a corpus into gensim-tui or give a file")
    blocks = _stdin_blocks()
    first = b""
    # A pipe may deliver a few bytes at a time, but the compression format is
    # identified by the first 10 bytes.
    for block in blocks:
        first += block
        if len(first) >= 10:
            break
    if not first:
        raise CorpusError("standard input is empty; pipe a corpus with one sentence per line into gensim-tui")
    path = os.path.join(destination_folder, STDIN_COPY_NAME + _compression_suffix(first))
    _write_copy(path, _with_totals(itertools.chain([first], blocks)), on_progress, progress_interval)
    return path


def reattach_terminal() -> bool:
    """Point standard input (file descriptor 0) at the controlling terminal so that a screen can read keys.

    Meant for after the corpus was read from a pipe. Returns True when
    standard input is a terminal afterwards, and False when the process has
    no controlling terminal (started by cron, over ssh without a terminal, or
    with setsid), in which case standard input is left as it was.
    """
    if os.isatty(0):
        return True
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return False
    try:
        os.dup2(terminal, 0)
    finally:
        os.close(terminal)
    return True


def plain_copy(
    path: str, destination_folder: str, on_progress: CopyProgressCallback | None = None, progress_interval: float = 0.5
) -> str:
    """Return the path of one uncompressed file holding the corpus at *path*, for gensim's ``corpus_file`` training.

    A plain file's own path is returned unchanged. A compressed file is
    decompressed, and a folder's files are decompressed as needed and joined,
    into ``PLAIN_COPY_NAME`` in *destination_folder*, replacing an earlier
    copy. A newline is added after a file whose last line has none, so lines
    of two files never merge. *on_progress* receives the corpus bytes read as
    stored on disk (the unit of ``LineCorpus.size``), at most once per
    *progress_interval* seconds, then once at the end. Raises CorpusError when
    the corpus cannot be read or decompressed or the copy cannot be written.
    """
    try:
        files = corpus_files(path)
    except OSError as error:
        raise CorpusError(f"cannot list corpus folder {path}: {error.strerror}; check its permissions") from None
    if not os.path.isdir(path) and not path.endswith(COMPRESSED_SUFFIXES):
        return path
    target = os.path.join(destination_folder, PLAIN_COPY_NAME)
    _write_copy(target, _plain_blocks(files), on_progress, progress_interval)
    return target


def _stdin_blocks() -> Iterator[bytes]:
    while True:
        try:
            block = os.read(0, COPY_BLOCK_SIZE)
        except OSError as error:
            raise CorpusError(f"cannot read standard input: {error.strerror}; pipe a corpus into gensim-tui") from None
        if not block:
            return
        yield block


def _with_totals(blocks: Iterable[bytes]) -> Iterator[tuple[bytes, int]]:
    total = 0
    for block in blocks:
        total += len(block)
        yield block, total


def _plain_blocks(files: list[str]) -> Iterator[tuple[bytes, int]]:
    """Yield the decompressed contents of *files* in blocks, each with the bytes read from disk so far."""
    bytes_before = 0
    for file in files:
        try:
            with open(file, "rb") as raw:
                stream = decompressed(file, raw)
                last = b"\n"
                for block in iter(partial(stream.read, COPY_BLOCK_SIZE), b""):
                    yield block, bytes_before + raw.tell()
                    last = block[-1:]
                if last != b"\n":
                    yield b"\n", bytes_before + raw.tell()
                bytes_before += raw.tell()
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise CorpusError(
                f"cannot read corpus {file}: {reason}; check that the file is complete and that its suffix "
                "(.gz, .bz2, .xz or none) matches its format"
            ) from None


def _write_copy(
    path: str, chunks: Iterable[tuple[bytes, int]], on_progress: CopyProgressCallback | None, interval: float
) -> None:
    """Write the blocks of *chunks* to *path*, reporting the position given with each block.

    The blocks go to a ``.partial`` file first, renamed to *path* once
    complete, so *path* never contains a partial corpus.
    """
    partial_path = path + ".partial"
    position = 0
    next_report = time.monotonic() + interval
    try:
        with open(partial_path, "wb") as output:
            for block, position in chunks:
                output.write(block)
                if on_progress is not None and time.monotonic() >= next_report:
                    on_progress(position)
                    next_report = time.monotonic() + interval
        os.replace(partial_path, path)
    except OSError as error:
        _remove(partial_path)
        raise CorpusError(f"cannot write {path}: {error.strerror}; check the free space and permissions") from None
    except BaseException:
        _remove(partial_path)
        raise
    if on_progress is not None:
        on_progress(position)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def _compression_suffix(start: bytes) -> str:
    """Return the suffix of the compression format that data starting with *start* has, or "" for none."""
    if start.startswith(b"\x1f\x8b"):  # never valid UTF-8: 0x8B cannot start a character
        return ".gz"
    # "BZh" and a block size could start a text, so the block or end-of-stream magic is required too.
    if start[:3] == b"BZh" and start[3:4] in _BZIP2_LEVELS and start[4:10] in _BZIP2_MAGICS:
        return ".bz2"
    if start.startswith(b"\xfd7zXZ\x00"):
        return ".xz"
    return ""
