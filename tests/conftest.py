"""Shared fixtures: a fixed seed, tiny real data and one dict of fast parameters."""

from __future__ import annotations

import numpy as np
import pytest
import torch

#: matplotlib's Agg backend under another name: plotting code that switches
#: to "Agg" would switch away from it (and close the caller's figures).
AGG_ELSEWHERE = "module://matplotlib.backends.backend_agg"
#: Parameters that make ConvLSTMClassifier train in well under a second.
FAST_PARAMS = {
    "conv_channels": (4,),
    "kernel_sizes": 3,
    "lstm_hidden_size": 8,
    "max_epochs": 2,
    "batch_size": 16,
    "random_state": 0,
}

# One thread per test process: the suite is many tiny fits, where threading
# costs more than it saves, and pytest-xdist workers must not oversubscribe.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    np.random.seed(0)  # noqa: NPY002 (scikit-learn helpers use the global state)
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def pattern_data() -> tuple[np.ndarray, np.ndarray]:
    """Two classes told apart by a local spike: (60, 2, 32) float64 and int labels."""
    rng = np.random.RandomState(0)
    n_samples, n_channels, n_timesteps = 60, 2, 32
    X = rng.normal(scale=0.3, size=(n_samples, n_channels, n_timesteps))
    y = np.arange(n_samples) % 2
    positions = rng.randint(4, n_timesteps - 4, size=n_samples)
    X[y == 1, 0, positions[y == 1]] += 3.0
    return X, y


#: scikit-learn checks that train a model to an accuracy threshold, several
#: times each (readonly-memmap and float32 variants): about a minute of the
#: quick tier on 2 cores for the networks, 5 s for sktime's MiniRocket. They
#: run in CI with everything marked slow.
SLOW_ESTIMATOR_CHECKS = ("check_classifiers_train", "check_regressors_train")
SLOW_CHECKED_ESTIMATORS = (
    "ConvLSTMClassifier(",
    "ConvLSTMRegressor(",
    "TunedConvLSTM(",
    "MiniRocketRidge(",
    "MiniRocketRidgeRegressor(",
)


# tryfirst: before ``-m`` deselects by marker and pytest-xdist reads the groups
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Mark the network-training estimator checks slow; group multi-process tests.

    The model-training scikit-learn checks (:data:`SLOW_ESTIMATOR_CHECKS` of
    the ConvLSTM and MiniRocket estimators) get the ``slow`` marker, so the
    quick tier leaves them out.

    Under ``pytest -n 2 --dist loadgroup``, keep multi-process tests on one worker.

    Tests marked ``distributed`` (several torch.distributed or dask processes)
    or ``postgres`` (worker processes sharing one PostgreSQL server) then run
    one after another on the same xdist worker, never two at once on 2 cores,
    where their launch and heartbeat timeouts could expire. Without xdist this
    does nothing.
    """
    for item in items:
        name = item.nodeid.rsplit("[", 1)[-1]
        if name.startswith(SLOW_CHECKED_ESTIMATORS) and any(
            f"-{check}" in name for check in SLOW_ESTIMATOR_CHECKS
        ):
            item.add_marker(pytest.mark.slow)
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("distributed") or item.get_closest_marker(
            "postgres"
        ):
            item.add_marker(pytest.mark.xdist_group("processes"))
