"""The run folder on real files: creation, parameters, the lock, control requests and checkpoints."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import gensim
import pytest
from gensim.test.utils import datapath
from gensim_tui.callbacks import TrainingConfig, TrainingSession
from gensim_tui.callbacks.events import CheckpointSaved, Event, RunFinished
from gensim_tui.callbacks.rundir import CONTROL_COMMANDS, Checkpoint, RunDirectory, RunDirError
from longrun_helpers import WAIT_SECONDS, load_model_report


def small_config(tmp_path: Path, **overrides: object) -> TrainingConfig:
    """Return a config that trains in well under a second per epoch on the Lee corpus."""
    values: dict[str, object] = {"vector_size": 20, "epochs": 3, "workers": 2, "min_count": 5, "seed": 1}
    values.update(overrides)
    return TrainingConfig(
        corpus=str(datapath("lee_background.cor")),
        output=str(tmp_path / "run" / "word2vec.model"),
        **values,  # type: ignore[arg-type]
    )


def test_create_sets_mode_0700(tmp_path: Path) -> None:
    RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))

    assert stat.S_IMODE(os.stat(tmp_path / "run").st_mode) == 0o700


def test_create_tightens_existing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)

    RunDirectory.create(str(folder), small_config(tmp_path))

    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_create_writes_params(tmp_path: Path) -> None:
    config = small_config(tmp_path, probes=("police", "fire"), max_vocab_size=5000)
    settings = {"checkpoint_every": 3, "copy_to": None}

    RunDirectory.create(str(tmp_path / "run"), config, settings)

    params = json.loads((tmp_path / "run" / "params.json").read_text(encoding="utf-8"))
    expected_config = dataclasses.asdict(config)
    expected_config["probes"] = ["police", "fire"]
    assert params["config"] == expected_config
    assert params["settings"] == settings
    assert params["model_type"] == "word2vec"
    assert params["gensim_version"] == gensim.__version__
    assert isinstance(params["created_at"], float)
    assert stat.S_IMODE(os.stat(tmp_path / "run" / "params.json").st_mode) == 0o600


def test_create_rejects_folder_with_run(tmp_path: Path) -> None:
    RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path, epochs=3))
    before = (tmp_path / "run" / "params.json").read_bytes()

    with pytest.raises(RunDirError, match="already contains a run") as raised:
        RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path, epochs=9))

    assert "gensim-tui resume" in str(raised.value)
    assert (tmp_path / "run" / "params.json").read_bytes() == before


def test_create_under_file_fails(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("not a folder", encoding="utf-8")

    with pytest.raises(RunDirError, match="cannot create run folder") as raised:
        RunDirectory.create(str(tmp_path / "plain-file" / "run"), small_config(tmp_path))

    assert "--run-dir" in str(raised.value)


def test_open_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="run folder not found"):
        RunDirectory.open(str(tmp_path / "missing"))


def test_open_plain_file(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text("", encoding="utf-8")

    with pytest.raises(RunDirError, match="run folder not found"):
        RunDirectory.open(str(tmp_path / "events.jsonl"))


def test_open_folder_without_params(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()

    with pytest.raises(RunDirError, match="not a gensim-tui run folder"):
        RunDirectory.open(str(tmp_path / "other"))


def test_read_config_round_trip(tmp_path: Path) -> None:
    config = small_config(tmp_path, sg=1, hs=1, negative=0, probes=("police",), max_vocab_size=2000, topn=3)
    RunDirectory.create(str(tmp_path / "run"), config, {"checkpoint_every": 2, "copy_to": "/elsewhere/model"})

    opened = RunDirectory.open(str(tmp_path / "run"))

    assert opened.read_config() == config
    assert opened.read_settings() == {"checkpoint_every": 2, "copy_to": "/elsewhere/model"}


def test_read_config_corrupt_params(tmp_path: Path) -> None:
    RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))
    (tmp_path / "run" / "params.json").write_text('{"config": {"corpus": ', encoding="utf-8")

    with pytest.raises(RunDirError, match="cannot read"):
        RunDirectory.open(str(tmp_path / "run")).read_config()


def test_read_config_unknown_field(tmp_path: Path) -> None:
    RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))
    path = tmp_path / "run" / "params.json"
    params = json.loads(path.read_text(encoding="utf-8"))
    params["config"]["learning_rate"] = 0.1
    path.write_text(json.dumps(params), encoding="utf-8")

    with pytest.raises(RunDirError, match="learning_rate"):
        RunDirectory.open(str(tmp_path / "run")).read_config()


LOCK_HOLDER = """
import sys
from gensim_tui.callbacks.rundir import RunDirectory

