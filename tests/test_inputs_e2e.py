"""The installed command on FastText and Doc2Vec, folders and standard input, and the inputs it rejects."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from gensim_tui.callbacks.corpus_copy import STDIN_COPY_NAME
from longrun_helpers import (
    SMALL_OPTIONS,
    CommandRun,
    events_named,
    find_command,
    run_command,
    tmux_terminal,
    wait_until,
)
from modeltypes_helpers import (
    LEE,
    SMALL_BUCKET,
    excerpt_of,
    gzipped_halves,
    lee_lines,
    train_further_in_fresh_python,
)

pytestmark = pytest.mark.timeout(300)


def train_arguments(corpus: str, run_dir: Path, *extra: str) -> list[str]:
    return [
        find_command("gensim-tui"),
        corpus,
        "--run-dir",
        str(run_dir),
        "--epochs",
        "2",
        *SMALL_OPTIONS,
        *extra,
    ]


def stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def exit_status(folder: Path) -> str | None:
    """Return the exit status that a tmux test's shell wrote to status.txt, or None before it exits."""
    path = folder / "status.txt"
    text = path.read_text(encoding="utf-8").strip() if path.exists() else ""
    return text or None


def test_fasttext_on_gzipped_folder(tmp_path: Path) -> None:
    folder = gzipped_halves(tmp_path / "corpus")
    run_dir = tmp_path / "run"
    arguments = train_arguments(
        str(folder), run_dir, "--model", "fasttext", "--bucket", str(SMALL_BUCKET), "--headless"
    )

    run = CommandRun(arguments, tmp_path)
    try:
        status = run.wait()
    finally:
        run.kill()

    assert status == 0, run.stderr
    model = run_dir / "fasttext.model"
    assert model.is_file()
    assert not (run_dir / "word2vec.model").exists()
    assert str(model) in run.stdout
    [finished] = events_named(run_dir, "RunFinished")
    assert finished["epochs_completed"] == 2
    assert not finished["stopped_early"]
    ended = events_named(run_dir, "EpochEnded")
    assert [event["epoch"] for event in ended] == [1, 2]
    assert [event["loss"] for event in ended] == [None, None]
    # The headless lines show the unmeasured loss as a dash, never as 0.
    assert "epoch 1/2  loss —" in run.stdout
    report = train_further_in_fresh_python("fasttext", model, LEE)
    assert report["class"] == "FastText"
    assert report["gensim_tui_modules"] == []
    assert report["epochs"] == 2
    assert report["weights_changed"]


def test_doc2vec_from_standard_input(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    command = shlex.join(["cat", LEE]) + " | " + shlex.join(train_arguments("-", run_dir, "--model", "doc2vec"))
    # No --headless: with standard output going to a file, the command must choose headless itself.
    run = CommandRun(["sh", "-c", command], tmp_path)
    try:
        status = run.wait()
    finally:
        run.kill()

    assert status == 0, run.stderr
    copy = run_dir / STDIN_COPY_NAME
    assert copy.read_bytes() == Path(LEE).read_bytes()
    params = json.loads((run_dir / "params.json").read_text(encoding="utf-8"))
    assert params["config"]["corpus"] == str(copy.resolve())
    assert params["config"]["model_type"] == "doc2vec"
    [finished] = events_named(run_dir, "RunFinished")
    assert finished["epochs_completed"] == 2
    lines = lee_lines()
    for ended in events_named(run_dir, "EpochEnded"):
        documents = [probe for probe in ended["probes"] if probe["kind"] == "document"]
        assert documents, f"epoch {ended['epoch']} has no document probes"
        for probe in documents:
            tag = int(probe["probe"].removeprefix("doc "))
            assert probe["excerpt"] == excerpt_of(lines[tag]), probe["probe"]
    model = run_dir / "doc2vec.model"
    report = train_further_in_fresh_python("doc2vec", model, copy)
    assert report["class"] == "Doc2Vec"
    assert report["gensim_tui_modules"] == []
    assert report["documents"] == len(lines)
    assert report["weights_changed"]


def test_stdin_terminal_rejected(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    command = f"{shlex.join(train_arguments('-', run_dir))} 2> err.txt; echo $? > status.txt"

    with tmux_terminal(100, 30) as terminal:
        terminal.start(command, tmp_path)
        status = wait_until(lambda: exit_status(tmp_path), "the command's exit status")

    assert status == "1"
    errors = stderr_lines((tmp_path / "err.txt").read_text(encoding="utf-8"))
    assert len(errors) == 1, errors
    assert "standard input is a terminal" in errors[0]
    assert not (run_dir / STDIN_COPY_NAME).exists()


@pytest.mark.parametrize("content", ["nothing", "hidden-and-subfolder"])
def test_folder_without_files_rejected(tmp_path: Path, content: str) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    if content == "hidden-and-subfolder":
        (folder / ".notes.txt").write_text("hidden files are skipped\n", encoding="utf-8")
        (folder / "nested").mkdir()
        (folder / "nested" / "part.txt").write_text("subfolders are not read\n", encoding="utf-8")

    completed = run_command(train_arguments(str(folder), tmp_path / "run", "--headless"), tmp_path)

    assert completed.returncode == 1, completed.stderr
    errors = stderr_lines(completed.stderr)
    assert len(errors) == 1, errors
    assert f"corpus is a folder with no files: {folder}" in errors[0]
    assert not (tmp_path / "run" / "params.json").exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--corpus-file-mode", "--holdout", "0.1"), "--holdout needs the default reader, which can leave lines out"),
        (("--model", "fasttext", "--early-stop", "monitor=loss"), "monitor=loss needs --model word2vec"),
        (("--model", "doc2vec", "--holdout", "0.1"), "not doc2vec"),
    ],
    ids=["holdout", "fasttext-loss", "doc2vec-holdout"],
)
def test_conflicting_options_rejected(tmp_path: Path, extra: tuple[str, ...], expected: str) -> None:
    completed = run_command(train_arguments(LEE, tmp_path / "run", "--headless", *extra), tmp_path)

    assert completed.returncode == 2, completed.stderr
    errors = stderr_lines(completed.stderr)
    assert len(errors) == 1, errors
    assert expected in errors[0]
    assert completed.stdout == ""
    assert not (tmp_path / "run").exists()


def test_doc2vec_screen(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    arguments = train_arguments(LEE, run_dir, "--model", "doc2vec", "--probe", "police", "--topn", "2")
    first_word = lee_lines()[0].split()[0]

    with tmux_terminal(100, 30) as terminal:
        terminal.start(f"{shlex.join(arguments)}; echo $? > status.txt", tmp_path)
        screen = terminal.wait_for(lambda text: " finished " in text, "the finished run on the screen")
        status_line = screen.splitlines()[0]
        document_lines = [line for line in screen.splitlines() if "doc 0" in line]
        epoch_rows = [line.split() for line in screen.splitlines() if line.split()[:1] in (["1"], ["2"])]

        terminal.send("q")
        status = wait_until(lambda: exit_status(tmp_path), "the command to exit after q")

    assert status == "0"
    assert (run_dir / "doc2vec.model").is_file()
    assert "doc2vec PV-DM" in status_line
    assert document_lines, screen
    # The excerpt follows the name in quotes. The panel is narrow, so only its first word is on this line.
    assert f"“{first_word}" in document_lines[0], screen
    assert any(line.split()[:2] == ["epoch", "loss"] for line in screen.splitlines()), screen
    assert len(epoch_rows) == 2, screen
    for row in epoch_rows:
        assert row[1] == "—", f"loss column of epoch {row[0]}: {row}"
