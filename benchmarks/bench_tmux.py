"""Drive a command in a detached tmux session and watch its process.

Each ``TmuxSession`` starts its own tmux server on a private socket, so the
benchmark never touches the user's tmux sessions, and ``close()`` kills that
server with every process in it. Panes stay open after their command exits
(``remain-on-exit``), so the exit status and the last screen can still be read.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

TMUX_COMMAND_TIMEOUT = 10.0
"""Seconds allowed for one tmux client command; it normally takes milliseconds."""

TERMINATE_TIMEOUT = 30.0
"""Seconds a command gets to end after SIGTERM; gensim-tui first finishes a batch and saves a checkpoint."""

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
"""Units of utime and stime in /proc/PID/stat (usually 100 per second)."""


class BenchmarkError(Exception):
    """A benchmark step failed; the message names the step and includes what is known about the failure."""


class TmuxSession:
    """One detached tmux session of a fixed size on a private tmux server."""

    def __init__(self, name: str, width: int, height: int, folder: Path) -> None:
        self.name = name
        self.width = width
        self.height = height
        self.socket = f"gensim-tui-bench-{os.getpid()}-{name}"
        self.config = folder / f"{name}.tmux.conf"
        self.config.write_text(
            "set -g remain-on-exit on\n"  # keep a crashed pane readable
            "set -g status off\n"  # give the whole window to the command
            "set -g default-terminal tmux-256color\n",
            encoding="utf-8",
        )
        self.started = False
        self.pid: int | None = None

    def _tmux(self, *arguments: str) -> str:
        command = ["tmux", "-L", self.socket, "-f", str(self.config), *arguments]
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=TMUX_COMMAND_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise BenchmarkError(f"tmux timed out after {TMUX_COMMAND_TIMEOUT:.0f} s: {' '.join(command)}") from None
        if completed.returncode != 0:
            raise BenchmarkError(
                f"tmux failed with exit status {completed.returncode}: {' '.join(command)}: {completed.stderr.strip()}"
            )
        return completed.stdout

    def start(self, command: Sequence[str], cwd: Path) -> int:
        """Start *command* in the session's only pane and return its process id.

        The command is passed as separate arguments, so tmux runs it without a
        shell and the pane's process is the command itself.
        """
        self.started = True
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "-c",
            str(cwd),
            "--",
            *command,
        )
        size = self._tmux("display-message", "-p", "-t", self.name, "#{pane_width}x#{pane_height}").strip()
        if size != f"{self.width}x{self.height}":
            raise BenchmarkError(f"tmux pane is {size}, expected {self.width}x{self.height}")
        self.pid = int(self._tmux("list-panes", "-t", self.name, "-F", "#{pane_pid}").split()[0])
        return self.pid

    def server_pid(self) -> int:
        """Return the process id of this session's tmux server."""
        return int(self._tmux("display-message", "-p", "#{pid}").strip())

    def pane_state(self) -> tuple[bool, int | None]:
        """Return (whether the command has ended, its exit status).

        The status is None while the command runs, and also when tmux has not
        reaped the ended process yet: tmux 3.3a can mark a pane dead on end of
        file from the terminal before it collects the exit status.
        """
        dead, _, status = self._tmux("list-panes", "-t", self.name, "-F", "#{pane_dead} #{pane_dead_status}").partition(
            " "
        )
        if dead.strip() != "1":
            return False, None
        return True, int(status) if status.strip() else None

    def send_keys(self, *keys: str) -> float:
        """Type *keys* into the pane; return the ``time.monotonic()`` at which tmux had written them."""
        self._tmux("send-keys", "-t", self.name, *keys)
        return time.monotonic()

    def screen(self) -> str:
        """Return the pane's visible text, trailing blank lines removed."""
        try:
            return self._tmux("capture-pane", "-p", "-t", self.name).rstrip()
        except BenchmarkError as error:
            return f"(screen not available: {error})"

    def close(self) -> None:
        """End the pane's command, then kill this session's tmux server; safe to call twice.

        Killing the server only sends SIGHUP, which gensim-tui survives by
        design (training goes on without a screen), so the command first gets
        SIGTERM and, if it has not ended after ``TERMINATE_TIMEOUT`` seconds, SIGKILL.
        """
        if not self.started:
            return
        self.started = False
        if self.pid is not None:
            terminate(self.pid, TERMINATE_TIMEOUT)
        # The server is already gone if its last pane was closed.
        with contextlib.suppress(BenchmarkError):
            self._tmux("kill-server")
        Path(f"/tmp/tmux-{os.getuid()}/{self.socket}").unlink(missing_ok=True)
        self.config.unlink(missing_ok=True)