run_dir = RunDirectory(sys.argv[1])
print(run_dir.lock(), flush=True)
sys.stdin.readline()
"""


def test_lock_held_by_other_process(tmp_path: Path) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, run_dir.path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"

        assert run_dir.is_running()
        assert not run_dir.lock()
        assert (tmp_path / "run" / "lock").read_text(encoding="utf-8") == f"{holder.pid}\n"
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(WAIT_SECONDS)

    assert not run_dir.is_running()
    assert run_dir.lock()
    try:
        assert (tmp_path / "run" / "lock").read_text(encoding="utf-8") == f"{os.getpid()}\n"
        assert run_dir.is_running()
    finally:
        run_dir.release()
    assert not run_dir.is_running()


def test_second_lock_in_same_process_fails(tmp_path: Path) -> None:
    first = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))
    second = RunDirectory.open(first.path)

    assert first.lock()
    try:
        assert not second.lock()
    finally:
        first.release()

    assert second.lock()
    second.release()


def test_is_running_without_lock_file(tmp_path: Path) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))

    assert not os.path.exists(tmp_path / "run" / "lock")
    assert not run_dir.is_running()


@pytest.mark.parametrize("command", CONTROL_COMMANDS)
def test_request_round_trip(tmp_path: Path, command: str) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))

    run_dir.send_request(command)

    assert run_dir.take_request() == command
    assert not os.path.exists(tmp_path / "run" / "control.request")
    assert run_dir.take_request() is None


def test_request_unknown_command_rejected(tmp_path: Path) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))

    with pytest.raises(ValueError, match="unknown control command 'explode'"):
        run_dir.send_request("explode")

    assert not os.path.exists(tmp_path / "run" / "control.request")


@pytest.mark.parametrize(
    "content",
    ["not json at all", '["pause"]', '{"command": "format"}', '{"sent_at": 1.0}', ""],
    ids=["text", "list", "unknown-command", "no-command", "empty"],
)
def test_malformed_request_dropped(tmp_path: Path, content: str) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))
    (tmp_path / "run" / "control.request").write_text(content, encoding="utf-8")

    assert run_dir.take_request() is None
    assert not os.path.exists(tmp_path / "run" / "control.request")


def test_foreign_request_dropped(tmp_path: Path) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))
    run_dir.send_request("stop")
    # Changing a file's owner needs root, which these tests run as.
    os.chown(tmp_path / "run" / "control.request", os.getuid() + 4242, -1)

    assert run_dir.take_request() is None
    assert not os.path.exists(tmp_path / "run" / "control.request")


def test_latest_checkpoint_none_before_first(tmp_path: Path) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))

    assert run_dir.latest_checkpoint() is None


def test_latest_checkpoint_missing_file(tmp_path: Path) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))
    checkpoint = Checkpoint("checkpoint-0002.model", 2, 0, 0.0, 0.0, 0.01, 3.0, 0.0)
    (tmp_path / "run" / "checkpoint.json").write_text(json.dumps(dataclasses.asdict(checkpoint)), encoding="utf-8")

    with pytest.raises(RunDirError, match=r"checkpoint-0002\.model is missing"):
        run_dir.latest_checkpoint()


def test_latest_checkpoint_corrupt_index(tmp_path: Path) -> None:
    run_dir = RunDirectory.create(str(tmp_path / "run"), small_config(tmp_path))
    (tmp_path / "run" / "checkpoint.json").write_text('{"file": "checkpoint-0001.model"}', encoding="utf-8")

    with pytest.raises(RunDirError, match="cannot read"):
        run_dir.latest_checkpoint()


def checkpoint_models(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("checkpoint-") and name.endswith(".model"))


def test_checkpoints_every_second_epoch(tmp_path: Path) -> None:
    config = small_config(tmp_path, epochs=5)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config, {"checkpoint_every": 2})
    folder = tmp_path / "run"
    # The folder's contents at the moment each CheckpointSaved event arrives.
    seen: list[tuple[int, bool, list[str], str]] = []

    def look(event: Event) -> None:
        if isinstance(event, CheckpointSaved):
            index = json.loads((folder / "checkpoint.json").read_text(encoding="utf-8"))
            seen.append((event.epochs_completed, os.path.exists(event.path), checkpoint_models(folder), index["file"]))

    session = TrainingSession(config, [look], run_dir=run_dir, checkpoint_every=2)
    result = session.run()

    assert isinstance(result, RunFinished)
    assert result.epochs_completed == 5
    assert seen == [
        (2, True, ["checkpoint-0002.model"], "checkpoint-0002.model"),
        (4, True, ["checkpoint-0004.model"], "checkpoint-0004.model"),
        (5, True, ["checkpoint-0005.model"], "checkpoint-0005.model"),
    ]
    assert checkpoint_models(folder) == ["checkpoint-0005.model"]
    assert [name for name in os.listdir(folder) if name.startswith(".")] == []


def test_last_checkpoint_index_and_load(tmp_path: Path) -> None:
    config = small_config(tmp_path, epochs=5)
    run_dir = RunDirectory.create(str(tmp_path / "run"), config, {"checkpoint_every": 2})

    result = TrainingSession(config, run_dir=run_dir, checkpoint_every=2).run()

    assert isinstance(result, RunFinished)
    index = json.loads((tmp_path / "run" / "checkpoint.json").read_text(encoding="utf-8"))
    assert index["file"] == "checkpoint-0005.model"
    assert index["epochs_completed"] == 5
    assert index["words_into_epoch"] == 0
    assert index["alpha"] == pytest.approx(config.min_alpha)
    assert index["previous_loss"] > 0
    latest = run_dir.latest_checkpoint()
    assert latest is not None
    assert latest.file == "checkpoint-0005.model"
    assert latest.epochs_completed == 5

    report = load_model_report(tmp_path / "run" / "checkpoint-0005.model")

    assert report["gensim_tui_modules"] == []
    assert report["vector_size"] == 20
    assert report["epochs"] == 5
    assert report["words"] > 1000
