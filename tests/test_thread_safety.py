"""Threads: one fitted model shared by many, and fits of clones side by side.

What ``docs/user_guide/thread_safety.md`` promises: ``predict_proba``,
``predict``, ``score`` and ``explain`` on one fitted model from 8 threads at
once give what they give one call at a time, and a fit gives the same
network for the same ``random_state`` whether other fits run beside it in
other threads or not.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS
from sklearn.base import clone

from sklearn_convlstm import ConvLSTMClassifier, ConvLSTMRegressor
from sklearn_convlstm.inspection import explain

N_THREADS = 8


@contextmanager
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every 10 us (default 5 ms) so that calls interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def run_together(tasks: list[Callable[[], Any]]) -> list[Any]:
    """Run each task in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(tasks))

    def start(task: Callable[[], Any]) -> Any:
        barrier.wait()
        return task()

    with frequent_thread_switches(), ThreadPoolExecutor(len(tasks)) as pool:
        return list(pool.map(start, tasks))


def _calls(estimator: Any, X: np.ndarray, y: np.ndarray) -> dict[str, Callable]:
    calls: dict[str, Callable] = {
        "predict": lambda: estimator.predict(X),
        "score": lambda: estimator.score(X, y),
        "explain": lambda: explain(estimator, X[:6], n_steps=8),
    }
    if hasattr(estimator, "predict_proba"):
        calls["predict_proba"] = lambda: estimator.predict_proba(X)
    return calls


@pytest.mark.parametrize("estimator_class", [ConvLSTMClassifier, ConvLSTMRegressor])
def test_one_fitted_model_serves_8_threads_at_once(pattern_data, estimator_class):
    X, y = pattern_data
    target = y if estimator_class is ConvLSTMClassifier else X[:, 0, :4].sum(axis=1)
    estimator = estimator_class(**FAST_PARAMS).fit(X, target)
    calls = _calls(estimator, X, target)
    alone = {name: call() for name, call in calls.items()}
    names = list(calls)
    # Every thread makes every call, each thread in another order, 3 times.
    orders = [names[i % len(names) :] + names[: i % len(names)] for i in range(8)]

    def thread(order: list[str]) -> list[tuple[str, Any]]:
        return [(name, calls[name]()) for _ in range(3) for name in order]

    results = run_together([lambda o=order: thread(o) for order in orders])
    for name, value in (pair for result in results for pair in result):
        if name == "score":
            assert value == alone[name]
        else:
            np.testing.assert_array_equal(value, alone[name], err_msg=name)


#: Fits that draw random numbers in every training step: dropout, training
#: augmentation, shuffling; with an early-stopping split and unequal lengths.
FIT_VARIANTS = [
    {"recurrent_dropout": 0.3, "random_state": 0},
    {"recurrent_dropout": 0.3, "random_state": 0},
    {"recurrent_dropout": 0.3, "random_state": 1},
    {"augmentation": True, "conv_dropout": 0.2, "random_state": 0},
    {"early_stopping": True, "patience": 2, "random_state": 2},
]


def test_clones_fitted_in_threads_match_fits_one_at_a_time(pattern_data):
    """Before: probabilities differed by up to 0.02 (one global generator)."""
    X, y = pattern_data
    X_unequal = [x[:, : 24 + i % 9] for i, x in enumerate(X)]
    estimators = [
        ConvLSTMClassifier(**{**FAST_PARAMS, "max_epochs": 3, **params})
        for params in FIT_VARIANTS
    ]
    data = [X, X, X, X, X_unequal]
    alone = [
        clone(estimator).fit(Xi, y).predict_proba(Xi)
        for estimator, Xi in zip(estimators, data, strict=True)
    ]
    np.testing.assert_array_equal(alone[0], alone[1])
    assert not np.array_equal(alone[0], alone[2])  # another seed, another net
    for _ in range(2):
        together = run_together(
            [
                lambda e=estimator, Xi=Xi: clone(e).fit(Xi, y).predict_proba(Xi)
                for estimator, Xi in zip(estimators, data, strict=True)
            ]
        )
        for got, expected in zip(together, alone, strict=True):
            np.testing.assert_array_equal(got, expected)


def test_a_fit_leaves_torchs_global_generator_as_it_was(pattern_data):
    X, y = pattern_data
    torch.manual_seed(123)
    state = torch.get_rng_state()
    ConvLSTMClassifier(**{**FAST_PARAMS, "recurrent_dropout": 0.3}).fit(X, y)
    assert torch.equal(torch.get_rng_state(), state)


def test_a_fit_gives_the_same_network_while_another_thread_predicts(pattern_data):
    """Prediction draws no random numbers: it cannot disturb a fit beside it."""
    X, y = pattern_data
    served = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    params = {**FAST_PARAMS, "recurrent_dropout": 0.3, "random_state": 5}
    expected = ConvLSTMClassifier(**params).fit(X, y).predict_proba(X)
    stop = threading.Event()

    def predict_in_a_loop() -> None:
        while not stop.is_set():
            served.predict_proba(X[:7])

    worker = threading.Thread(target=predict_in_a_loop)
    with frequent_thread_switches():
        worker.start()
        try:
            got = ConvLSTMClassifier(**params).fit(X, y).predict_proba(X)
        finally:
            stop.set()
            worker.join()
    np.testing.assert_array_equal(got, expected)
