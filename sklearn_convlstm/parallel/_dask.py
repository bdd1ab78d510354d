"""Cross-validation and searches on a dask cluster (one machine or many).

scikit-learn's own parallelism runs on dask through joblib: ``GridSearchCV``,
``RandomizedSearchCV``, ``cross_validate`` and ``cross_val_score`` with
``n_jobs=-1`` inside ``joblib.parallel_backend("dask")`` send each fit to a
dask worker. Optuna searches run as :func:`tune_on_dask`: several
:func:`~sklearn_convlstm.tuning._tune` workers as dask tasks on one study kept
on the scheduler (``optuna_integration.DaskStorage``). :class:`TorchThreads`
is a worker plugin that fixes each worker's torch thread count, so that
workers sharing a machine do not oversubscribe its cores.

Examples
--------
A cluster of 2 worker processes on this machine (the same code runs against
a ``dask_jobqueue.SLURMCluster`` or a Kubernetes cluster)::

    import joblib
    from distributed import Client, LocalCluster
    from sklearn.model_selection import GridSearchCV

    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, \
            Client(cluster) as client:
        client.register_plugin(TorchThreads(1))
        search = GridSearchCV(ConvLSTMClassifier(random_state=0),
                              {"lr": [1e-3, 3e-3]}, n_jobs=-1)
        with joblib.parallel_backend("dask"):
            search.fit(X, y)
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from sklearn_convlstm._optional import import_optional

import_optional("distributed", purpose="sklearn_convlstm.parallel._dask")
from distributed import WorkerPlugin, get_client  # noqa: E402

__all__ = ["TorchThreads", "tune_on_dask"]


class TorchThreads(WorkerPlugin):
    """Dask worker plugin: each worker process runs ``n_threads`` torch threads.

    Register it once per client: ``client.register_plugin(TorchThreads(1))``.
    Dask's nanny already starts workers with ``OMP_NUM_THREADS=1``; this makes
    the torch setting explicit (and lets GPU workers use more CPU threads for
    data handling, if wanted). Give each worker as many dask threads as torch
    threads times the fits it should run at once -- usually one.

    Parameters
    ----------
    n_threads : int, default=1
        ``torch.set_num_threads`` on every worker.

    Examples
    --------
    >>> plugin = TorchThreads(1)
    >>> plugin.n_threads
    1
    """

    name = "sklearn-convlstm-torch-threads"

    def __init__(self, n_threads: int = 1) -> None:
        if (
            not isinstance(n_threads, int)
            or isinstance(n_threads, bool)
            or n_threads < 1
        ):
            raise ValueError(f"n_threads must be a positive int; got {n_threads!r}.")
        self.n_threads = n_threads

    def setup(self, worker: Any) -> None:
        """Set the torch thread count of the worker process.

        Parameters
        ----------
        worker : distributed.Worker
            The worker starting up (dask calls this).
        """
        torch.set_num_threads(self.n_threads)


def _tune_task(
    estimator: Any,
    X: Any,
    y: Any,
    storage: Any,
    study_name: str,
    sampler_seed: int | None,
    torch_threads: int | None,
    tune_kwargs: dict[str, Any],
) -> int:
    """One tuning worker on a dask worker; returns the study's trial count."""
    import optuna

    from sklearn_convlstm.tuning import tune

    with warnings.catch_warnings():
        # "constant_liar is experimental": it keeps parallel workers apart.
        warnings.simplefilter("ignore", category=optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(seed=sampler_seed, constant_liar=True)
    study, _ = tune(
        estimator,
        X,
        y,
        storage=storage,
        study_name=study_name,
        sampler=sampler,
        refit=False,
        torch_threads=torch_threads,
        verbose=0,
        **tune_kwargs,
    )
    return len(study.trials)


def tune_on_dask(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    client: Any = None,
    n_workers: int | None = None,
    n_trials: int = 20,
    storage: Any = None,
    study_name: str | None = None,
    random_state: int | None = None,
    torch_threads: int | None = 1,
    refit: bool = True,
    **tune_kwargs: Any,
) -> Any:
    """Tune on a dask cluster: several ``tune`` workers on one Optuna study.

    ``n_workers`` calls of :func:`~sklearn_convlstm.tuning._tune` run as dask
    tasks. The study lives on the dask scheduler
    (``optuna_integration.DaskStorage``, in memory) unless ``storage`` names a
    database or journal file reachable from every worker. Each task runs
    ``tune`` with the same folds (seeded by ``random_state``) and its own
    sampler seed (``random_state + i``), so the workers do not propose the
    same first trials; together they finish exactly ``n_trials`` trials. The
    best configuration is then refitted here, on all of ``X, y``, as ``tune``
    does.

    Parameters
    ----------
    estimator : estimator
        As for :func:`~sklearn_convlstm.tuning._tune`.
    X : array-like of shape (n_samples, n_channels, n_timesteps), or list
        Training series; scattered to the workers once.
    y : array-like of shape (n_samples,)
        Training labels.
    client : distributed.Client or None, default=None
        ``None``: the current client (``distributed.get_client()``).
    n_workers : int or None, default=None
        Number of tuning tasks; ``None``: one per dask worker thread.
    n_trials : int, default=20
        Finished trials the study should have in total.
    storage : None, str or Optuna storage, default=None
        ``None``: in memory on the scheduler. A URL or journal path is wrapped
        the same way (the scheduler opens it).
    study_name : str or None, default=None
        Name of the study; ``None``: a fresh unique name.
    random_state : int or None, default=None
        Seeds the folds (shared) and the samplers (one per task).
    torch_threads : int or None, default=1
        ``torch.set_num_threads`` inside each task.
    refit : bool, default=True
        Fit the best configuration on all of ``X, y`` in this process.
    **tune_kwargs
        Passed to every ``tune`` call: ``param_space``, ``cv``, ``scoring``,
        ``groups``, ``pruner``, ``pruning``, ``timeout``, ...

    Returns
    -------
    result : TuningResult
        ``(study, best_estimator)``, as from ``tune``; ``best_estimator`` is
        unfitted when ``refit=False``.

    Raises
    ------
    ValueError
        For invalid arguments (and whatever ``tune`` raises).
    """
    import uuid

    from optuna.exceptions import ExperimentalWarning
    from optuna_integration import DaskStorage

    from sklearn_convlstm.tuning import tune

    for name in ("sampler", "verbose"):
        if name in tune_kwargs:
            raise ValueError(
                f"tune_on_dask sets {name!r} itself (one seeded sampler per task, "
                "silent workers); do not pass it."
            )
    client = client if client is not None else get_client()
    if n_workers is None:
        n_workers = sum(client.nthreads().values())
    if not isinstance(n_workers, int) or isinstance(n_workers, bool) or n_workers < 1:
        raise ValueError(
            f"n_workers must be a positive int or None; got {n_workers!r}."
        )
    if not isinstance(storage, DaskStorage):
        with warnings.catch_warnings():
            # "DaskStorage is experimental": the point of this function.
            warnings.simplefilter("ignore", category=ExperimentalWarning)
            storage = DaskStorage(storage, client=client)
    study_name = study_name or f"sklearn-convlstm-{uuid.uuid4().hex}"
    refit_options = {
        name: tune_kwargs.pop(name)
        for name in ("refit_early_stopping", "plots_dir", "callbacks")
        if name in tune_kwargs
    }
    shared = {"n_trials": n_trials, "random_state": random_state, **tune_kwargs}
    with warnings.catch_warnings():
        # DaskStorage warns that it is experimental each time it is unpickled.
        warnings.simplefilter("ignore", category=ExperimentalWarning)
        X_future, y_future = client.scatter([X, y], broadcast=True)
        futures = [
            client.submit(
                _tune_task,
                estimator,
                X_future,
                y_future,
                storage,
                study_name,
                None if random_state is None else random_state + index,
                torch_threads,
                shared,
                pure=False,
            )
            for index in range(n_workers)
        ]
        client.gather(futures)
        # timeout=0: this call starts no trial (the workers ran them, up to
        # n_trials or their timeout); it picks the best configuration and,
        # with refit, fits it here, exactly as tune does.
        return tune(
            estimator,
            X,
            y,
            storage=storage,
            study_name=study_name,
            refit=refit,
            verbose=0,
            **{**shared, "timeout": 0},
            **refit_options,
        )
