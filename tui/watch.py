"""``gensim-tui watch RUN_DIR``: the screen of a run trained by another process."""

from __future__ import annotations

import os
import time

from gensim_tui.callbacks.rundir import EVENTS, RunDirectory
from gensim_tui.callbacks.runlog import event_from_json
from textual.worker import get_current_worker

from .app import MonitorApp, TrainingEventPosted

POLL_SECONDS = 0.25
"""How often the run log is checked for new lines once the reader has caught up."""


class RemoteSteering:
    """Pause, resume and stop a run through the control request file in its run folder."""

    def __init__(self, run_dir: RunDirectory) -> None:
        self.run_dir = run_dir

    def pause(self) -> bool:
        """Ask the training process to pause; return False if no process trains this run."""
        return self._send("pause")

    def resume(self) -> bool:
        """Ask the training process to resume."""
        return self._send("resume")

    def stop(self, reason: str = "stopped from gensim-tui watch") -> bool:
        """Ask the training process to stop early and save."""
        return self._send("stop")

    def _send(self, command: str) -> bool:
        if not self.run_dir.is_running():
            return False
        self.run_dir.send_request(command)
        return True


class WatchApp(MonitorApp):
    """The monitor screen fed by following a run log, live or finished."""

    def __init__(self, run_dir: RunDirectory) -> None:
        self.run_dir = run_dir
        self.remote = RemoteSteering(run_dir)
        super().__init__(steering=self.remote)

    def on_mount(self) -> None:
        self.run_worker(self._follow, name="follow", thread=True, exit_on_error=False)
        self.set_interval(2.0, self._check_alive)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim pause and stop when no process trains this run."""
        if action in ("toggle_pause", "stop") and not self.run_dir.is_running():
            return None
        return super().check_action(action, parameters)

    def _check_alive(self) -> None:
        self.refresh_bindings()
        orphaned = self.view.state.active and not self.run_dir.is_running()
        if orphaned and not self.view.orphaned:
            # The clock stops where the log stops; nothing trains any more.
            self.view.elapsed = self.view.elapsed_now(self.clock())
            self.view.elapsed_at = None
        self.view.orphaned = orphaned

    def _follow(self) -> None:
        """Post each event of the run log as it appears; runs in a thread worker."""
        worker = get_current_worker()
        path = self.run_dir.file(EVENTS)
        position = 0
        pending = b""
        while not worker.is_cancelled:
            try:
                with open(path, "rb") as handle:
                    handle.seek(position)
                    chunk = handle.read()
            except FileNotFoundError:
                chunk = b""
            position += len(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if not line.strip():
                    continue
                try:
                    event = event_from_json(line.decode("utf-8"))
                except (ValueError, TypeError, UnicodeDecodeError):
                    continue
                self.post_message(TrainingEventPosted(event))
            if not chunk:
                time.sleep(POLL_SECONDS)


def run_watch(path: str) -> int:
    """Show the screen of the run in *path* until the user quits; return the exit status."""
    run_dir = RunDirectory.open(path)
    if not os.path.exists(run_dir.file(EVENTS)) and not run_dir.is_running():
        raise FileNotFoundError(run_dir.file(EVENTS))
    WatchApp(run_dir).run()
    return 0
