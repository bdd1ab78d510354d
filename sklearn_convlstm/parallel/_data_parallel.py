"""Data-parallel training across processes and GPUs through Hugging Face Accelerate.

An existing engine does the work (Accelerate, through skorch's
:class:`skorch.hf.AccelerateMixin`); this module only connects it to
:class:`~sklearn_convlstm.ConvLSTMClassifier`. Launch one process per GPU (or per CPU
socket) with ``torchrun`` or ``accelerate launch`` and pass every process the
same full training set and an ``Accelerator`` made with
``DataLoaderConfiguration(split_batches=True)``::

    from accelerate import Accelerator, DataLoaderConfiguration

    accelerator = Accelerator(
        dataloader_config=DataLoaderConfiguration(split_batches=True)
    )
    clf = ConvLSTMClassifier(batch_size=512, random_state=0,
                             accelerator=accelerator).fit(X, y)
    if accelerator.is_main_process:
        joblib.dump(clf, "model.joblib")

Each process takes its share of every (global) batch of ``batch_size``
series, the gradients are averaged across processes by
``DistributedDataParallel``, and all processes hold the same parameters after
every step. Everything else -- scaling statistics, the network's initial
weights (seeded by ``random_state``), the schedule, the order of the batches
-- is the same on every process, because each one runs the same ``fit`` on the
same data. :func:`fit_data_parallel` checks first that the processes agree on
the data and raises a ``ValueError`` on all of them when they do not.

Cross-validation and searches on a dask cluster are in
:mod:`sklearn_convlstm.parallel._dask`.
"""

from __future__ import annotations

import builtins
import functools
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from skorch.callbacks import Callback, LRScheduler

from sklearn_convlstm._optional import import_optional

__all__ = [
    "accelerator_device",
    "check_processes_agree",
    "fit_data_parallel",
]


def _check_accelerator(accelerator: Any) -> None:
    accelerate = import_optional("accelerate", purpose="Data-parallel training")
    if not isinstance(accelerator, accelerate.Accelerator):
        raise TypeError(
            "accelerator must be an accelerate.Accelerator or None; got "
            f"{type(accelerator).__name__}."
        )
    if not accelerator.split_batches:
        raise ValueError(
            "The accelerator must split each batch across the processes, so that "
            "batch_size (and the learning-rate schedule built on it) means the "
            "same as in one process; got an Accelerator with split_batches=False. "
            "Create it with Accelerator(dataloader_config=accelerate."
            "DataLoaderConfiguration(split_batches=True))."
        )
    if accelerator.gradient_accumulation_steps != 1:
        raise ValueError(
            "ConvLSTMClassifier steps its learning-rate schedule once per batch "
            "and does not support gradient accumulation; got an Accelerator with "
            f"gradient_accumulation_steps={accelerator.gradient_accumulation_steps}. "
            "Use a larger batch_size instead (it is split across the processes)."
        )


def accelerator_device(accelerator: Any) -> str:
    """Return the torch device of this process under ``accelerator`` as a string.

    Parameters
    ----------
    accelerator : accelerate.Accelerator
        The accelerator passed to ``ConvLSTMClassifier(accelerator=...)``.

    Returns
    -------
    device : str
        ``"cpu"`` or ``"cuda:N"`` (this process's GPU under ``torchrun``).

    Raises
    ------
    TypeError
        When ``accelerator`` is not an ``accelerate.Accelerator``.
    ValueError
        When it was made without ``split_batches=True`` or with gradient
        accumulation.
    """
    _check_accelerator(accelerator)
    device = torch.device(accelerator.device)
    if device.type == "cpu":
        return "cpu"
    if device.type == "cuda":
        return f"cuda:{device.index or 0}"
    return str(device)


def _data_summary(X: Any, y: np.ndarray) -> list[int]:
    """Sizes and checksums that must be equal on every process."""
    lengths_checksum = 0
    if isinstance(X, Mapping):  # unequal lengths: padded array + true lengths
        lengths = np.ascontiguousarray(X["lengths"], dtype=np.int64)
        lengths_checksum = zlib.crc32(lengths.tobytes())
        X = X["x"]
    shape = tuple(int(size) for size in np.shape(X))
    labels = np.ascontiguousarray(y, dtype=np.int64)
    # The bytes of up to 64 evenly spaced series: cheap even for a memmap
    # larger than memory, and exact (a float sum could differ between CPUs).
    sample = np.unique(np.linspace(0, max(shape[0] - 1, 0), 64).astype(np.int64))
    series_checksum = zlib.crc32(np.ascontiguousarray(X[sample]).tobytes())
    return [
        len(labels),
        shape[0],
        shape[1],
        shape[2],
        int(labels.max(initial=-1)) + 1,
        zlib.crc32(labels.tobytes()),
        series_checksum,
        lengths_checksum,
    ]


