"""Cross-validation and searches on a dask LocalCluster: 2 worker processes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")
optuna = pytest.importorskip("optuna")
pytest.importorskip("optuna_integration")

import joblib  # noqa: E402
from conftest import FAST_PARAMS  # noqa: E402
from distributed import Client, LocalCluster, get_task_stream  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)

from sklearn_convlstm import ConvLSTMClassifier  # noqa: E402
from sklearn_convlstm.parallel import TorchThreads, tune_on_dask  # noqa: E402

pytestmark = pytest.mark.distributed

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    """2 worker processes with 1 thread each, closed after this module."""
    python_path = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"PYTHONPATH": python_path, "OMP_NUM_THREADS": "1"},
        ) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(TorchThreads(1))
        client.run(_import_package)  # once, outside the timed tests
        yield client


@pytest.fixture(scope="module")
def data(pattern_data):
    X, y = pattern_data
    return X[:36], y[:36]


def _import_package() -> None:
    import sklearn_convlstm  # noqa: F401


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def test_each_worker_runs_one_torch_thread(client):
    assert sorted(client.run(_torch_threads).values()) == [1, 1]
    assert client.submit(_torch_threads, pure=False).result() == 1


def test_grid_search_on_dask_equals_n_jobs_1(client, data):
    X, y = data
    search = GridSearchCV(
        ConvLSTMClassifier(**FAST_PARAMS),
        {"lr": [1e-3, 1e-2]},
        cv=3,
        refit=False,
    )
    with joblib.parallel_backend("dask"), get_task_stream(client) as tasks:
        on_dask = clone(search).set_params(n_jobs=-1).fit(X, y)
    here = clone(search).set_params(n_jobs=1).fit(X, y)
    for key in ("split0_test_score", "split1_test_score", "split2_test_score"):
        np.testing.assert_array_equal(on_dask.cv_results_[key], here.cv_results_[key])
    assert on_dask.best_params_ == here.best_params_
    # the 6 fits ran on both worker processes, not here
    workers = {task["worker"] for task in tasks.data}
    assert workers == set(client.scheduler_info()["workers"])


def test_cross_validate_on_dask_equals_n_jobs_1(client, data):
    X, y = data
    estimator = ConvLSTMClassifier(**FAST_PARAMS)
    with joblib.parallel_backend("dask"), get_task_stream(client) as tasks:
        on_dask = cross_validate(estimator, X, y, cv=3, n_jobs=-1)
    assert len(tasks.data) >= 1  # ran on the cluster
    here = cross_validate(estimator, X, y, cv=3, n_jobs=1)
    np.testing.assert_array_equal(on_dask["test_score"], here["test_score"])
    assert on_dask["test_score"].shape == (3,)


def test_tune_on_dask_shares_one_study(client, data):
    X, y = data
    estimator = ConvLSTMClassifier(**FAST_PARAMS)
    space = {"lr": optuna.distributions.FloatDistribution(1e-3, 3e-2, log=True)}
    study, best = tune_on_dask(
        estimator,
        X,
        y,
        client=client,
        n_workers=2,
        n_trials=4,
        param_space=space,
        cv=2,
        pruner=None,
        random_state=0,
    )
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    assert len(study.trials) == len(complete) == 4
    # each trial's score is what n_jobs=1 cross-validation of its parameters
    # gives on the same folds
    folds = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    for trial in complete:
        expected = cross_val_score(
            clone(estimator).set_params(**trial.params), X, y, cv=folds
        ).mean()
        assert trial.value == pytest.approx(expected, abs=1e-12)
    # the best configuration was refitted here, on all of X
    assert best.lr == study.best_params["lr"]
    assert best.predict(X).shape == (36,)


def test_tune_on_dask_rejects_its_own_arguments(client, data):
    X, y = data
    with pytest.raises(ValueError, match="tune_on_dask sets 'sampler' itself"):
        tune_on_dask(ConvLSTMClassifier(**FAST_PARAMS), X, y, client=client, sampler=1)
    with pytest.raises(
        ValueError, match="n_workers must be a positive int or None; got 0"
    ):
        tune_on_dask(
            ConvLSTMClassifier(**FAST_PARAMS), X, y, client=client, n_workers=0
        )


def test_torch_threads_rejects_non_positive_counts():
    with pytest.raises(ValueError, match="n_threads must be a positive int; got 0"):
        TorchThreads(0)
