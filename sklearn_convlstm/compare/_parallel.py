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
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sklearn_convlstm._worker_start import worker_context
from sklearn_convlstm.compare._arms import (
    accept_trials,
    combine_fold_trials,
    finish_tuned_study,
    fit_and_score,
    fit_tuned_from_trials,
    independent_trials,
    predict_and_score,
    random_trials,
    refit_is,
    run_tuning_trial,
    tuning_folds,
)
from sklearn_convlstm.compare._methods import METHODS, MethodOptions, make_estimator

#: What a worker process holds: the split, the options and its torch threads.
_WORKER: dict[str, Any] = {}


def _start_worker(
    data: tuple[Any, Any, Any, Any], options: MethodOptions, threads: int
) -> None:
    """Keep the data and the settings in a new worker process."""
    _WORKER.update(data=data, options=options, threads=threads)


#: The arm whose fitted model can be a tuned arm's refit (same seed).
_DEFAULT_ARM = "convlstm-default"


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
    kind : {"arm", "trial", "finish", "refit"}
        ``"arm"``: fit the method, predict and score the test split (with
        ``payload="keep"``, also return the fitted ``estimator``).
        ``"trial"``: run a tuning trial of ``convlstm-tuned`` apart:
        ``payload = (number, fold, prior)``, as
        :func:`~sklearn_convlstm.compare._arms.run_tuning_trial` takes them.
        ``"finish"``: run the trials that follow the trials ``payload[0]``
        (or, when one of those is ``None``, fit the arm whole, predict and
        score); with ``payload[1]``, say whether ``convlstm-default`` of
        the same seed is the refit of the best trial.
        ``"refit"``: refit the best of all trials ``payload``, predict and
        score.
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
    payload : object
        What ``kind`` needs, as above.

    Returns
    -------
    result : dict
        ``started`` and ``ended`` (``time.time()``), and the row of
        :func:`~sklearn_convlstm.compare._arms.fit_and_score` (``"arm"``,
        ``"refit"``, a whole ``"finish"``) or ``fit_seconds`` and ``trial``
        (``"trial"``) or ``all_trials`` and ``refit_is_default``
        (``"finish"``).
    """
    import torch

    from sklearn_convlstm._threads import torch_threads

    X_train, y_train, X_test, y_test = data
    started = time.time()
    estimator = make_estimator(method, seed, options)
    torch.set_num_threads(threads)
    result: dict[str, Any]
    with torch_threads(threads):
        start = time.perf_counter()
        if kind == "trial":
            number, fold, prior = payload
            trial = run_tuning_trial(estimator, X_train, y_train, number, fold, prior)
            result = {"trial": trial, "fit_seconds": time.perf_counter() - start}
        elif kind == "finish" and all(trial is not None for trial in payload[0]):
            trials = finish_tuned_study(estimator, X_train, y_train, payload[0])
            default = (
                make_estimator(_DEFAULT_ARM, seed, options) if payload[1] else None
            )
            result = {
                "all_trials": trials,
                "refit_is_default": default is not None
                and refit_is(estimator, X_train, trials, default),
                "fit_seconds": time.perf_counter() - start,
            }
        elif kind == "refit":
            fit_tuned_from_trials(estimator, X_train, y_train, payload)
            result = predict_and_score(
                estimator, X_test, y_test, options.task, time.perf_counter() - start
            )
        else:
            result = fit_and_score(
                estimator, X_train, y_train, X_test, y_test, options.task
            )
            if payload == "keep":
                result["estimator"] = estimator
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


@dataclass
class _SplitArm:
    """How a tuned arm is split: its first trials, their folds, its refit."""

    n_trials: int  # independent trials
    n_random: int  # trials drawn at random (run apart on the independent ones)
    n_folds: int  # 0: each trial is one piece
    keep_default: bool  # convlstm-default (same seed) may be its refit
    pieces: dict[int, dict[int, dict[str, Any]]]  # trial -> fold -> result
    trials: dict[int, dict[str, Any]]  # trial -> combined result
    spent: float = 0.0  # fit seconds of pieces not in ``trials``


def plan_tasks(
    arms: Sequence[tuple[str, int]], options: MethodOptions
) -> tuple[list[_Task], dict[tuple[str, int], _SplitArm]]:
    """Tasks of the arms, slowest first; how the tuned arms are split.

    Returns the tasks ready to start (the other arms by decreasing
    ``Method.cost``, then the independent trials of each tuned arm, fold by
    fold where the folds can run apart) and, for each split arm, its
    :class:`_SplitArm`. ``convlstm-default`` comes first and keeps its
    fitted model when a split tuned arm of the same seed may refit it.
    """
    pieces: list[_Task] = []
    whole: list[_Task] = []
    split: dict[tuple[str, int], _SplitArm] = {}
    for method, seed in arms:
        estimator = make_estimator(method, seed, options)
        count = independent_trials(estimator)
        if not count:
            whole.append(_Task("arm", method, seed))
            continue
        folds = tuning_folds(estimator)
        keep = (_DEFAULT_ARM, seed) in arms and estimator.n_ensemble == 1
        split[(method, seed)] = _SplitArm(
            count, random_trials(estimator), folds, keep, {}, {}
        )
        pieces += [
            _Task("trial", method, seed, (number, fold, ()))
            for number in range(count)
            for fold in (range(folds) if folds else [None])
        ]
    for task in whole:
        if task.method == _DEFAULT_ARM and ("convlstm-tuned", task.seed) in split:
            task.payload = (
                "keep" if split[("convlstm-tuned", task.seed)].keep_default else None
            )
    whole.sort(key=lambda task: (task.payload != "keep", -METHODS[task.method].cost))
    return whole + pieces, split


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
    kept: dict[int, dict[str, Any]] = {}  # seed -> convlstm-default's result
    waiting: dict[tuple[str, int], dict[str, Any]] = {}  # finished, no refit yet
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=n_jobs - 1,
        mp_context=worker_context(),
        initializer=_start_worker,
        initargs=(data, options, threads),
    )
    running: dict[concurrent.futures.Future, tuple[_Task, bool]] = {}

    def report(arm: tuple[str, int], result: dict[str, Any]) -> None:
        if arm in split:  # a tuned arm fitted in pieces: they are part of it
            arm_split = split.pop(arm)
            pieces = list(arm_split.trials.values())
            result["started"] = min(p["started"] for p in pieces)
            result["fit_seconds"] += arm_split.spent + sum(
                p["fit_seconds"] for p in pieces
            )
        on_done(arm[0], arm[1], result)

    def refit_from_default(arm: tuple[str, int]) -> None:
        finish, default = waiting.pop(arm), kept[arm[1]]
        estimator = make_estimator(arm[0], arm[1], options)
        fit_tuned_from_trials(
            estimator,
            data[0],
            data[1],
            finish["all_trials"],
            refitted=default["estimator"],
        )
        result = predict_and_score(
            estimator,
            data[2],
            data[3],
            options.task,
            finish["fit_seconds"] + default["fit_seconds"],
        )
        result["started"] = finish["started"]
        result["ended"] = time.time()
        report(arm, result)

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
                if task.kind == "trial":
                    _record_piece(split[arm], task, result, ready, options)
                    continue
                if task.kind == "finish" and "all_trials" in result:
                    if result["refit_is_default"]:
                        waiting[arm] = result
                    else:
                        split[arm].spent += result["fit_seconds"]
                        ready.insert(
                            0,
                            _Task("refit", *arm, payload=result["all_trials"]),
                        )
                elif task.kind == "arm" and task.payload == "keep":
                    kept[task.seed] = result
                    on_done(*arm, {k: v for k, v in result.items() if k != "estimator"})
                else:
                    report(arm, result)
                for tuned in [a for a in waiting if a[1] in kept]:
                    refit_from_default(tuned)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    _stop_idle_workers(pool)
    pool.shutdown(wait=True)


def _stop_idle_workers(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """End spawned worker processes once every piece's result is in.

    A spawned worker that exits on its own finalizes torch, numba and the
    rest of its interpreter first (a second or more), which the command
    would wait for; with every result received it holds nothing to keep.
    Workers forked from the fork server exit at once without finalizing, so
    they are left to end normally. Python 3.14 has ``terminate_workers``;
    before, the executor's process table.
    """
    if worker_context().get_start_method() != "spawn":
        return
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:  # pragma: no cover - Python >= 3.14
        terminate()
        return
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()


def _record_piece(
    arm_split: _SplitArm,
    task: _Task,
    result: dict[str, Any],
    ready: list[_Task],
    options: MethodOptions,
) -> None:
    """Keep a trial or fold of a split arm; queue what follows when all are in.

    After the independent trials come the random ones, run apart on them,
    then the ``"finish"`` task with the trials the whole study would hold.
    """
    number, fold, _ = task.payload
    if fold is not None:
        folds = arm_split.pieces.setdefault(number, {})
        folds[fold] = result
        if len(folds) < arm_split.n_folds:
            return
        ordered = [folds[f] for f in range(arm_split.n_folds)]
        estimator = make_estimator(task.method, task.seed, options)
        result = {
            "trial": combine_fold_trials(estimator, [p["trial"] for p in ordered]),
            "fit_seconds": sum(p["fit_seconds"] for p in ordered),
            "started": min(p["started"] for p in ordered),
            "ended": max(p["ended"] for p in ordered),
        }
    arm_split.trials[number] = result
    independent = range(arm_split.n_trials)
    if any(n not in arm_split.trials for n in independent):
        return
    first = [arm_split.trials[n]["trial"] for n in independent]
    following = range(arm_split.n_trials, arm_split.n_random)
    if number in independent:
        if all(first) and following:
            ready[:0] = [
                _Task("trial", task.method, task.seed, (n, None, tuple(first)))
                for n in following
            ]
            return
        trials = first  # with a failed trial the last piece fits the arm whole
    else:
        if any(n not in arm_split.trials for n in following):
            return
        trials = accept_trials(first, [arm_split.trials[n]["trial"] for n in following])
        for n in following[len(trials) - arm_split.n_trials :]:
            # judged without a trial that completed before it: run again in order
            arm_split.spent += arm_split.trials.pop(n)["fit_seconds"]
    # The arm's last piece waits for nothing else: start it next.
    payload = (trials, arm_split.keep_default)
    ready.insert(0, _Task("finish", task.method, task.seed, payload))


def count_tasks(arms: Sequence[tuple[str, int]], options: MethodOptions) -> int:
    """Return how many tasks :func:`run_arms_in_processes` runs for ``arms``."""
    tasks, split = plan_tasks(arms, options)
    return len(tasks) + len(split)
