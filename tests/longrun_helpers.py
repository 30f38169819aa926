"""Helpers for the tests of long runs: the installed command, run folders on disk, tmux and tmpfs.

Everything here drives real processes: the ``gensim-tui`` console script,
a private tmux server and tmpfs mounts. Waits poll a condition with a
deadline, which only guards against hangs and never checks speed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from gensim.test.utils import datapath

WAIT_SECONDS = 120.0
"""Upper bound on any wait in these tests. It guards against hangs and is never a speed check."""

POLL_SECONDS = 0.05

LEE_COPIES = 10
"""Copies of the Lee corpus (about 60,000 words each): one epoch took 1 to 2.5 s on the two-core test machine."""

SMALL_OPTIONS = ("--vector-size", "20", "--workers", "2", "--seed", "1")
"""Word2Vec options that keep a test's model small, passed by every test run."""

ValueT = TypeVar("ValueT")


def find_command(name: str) -> str:
    """Return the path of an installed command, looking beside this Python first, or fail the test."""
    search_path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search_path)
    if found is None:
        hint = "install it with apt-get install tmux" if name == "tmux" else "install the project with pip install -e ."
        pytest.fail(f"{name} not found on PATH or beside {sys.executable}; {hint}")
    return found


def repeated_corpus(folder: Path, copies: int = LEE_COPIES, name: str = "news.txt") -> Path:
    """Write gensim's Lee background corpus *copies* times into *folder* / *name* and return the path."""
    text = Path(datapath("lee_background.cor")).read_text(encoding="utf-8")
    path = folder / name
    path.write_text(text * copies, encoding="utf-8")
    return path


def corpus_word_count(path: Path) -> int:
    """Return the number of whitespace-separated tokens in a corpus file."""
    return len(path.read_text(encoding="utf-8").split())


def wait_until(condition: Callable[[], ValueT | None], description: str, timeout: float = WAIT_SECONDS) -> ValueT:
    """Poll *condition* until it returns a true value (a non-empty list counts), and return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {description}")
        time.sleep(POLL_SECONDS)


def read_events(run_dir: Path) -> list[dict[str, Any]]:
    """Return the complete lines of the run folder's events.jsonl as dicts, leaving out a torn last line."""
    path = run_dir / "events.jsonl"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    lines = text.split("\n")[:-1]
    return [json.loads(line) for line in lines if line.strip()]


def events_named(run_dir: Path, name: str) -> list[dict[str, Any]]:
    """Return the events of type *name* in the run folder's events.jsonl."""
    return [event for event in read_events(run_dir) if event["event"] == name]


def mid_epoch_progress(run_dir: Path, first_epoch: int, epochs: int) -> dict[str, Any] | None:
    """Return an EpochProgressed event between 2% and 75% of an epoch from *first_epoch* to the last but one.

    A signal sent right after such an event lands inside the epoch, so the
    cut-short epoch has trained words and is not at its end. The window is
    wide because progress events come every half second, which is a quarter
    of an epoch here and may be more on a faster machine.
    """
    for event in events_named(run_dir, "EpochProgressed"):
        share = event["words_done"] / event["words_total"]
        if first_epoch <= event["epoch"] < epochs and 0.02 <= share <= 0.75:
            return event
    return None


def load_model_report(path: Path) -> dict[str, Any]:
    """Load the model at *path* with plain gensim in a fresh interpreter and return what it reports.

    The report has the vocabulary size, the vector size, the planned epochs
    and the gensim_tui modules that loading imported (there must be none).
    """
    script = (
        "import json, sys\n"
        "from gensim.models import Word2Vec\n"
        f"model = Word2Vec.load({str(path)!r})\n"
        "print(json.dumps({\n"
        "    'words': len(model.wv),\n"
        "    'vector_size': model.vector_size,\n"
        "    'epochs': model.epochs,\n"
        "    'gensim_tui_modules': sorted(name for name in sys.modules if name.startswith('gensim_tui')),\n"
        "}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        cwd=path.parent,
        check=False,
    )
    assert completed.returncode == 0, f"plain gensim could not load {path}:\n{completed.stderr}"
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def checkpoint_index(run_dir: Path) -> dict[str, Any]:
    """Return the contents of the run folder's checkpoint.json."""
    index: dict[str, Any] = json.loads((run_dir / "checkpoint.json").read_text(encoding="utf-8"))
    return index


def temporary_files(run_dir: Path) -> list[str]:
    """Return the names of temporary files that an interrupted atomic write would leave in *run_dir*."""
    return sorted(name for name in os.listdir(run_dir) if name.startswith(".gensim-tui-"))


