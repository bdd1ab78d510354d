"""Data-parallel training through Accelerate on 2 CPU processes (gloo)."""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("accelerate")

from accelerate import Accelerator, DataLoaderConfiguration

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm._engine.nets import _AutocastNeuralNetClassifier

pytestmark = pytest.mark.distributed

sys.path.insert(0, str(Path(__file__).parent))
import distributed_worker as worker  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Seconds a launch may take (each process imports torch, skorch, accelerate).
LAUNCH_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _launch(out: Path, n_processes: int = 2) -> list[tuple[int, str]]:
    """Start the worker as the processes of one torch.distributed job.

    The environment is what ``torchrun`` gives its processes; starting them
    directly saves its agent process. Returns (exit code, output) per process;
    processes still running after LAUNCH_TIMEOUT are killed and fail the test.
    """
    port = str(_free_port())
    processes = []
    for rank in range(n_processes):
        env = {
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": port,
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
            "WORLD_SIZE": str(n_processes),
            "LOCAL_WORLD_SIZE": str(n_processes),
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, str(Path(worker.__file__)), str(out)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    deadline = time.monotonic() + LAUNCH_TIMEOUT
    results = []
    try:
        for process in processes:
            output, _ = process.communicate(
                timeout=max(1.0, deadline - time.monotonic())
            )
            results.append((process.returncode, output))
    except subprocess.TimeoutExpired:
        pytest.fail(f"the {n_processes} processes did not finish in {LAUNCH_TIMEOUT} s")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return results


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data_parallel")
    results = _launch(out)
    for rank, (code, output) in enumerate(results):
        assert code == 0, f"process {rank} failed:\n{output[-3000:]}"
    return out


@pytest.fixture(scope="module")
def one_process_reference(tmp_path_factory: pytest.TempPathFactory):
    """The same fit in this process: one process, the same global batches."""
    out = tmp_path_factory.mktemp("reference")
    X, y = worker.make_data()
    accelerator = Accelerator(
        cpu=True, dataloader_config=DataLoaderConfiguration(split_batches=True)
    )
    clf = ConvLSTMClassifier(
        **worker.PARAMS,
        accelerator=accelerator,
        callbacks=(worker.ParameterChecksums(str(out / "checksums.json")),),
    ).fit(X, y)
    return clf, json.loads((out / "checksums.json").read_text())


def _checksums(out: Path, rank: int) -> np.ndarray:
    # (steps, processes, [sum, sum of |.|]) as seen by process `rank`
    return np.array(json.loads((out / f"checksums_{rank}.json").read_text()))


def test_processes_hold_identical_parameters_after_every_step(two_process_run):
    seen_by_0, seen_by_1 = (
        _checksums(two_process_run, 0),
        _checksums(two_process_run, 1),
    )
    # 40 series, global batches of 8, 3 epochs: 15 optimizer steps, 2 processes
    assert seen_by_0.shape == (15, 2, 2)
    np.testing.assert_array_equal(seen_by_0, seen_by_1)
    np.testing.assert_array_equal(seen_by_0[:, 0], seen_by_0[:, 1])
    # and the parameters did change from step to step
    assert np.abs(np.diff(seen_by_0[:, 0, 1])).min() > 0


def test_equals_one_process_training_on_the_same_global_batches(
    two_process_run, one_process_reference
):
    _, reference = one_process_reference
    reference = np.array(reference)[:, 0]  # (steps, 2)
    distributed = _checksums(two_process_run, 0)[:, 0]
    assert reference.shape == distributed.shape == (15, 2)
    np.testing.assert_allclose(distributed, reference, rtol=1e-5, atol=1e-5)


def test_saved_model_loads_and_predicts_in_a_plain_process(
    two_process_run, one_process_reference
):
    payload = (two_process_run / "model.pkl").read_bytes()
    # nothing of Accelerate was pickled: loading does not need it
    assert b"accelerate" not in payload
    clf = pickle.loads(payload)
    assert clf.accelerator is None
    assert type(clf.net_) is _AutocastNeuralNetClassifier
    assert clf.net_.device == "cpu"
    X, y = worker.make_data()
    reference, _ = one_process_reference
    np.testing.assert_allclose(
        clf.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-5
    )
    np.testing.assert_array_equal(clf.predict(X), reference.predict(X))
    # and it can be trained again in this process
    clf.set_params(max_epochs=1).fit(X, y)
    assert len(clf.history_) == 1


def test_early_stopping_stops_all_processes_at_the_same_epoch(two_process_run):
    runs = [
        json.loads((two_process_run / f"early_stopping_{rank}.json").read_text())
        for rank in range(2)
    ]
    assert runs[0] == runs[1]
    # stopped by early stopping (patience 3), not by the 40-epoch budget
    assert runs[0]["n_epochs"] < 40
    losses = runs[0]["valid_loss"]
    assert int(np.argmin(losses)) == runs[0]["n_epochs"] - 4


def test_processes_with_different_data_fail_together(two_process_run):
    # Process 1 got 36 series, process 0 40: both raised (and the launch
    # finished within its timeout, so neither waited for the other).
    for rank in range(2):
        message = (two_process_run / f"mismatch_{rank}.txt").read_text()
        assert message.startswith(
            "Data-parallel training needs the same training data on every process"
        )
        assert "process 0: 40 labels, X of shape (40, 1, 24), 2 classes" in message
        assert "process 1: 36 labels, X of shape (36, 1, 24), 2 classes" in message
        assert message.endswith(
            "Pass every process the full training set, loaded the same way."
        )


def test_unequal_lengths_train_one_model(two_process_run):
    seen = [
        json.loads((two_process_run / f"unequal_lengths_{rank}.json").read_text())
        for rank in range(2)
    ]
    assert len(seen[0]) == 2
    assert seen[0] == seen[1]
    assert seen[0][0] == seen[0][1]


def test_batch_size_must_split_evenly_on_every_process(two_process_run):
    for rank in range(2):
        assert (two_process_run / f"batch_size_{rank}.txt").read_text() == (
            "batch_size=9 is the global batch and must be a multiple of the number "
            "of processes (2) to split evenly across them; set batch_size to a "
            "multiple of 2 (with batch_size='auto' this is the value 'auto' "
            "resolved to)."
        )


# ------------------------------------------------------------- one process


def _accelerator(**dataloader) -> Accelerator:
    return Accelerator(
        cpu=True,
        dataloader_config=DataLoaderConfiguration(
            **{"split_batches": True, **dataloader}
        ),
    )


def test_accelerator_must_split_batches():
    X, y = worker.make_data()
    clf = ConvLSTMClassifier(
        **worker.PARAMS, accelerator=_accelerator(split_batches=False)
    )
    with pytest.raises(ValueError, match="got an Accelerator with split_batches=False"):
        clf.fit(X, y)


def test_accelerator_must_be_an_accelerator():
    X, y = worker.make_data()
    clf = ConvLSTMClassifier(**worker.PARAMS, accelerator="gloo")
    with pytest.raises(
        TypeError,
        match="accelerator must be an accelerate.Accelerator or None; got str",
    ):
        clf.fit(X, y)


def test_accelerator_is_not_pickled_with_the_estimator():
    clf = ConvLSTMClassifier(**worker.PARAMS, accelerator=_accelerator())
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.accelerator is None
    assert clf.accelerator is not None  # the estimator itself is unchanged


def test_accelerator_without_gradient_accumulation():
    X, y = worker.make_data()
    accelerator = Accelerator(
        cpu=True,
        gradient_accumulation_steps=2,
        dataloader_config=DataLoaderConfiguration(split_batches=True),
    )
    clf = ConvLSTMClassifier(**worker.PARAMS, accelerator=accelerator)
    with pytest.raises(ValueError, match="gradient_accumulation_steps=2"):
        clf.fit(X, y)
