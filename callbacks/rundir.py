"""The run folder: parameters, run log, checkpoints, final model and control requests.

Layout of a run folder::

    params.json           the TrainingConfig and the versions that ran it
    events.jsonl          every event, one JSON object per line (see runlog.py)
    log.txt               gensim's log records as plain text
    checkpoint.json       which checkpoint file is the latest complete one
    checkpoint-*.model    the latest checkpoint (the one before it until the new one is complete)
    word2vec.model        the final model (fasttext.model, doc2vec.model for those types)
    lock                  held (flock) by the process that trains
    control.request       a pause, resume or stop request from `gensim-tui watch`

The folder is created with mode 0700, so only its owner can place control
requests; the training process also ignores a request file it does not own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import tempfile
import time
from dataclasses import dataclass
from typing import IO, Any

from .config import TrainingConfig

PARAMS = "params.json"
EVENTS = "events.jsonl"
TEXT_LOG = "log.txt"
CHECKPOINT_INDEX = "checkpoint.json"
FINAL_MODEL_NAMES = {"word2vec": "word2vec.model", "fasttext": "fasttext.model", "doc2vec": "doc2vec.model"}
"""Name of the final model in the run folder, by model type."""
LOCK = "lock"
CONTROL = "control.request"
CONTROL_COMMANDS = ("pause", "resume", "stop")


class RunDirError(Exception):
    """The run folder cannot be created, read or locked; the message names the fix."""


@dataclass(frozen=True)
class Checkpoint:
    """The position in training at which a checkpoint was written."""

    file: str
    """Model file name inside the run folder."""
    epochs_completed: int
    words_into_epoch: int
    """Raw words of the next epoch already trained (non-zero after an interruption)."""
    loss_into_epoch: float
    seconds_into_epoch: float
    alpha: float
    """Learning rate at this position of the schedule."""
    elapsed_seconds: float
    saved_at: float
    probes: tuple[str, ...] = ()
    probe_counts: tuple[int, ...] = ()
    previous_loss: float | None = None
    """Loss of the last finished epoch, so the next one can show its change."""


def write_json_atomically(path: str, data: Any) -> None:
    """Write *data* as JSON to *path* through a temporary file and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".gensim-tui-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, ensure_ascii=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


class RunDirectory:
    """One run folder on disk."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock_file: IO[str] | None = None

    def file(self, name: str) -> str:
        """Return the path of *name* inside the run folder."""
        return os.path.join(self.path, name)

    @classmethod
    def create(cls, path: str, config: TrainingConfig, settings: dict[str, Any] | None = None) -> RunDirectory:
        """Create a new run folder for *config*; raise RunDirError if it exists with a run in it."""
        if os.path.exists(os.path.join(path, PARAMS)):
            raise RunDirError(
                f"{path} already contains a run; resume it with `gensim-tui resume {path}` or choose another --run-dir"
            )
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
            os.chmod(path, 0o700)
        except OSError as error:
            raise RunDirError(f"cannot create run folder {path}: {error.strerror}; choose another --run-dir") from None
        run_dir = cls(path)
        run_dir.write_params(config, settings or {})
        return run_dir

    @classmethod
    def open(cls, path: str) -> RunDirectory:
        """Open an existing run folder; raise RunDirError if it is not one."""
        if not os.path.isdir(path):
            raise RunDirError(f"run folder not found: {path}; give the folder printed when the run started")
        if not os.path.exists(os.path.join(path, PARAMS)):
            raise RunDirError(f"{path} is not a gensim-tui run folder: it has no {PARAMS}")
        return cls(path)

    def write_params(self, config: TrainingConfig, settings: dict[str, Any]) -> None:
        """Record the run's parameters, gensim-tui's own *settings* and the gensim version."""
        import gensim

        data = {
            "config": dataclasses.asdict(config),
            "settings": settings,
            "model_type": config.model_type,
            "gensim_version": gensim.__version__,
            "created_at": time.time(),
        }
        try:
            write_json_atomically(self.file(PARAMS), data)
        except OSError as error:
            raise RunDirError(f"cannot write {self.file(PARAMS)}: {error.strerror}; choose another --run-dir") from None

    def read_config(self) -> TrainingConfig:
        """Return the TrainingConfig recorded in params.json."""
        try:
            with open(self.file(PARAMS), encoding="utf-8") as handle:
                data = json.load(handle)
            values = dict(data["config"])
            values["probes"] = tuple(values.get("probes", ()))
            return TrainingConfig(**values)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise RunDirError(f"cannot read {self.file(PARAMS)}: {error}") from None

    def read_settings(self) -> dict[str, Any]:
        """Return the gensim-tui settings recorded in params.json (checkpoint interval, output copy)."""
        try:
            with open(self.file(PARAMS), encoding="utf-8") as handle:
                settings = json.load(handle).get("settings", {})
        except (OSError, ValueError, AttributeError) as error:
            raise RunDirError(f"cannot read {self.file(PARAMS)}: {error}") from None
        return settings if isinstance(settings, dict) else {}

    def latest_checkpoint(self) -> Checkpoint | None:
        """Return the latest complete checkpoint, or None if there is none."""
        try:
            with open(self.file(CHECKPOINT_INDEX), encoding="utf-8") as handle:
                values = json.load(handle)
            values["probes"] = tuple(values.get("probes", ()))
            values["probe_counts"] = tuple(values.get("probe_counts", ()))
            checkpoint = Checkpoint(**values)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError, AttributeError) as error:
            raise RunDirError(f"cannot read {self.file(CHECKPOINT_INDEX)}: {error}") from None
        if not os.path.exists(self.file(checkpoint.file)):
            raise RunDirError(f"checkpoint file {self.file(checkpoint.file)} is missing")
        return checkpoint

    def record_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Point the index at *checkpoint*, then delete older checkpoint files."""
        write_json_atomically(self.file(CHECKPOINT_INDEX), dataclasses.asdict(checkpoint))
        for name in os.listdir(self.path):
            if name.startswith("checkpoint-") and name.endswith(".model") and name != checkpoint.file:
                os.remove(self.file(name))

    def remove_stale_temporaries(self) -> None:
        """Delete temporary files that a process killed while saving left behind; call it holding the lock."""
        for name in os.listdir(self.path):
            if name.startswith(".gensim-tui-"):
                with contextlib.suppress(OSError):
                    os.remove(self.file(name))

    def lock(self) -> bool:
        """Take the run's lock for this process; return False if another process holds it."""
        handle = open(self.file(LOCK), "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_file = handle
        return True

    def release(self) -> None:
        """Release the lock taken by ``lock()``."""
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def is_running(self) -> bool:
        """Return True if some process holds the run's lock, that is, trains right now."""
        try:
            with open(self.file(LOCK), encoding="utf-8") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(handle, fcntl.LOCK_UN)
                return False
        except FileNotFoundError:
            return False

    def send_request(self, command: str) -> None:
        """Ask the training process to pause, resume or stop."""
        if command not in CONTROL_COMMANDS:
            raise ValueError(f"unknown control command {command!r}")
        write_json_atomically(self.file(CONTROL), {"command": command, "sent_at": time.time()})

    def take_request(self) -> str | None:
        """Return and remove a pending control request, or None; foreign or malformed requests are dropped."""
        path = self.file(CONTROL)
        try:
            status = os.stat(path)
        except FileNotFoundError:
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            data = None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        if status.st_uid != os.getuid() or not isinstance(data, dict):
            return None
        command = data.get("command")
        return command if command in CONTROL_COMMANDS else None
