"""Run the arms of a comparison in worker processes, one torch thread each.

Every arm (a method and a seed) is a task; ``convlstm-tuned`` is split into
its first trials, which do not depend on one another
(:func:`~sklearn_convlstm.compare._arms.independent_trials`), and a last
task that runs the other trials and the refit once they are done. Each task
builds its estimator from the method's seed, so the scores are those of a
run in one process; only the order in which the pieces run changes.

The calling process is the first worker (its pieces run in a thread); the
others are processes started with the ``spawn`` method (a fresh
interpreter: no thread pool or lock of the parent is copied), which get the
data once, when they start. So, as with any ``spawn`` pool, a script that
asks for several jobs must start them under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sklearn_convlstm.compare._arms import (
    fit_and_score,
    fit_tuned_from_trials,
    independent_trials,
    predict_and_score,
    run_tuning_trial,
)
from sklearn_convlstm.compare._methods import METHODS, MethodOptions, make_estimator

#: What a worker process holds: the split, the options and its torch threads.
_WORKER: dict[str, Any] = {}


def _start_worker(
    data: tuple[Any, Any, Any, Any], options: MethodOptions, threads: int
) -> None:
    """Keep the data and the settings in a new worker process."""
    _WORKER.update(data=data, options=options, threads=threads)


def run_task(
    kind: str,
    method: str,
    seed: int,
    data: tuple[Any, Any, Any, Any],
    options: MethodOptions,
    threads: int,
    payload: Any = None,
) -> dict[str, Any]:
    """Run one piece of an arm in this process.

    Parameters
    ----------
    kind : {"arm", "trial", "finish"}
        ``"arm"``: fit the method, predict and score the test split.
        ``"trial"``: run tuning trial ``payload`` of ``convlstm-tuned``.
        ``"finish"``: finish ``convlstm-tuned`` from the trials in
        ``payload`` (or fit it whole when one of them is ``None``), predict
        and score.
    method : str
        Key of :data:`METHODS`.
    seed : int
        The arm's seed.
    data : tuple
        ``(X_train, y_train, X_test, y_test)``.
    options : MethodOptions
    threads : int
        ``torch.set_num_threads`` right before the fit (numba's threading
        layer, used by MiniRocket, resets torch's count in a process).
    payload : int or sequence of FrozenTrial or None
        The trial number, or the trials to finish from.

    Returns
    -------
    result : dict
        ``started`` and ``ended`` (``time.time()``), and the row of
        :func:`~sklearn_convlstm.compare._arms.fit_and_score` (``"arm"``,
        ``"finish"``) or ``trial`` and ``fit_seconds`` (``"trial"``).
    """
    import torch

    from sklearn_convlstm._threads import torch_threads

    X_train, y_train, X_test, y_test = data
    started = time.time()
    estimator = make_estimator(method, seed, options)
    torch.set_num_threads(threads)
    with torch_threads(threads):
        if kind == "trial":
            start = time.perf_counter()
            trial = run_tuning_trial(estimator, X_train, y_train, int(payload))
            result: dict[str, Any] = {
                "trial": trial,
                "fit_seconds": time.perf_counter() - start,
            }
        elif kind == "finish" and all(trial is not None for trial in payload):
            start = time.perf_counter()
            fit_tuned_from_trials(estimator, X_train, y_train, payload)
            fit_seconds = time.perf_counter() - start
            result = predict_and_score(
                estimator, X_test, y_test, options.task, fit_seconds
            )
        else:
            result = fit_and_score(
                estimator, X_train, y_train, X_test, y_test, options.task
            )
    return {**result, "started": started, "ended": time.time()}


def _run_in_worker(
    kind: str, method: str, seed: int, payload: Any = None
) -> dict[str, Any]:
    return run_task(
        kind,
        method,
        seed,
        _WORKER["data"],
        _WORKER["options"],
        _WORKER["threads"],
        payload,
    )


@dataclass
class _Task:
    kind: str
    method: str
    seed: int
    payload: Any = None


def plan_tasks(
    arms: Sequence[tuple[str, int]], options: MethodOptions
) -> tuple[list[_Task], dict[tuple[str, int], int]]:
    """Tasks of the arms, slowest first; the tuned arms' trial counts.

    Returns the tasks ready to start (the independent trials of each tuned
    arm, then the other arms by decreasing ``Method.cost``) and, for
    each split arm, its number of trials to wait for before its last task.
    """
    trials: list[_Task] = []
    whole: list[_Task] = []
    split: dict[tuple[str, int], int] = {}
    for method, seed in arms:
        count = independent_trials(make_estimator(method, seed, options))
        if count:
            split[(method, seed)] = count
            trials += [_Task("trial", method, seed, number) for number in range(count)]
        else:
            whole.append(_Task("arm", method, seed))
    whole.sort(key=lambda task: -METHODS[task.method].cost)
    return trials + whole, split


def _submit_here(
    task: _Task,
    data: tuple[Any, Any, Any, Any],
    options: MethodOptions,
    threads: int,
) -> concurrent.futures.Future:
    """Run ``task`` in a daemon thread of this process (the first worker)."""
    future: concurrent.futures.Future = concurrent.futures.Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = run_task(
                task.kind,
                task.method,
                task.seed,
                data,
                options,
                threads,
                task.payload,
            )
        except BaseException as error:  # handed to the caller, as a pool does
            future.set_exception(error)
        else:
            future.set_result(result)

    threading.Thread(target=work, name="compare-arm", daemon=True).start()
    return future


def run_arms_in_processes(
    arms: Sequence[tuple[str, int]],
    data: tuple[Any, Any, Any, Any],
    options: MethodOptions,
    *,
    n_jobs: int,
    threads: int,
    on_done: Callable[[str, int, dict[str, Any]], None],
) -> None:
    """Run the arms ``n_jobs`` at a time; report each finished arm.

    This process is the first worker (one piece at a time, in a thread,
    while this thread hands out the pieces); ``n_jobs - 1`` worker processes
    are the others. A piece goes to whichever worker is free, the slowest
    first, and the last piece of a split tuned arm as soon as its trials
    are done.

    Parameters
    ----------
    arms : sequence of (str, int)
        ``(method, seed)`` pairs.
    data : tuple
        ``(X_train, y_train, X_test, y_test)``.
    options : MethodOptions
    n_jobs : int
        Pieces run at once (at least 2).
    threads : int
        Torch threads of each worker.
    on_done : callable
        ``on_done(method, seed, row)`` in this thread when an arm is scored;
        ``row`` also has ``started`` and ``ended`` (``time.time()`` of its
        first piece's start and its last piece's end).

    Raises
    ------
    Exception
        The first error of a piece, as the piece raised it; pieces not yet
        started are cancelled.
    """
    ready, split = plan_tasks(arms, options)
    trials: dict[tuple[str, int], dict[int, dict[str, Any]]] = {
        arm: {} for arm in split
    }
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=n_jobs - 1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(data, options, threads),
    )
    running: dict[concurrent.futures.Future, tuple[_Task, bool]] = {}
    try:
        while ready or running:
            here = sum(1 for _, is_here in running.values() if is_here)
            while ready and len(running) < n_jobs:
                task = ready.pop(0)
                if here:
                    future = pool.submit(
                        _run_in_worker, task.kind, task.method, task.seed, task.payload
                    )
                else:
                    future = _submit_here(task, data, options, threads)
                running[future] = (task, not here)
                here = 1
            done, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                task, _ = running.pop(future)
                result = future.result()
                arm = (task.method, task.seed)
                if task.kind != "trial":
                    if task.kind == "finish":
                        pieces = list(trials.pop(arm).values())
                        result["started"] = min(p["started"] for p in pieces)
                        if all(p["trial"] is not None for p in pieces):
                            # Fitted from the trials: they are part of its fit.
                            result["fit_seconds"] += sum(
                                p["fit_seconds"] for p in pieces
                            )
                    on_done(task.method, task.seed, result)
                    continue
                trials[arm][int(task.payload)] = result
                if len(trials[arm]) == split[arm]:
                    # The arm's last piece waits for nothing else: start it next.
                    payload = [trials[arm][n]["trial"] for n in range(split[arm])]
                    ready.insert(0, _Task("finish", task.method, task.seed, payload))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def count_tasks(arms: Sequence[tuple[str, int]], options: MethodOptions) -> int:
    """Return how many tasks :func:`run_arms_in_processes` runs for ``arms``."""
    tasks, split = plan_tasks(arms, options)
    return len(tasks) + len(split)
