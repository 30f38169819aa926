"""LineCorpus, the LineSentence-format reader, on real files."""

from __future__ import annotations

import bz2
import gzip
from collections.abc import Callable
from pathlib import Path

import pytest
from gensim.models.word2vec import LineSentence
from gensim_tui.callbacks.control import TrainingControl
from gensim_tui.callbacks.corpus import MAX_SENTENCE_LENGTH, CorpusError, LineCorpus, check_corpus

SAMPLE = (
    "the quick brown fox\n"
    "\n"
    "  jumps over\tthe lazy dog  \r\n"
    "   \n"
    "кошка сидит на окне\n"
    "我 在 图书馆 看书\n"
    "학교에서 한국어를 공부합니다\n"
    "last line without newline"
)
SAMPLE_SENTENCES = [
    ["the", "quick", "brown", "fox"],
    ["jumps", "over", "the", "lazy", "dog"],
    ["кошка", "сидит", "на", "окне"],
    ["我", "在", "图书馆", "看书"],
    ["학교에서", "한국어를", "공부합니다"],
    ["last", "line", "without", "newline"],
]

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {".gz": gzip.compress, ".bz2": bz2.compress}


def write_corpus(path: Path, data: bytes) -> str:
    """Write *data* to *path*, gzip- or bzip2-compressed for a .gz or .bz2 suffix, and return the path."""
    compress = COMPRESSORS.get(path.suffix)
    path.write_bytes(compress(data) if compress is not None else data)
    return str(path)


def progress_log(corpus: LineCorpus) -> list[tuple[int, int, int]]:
    """Attach an on_progress callback that reports every 256 lines and return the list it fills."""
    reports: list[tuple[int, int, int]] = []

    def record(bytes_read: int, words: int, sentences: int) -> None:
        reports.append((bytes_read, words, sentences))

    corpus.on_progress = record
    corpus.progress_interval = 0.0
    return reports


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"], ids=["plain", "gzip", "bzip2"])
def test_compressed_and_plain_agree(tmp_path: Path, suffix: str) -> None:
    path = write_corpus(tmp_path / f"sample.txt{suffix}", SAMPLE.encode("utf-8"))

    sentences = list(LineCorpus(path))

    assert sentences == SAMPLE_SENTENCES
    assert sentences == list(LineSentence(path))


def test_corpus_is_restartable(tmp_path: Path) -> None:
    corpus = LineCorpus(write_corpus(tmp_path / "sample.txt", SAMPLE.encode("utf-8")))

    assert list(corpus) == list(corpus)


def test_blank_lines_yield_nothing(tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "blank.txt", b"\n\n   \n\t\r\n")

    assert list(LineCorpus(path)) == []
    assert list(LineSentence(path)) == []


def test_long_line_split_into_chunks(tmp_path: Path) -> None:
    tokens = [f"w{i}" for i in range(25_000)]
    data = ("before\n" + " ".join(tokens) + "\nafter\n").encode("ascii")
    path = write_corpus(tmp_path / "long.txt", data)

    sentences = list(LineCorpus(path))

    assert [len(s) for s in sentences] == [1, MAX_SENTENCE_LENGTH, MAX_SENTENCE_LENGTH, 5_000, 1]
    assert [word for s in sentences[1:4] for word in s] == tokens
    assert sentences == list(LineSentence(path))


def test_custom_sentence_limit(tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "short.txt", b"a b c d e f g\n")

    assert list(LineCorpus(path, max_sentence_length=3)) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"], ids=["plain", "gzip", "bzip2"])
def test_invalid_utf8_names_file_and_line(tmp_path: Path, suffix: str) -> None:
    data = "первая строка\nsecond line\nbad ".encode() + b"\xff\xfe byte\nfourth\n"
    path = write_corpus(tmp_path / f"latin.txt{suffix}", data)
    corpus = LineCorpus(path)
    sentences = iter(corpus)

    assert next(sentences) == ["первая", "строка"]
    assert next(sentences) == ["second", "line"]
    with pytest.raises(CorpusError) as raised:
        next(sentences)

    message = str(raised.value)
    assert path in message
    assert "line 3" in message
    assert "byte 5" in message
    assert "\n" not in message


def test_stop_ends_at_line_boundary(tmp_path: Path) -> None:
    lines = [[f"line{i}", "a", "b"] for i in range(100)]
    path = write_corpus(tmp_path / "lines.txt", "".join(" ".join(s) + "\n" for s in lines).encode())
    control = TrainingControl()
    sentences = iter(LineCorpus(path, control))

    read = [next(sentences) for _ in range(3)]
    control.request_stop()
    rest = list(sentences)

    assert read == lines[:3]
    assert rest == []


def test_stop_finishes_long_line_first(tmp_path: Path) -> None:
    tokens = [f"w{i}" for i in range(25_000)]
    path = write_corpus(tmp_path / "long.txt", (" ".join(tokens) + "\nnext line\n").encode())
    control = TrainingControl()
    sentences = iter(LineCorpus(path, control))

    first = next(sentences)
    control.request_stop()
    rest = list(sentences)

    # The line that was being read is completed, so no sentence is cut mid-line.
    assert first + [word for s in rest for word in s] == tokens
    assert ["next", "line"] not in rest


