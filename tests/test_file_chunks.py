"""Chunks of a corpus file: each ends exactly where gensim's own corpus_file reader stops, in every layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gensim.models import Doc2Vec, Word2Vec
from gensim.models.doc2vec import TaggedDocument
from gensim.models.word2vec_corpusfile import CythonLineSentence
from gensim.models.word2vec_inner import MAX_WORDS_IN_BATCH
from gensim_tui.callbacks import file_chunks
from gensim_tui.callbacks.batches import BatchLedger
from gensim_tui.callbacks.control import TrainingControl
from gensim_tui.callbacks.file_chunks import PIECE_WORDS, ChunkPlan, long_line_cuts, plan_chunks, split_long_lines
from gensim_tui.callbacks.file_training import ChunkQueue, ChunkTrainer, chunk_hook
from modeltypes_helpers import LEE, lee_lines


def reader_words(path: Path, offset: int, budget: int) -> int:
    """Return the words gensim's reader trains from *offset* with a budget of *budget* words.

    This is the loop of ``train_epoch_cbow`` in gensim's word2vec_corpusfile.pyx.
    """
    reader = CythonLineSentence(str(path), offset)
    reader.reset()
    words = 0
    while not (reader.is_eof() or words > budget):
        words += sum(len(sentence) for sentence in reader.next_batch())
    return words


def check_chunks(path: Path, plan: ChunkPlan) -> None:
    """Check that gensim's reader, started at each chunk with its budget, trains that chunk's words exactly."""
    assert plan.total_words == sum(len(sentence) for sentence in CythonLineSentence(str(path)))
    for index in range(len(plan)):
        words = int(plan.starts[index + 1] - plan.starts[index])
        assert words > 0, f"chunk {index} is empty"
        assert reader_words(path, int(plan.offsets[index]), words - 1) == words, f"chunk {index} of {len(plan)}"


def awkward_corpus(folder: Path) -> Path:
    """Write Lee with blank lines, tabs, carriage returns, runs of spaces and no final newline."""
    lines = lee_lines()
    mixed = []
    for number, line in enumerate(lines):
        words = line.split()
        if number % 7 == 0:
            mixed.append("")
        separator = ["\t", "  ", " \x0b ", " "][number % 4]
        mixed.append(separator.join(words) + ("\r" if number % 5 == 0 else ""))
    path = folder / "awkward.txt"
    path.write_bytes("\n".join(mixed).encode("utf-8"))
    return path


@pytest.mark.parametrize(("chunk_words", "chunks"), [(file_chunks.CHUNK_WORDS, 2), (MAX_WORDS_IN_BATCH, 6)])
@pytest.mark.parametrize("block_bytes", [file_chunks.BLOCK_BYTES, 4096, 7])
@pytest.mark.parametrize("layout", ["lee", "awkward"])
def test_chunks_end_where_reader_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int, layout: str, chunk_words: int, chunks: int
) -> None:
    monkeypatch.setattr(file_chunks, "BLOCK_BYTES", block_bytes)
    monkeypatch.setattr(file_chunks, "CHUNK_WORDS", chunk_words)
    path = Path(LEE) if layout == "lee" else awkward_corpus(tmp_path)

    plan = plan_chunks(str(path))

    assert plan is not None
    assert len(plan) == chunks
    check_chunks(path, plan)
    assert plan.size == path.stat().st_size


@pytest.mark.parametrize("chunk_words", [file_chunks.CHUNK_WORDS, 100])
def test_document_chunks_end_at_blank_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_words: int) -> None:
    monkeypatch.setattr(file_chunks, "CHUNK_WORDS", chunk_words)
    path = awkward_corpus(tmp_path)
    lines = path.read_bytes().split(b"\n")

    plan = plan_chunks(str(path), documents=True)

    assert plan is not None
    assert plan.total_words == sum(len(line.split()) for line in lines)
    for index in range(len(plan)):
        line = int(plan.lines[index])
        offset = int(plan.offsets[index])
        assert offset == sum(len(earlier) + 1 for earlier in lines[:line]), f"chunk {index}"
        assert lines[line].split(), f"chunk {index} starts with a blank line"
        end = int(plan.lines[index + 1]) if index + 1 < len(plan) else len(lines)
        blanks = [number for number in range(line, end) if not lines[number].split()]
        # A blank line may only close a chunk: inside one it would shift the document numbers after it.
        assert blanks == [number for number in range(end - len(blanks), end)], f"chunk {index}"


def test_long_line_needs_splitting(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(lee_lines()) + "\n", encoding="utf-8")

    assert plan_chunks(str(path)) is None
    assert plan_chunks(str(path), documents=True) is not None


@pytest.mark.parametrize("block_bytes", [file_chunks.BLOCK_BYTES, 5000])
def test_split_keeps_words_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int) -> None:
    monkeypatch.setattr(file_chunks, "BLOCK_BYTES", block_bytes)
    lines = lee_lines()
    # A text8-style line, a normal line, then a line of exactly two batches and a line of just over one.
    text = [" ".join(lines[:150]), lines[150], " ".join(lines[151:])]
    words = " ".join(lines).split()
    text += [" ".join(words[: 2 * MAX_WORDS_IN_BATCH]), "\t".join(words[: MAX_WORDS_IN_BATCH + 1])]
    path = tmp_path / "long.txt"
    path.write_text("\n".join(text), encoding="utf-8")
    target = tmp_path / "split.txt"

    split_long_lines(str(path), str(target))

    assert target.stat().st_size == path.stat().st_size
    assert len(long_line_cuts(str(path))) == sum((len(line.split()) - 1) // PIECE_WORDS for line in text)
    split = target.read_text(encoding="utf-8").split("\n")
    assert [word for line in split for word in line.split()] == " ".join(text).split()
    assert max(len(line.split()) for line in split) == PIECE_WORDS
    assert lines[150] in split, "a short line was changed"
    plan = plan_chunks(str(target))
    assert plan is not None
    check_chunks(target, plan)


def test_split_in_place(tmp_path: Path) -> None:
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(lee_lines()), encoding="utf-8")
    before = path.read_text(encoding="utf-8").split()

    split_long_lines(str(path), str(path))

    assert path.read_text(encoding="utf-8").split() == before
    assert max(len(line.split()) for line in path.read_text(encoding="utf-8").splitlines()) == PIECE_WORDS


def test_split_line_trains_every_word(tmp_path: Path) -> None:
    # With every word known and none downsampled, a batch of more than
    # 10,000 words would lose its excess in gensim's trainer.
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(lee_lines()), encoding="utf-8")
    split_long_lines(str(path), str(path))
    plan = plan_chunks(str(path))
    assert plan is not None
    model = Word2Vec(vector_size=10, min_count=1, sample=0, epochs=1, workers=2, seed=1)
    model.build_vocab(corpus_file=str(path))
    ledger = BatchLedger()

    with chunk_hook(ChunkTrainer(model, plan, ledger, TrainingControl(), None)):
        model.train(corpus_file=str(path), total_words=plan.total_words, epochs=1)

    _loss, effective, raw = ledger.take()
    assert raw == plan.total_words
    # Two lines of 5,001 words make a batch of 10,002: at most 2 words of each are left out.
    assert effective >= raw - 2 * (raw // MAX_WORDS_IN_BATCH + 1)


def test_queue_rates_follow_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_chunks, "CHUNK_WORDS", MAX_WORDS_IN_BATCH)
    plan = plan_chunks(LEE)
    assert plan is not None
    total = plan.total_words
    # Epoch 2 of 4 from 0.04 to 0.0: the rate falls from 0.02 to 0.01 over the epoch.
    queue = ChunkQueue(plan, 0, (0.04, 0.0, 2, 4))
    chunks = []
    while (chunk := queue.take()) is not None:
        chunks.append(chunk)
    assert [chunk[0] for chunk in chunks] == list(plan.offsets)
    for index, (_offset, _line, words, start, end) in enumerate(chunks):
        before = int(plan.starts[index])
        assert words == int(plan.starts[index + 1]) - before
        assert start == pytest.approx(0.02 - 0.01 * before / total)
        assert end == pytest.approx(0.02 - 0.01 * (before + words) / total)
    # Resuming after the first two chunks: the rest of the epoch spans the whole rate range of the call.
    skipped = int(plan.starts[2])
    resumed = ChunkQueue(plan, skipped, (0.03, 0.01, 0, 1))
    first = resumed.take()
    assert first is not None
    assert first[0] == int(plan.offsets[2])
    assert first[3] == pytest.approx(0.03)
    last = None
    while (chunk := resumed.take()) is not None:
        last = chunk
    assert last is not None
    assert last[4] == pytest.approx(0.01)


def test_doc2vec_chunks_train_the_right_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Blank lines come first, in runs and between documents; gensim's own
    # corpus_file reader numbers documents without them, which shifts every tag.
    lines = ["", "", *lee_lines()[:60], "", *lee_lines()[60:120], "", "", ""]
    path = tmp_path / "gaps.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = Doc2Vec(vector_size=10, min_count=2, epochs=1, workers=2, seed=1)
    model.build_vocab(corpus_iterable=[TaggedDocument(line.split(), [number]) for number, line in enumerate(lines)])
    before = model.dv.vectors.copy()
    monkeypatch.setattr(file_chunks, "CHUNK_WORDS", 500)
    plan = plan_chunks(str(path), documents=True)
    assert plan is not None
    ledger = BatchLedger()

    with chunk_hook(ChunkTrainer(model, plan, ledger, TrainingControl(), None)):
        model.train(corpus_file=str(path), total_words=plan.total_words, total_examples=len(lines), epochs=1)

    changed = ~np.all(model.dv.vectors == before, axis=1)
    assert [bool(flag) for flag in changed] == [bool(line.split()) for line in lines]
    assert ledger.take()[2] == plan.total_words
