"""The installed ``gensim-tui`` command in a real terminal: a detached tmux session driven by its keys."""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from apphelpers import LEE_COPIES, WAIT_SECONDS, load_model_in_fresh_python, repeated_corpus

pytestmark = pytest.mark.timeout(300)

POLL_SECONDS = 0.1

EPOCH_ONE_ROW = re.compile(r"^\s*1\s+[\d,.]+\s+—\s+—\s+\S+\s+\S+s\s", re.MULTILINE)
"""The table row of the first epoch: number, loss, then no loss change yet."""


def find_command(name: str) -> str:
    """Return the path of an installed command, looking beside this Python first (a venv need not be on PATH)."""
    search_path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search_path)
    if found is None:
        hint = "install tmux (apt-get install tmux)" if name == "tmux" else "install the project (pip install -e .)"
        pytest.fail(f"{name} not found on PATH or beside {sys.executable}; {hint}")
    return found


class TmuxTerminal:
    """One detached tmux session on a private server, read with capture-pane and typed into with send-keys."""

    def __init__(self, tmux: str, width: int, height: int) -> None:
        self.tmux = tmux
        self.width = width
        self.height = height
        # A private socket keeps the test away from any tmux server the user runs.
        self.socket = f"gensim-tui-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.target = "e2e"
        self.socket_path: str | None = None

    def _run(self, *arguments: str, env: dict[str, str] | None = None) -> str:
        completed = subprocess.run(
            [self.tmux, "-L", self.socket, "-f", os.devnull, *arguments],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
            check=False,
        )
        if completed.returncode != 0:
            raise AssertionError(f"tmux {' '.join(arguments)} failed: {completed.stderr.strip()}")
        return completed.stdout

    def start(self, command: str, cwd: Path) -> None:
        """Run *command* with sh in a new session of the terminal's size."""
        env = {key: value for key, value in os.environ.items() if key not in ("TMUX", "COLUMNS", "LINES")}
        self._run(
            "new-session",
            "-d",
            "-s",
            self.target,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "-c",
            str(cwd),
            "sh",
            "-c",
            command,
            env=env,
        )
        self.socket_path = self._run("display-message", "-p", "-t", self.target, "#{socket_path}").strip()

    def send(self, key: str) -> None:
        """Type one key into the session."""
        self._run("send-keys", "-t", self.target, key)

    def screen(self) -> str:
        """Return the visible screen, with lines the terminal wrapped joined again."""
        return self._run("capture-pane", "-p", "-J", "-t", self.target)

    def scrollback(self) -> str:
        """Return the whole history of the pane and its screen."""
        return self._run("capture-pane", "-p", "-J", "-S", "-", "-t", self.target)

    def wait_for(self, condition: Callable[[str], bool], description: str, whole: bool = False) -> str:
        """Poll the screen (or the whole scrollback) until *condition* holds on it, and return that text."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            text = self.scrollback() if whole else self.screen()
            if condition(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {WAIT_SECONDS} s waiting for {description}; the screen:\n{text}")
            time.sleep(POLL_SECONDS)

    def close(self) -> None:
        """Stop the private tmux server and everything running in it."""
        subprocess.run(
            [self.tmux, "-L", self.socket, "kill-server"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        # The server leaves its socket file behind.
        if self.socket_path and os.path.exists(self.socket_path):
            os.remove(self.socket_path)


@contextmanager
def tmux_terminal(width: int, height: int) -> Iterator[TmuxTerminal]:
    """Yield a tmux terminal of *width* x *height* cells, stopped again on exit."""
    terminal = TmuxTerminal(find_command("tmux"), width, height)
    try:
        yield terminal
    finally:
        terminal.close()


def shell_command(arguments: list[str]) -> str:
    """Return a sh command that runs gensim-tui, prints its exit status, then keeps the pane open to be read."""
    command = shlex.join([find_command("gensim-tui"), *arguments])
    return f"{command}; echo EXIT=$?; sleep 60"


def status_line(screen: str) -> str:
    """Return the line under the run's identity: the state, epoch and times."""
    lines = screen.splitlines()
    return lines[1] if len(lines) > 1 else ""


