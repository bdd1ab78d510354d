"""Distributed tuning against a real PostgreSQL server.

``.ci/run`` starts the server (``source .ci/start_postgres.sh``) and exports
its URL as ``SKLEARN_CONVLSTM_TEST_POSTGRES_URL``. Without it these tests skip
locally, but fail in CI (``CI`` set): there they must run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from sklearn_convlstm.baselines import make_feature_baseline
from sklearn_convlstm.datasets import load_dataset

optuna = pytest.importorskip("optuna")

from sklearn_convlstm import tuning  # noqa: E402

pytestmark = pytest.mark.postgres

URL_VARIABLE = "SKLEARN_CONVLSTM_TEST_POSTGRES_URL"


@pytest.fixture(scope="module")
def postgres_url() -> str:
    url = os.environ.get(URL_VARIABLE)
    if url:
        return url
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(
            f"{URL_VARIABLE} is not set, but CI is: the PostgreSQL tests must run "
            "in CI. .ci/run must `source .ci/start_postgres.sh` before pytest."
        )
    pytest.skip(f"no PostgreSQL server: set {URL_VARIABLE} (see .ci/start_postgres.sh)")


@pytest.fixture
def study_name(request, postgres_url):
    """A unique study name, deleted from the database after the test."""
    name = f"{request.node.name}-{uuid.uuid4().hex[:8]}"
    yield name
    try:
        optuna.delete_study(study_name=name, storage=postgres_url)
    except KeyError:
        pass


def worker(url: str, study_name: str, *arguments: str) -> subprocess.Popen:
    """Start ``python -m sklearn_convlstm tune`` against the database."""
    command = [
        sys.executable,
        "-m",
        "sklearn_convlstm",
        "tune",
        "--storage",
        url,
        "--study-name",
        study_name,
        "--heartbeat-interval",
        "1",
        "--grace-period",
        "2",
        "--threads",
        "1",
        *arguments,
    ]
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )


def finish(process: subprocess.Popen, timeout: float = 120) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


def test_two_workers_finish_exactly_the_requested_trials(postgres_url, study_name):
    arguments = (
        "--dataset",
        "ItalyPowerDemand",
        "--estimator",
        "stats-forest",
        "--n-trials",
        "6",
        "--cv",
        "2",
    )
    workers = [
        worker(postgres_url, study_name, *arguments, "--sampler-seed", str(seed))
        for seed in (1, 2)
    ]
    outputs = [finish(process) for process in workers]

    study = tuning.load_study(study_name, postgres_url)
    numbers = [trial.number for trial in study.trials]
    assert len(numbers) == len(set(numbers)) == len(study.trials)
    assert sorted(numbers) == list(range(len(numbers)))
    finished = [t for t in study.trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(finished) == 6
    # A trial started in the same instant as the last one may be refused, and
    # is then marked failed as "not needed"; no other trial failed.
    for trial in study.trials:
        if trial.state.name == "FAIL":
            assert trial.user_attrs.get("not_needed") is True
        else:
            assert trial.state.name in ("COMPLETE", "PRUNED")
    reported = sum(output.count(" COMPLETE score=") for output in outputs)
    assert reported == sum(t.state.name == "COMPLETE" for t in finished)


def _wait_for_a_training_trial(url: str, study_name: str, process, timeout=60.0):
    """Wait until a trial is running and has reported an epoch; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            study = optuna.load_study(study_name=study_name, storage=url)
        except KeyError:  # the worker has not created the study yet
            time.sleep(0.2)
            continue
        for trial in study.trials:
            if trial.state.name == "RUNNING" and trial.intermediate_values:
                return trial
        time.sleep(0.1)
    raise AssertionError(f"no trial of {study_name} started training in {timeout}s")


def test_a_killed_worker_s_trial_is_failed_and_retried(postgres_url, study_name):
    common = ("--dataset", "GunPoint", "--n-trials", "2", "--cv", "2")
    # The first worker trains long enough to be killed in the middle of a
    # trial (max_epochs is fixed, so it is no Optuna parameter and the second
    # worker may train its retry with fewer epochs).
    slow = worker(
        postgres_url,
        study_name,
        *common,
        "--sampler-seed",
        "1",
        "--min-epochs",
        "400",
        "--max-epochs",
        "400",
    )
    try:
        killed = _wait_for_a_training_trial(postgres_url, study_name, slow)
        os.kill(slow.pid, signal.SIGKILL)
    finally:
        slow.communicate(timeout=30)
    assert slow.returncode == -signal.SIGKILL

    # The next worker waits out the grace period, marks the trial failed,
    # retries it with the same parameters and completes the study.
    output = finish(
        worker(
            postgres_url,
            study_name,
            *common,
            "--sampler-seed",
            "2",
            "--min-epochs",
            "2",
            "--max-epochs",
            "2",
        )
    )
    study = tuning.load_study(study_name, postgres_url)
    states = {trial.number: trial.state.name for trial in study.trials}
    assert states[killed.number] == "FAIL"
    retries = [
        trial
        for trial in study.trials
        if trial.system_attrs.get("failed_trial") == killed.number
    ]
    assert len(retries) == 1
    assert retries[0].state.name == "COMPLETE"
    assert retries[0].params == killed.params
    finished = [t for t in study.trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(finished) == 2
    assert f"[trial {retries[0].number}] COMPLETE" in output


def test_best_params_reload_in_a_fresh_process(postgres_url, study_name):
    X, y = load_dataset("ItalyPowerDemand", split="train")
    baseline = make_feature_baseline(random_state=0, n_jobs=1)
    study, best = tuning.tune(
        baseline,
        X,
        y,
        cv=2,
        n_trials=3,
        storage=postgres_url,
        study_name=study_name,
        random_state=0,
        verbose=0,
    )
    code = textwrap.dedent(
        f"""
        import json
        from sklearn_convlstm.baselines import make_feature_baseline
        from sklearn_convlstm.tuning import load_study, params_from_trial
        study = load_study({study_name!r}, {postgres_url!r})
        params = params_from_trial(study.best_params, make_feature_baseline())
        print(json.dumps({{"best_params": study.best_params,
                          "best_value": study.best_value,
                          "estimator_params": params}}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    reloaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert reloaded["best_params"] == study.best_params
    assert reloaded["best_value"] == study.best_value
    for name, value in reloaded["estimator_params"].items():
        assert best.get_params()[name] == value