def process_running(pid: int) -> bool:
    """Return True while any thread of process *pid* runs.

    A process whose main thread has exited shows as a zombie while its other
    threads still run, so a zombie counts as ended only once it has no other thread.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
        if stat[stat.rindex(b")") + 2 :][:1] != b"Z":
            return True
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except FileNotFoundError:
        return False


def terminate(pid: int, timeout: float) -> None:
    """Send SIGTERM to *pid*, wait up to *timeout* seconds for it to end, then send SIGKILL."""
    for number in (signal.SIGTERM, signal.SIGKILL):
        if not process_running(pid):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, number)
        deadline = time.monotonic() + timeout
        while process_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def cpu_ticks(pid: int, thread: int | None = None) -> int:
    """Return the CPU time (user + system) of process *pid*, in clock ticks.

    All threads count, unless *thread* names one of them by its thread id
    (the main thread's id is the process id).
    """
    path = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    with open(path, "rb") as handle:
        stat = handle.read()
    # The command name in brackets may contain spaces, so fields are counted after the last ')'.
    fields = stat[stat.rindex(b")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def cpu_cores_used(pid: int, seconds: float) -> float:
    """Return the average number of cores that *pid* kept busy over the next *seconds*."""
    before = cpu_ticks(pid)
    started = time.monotonic()
    time.sleep(seconds)
    ticks = cpu_ticks(pid) - before
    return ticks / CLOCK_TICKS / (time.monotonic() - started)


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    description: str,
    interval: float = 0.1,
    check: Callable[[], None] | None = None,
) -> None:
    """Poll *condition* until it is true; raise BenchmarkError after *timeout* seconds.

    *check* runs before each poll and should raise when waiting is pointless
    (for example because the watched process has ended).
    """
    deadline = time.monotonic() + timeout
    while True:
        if check is not None:
            check()
        if condition():
            return
        if time.monotonic() >= deadline:
            raise BenchmarkError(f"timed out after {timeout:.0f} s waiting for {description}")
        time.sleep(interval)


def time_to_idle(
    pid: int,
    key_time: float,
    poll: float,
    still_polls: int,
    timeout: float,
) -> tuple[float, float]:
    """Poll the CPU time of *pid* until it stops growing; return seconds from *key_time* to idle.

    Idle means the same tick count over *still_polls* consecutive polls. The
    moment of idleness is the first poll of that still run, so the detection
    window itself is not counted. The result is accurate to about one poll
    plus one clock tick. Two times are returned: until the whole process is
    idle, and until every thread but the main one is idle.
    """
    times = [time.monotonic()]
    totals = [cpu_ticks(pid)]
    others = [_other_threads_ticks(pid)]
    deadline = key_time + timeout
    while True:
        time.sleep(poll)
        times.append(time.monotonic())
        totals.append(cpu_ticks(pid))
        others.append(_other_threads_ticks(pid))
        if len(totals) > still_polls and totals[-1] == totals[-1 - still_polls]:
            process_idle = times[_still_since(totals)] - key_time
            others_idle = times[_still_since(others)] - key_time
            return max(0.0, process_idle), max(0.0, others_idle)
        if times[-1] >= deadline:
            raise BenchmarkError(
                f"process {pid} did not go idle within {timeout:.1f} s of the pause key "
                f"(CPU ticks of the last polls: {totals[-4:]})"
            )


def _other_threads_ticks(pid: int) -> int:
    """Return the CPU ticks of the live threads of *pid* other than its main thread."""
    total = 0
    for name in os.listdir(f"/proc/{pid}/task"):
        thread = int(name)
        if thread == pid:
            continue
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += cpu_ticks(pid, thread)
    return total


def _still_since(ticks: list[int]) -> int:
    """Return the index where the run of equal values at the end of *ticks* starts."""
    index = len(ticks) - 1
    while index > 0 and ticks[index - 1] == ticks[-1]:
        index -= 1
    return index


def system_busy_ticks() -> int:
    """Return the CPU time all cores spent on any work since boot, in clock ticks.

    Busy is user + nice + system + irq + softirq + steal from the first line
    of /proc/stat. Steal counts as busy because the hypervisor gave that time
    to another machine.
    """
    with open("/proc/stat", encoding="ascii") as handle:
        fields = handle.readline().split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[1:9])
    return user + nice + system + irq + softirq + steal


class LoadMeter:
    """Measure how many cores other processes used over a run.

    A benchmark figure is only as good as the machine's quiet: on 2 cores, a
    test suite running alongside takes a worker's share of the CPU. Other
    means neither the measured processes (whose CPU time the caller passes to
    ``finish()``) nor this benchmark process.
    """

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.busy_at_start = system_busy_ticks()
        self.own_at_start = _own_cpu_seconds()
        self.other_cores: float | None = None

    def finish(self, measured_cpu_seconds: float) -> float:
        """Close the window given the measured processes' CPU seconds in it; return the other processes' cores."""
        busy = (system_busy_ticks() - self.busy_at_start) / CLOCK_TICKS
        own = _own_cpu_seconds() - self.own_at_start
        seconds = max(time.monotonic() - self.started, 1e-9)
        self.other_cores = max(0.0, busy - own - measured_cpu_seconds) / seconds
        return self.other_cores

    def result(self) -> float:
        """Return what ``finish()`` measured; raise BenchmarkError if it was never called."""
        if self.other_cores is None:
            raise BenchmarkError("the load meter was read before the run closed it")
        return self.other_cores


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wait_for_quiet(max_cores: float, window: float, max_wait: float) -> float:
    """Wait until the whole machine used at most *max_cores* over *window* seconds.

    Gives up after *max_wait* seconds; returns the cores used in the last window.
    """
    deadline = time.monotonic() + max_wait
    while True:
        before = system_busy_ticks()
        started = time.monotonic()
        time.sleep(window)
        cores = (system_busy_ticks() - before) / CLOCK_TICKS / (time.monotonic() - started)
        if cores <= max_cores or time.monotonic() >= deadline:
            return cores
