"""Corpus inputs beyond one ordinary file: enormous lines, folders, standard input and plain copies."""

from __future__ import annotations

import bz2
import contextlib
import fcntl
import gzip
import json
import lzma
import os
import random
import subprocess
import sys
import termios
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence, PathLineSentences
from gensim_tui.callbacks.control import TrainingControl
from gensim_tui.callbacks.corpus import (
    BLOCK_SIZE,
    FINISH_LINE_BYTES,
    MAX_SENTENCE_LENGTH,
    CorpusError,
    LineCorpus,
    check_corpus,
)
from gensim_tui.callbacks.corpus_copy import PLAIN_COPY_NAME, STDIN_COPY_NAME, plain_copy, spool_stdin

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lambda data: lzma.compress(data, preset=0),  # the fastest preset keeps the tests quick
}

UNICODE_SPACES = ["\u3000", "\xa0", "\x85", "\u2028", "\x1c", "\x0b", "\x0c", "\r"]
"""Characters that ``str.split()`` treats as whitespace although no line ends there."""


def write_corpus(path: Path, data: bytes) -> str:
    """Write *data* to *path*, compressed in the format that its suffix names, and return the path."""
    compress = COMPRESSORS.get(path.suffix)
    path.write_bytes(compress(data) if compress is not None else data)
    return str(path)


def numbered_words(count: int, start: int = 0) -> list[str]:
    return [f"w{i}" for i in range(start, start + count)]


def long_lines_text() -> str:
    """Lines of every length around the sentence limit and the block size, in several scripts."""
    lines = [
        "",
        "short line",
        " ".join(numbered_words(MAX_SENTENCE_LENGTH - 1)),
        " ".join(numbered_words(MAX_SENTENCE_LENGTH)),
        " ".join(numbered_words(MAX_SENTENCE_LENGTH + 1)),
        # About 600 KB: many blocks, with Cyrillic, CJK and 4-byte characters cut across block ends.
        " ".join(f"слово{i} 图书馆{i} 😀{i}" for i in range(25_000)),
        "x" * (3 * BLOCK_SIZE + 17),  # one token longer than a block
        "tail of long token " + "y" * (BLOCK_SIZE + 5) + " after",
        " ".join(f"a{i}{UNICODE_SPACES[i % len(UNICODE_SPACES)]}b{i}" for i in range(40_000)),
        "   \t  ",
        "crlf line\r",
    ]
    return "\n".join(lines) + "\nlast line without newline " + " ".join(numbered_words(25_000))


def progress_log(corpus: LineCorpus) -> list[tuple[int, int, int]]:
    """Attach an on_progress callback that reports whenever it can and return the list it fills."""
    reports: list[tuple[int, int, int]] = []

    def record(bytes_read: int, words: int, sentences: int) -> None:
        reports.append((bytes_read, words, sentences))

    corpus.on_progress = record
    corpus.progress_interval = 0.0
    return reports


def write_one_line_file(path: Path, size: int, padding: int = 0) -> int:
    """Write a file of at least *size* bytes that is one line without a newline; return its number of tokens.

    Each token is 12 characters plus *padding*.
    """
    count = 0
    with open(path, "wb") as output:
        written = 0
        while written < size:
            block = " ".join(f"{i:09d}t{i % 97:02d}" + "x" * padding for i in range(count, count + 10_000)) + " "
            output.write(block.encode())
            written += len(block)
            count += 10_000
    return count


# Enormous lines


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz"], ids=["plain", "gzip", "bzip2", "xz"])
def test_long_lines_match_line_sentence(tmp_path: Path, suffix: str) -> None:
    path = write_corpus(tmp_path / f"long.txt{suffix}", long_lines_text().encode())

    ours = list(LineCorpus(path))
    gensims = list(LineSentence(path))

    assert [len(s) for s in ours] == [len(s) for s in gensims]
    assert ours == gensims