def check_processes_agree(accelerator: Any, X: Any, y: Any) -> None:
    """Raise on every process when the processes hold different training data.

    Data-parallel training needs every process to call ``fit`` with the same
    full training set: each process takes its share of every batch by position,
    and a process with more batches than the others would wait for them
    forever. This gathers, from every process, the number of series, the
    array's shape, the number of classes, a checksum of the labels, one of 64
    evenly spaced series (and one of the series lengths, for unequal lengths)
    and compares them. Every process sees all values, so all raise together
    instead of hanging.

    Parameters
    ----------
    accelerator : accelerate.Accelerator
        The accelerator of the launch.
    X : ndarray of shape (n_samples, n_channels, n_timesteps) or dict
        The network input: the array, or ``{"x": padded, "lengths": lengths}``.
    y : ndarray of shape (n_samples,)
        The encoded labels (ints from 0).

    Raises
    ------
    ValueError
        Naming what each process received.
    """
    summary = _data_summary(X, np.asarray(y))
    local = torch.tensor(summary, dtype=torch.int64, device=accelerator.device)
    gathered = accelerator.gather(local[None]).cpu().numpy()
    if (gathered == gathered[0]).all():
        return
    described = "; ".join(
        f"process {rank}: {row[0]} labels, X of shape ({row[1]}, {row[2]}, {row[3]}), "
        f"{row[4]} classes, checksums of the labels {row[5]} and of 64 series "
        f"{row[6]}" + (f", lengths checksum {row[7]}" if row[7] else "")
        for rank, row in enumerate(gathered)
    )
    raise ValueError(
        "Data-parallel training needs the same training data on every process "
        "(each takes its share of every batch); the processes got different "
        f"data: {described}. Pass every process the full training set, loaded "
        "the same way."
    )


class _SynchroniseValidationScores(Callback):
    """Average the epoch's validation scores over the processes.

    Each process scores its share of the validation set; early stopping must
    take the same decision on all of them, or one would wait for the others
    forever. Runs before the early-stopping callback.
    """

    def __init__(self, accelerator: Any) -> None:
        self.accelerator = accelerator

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        row = net.history[-1]
        keys = [key for key in ("valid_loss", "valid_acc") if key in row]
        if not keys:
            return
        values = torch.tensor(
            [float(row[key]) for key in keys],
            dtype=torch.float64,
            device=self.accelerator.device,
        )
        averaged = self.accelerator.reduce(values, reduction="mean").cpu()
        for key, value in zip(keys, averaged.tolist(), strict=True):
            net.history.record(key, value)
            if f"{key}_best" in row:  # recompute with the averaged scores
                scores = [epoch[key] for epoch in net.history]
                best = min(scores) if key == "valid_loss" else max(scores)
                net.history.record(f"{key}_best", value == best)


def _print_on_main_process(*args: Any, **kwargs: Any) -> None:
    """``print`` on the main process only (skorch's epoch table, once per job)."""
    from accelerate.state import PartialState

    if PartialState().is_main_process:
        builtins.print(*args, **kwargs)


@functools.cache
def _accelerated_class(base: Any) -> Any:
    """``AccelerateMixin`` on top of the estimator's skorch net class."""
    from skorch.hf import AccelerateMixin

    class _AcceleratedNet(AccelerateMixin, base):
        def _validate_params(self) -> None:
            # AccelerateMixin requires device=None when the accelerator places
            # the model; here device *is* the accelerator's device (set by
            # ConvLSTMClassifier), which skorch and prediction also need.
            base._validate_params(self)

        def _initialize_accelerator(self) -> Any:
            # A criterion without parameters (CrossEntropyLoss) must not be
            # prepared: on CPU processes Accelerate would wrap it in
            # DistributedDataParallel, which refuses modules without parameters.
            criteria: list[str] = getattr(self, "_criteria")  # noqa: B009
            self._criteria = [
                name
                for name in criteria
                if any(
                    parameter.requires_grad
                    for parameter in getattr(self, name + "_").parameters()
                )
            ]
            try:
                return super()._initialize_accelerator()
            finally:
                self._criteria = criteria

    _AcceleratedNet.__name__ = f"Accelerated{base.__name__}"
    _AcceleratedNet.__qualname__ = _AcceleratedNet.__name__
    return _AcceleratedNet