def exit_status(scrollback: str) -> int:
    """Return the status printed after the command ended."""
    found = re.search(r"^EXIT=(\d+)$", scrollback, re.MULTILINE)
    assert found is not None, f"no exit status in the scrollback:\n{scrollback}"
    return int(found.group(1))


def summary_rows(scrollback: str) -> list[str]:
    """Return the epoch numbers of the summary table printed after the screen closed."""
    after_screen = scrollback.split("Δ loss")[-1]
    return re.findall(r"^\s+(\d+)\s+[\d,.]+\s", after_screen, re.MULTILINE)


def test_pause_resume_stop_quit(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path, LEE_COPIES)
    output = tmp_path / "model.w2v"
    arguments = [
        corpus.name,
        "--epochs=20",
        "--workers=2",
        "--vector-size=20",
        "--output=model.w2v",
        "--run-dir=run",
        "--probe=police",
        "--probe=zzzzqx",
    ]
    with tmux_terminal(120, 40) as terminal:
        terminal.start(shell_command(arguments), cwd=tmp_path)
        screen = terminal.wait_for(
            lambda text: " training " in status_line(text) and EPOCH_ONE_ROW.search(text) is not None,
            "training with the first epoch in the table",
        )
        assert "neighbours" in screen
        assert "not in vocabulary" in screen

        terminal.send("p")
        terminal.wait_for(lambda text: " paused " in status_line(text), "the paused state")
        terminal.send("p")
        terminal.wait_for(lambda text: " training " in status_line(text), "the training state after resuming")

        terminal.send("s")
        screen = terminal.wait_for(lambda text: "stopped early after epoch" in text, "the stopped state")
        stopped = re.search(r"stopped early after epoch (\d+) of 20", screen)
        assert stopped is not None, screen
        completed = int(stopped.group(1))
        assert 1 <= completed < 20

        terminal.send("q")
        scrollback = terminal.wait_for(lambda text: "EXIT=" in text, "the command to exit", whole=True)

    assert exit_status(scrollback) == 0
    assert "gensim-tui: error" not in scrollback
    assert f"stopped early after epoch {completed} of 20; model saved to {output}" in scrollback
    assert summary_rows(scrollback) == [str(epoch) for epoch in range(1, completed + 1)]
    assert "continue it with: gensim-tui resume run" in scrollback
    assert (tmp_path / "run" / "word2vec.model").is_file()
    report = load_model_in_fresh_python(output, cwd=tmp_path)
    assert report["gensim_tui_modules"] == []
    assert report["vector_size"] == 20


def test_two_epochs_at_80x24(tmp_path: Path) -> None:
    corpus = repeated_corpus(tmp_path, 4)
    output = tmp_path / "model.w2v"
    arguments = [
        corpus.name,
        "--epochs=2",
        "--workers=2",
        "--vector-size=20",
        "--output=model.w2v",
        "--csv=epochs.csv",
        "--run-dir=run",
        "--probe=police",
    ]
    with tmux_terminal(80, 24) as terminal:
        terminal.start(shell_command(arguments), cwd=tmp_path)
        screen = terminal.wait_for(lambda text: " finished " in status_line(text), "the finished state")
        lines = screen.splitlines()
        assert len(lines) == 24
        assert "epoch 2/2" not in status_line(screen), "a finished run shows no current epoch"
        assert EPOCH_ONE_ROW.search(screen) is not None, screen
        assert re.search(r"^\s*2\s+[\d,.]+\s+-[\d,]+\s+-[\d.]+%", screen, re.MULTILINE) is not None, screen
        assert "2/2 epochs" in screen
        assert "neighbours" in screen
        assert "police" in screen
        footer = lines[-1]
        for key in ("p Pause/Resume", "s Stop early", "q Quit", "? Help"):
            assert key in footer

        terminal.send("q")
        scrollback = terminal.wait_for(lambda text: "EXIT=" in text, "the command to exit", whole=True)

    assert exit_status(scrollback) == 0
    assert "gensim-tui: error" not in scrollback
    assert f"trained 2 epochs; model saved to {output}" in scrollback
    assert summary_rows(scrollback) == ["1", "2"]
    with (tmp_path / "epochs.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["1", "2"]
    report = load_model_in_fresh_python(output, cwd=tmp_path)
    assert report["gensim_tui_modules"] == []
    assert report["epochs"] == 2
