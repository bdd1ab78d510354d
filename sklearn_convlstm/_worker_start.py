"""Start worker processes' imports early, while the command imports its own.

A worker process of ``compare --n-jobs N`` spends its first seconds importing
PyTorch, scikit-learn, skorch, Optuna and the package, on a core that has
nothing else to do while the command itself imports the same. Where the
platform has the ``forkserver`` start method, :func:`warm_worker_processes`
starts the fork server at once with those modules preloaded; the worker
pool then forks its workers from it, ready to run.

This module imports nothing heavy: the command line calls it before it
loads the rest of the package.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os

__all__ = ["WORKER_MODULES", "warm_worker_processes", "worker_context"]

#: What a comparison worker needs before its first piece (``torch._dynamo``:
#: torch imports it when the first optimizer is built).
WORKER_MODULES = ("sklearn_convlstm.compare._parallel", "torch._dynamo")

_warmed = False


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def warm_worker_processes() -> bool:
    """Start the fork server with :data:`WORKER_MODULES` imported.

    Does nothing on a platform without ``forkserver`` (Windows) or on a
    single core, where the imports would only slow the command down.

    Returns
    -------
    started : bool
        Whether the fork server runs (:func:`worker_context` then uses it).
    """
    global _warmed
    if _cores() < 2 or "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    multiprocessing.get_context("forkserver").set_forkserver_preload(
        list(WORKER_MODULES)
    )
    multiprocessing.forkserver.ensure_running()
    _warmed = True
    return True


def worker_context() -> multiprocessing.context.BaseContext:
    """Return how to start worker processes.

    ``forkserver`` after :func:`warm_worker_processes` (workers start with the
    modules imported), else ``spawn``: a fresh interpreter, which copies no
    thread or lock of this process.

    Returns
    -------
    context : multiprocessing context
    """
    return multiprocessing.get_context("forkserver" if _warmed else "spawn")