class CommandRun:
    """One run of the installed command started with Popen, its output going to files."""

    def __init__(self, arguments: list[str], folder: Path, label: str = "run") -> None:
        self.arguments = arguments
        self.stdout_path = folder / f"{label}.stdout"
        self.stderr_path = folder / f"{label}.stderr"
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                arguments,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                cwd=folder,
                env=_plain_environment(),
            )

    @property
    def stdout(self) -> str:
        """Everything the command has written to standard output so far."""
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        """Everything the command has written to standard error so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def send(self, number: signal.Signals) -> None:
        """Send signal *number* to the command's process."""
        self.process.send_signal(number)

    def wait(self, timeout: float = WAIT_SECONDS) -> int:
        """Wait for the command to exit and return its exit status, or kill it and fail after *timeout*."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"{' '.join(self.arguments)} did not exit within {timeout} s\n"
                f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
            ) from None

    def kill(self) -> None:
        """Kill the process if it still runs. Tests call this in a ``finally``."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def run_command(arguments: list[str], folder: Path, timeout: float = WAIT_SECONDS) -> subprocess.CompletedProcess[str]:
    """Run the command to its end in *folder* and return its status and output."""
    return subprocess.run(
        arguments,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=folder,
        env=_plain_environment(),
        timeout=timeout,
        check=False,
    )


def _plain_environment() -> dict[str, str]:
    """Return this environment without terminal hints, so the command decides from its own file descriptors."""
    return {key: value for key, value in os.environ.items() if key not in ("TMUX", "COLUMNS", "LINES")}


def process_state(pid: int) -> str | None:
    """Return the state letter of process *pid* from /proc (R, S, Z, ...), or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name in brackets may contain spaces, so split after its closing bracket.
    return text.rsplit(")", 1)[1].split()[0]


def process_exited(pid: int) -> bool:
    """Return True once process *pid* has exited (gone, or a zombie that no one has reaped yet)."""
    return process_state(pid) in (None, "Z")


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system, all threads) that process *pid* has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    # After the command name: state is field 3 of stat(5), utime 14 and stime 15.
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def lock_pid(run_dir: Path) -> int:
    """Return the process id written into the run folder's lock file by the process that trains."""
    return int((run_dir / "lock").read_text(encoding="utf-8").strip())


class TmuxTerminal:
    """A detached session on a private tmux server, read with capture-pane and typed into with send-keys."""

    def __init__(self, tmux: str, width: int = 120, height: int = 40) -> None:
        self.tmux = tmux
        self.width = width
        self.height = height
        # A private socket keeps the test away from any tmux server the user runs.
        self.socket = f"gensim-tui-longrun-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.target = "longrun"

    def _run(self, *arguments: str) -> str:
        completed = subprocess.run(
            [self.tmux, "-L", self.socket, "-f", os.devnull, *arguments],
            capture_output=True,
            text=True,
            timeout=30,
            env=_plain_environment(),
            check=False,
        )
        if completed.returncode != 0:
            raise AssertionError(f"tmux {' '.join(arguments)} failed: {completed.stderr.strip()}")
        return completed.stdout

    def start(self, command: str, cwd: Path) -> None:
        """Run the shell *command* in a new session of the terminal's size."""
        size = ("-x", str(self.width), "-y", str(self.height))
        self._run("new-session", "-d", "-s", self.target, *size, "-c", str(cwd), "sh", "-c", command)

    def send(self, key: str) -> None:
        """Type one key into the session."""
        self._run("send-keys", "-t", self.target, key)

    def screen(self) -> str:
        """Return the visible screen, with lines the terminal wrapped joined again."""
        return self._run("capture-pane", "-p", "-J", "-t", self.target)

    def wait_for(self, condition: Callable[[str], bool], description: str) -> str:
        """Poll the screen until *condition* holds on it, and return that screen."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            text = self.screen()
            if condition(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {WAIT_SECONDS} s waiting for {description}; the screen:\n{text}")
            time.sleep(POLL_SECONDS)

    def kill_session(self) -> None:
        """Close the session as a dropped SSH connection would: the terminal goes away under its programs."""
        self._run("kill-session", "-t", self.target)

    def close(self) -> None:
        """Stop the private tmux server, if it still runs, and everything in it."""
        subprocess.run(
            [self.tmux, "-L", self.socket, "kill-server"],
            capture_output=True,
            timeout=30,
            check=False,
        )


@contextmanager
def tmux_terminal(width: int = 120, height: int = 40) -> Iterator[TmuxTerminal]:
    """Yield a terminal on a private tmux server and stop the server afterwards."""
    terminal = TmuxTerminal(find_command("tmux"), width, height)
    try:
        yield terminal
    finally:
        terminal.close()


@contextmanager
def tmpfs(path: Path, size_kib: int) -> Iterator[Path]:
    """Mount a tmpfs of *size_kib* KiB on *path* for the body of the ``with``, or fail the test."""
    path.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    umount = shutil.which("umount")
    if mount is None or umount is None:
        pytest.fail("mount and umount are needed to test a full or read-only disk; install util-linux")
    completed = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"mount -t tmpfs on {path} failed ({completed.stderr.strip()}); "
            "these tests need root or CAP_SYS_ADMIN to mount a small file system"
        )
    try:
        yield path
    finally:
        subprocess.run([umount, str(path)], capture_output=True, timeout=30, check=False)