@pytest.mark.parametrize("block_size", [1, 3, 10, 100, 4096])
def test_small_blocks_match_line_sentence(tmp_path: Path, lee_path: str, crime_path: str, block_size: int) -> None:
    generated = "\n".join(
        [" ".join(numbered_words(2_500)), "кошка сидит\u3000на окне 😀", "\xa0edge\x85spaces\u2028here"]
    )
    paths = [lee_path, crime_path, write_corpus(tmp_path / "generated.txt", generated.encode())]

    for path in paths:
        corpus = LineCorpus(path, max_sentence_length=1_000)
        corpus.block_size = block_size

        assert list(corpus) == list(LineSentence(path, max_sentence_length=1_000)), path


@pytest.mark.parametrize("seed", range(30))
def test_random_text_matches_line_sentence(tmp_path: Path, seed: int) -> None:
    fragments = ["a", "bc", "жи", "图书", "😀", " ", " ", "\t", "\n", "\r\n", *UNICODE_SPACES]
    generator = random.Random(seed)
    text = "".join(generator.choice(fragments) for _ in range(generator.randrange(0, 3_000)))
    path = write_corpus(tmp_path / "random.txt", text.encode())
    limit = generator.randrange(1, 6)
    corpus = LineCorpus(path, max_sentence_length=limit)
    corpus.block_size = generator.randrange(1, 40)

    assert list(corpus) == list(LineSentence(path, max_sentence_length=limit))