def test_stop_before_iteration_yields_nothing(tmp_path: Path) -> None:
    control = TrainingControl()
    control.request_stop()

    corpus = LineCorpus(write_corpus(tmp_path / "sample.txt", SAMPLE.encode()), control)

    assert list(corpus) == []


def test_skip_words_applies_to_one_pass(tmp_path: Path) -> None:
    lines = [[f"line{i}", "b", "c"] for i in range(10)]
    corpus = LineCorpus(write_corpus(tmp_path / "lines.txt", "".join(" ".join(s) + "\n" for s in lines).encode()))

    corpus.skip_words = 6
    first = list(corpus)
    second = list(corpus)

    assert first == lines[2:]
    assert second == lines


def test_skip_words_skips_whole_sentences(tmp_path: Path) -> None:
    lines = [[f"line{i}", "b", "c"] for i in range(10)]
    corpus = LineCorpus(write_corpus(tmp_path / "lines.txt", "".join(" ".join(s) + "\n" for s in lines).encode()))

    corpus.skip_words = 4

    assert list(corpus) == lines[2:]


def test_guard_errors_ends_pass_and_stops(tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "bad.txt", b"one two\nthree four\nbad \xff\nfive six\n")
    control = TrainingControl()
    corpus = LineCorpus(path, control)
    corpus.guard_errors = True

    sentences = list(corpus)

    assert sentences == [["one", "two"], ["three", "four"]]
    assert isinstance(corpus.error, CorpusError)
    assert "line 3" in str(corpus.error)
    assert control.stop_requested


def test_guard_errors_cleared_by_next_pass(tmp_path: Path) -> None:
    path = tmp_path / "fixed.txt"
    write_corpus(path, b"one two\nbad \xff\n")
    corpus = LineCorpus(str(path))
    corpus.guard_errors = True
    list(corpus)
    assert corpus.error is not None

    write_corpus(path, b"one two\nthree\n")
    sentences = list(corpus)

    assert sentences == [["one", "two"], ["three"]]
    assert corpus.error is None


def test_missing_file_raises_without_guard(tmp_path: Path) -> None:
    corpus = LineCorpus(str(tmp_path / "gone.txt"))

    with pytest.raises(FileNotFoundError):
        list(corpus)


def test_progress_plain_reaches_file_size(tmp_path: Path) -> None:
    text = "".join(f"word{i} and some more words here\n" for i in range(3000))
    path = write_corpus(tmp_path / "progress.txt", text.encode())
    corpus = LineCorpus(path)
    reports = progress_log(corpus)

    list(corpus)

    byte_counts = [report[0] for report in reports]
    assert len(reports) >= 3000 // 256
    assert byte_counts == sorted(set(byte_counts))
    assert byte_counts[-1] == corpus.size
    assert reports[-1][1] == 6 * 3000
    assert reports[-1][2] == 3000


def test_progress_gzip_counts_compressed_bytes(tmp_path: Path) -> None:
    # Distinct words keep the compressed file larger than gzip's read buffer.
    text = "".join(" ".join(f"w{(i * 7919 + j * 104729) % 99991}" for j in range(8)) + "\n" for i in range(20_000))
    path = write_corpus(tmp_path / "progress.txt.gz", text.encode())
    corpus = LineCorpus(path)
    reports = progress_log(corpus)

    list(corpus)

    byte_counts = [report[0] for report in reports]
    assert byte_counts == sorted(byte_counts)
    assert len(set(byte_counts)) > 2
    assert byte_counts[-1] == corpus.size
    assert corpus.size < len(text)
    assert reports[-1][1:] == (8 * 20_000, 20_000)


def test_progress_small_file_reports_once(tmp_path: Path) -> None:
    corpus = LineCorpus(write_corpus(tmp_path / "sample.txt", SAMPLE.encode()))
    reports = progress_log(corpus)

    list(corpus)

    assert len(reports) == 1
    assert reports[0][0] == corpus.size
    assert reports[0][1] == sum(len(s) for s in SAMPLE_SENTENCES)


def test_check_corpus_accepts_file(tmp_path: Path) -> None:
    check_corpus(write_corpus(tmp_path / "ok.txt", b"one line\n"))


@pytest.mark.parametrize(
    ("make_path", "expected"),
    [
        (lambda tmp: tmp / "missing.txt", "corpus not found"),
        (lambda tmp: tmp, "corpus is a folder"),
    ],
    ids=["missing", "folder"],
)
def test_check_corpus_rejects(tmp_path: Path, make_path: Callable[[Path], Path], expected: str) -> None:
    path = str(make_path(tmp_path))

    with pytest.raises(CorpusError) as raised:
        check_corpus(path)

    assert expected in str(raised.value)
    assert path in str(raised.value)


def test_lee_matches_line_sentence(lee_path: str) -> None:
    ours = list(LineCorpus(lee_path))

    assert len(ours) == 300
    assert ours == list(LineSentence(lee_path))


def test_russian_matches_line_sentence(crime_path: str) -> None:
    ours = list(LineCorpus(crime_path))

    assert ours == list(LineSentence(crime_path))
    assert ours[0][:3] == ["В", "начале", "июля,"]