def fit_data_parallel(
    net: Any, X: Any, y: np.ndarray, *, accelerator: Any, seed: int
) -> Any:
    """Train a ConvLSTMClassifier's skorch net data-parallel through Accelerate.

    Called by :meth:`ConvLSTMClassifier.fit
    <sklearn_convlstm.ConvLSTMClassifier.fit>` when ``accelerator`` is set;
    users pass the accelerator to the estimator rather than call this. It
    checks that the processes agree on the data (:func:`check_processes_agree`),
    trains a copy of ``net`` with skorch's ``AccelerateMixin`` (the module
    wrapped in ``DistributedDataParallel``, the batches split across the
    processes in an order drawn from a generator seeded by ``seed``, the same on
    every process), and returns it as a plain net of ``net``'s class: no
    reference to the accelerator is kept, so the fitted estimator pickles and
    predicts in a plain process.

    Parameters
    ----------
    net : skorch.NeuralNet
        The unfitted net built by the estimator.
    X : ndarray or dict
        Network input (the same on every process).
    y : ndarray of shape (n_samples,)
        Encoded labels.
    accelerator : accelerate.Accelerator
        Made with ``DataLoaderConfiguration(split_batches=True)``.
    seed : int
        Seeds the order of the batches.

    Returns
    -------
    net : skorch.NeuralNet
        The trained net, of the same class as ``net``.

    Raises
    ------
    ValueError
        When the processes hold different data, or ``batch_size`` is not a
        multiple of the number of processes.
    """
    _check_accelerator(accelerator)
    # First the one collective check, which every process reaches: after it,
    # every process holds the same data, so whatever raises below raises on all.
    check_processes_agree(accelerator, X, y)
    n_processes = accelerator.num_processes
    if net.batch_size % n_processes:
        raise ValueError(
            f"batch_size={net.batch_size} is the global batch and must be a "
            f"multiple of the number of processes ({n_processes}) to split evenly "
            f"across them; set batch_size to a multiple of {n_processes} (with "
            "batch_size='auto' this is the value 'auto' resolved to)."
        )
    base: Any = type(net)
    params = net.get_params(deep=False)
    params["callbacks"] = [
        ("synchronise_validation_scores", _SynchroniseValidationScores(accelerator)),
        *(params.get("callbacks") or []),
    ]
    params["iterator_train__generator"] = torch.Generator().manual_seed(seed)
    valid_batch_size = params.get("iterator_valid__batch_size") or net.batch_size
    params["iterator_valid__batch_size"] = max(
        n_processes, valid_batch_size // n_processes * n_processes
    )
    # skorch's epoch table: printed once per job (by the main process), and
    # only with verbose (PrintLog prints to any sink but ``print`` regardless).
    params.setdefault(
        "callbacks__print_log__sink",
        _print_on_main_process if net.verbose else builtins.print,
    )
    # unwrap_after_train=False: skorch would unwrap the module before the
    # callbacks' on_train_end, where EarlyStopping restores the best weights it
    # saved from the wrapped module; _release unwraps after fit instead.
    accelerated = _accelerated_class(base)(
        accelerator=accelerator, unwrap_after_train=False, **params
    )
    # The accelerator keeps every object it prepares (for save_state); what
    # this fit adds is dropped afterwards, so that repeated fits in one process
    # do not keep old networks and data loaders alive.
    kept = {
        name: len(getattr(accelerator, name))
        for name in ("_models", "_optimizers", "_schedulers", "_dataloaders")
        if isinstance(getattr(accelerator, name, None), list)
    }
    # The network's initial weights are the same everywhere (seeded by the
    # estimator); dropout and augmentation draw differently on each process,
    # since each process sees different series in every batch.
    torch.manual_seed(seed + accelerator.process_index)
    try:
        accelerated.fit(X, y)
    finally:
        _release(accelerated)
        for name, length in kept.items():
            del getattr(accelerator, name)[length:]
    # The trained net, without the accelerator: its own class again, so that it
    # pickles (skorch's accelerated nets cannot) and loads without Accelerate.
    accelerated.__class__ = base
    return accelerated


def _release(net: Any) -> None:
    """Unwrap what the accelerator prepared; drop the accelerator's attributes."""
    net._unwrap_accelerator()
    for name in net._optimizers:
        optimizer = getattr(net, name + "_", None)
        if optimizer is not None and hasattr(optimizer, "optimizer"):
            setattr(net, name + "_", optimizer.optimizer)
    for _, callback in getattr(net, "callbacks_", []):
        # skorch built the schedule on the wrapped optimizer (whose ``step``
        # torch then patched): point it at the plain one.
        scheduler: Any = getattr(callback, "lr_scheduler_", None)
        if isinstance(callback, LRScheduler) and hasattr(
            getattr(scheduler, "optimizer", None), "optimizer"
        ):
            scheduler.optimizer = scheduler.optimizer.optimizer

    def without_synchronisation(callbacks: Any) -> list[Any]:
        return [
            (name, callback)
            for name, callback in callbacks or []
            if not isinstance(callback, _SynchroniseValidationScores)
        ]

    net.callbacks = without_synchronisation(net.callbacks)
    if hasattr(net, "callbacks_"):
        net.callbacks_ = without_synchronisation(net.callbacks_)
    for attribute in ("accelerator", "unwrap_after_train", "_wrapped_with_accelerator"):
        net.__dict__.pop(attribute, None)