def test_one_line_memory_bounded(tmp_path: Path) -> None:
    path = tmp_path / "text8-like.txt"
    # Long tokens keep the token count, and so tracemalloc's slowdown, small.
    tokens = write_one_line_file(path, 30_000_000, padding=20)
    corpus = LineCorpus(str(path))
    sentences = words = 0

    tracemalloc.start()
    try:
        for sentence in corpus:
            sentences += 1
            words += len(sentence)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert os.path.getsize(path) >= 30_000_000
    assert words == tokens
    assert sentences == -(-tokens // MAX_SENTENCE_LENGTH)
    assert peak < 4_000_000, f"peak of {peak:,} bytes while reading a {os.path.getsize(path):,}-byte line"


def test_one_line_progress_moves_smoothly(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    tokens = write_one_line_file(path, 3_000_000)
    corpus = LineCorpus(str(path))
    reports = progress_log(corpus)

    list(corpus)

    byte_counts = [report[0] for report in reports]
    assert len(set(byte_counts)) >= corpus.size // BLOCK_SIZE
    assert byte_counts == sorted(byte_counts)
    assert byte_counts[-1] == corpus.size
    assert reports[-1][1] == tokens
    assert reports[-1][2] == -(-tokens // MAX_SENTENCE_LENGTH)


def test_one_line_stops_at_piece_boundary(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    tokens = write_one_line_file(path, 3 * FINISH_LINE_BYTES)
    expected = list(LineSentence(str(path)))
    control = TrainingControl()
    corpus = LineCorpus(str(path), control)
    sentences = iter(corpus)

    first = next(sentences)
    control.request_stop()
    rest = list(sentences)
    read = [first, *rest]

    # Only whole pieces, the same as LineSentence's, and far fewer than the line has.
    assert read == expected[: len(read)]
    assert len(read) < len(expected)
    assert tokens == sum(len(s) for s in expected)
    # The line is read for FINISH_LINE_BYTES before the stop is honoured; the
    # tokens after the last whole piece are dropped.
    piece_bytes = MAX_SENTENCE_LENGTH * len("000000000t00 ")
    assert sum(len(word) + 1 for s in read for word in s) >= FINISH_LINE_BYTES - piece_bytes


def test_one_line_resumes_after_stop(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    write_one_line_file(path, 3 * FINISH_LINE_BYTES)
    expected = list(LineSentence(str(path)))
    control = TrainingControl()
    corpus = LineCorpus(str(path), control)
    sentences = iter(corpus)
    read = [next(sentences)]
    control.request_stop()
    read += list(sentences)

    resumed = LineCorpus(str(path))
    resumed.skip_words = sum(len(s) for s in read)

    assert read + list(resumed) == expected


def test_line_under_finish_limit_completed_after_stop(tmp_path: Path) -> None:
    tokens = numbered_words(60_000)  # about 470 KB: longer than a block, shorter than FINISH_LINE_BYTES
    path = write_corpus(tmp_path / "long.txt", (" ".join(tokens) + "\nnext line\n").encode())
    control = TrainingControl()
    sentences = iter(LineCorpus(path, control))

    first = next(sentences)
    control.request_stop()
    rest = list(sentences)

    assert len(" ".join(tokens)) > BLOCK_SIZE
    assert first + [word for s in rest for word in s] == tokens
    assert ["next", "line"] not in rest


def test_invalid_utf8_in_long_line(tmp_path: Path) -> None:
    head = (" ".join(numbered_words(30_000)) + " ").encode()
    data = b"first line\n" + head + b"bad\xffword " + b" ".join(w.encode() for w in numbered_words(100)) + b"\n"
    path = write_corpus(tmp_path / "bad.txt", data)

    with pytest.raises(CorpusError) as raised:
        list(LineCorpus(path))

    message = str(raised.value)
    assert len(head) > BLOCK_SIZE
    assert path in message
    assert "line 2 " in message
    assert f"byte {len(head) + 4} of the line" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("data", "line", "byte"),
    [
        (b"ok\nab \xd0", 2, 4),  # truncated two-byte character at the end of the file
        (b"ok\n\xe5\x9b word\n", 2, 1),  # truncated three-byte character before a space
        (b"ok\nabcdefgh\xf0\x9f\x98ijk lm\n", 2, 9),  # truncated four-byte character inside a token
    ],
    ids=["end-of-file", "before-space", "inside-token"],
)
def test_invalid_utf8_across_blocks(tmp_path: Path, data: bytes, line: int, byte: int) -> None:
    path = write_corpus(tmp_path / "bad.txt", data)
    corpus = LineCorpus(path)
    corpus.block_size = 3

    with pytest.raises(CorpusError) as raised:
        list(corpus)

    assert f"line {line} is not valid UTF-8 (byte {byte} of the line)" in str(raised.value)


def test_line_number_of_long_line_pieces(tmp_path: Path) -> None:
    data = "one two\n\n" + " ".join(numbered_words(35_000)) + "\nlast\n"
    corpus = LineCorpus(write_corpus(tmp_path / "lines.txt", data.encode()))
    corpus.block_size = 1_000

    numbers = [corpus.line_number for _ in corpus]

    assert numbers == [1, 3, 3, 3, 3, 4]


def corrupt_gzip(text: bytes) -> bytes:
    """Two gzip members, the second starting with a deflate block of the reserved type 3."""
    return gzip.compress(text) + gzip.compress(b"")[:10] + b"\x07" + bytes(20)


def corrupt_xz(text: bytes) -> bytes:
    """An xz stream whose index, after all the data, is damaged."""
    data = bytearray(lzma.compress(text, preset=0))
    data[-16] ^= 0xFF
    return bytes(data)


def corrupt_bzip2(text: bytes) -> bytes:
    data = bytearray(bz2.compress(text))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0x55 for b in data[middle : middle + 64])
    return bytes(data)


@pytest.mark.parametrize(
    ("suffix", "corrupt", "damage"),
    [(".gz", corrupt_gzip, zlib.error), (".xz", corrupt_xz, lzma.LZMAError), (".bz2", corrupt_bzip2, OSError)],
    ids=["gzip", "xz", "bzip2"],
)
def test_guard_errors_catches_corrupt_stream(
    tmp_path: Path, suffix: str, corrupt: Callable[[bytes], bytes], damage: type[Exception]
) -> None:
    text = "".join(f"line {i} with words {i * 7919 % 1000}\n" for i in range(5_000)).encode()
    path = tmp_path / f"corrupt.txt{suffix}"
    path.write_bytes(corrupt(text))
    control = TrainingControl()
    corpus = LineCorpus(str(path), control)
    corpus.guard_errors = True

    list(corpus)

    assert isinstance(corpus.error, damage)
    assert control.stop_requested


# Folders


def write_folder(folder: Path) -> list[str]:
    """Fill *folder* with files in several formats; return the paths that a corpus of it reads, in order."""
    folder.mkdir(exist_ok=True)
    files = [
        write_corpus(folder / "a.txt", b"first file\nits last line has no newline"),
        write_corpus(folder / "b.txt.gz", "кошка сидит\n\nна окне\n".encode()),
        write_corpus(folder / "c.bz2", ("long " * 12_000 + "\n").encode()),
        write_corpus(folder / "d.xz", b"xz line one\nxz line two\n"),
        write_corpus(folder / "e", b"no suffix\n"),
    ]
    write_corpus(folder / ".hidden.txt", b"hidden words\n")
    (folder / "sub").mkdir()
    write_corpus(folder / "sub" / "nested.txt", b"nested words\n")
    return files


def test_folder_reads_files_in_order(tmp_path: Path) -> None:
    files = write_folder(tmp_path / "corpus")

    ours = list(LineCorpus(str(tmp_path / "corpus")))

    assert ours == [sentence for file in files for sentence in LineSentence(file)]
    assert ours[:3] == [["first", "file"], ["its", "last", "line", "has", "no", "newline"], ["кошка", "сидит"]]
    assert ["hidden", "words"] not in ours
    assert ["nested", "words"] not in ours


def test_folder_matches_path_line_sentences(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    for name, text in [("2.txt", "two\nlines"), ("10.txt", "ten words here\n"), ("1.txt.gz", "one\n")]:
        write_corpus(folder / name, text.encode())

    assert list(LineCorpus(str(folder))) == list(PathLineSentences(str(folder)))


def test_folder_size_and_progress(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    sizes = []
    for index in range(3):
        text = "".join(f"file{index} line{i} word word\n" for i in range(2_000))
        sizes.append(os.path.getsize(write_corpus(folder / f"part{index}.txt", text.encode())))
    corpus = LineCorpus(str(folder))
    reports = progress_log(corpus)

    list(corpus)

    byte_counts = [report[0] for report in reports]
    assert corpus.size == sum(sizes)
    assert byte_counts == sorted(set(byte_counts))
    assert any(count > sizes[0] + sizes[1] for count in byte_counts[:-1])
    assert byte_counts[-1] == corpus.size
    assert reports[-1][1:] == (3 * 2_000 * 4, 3 * 2_000)


def test_folder_line_numbers_span_files(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_corpus(folder / "a.txt", b"one\n\ntwo")
    write_corpus(folder / "b.txt", b"three\nfour\n")
    corpus = LineCorpus(str(folder))

    numbers = [corpus.line_number for _ in corpus]

    assert numbers == [1, 3, 4, 5]


def test_folder_invalid_utf8_names_file(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_corpus(folder / "a.txt", b"good\nlines\nhere\n")
    bad = write_corpus(folder / "b.txt.gz", b"fine\nbad \xff byte\n")

    with pytest.raises(CorpusError) as raised:
        list(LineCorpus(str(folder)))

    assert f"{bad}: line 2 is not valid UTF-8" in str(raised.value)


def test_folder_stop_skips_later_files(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_corpus(folder / "a.txt", b"one\ntwo\n")
    write_corpus(folder / "b.txt", b"three\n")
    control = TrainingControl()
    sentences = iter(LineCorpus(str(folder), control))

    first = next(sentences)
    control.request_stop()

    assert first == ["one"]
    assert list(sentences) == []


@pytest.mark.parametrize(
    "make_folder",
    [
        lambda folder: None,
        lambda folder: (folder / ".only-hidden").write_bytes(b"words\n"),
        lambda folder: (folder / "only-subfolder").mkdir(),
    ],
    ids=["empty", "hidden-only", "subfolder-only"],
)
def test_folder_without_files_rejected(tmp_path: Path, make_folder: Callable[[Path], object]) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    make_folder(folder)
    corpus = LineCorpus(str(folder))

    with pytest.raises(CorpusError) as checked:
        check_corpus(str(folder))
    with pytest.raises(CorpusError) as iterated:
        list(corpus)
    corpus.guard_errors = True
    list(corpus)

    assert "folder with no files" in str(checked.value)
    assert str(folder) in str(checked.value)
    assert "\n" not in str(checked.value)
    assert str(iterated.value) == str(checked.value)
    assert isinstance(corpus.error, CorpusError)


def test_check_corpus_accepts_folder(tmp_path: Path) -> None:
    write_folder(tmp_path / "corpus")

    check_corpus(str(tmp_path / "corpus"))


# Standard input


@contextlib.contextmanager
def standard_input(descriptor: int | None) -> Iterator[None]:
    """Point file descriptor 0 of this process at *descriptor* (or close it, for None), then restore it."""
    saved = os.dup(0)
    try:
        if descriptor is None:
            os.close(0)
        else:
            os.dup2(descriptor, 0)
        yield
    finally:
        os.dup2(saved, 0)
        os.close(saved)


def spool_from_command(command: list[str], destination: Path, interval: float = 0.0) -> tuple[str, list[int]]:
    """Run spool_stdin with this process's standard input piped from *command*; return the path and reports."""
    read_end, write_end = os.pipe()
    writer = subprocess.Popen(command, stdout=write_end)
    os.close(write_end)
    reports: list[int] = []
    try:
        with standard_input(read_end):
            path = spool_stdin(str(destination), reports.append, progress_interval=interval)
    finally:
        os.close(read_end)
        writer.wait(timeout=60)
    return path, reports


SPOOL_SCRIPT = """
import json, sys
from gensim_tui.callbacks.corpus_copy import spool_stdin
reports = []
path = spool_stdin(sys.argv[1], reports.append, progress_interval=0.0)
print(json.dumps({"path": path, "reports": reports}))
"""


def test_spool_in_child_process(tmp_path: Path, lee_path: str) -> None:
    data = Path(lee_path).read_bytes() * 20  # about 4.6 MB: several pipe and copy blocks
    command = [sys.executable, "-c", SPOOL_SCRIPT, str(tmp_path)]

    done = subprocess.run(command, input=data, capture_output=True, timeout=60, check=True)

    result = json.loads(done.stdout)
    reports = result["reports"]
    assert result["path"] == str(tmp_path / STDIN_COPY_NAME)
    assert Path(result["path"]).read_bytes() == data
    assert reports == sorted(reports)
    assert len(reports) >= 2
    assert reports[-1] == len(data)
    assert sorted(os.listdir(tmp_path)) == [STDIN_COPY_NAME]


def test_spool_copies_pipe(tmp_path: Path, lee_path: str) -> None:
    source = tmp_path / "lee.cor"
    source.write_bytes(Path(lee_path).read_bytes() * 20)
    destination = tmp_path / "run"
    destination.mkdir()

    path, reports = spool_from_command(["cat", str(source)], destination)

    assert path == str(destination / STDIN_COPY_NAME)
    assert Path(path).read_bytes() == source.read_bytes()
    assert reports == sorted(reports)
    assert len(reports) >= 2
    assert reports[-1] == source.stat().st_size
    assert os.listdir(destination) == [STDIN_COPY_NAME]


def test_spool_reports_once_per_interval(tmp_path: Path, lee_path: str) -> None:
    source = tmp_path / "lee.cor"
    source.write_bytes(Path(lee_path).read_bytes() * 20)

    _, reports = spool_from_command(["cat", str(source)], tmp_path, interval=3600.0)

    assert reports == [source.stat().st_size]


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"], ids=["gzip", "bzip2", "xz"])
def test_spool_keeps_compression(tmp_path: Path, lee_path: str, suffix: str) -> None:
    source = write_corpus(tmp_path / f"lee.cor{suffix}", Path(lee_path).read_bytes())
    destination = tmp_path / "run"
    destination.mkdir()

    path, _ = spool_from_command(["cat", source], destination)

    assert path == str(destination / (STDIN_COPY_NAME + suffix))
    assert list(LineCorpus(path)) == list(LineCorpus(lee_path))


def test_spool_slow_writer_still_detects_gzip(tmp_path: Path) -> None:
    # The writer sends the 10-byte gzip header one byte at a time.
    source = write_corpus(tmp_path / "words.gz", b"slowly piped words\n")
    trickle = f"import sys, time\nfor b in open({source!r}, 'rb').read():\n"
    trickle += "    sys.stdout.buffer.write(bytes([b])); sys.stdout.flush(); time.sleep(0.001)\n"
    destination = tmp_path / "run"
    destination.mkdir()

    path, _ = spool_from_command([sys.executable, "-S", "-c", trickle], destination)

    assert path.endswith(".gz")
    assert list(LineCorpus(path)) == [["slowly", "piped", "words"]]


def test_spool_text_starting_like_bzip2_stays_plain(tmp_path: Path) -> None:
    source = write_corpus(tmp_path / "text.txt", b"BZh91AY looks like a bzip2 header\nbut is text\n")
    destination = tmp_path / "run"
    destination.mkdir()

    path, _ = spool_from_command(["cat", source], destination)

    assert path == str(destination / STDIN_COPY_NAME)
    assert Path(path).read_bytes() == Path(source).read_bytes()


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("empty", "standard input is empty; pipe a corpus"),
        ("terminal", "standard input is a terminal; pipe a corpus into gensim-tui or give a file"),
        ("closed", "cannot read standard input: Bad file descriptor"),
        ("missing-folder", "cannot write"),
    ],
)
def test_spool_rejects(tmp_path: Path, how: str, expected: str) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    destination = folder / "gone" if how == "missing-folder" else folder
    leader, follower = os.openpty()
    read_end, write_end = os.pipe()
    if how == "missing-folder":
        os.write(write_end, b"some words\n")
    os.close(write_end)
    descriptor = {"terminal": follower, "closed": None}.get(how, read_end)
    try:
        with standard_input(descriptor), pytest.raises(CorpusError) as raised:
            spool_stdin(str(destination))
    finally:
        for unused in (leader, follower, read_end):
            os.close(unused)

    assert expected in str(raised.value)
    assert "\n" not in str(raised.value)
    assert os.listdir(folder) == []


REATTACH_SCRIPT = """
import json, os, sys
from gensim_tui.callbacks.corpus_copy import reattach_terminal
piped = os.read(0, 100)
attached = reattach_terminal()
result = {"piped": piped.decode(), "attached": attached, "isatty": os.isatty(0)}
# After reattaching, standard input delivers what is typed on the terminal;
# without a terminal it is still the drained pipe.
result["next_read"] = os.read(0, 100).decode()
with open(sys.argv[1], "w") as output:
    json.dump(result, output)
"""


def run_reattach(result_path: Path, **popen: object) -> dict[str, object]:
    """Run reattach_terminal in a child whose standard input is a pipe; return what it wrote."""
    child = subprocess.Popen(
        [sys.executable, "-c", REATTACH_SCRIPT, str(result_path)],
        stdin=subprocess.PIPE,
        **popen,  # type: ignore[call-overload]
    )
    try:
        child.communicate(b"corpus", timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise
    assert child.returncode == 0
    result: dict[str, object] = json.loads(result_path.read_text())
    return result


def test_reattach_without_terminal(tmp_path: Path) -> None:
    # A new session has no controlling terminal, as under cron or setsid.
    result = run_reattach(tmp_path / "result.json", start_new_session=True, stdout=subprocess.DEVNULL)

    assert result["piped"] == "corpus"
    assert result["attached"] is False
    assert result["isatty"] is False
    assert result["next_read"] == ""


def test_reattach_with_terminal(tmp_path: Path) -> None:
    leader, follower = os.openpty()

    def take_terminal() -> None:
        # Runs in the child after setsid: the pseudo-terminal on its standard output becomes its controlling terminal.
        fcntl.ioctl(1, termios.TIOCSCTTY, 0)

    os.write(leader, b"typed keys\n")  # waits in the terminal's input queue for the child
    try:
        result = run_reattach(
            tmp_path / "result.json",
            start_new_session=True,
            stdout=follower,
            preexec_fn=take_terminal,
        )
    finally:
        os.close(leader)
        os.close(follower)

    assert result["piped"] == "corpus"
    assert result["attached"] is True
    assert result["isatty"] is True
    assert result["next_read"] == "typed keys\n"


# Plain copies for corpus_file training


def test_plain_copy_returns_plain_file(tmp_path: Path, lee_path: str) -> None:
    destination = tmp_path / "run"
    destination.mkdir()

    assert plain_copy(lee_path, str(destination)) == lee_path
    assert os.listdir(destination) == []


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"], ids=["gzip", "bzip2", "xz"])
def test_plain_copy_decompresses(tmp_path: Path, lee_path: str, suffix: str) -> None:
    text = Path(lee_path).read_bytes()
    source = write_corpus(tmp_path / f"lee.cor{suffix}", text)
    destination = tmp_path / "run"
    destination.mkdir()
    reports: list[int] = []

    copy = plain_copy(source, str(destination), reports.append)

    assert copy == str(destination / PLAIN_COPY_NAME)
    assert not text.endswith(b"\n")
    assert Path(copy).read_bytes() == text + b"\n"
    assert reports[-1] == os.path.getsize(source)
    assert sorted(os.listdir(destination)) == [PLAIN_COPY_NAME]


def test_plain_copy_joins_folder(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write_folder(folder)
    destination = tmp_path / "run"
    destination.mkdir()
    reports: list[int] = []

    copy = plain_copy(str(folder), str(destination), reports.append, progress_interval=0.0)

    corpus = LineCorpus(str(folder))
    assert list(LineSentence(copy)) == list(corpus)
    assert Path(copy).read_bytes().startswith(b"first file\nits last line has no newline\n\xd0\xba")
    assert reports == sorted(reports)
    assert reports[-1] == corpus.size


def test_plain_copy_trains_corpus_file(tmp_path: Path, lee_path: str) -> None:
    source = write_corpus(tmp_path / "lee.cor.gz", Path(lee_path).read_bytes())
    destination = tmp_path / "run"
    destination.mkdir()

    copy = plain_copy(source, str(destination))
    model = Word2Vec(corpus_file=copy, vector_size=8, min_count=2, epochs=1, workers=1, seed=1)

    assert model.corpus_total_words == sum(len(s) for s in LineCorpus(source))
    assert "government" in model.wv


@pytest.mark.parametrize("how", ["corrupt", "missing-destination", "empty-folder"])
def test_plain_copy_rejects(tmp_path: Path, lee_path: str, how: str) -> None:
    destination = tmp_path / "run"
    destination.mkdir()
    source = write_corpus(tmp_path / "lee.cor.gz", Path(lee_path).read_bytes())
    if how == "corrupt":
        data = bytearray(Path(source).read_bytes())
        data[-4000:-3900] = bytes(100)
        Path(source).write_bytes(bytes(data))
        expected = f"cannot read corpus {source}"
    elif how == "missing-destination":
        destination = destination / "gone"
        expected = "cannot write"
    else:
        source = str(tmp_path / "empty")
        os.mkdir(source)
        expected = "folder with no files"

    with pytest.raises(CorpusError) as raised:
        plain_copy(source, str(destination))

    assert expected in str(raised.value)
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "run" / PLAIN_COPY_NAME).exists()
    assert not (tmp_path / "run" / f"{PLAIN_COPY_NAME}.partial").exists()
