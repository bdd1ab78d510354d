"""Fast training and prediction paths of the ConvLSTM estimators.

What makes ``fit`` as fast as a plain PyTorch loop, and on CUDA faster:

* :class:`TensorBatches` replaces skorch's per-sample ``DataLoader``: batches
  are index gathers on whole tensors (no per-sample collation). On CUDA the
  training set is moved to the GPU once when it fits (``DEVICE_DATA_FRACTION``
  of the free GPU memory), otherwise batches are gathered into pinned host
  buffers and copied without blocking. Data read on demand (a
  :class:`~sklearn_convlstm.LazySeries`: h5py, other dtypes, ragged or
  windowed series on disk) and memory-mapped arrays are never moved or read
  whole: each batch reads its rows only. The permutation of each epoch is drawn
  exactly as ``DataLoader(shuffle=True)`` draws it, so a seed gives the same
  batches (and on CPU bit-identical models) as before this module existed.
* :class:`FastTrainingMixin` (:class:`FastNeuralNetClassifier`,
  :class:`FastNeuralNetRegressor`) records the per-batch losses in skorch's
  history at the end of each epoch (one device synchronisation per epoch
  instead of one per batch; the values are the same), trains under
  ``torch.autocast`` in bfloat16 or float16 (the latter with a
  ``GradScaler``), and on CUDA can replay the forward and backward pass of
  full, equal-shaped batches as one CUDA graph (:class:`_GraphedStep`); the
  optimizer step stays eager (fused AdamW/Adam on CUDA: a few kernels), so
  learning-rate schedulers, gradient scaling and every optimizer keep working.
* :func:`predict_logits_cuda` streams prediction batches through pinned
  buffers with non-blocking copies and gathers the logits on the GPU, copying
  them back once.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    EpochScoring,
    EpochTimer,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
)
from skorch.dataset import Dataset, get_len, unpack_data
from skorch.history import History

from sklearn_convlstm._engine.precision import autocast
from sklearn_convlstm._engine.randomness import FitRandomness
from sklearn_convlstm._lazy import LazySeries, is_memory_mapped

if TYPE_CHECKING:  # the mixin's methods call skorch's: type them as NeuralNet's
    from skorch import NeuralNet as _NetBase
else:
    _NetBase = object

#: Share of the free GPU memory the training data may take to be moved to the
#: GPU once for the whole fit; larger data is streamed batch by batch through
#: pinned host buffers.
DEVICE_DATA_FRACTION = 0.5

#: Eager training steps (real ones, on the first full batches) before a CUDA
#: graph of the step is captured: cuDNN and cuBLAS pick and allocate their
#: workspaces on these.
GRAPH_WARMUP_STEPS = 3

#: ``cuda_graphs="auto"`` captures a graph only when the fit has at least this
#: many full batches: capture costs about as much as a few dozen steps.
GRAPH_MIN_STEPS = 50

#: skorch and package callbacks known to need no Python between the forward
#: and backward pass of a batch (they may act before or after a batch).
_GRAPH_SAFE_CALLBACKS: tuple[type, ...] = (
    EpochTimer,
    PrintLog,
    PassthroughScoring,
    EpochScoring,
    EarlyStopping,
    LRScheduler,
)


def _free_cuda_bytes(device: torch.device) -> int:
    free, _ = torch.cuda.mem_get_info(device)
    return int(free)


def _as_cpu_tensor(array: np.ndarray) -> torch.Tensor:
    """Wrap ``array`` without a copy (read-only arrays, e.g. memmaps, too)."""
    if not array.flags.writeable:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The given NumPy array is not")
            return torch.from_numpy(array)
    return torch.from_numpy(np.ascontiguousarray(array))


def moves_to_device(X: np.ndarray | LazySeries, device: torch.device) -> bool:
    """Whether :class:`TensorBatches` moves all of ``X`` to ``device`` at once.

    Only in-memory arrays on CUDA that take at most ``DEVICE_DATA_FRACTION``
    of the free GPU memory are; a memory-mapped array (or a view of one) and a
    :class:`~sklearn_convlstm.LazySeries` never are: their batches are
    read one by one, so the data set is never read whole.
    """
    if device.type != "cuda" or isinstance(X, LazySeries) or is_memory_mapped(X):
        return False
    nbytes = X.nbytes * (4 / X.itemsize if X.dtype != np.float32 else 1)
    return nbytes <= DEVICE_DATA_FRACTION * _free_cuda_bytes(device)


class TensorBatches:
    """Batches of a data set as tensor gathers, or per-batch reads, on ``device``.

    Iterating gives ``(x, y)`` per batch, ``x`` a tensor or a dict
    ``{"x": tensor, "lengths": tensor}`` like skorch's collated batches, the
    order of ``DataLoader(dataset, batch_size, shuffle=shuffle,
    drop_last=drop_last)``: each pass draws from ``generator`` (torch's global
    generator when None) exactly what the ``DataLoader`` iterator and its
    ``RandomSampler`` draw (one value for the iterator's base seed, then the
    sampler's seed), so the same seed gives the same batches and leaves the
    generator in the same state.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_channels, n_timesteps) or LazySeries
        Series (any dtype; batches are cast to float32). A memory-mapped
        array (also a view of one) is read batch by batch, never moved to
        the device whole; a :class:`~sklearn_convlstm.LazySeries` is
        indexed once per batch (its rows only are read), on CUDA through the
        pinned buffers.
    y : ndarray of shape (n_samples,) or None
        Targets (int64 class indices).
    lengths : ndarray of shape (n_samples,) or None
        True lengths of padded series; batches are then dicts.
    batch_size : int
    shuffle : bool
    device : str or torch.device
    on_device : bool or None, default=None
        Move the whole data set to ``device`` once. ``None``: when ``device``
        is CUDA, X is an in-memory array (not memory-mapped, not a
        ``LazySeries``), and the data take at most ``DEVICE_DATA_FRACTION``
        of the free GPU memory. Ignored (False) for a ``LazySeries``.
    generator : torch.Generator or None, default=None
        Where the order is drawn from; None: torch's global generator.
    drop_last : bool, default=False
        Leave out a last batch smaller than ``batch_size``.
    """

    def __init__(
        self,
        X: np.ndarray | LazySeries,
        y: np.ndarray | None,
        lengths: np.ndarray | None,
        batch_size: int,
        shuffle: bool,
        device: str | torch.device,
        on_device: bool | None = None,
        generator: torch.Generator | None = None,
        drop_last: bool = False,
    ) -> None:
        self.device = torch.device(device)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.drop_last = drop_last
        self.n_samples = len(X)
        self.lengths = lengths
        # Data read on demand: each batch reads its rows (``X[rows]``).
        self.lazy = X if isinstance(X, LazySeries) else None
        self.series_shape = tuple(int(size) for size in X.shape[1:])
        x = None if isinstance(X, LazySeries) else _as_cpu_tensor(X)
        y_tensor = None if y is None else torch.as_tensor(np.asarray(y))
        lengths_tensor = None if lengths is None else torch.as_tensor(lengths)
        cuda = self.device.type == "cuda"
        if isinstance(X, LazySeries):
            on_device = False
        elif on_device is None:
            on_device = moves_to_device(X, self.device)
        # On the CPU the arrays are used in place (batches are cast one by one;
        # a memory-mapped array is read row by row as batches gather them).
        self.on_device = self.lazy is None and (
            bool(on_device) or self.device.type == "cpu"
        )
        if self.on_device and cuda and x is not None:
            x = x.to(self.device, torch.float32)
        if cuda:  # targets and lengths are small: always on the GPU
            if y_tensor is not None:
                y_tensor = y_tensor.to(self.device)
            if lengths_tensor is not None:
                lengths_tensor = lengths_tensor.to(self.device)
        self.x: torch.Tensor | None = x
        self.y, self.lengths_tensor = y_tensor, lengths_tensor
        self.pinned = cuda and not self.on_device
        self._buffers: list[torch.Tensor] = []
        self._events: list[torch.cuda.Event | None] = [None, None]

    def __len__(self) -> int:
        if self.drop_last:
            return self.full_batches
        return math.ceil(self.n_samples / self.batch_size)

    @property
    def full_batches(self) -> int:
        """Number of batches of exactly ``batch_size`` series per pass."""
        return self.n_samples // self.batch_size

    def _order(self) -> torch.Tensor | None:
        # What DataLoader.__iter__ draws first: the base seed of its workers.
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        if not self.shuffle:
            return None
        # What RandomSampler.__iter__ then draws: the seed of its permutation.
        draw = torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        seed = int(draw.item())
        generator = torch.Generator()
        generator.manual_seed(seed)
        return torch.randperm(self.n_samples, generator=generator)

    def __iter__(self) -> Iterator[tuple[Any, torch.Tensor | None]]:
        order = self._order()
        device_order = order
        if order is not None and self.device.type != "cpu":
            device_order = order.to(self.device, non_blocking=True)
        for index in range(len(self)):
            start = index * self.batch_size
            stop = min(start + self.batch_size, self.n_samples)
            if order is None or device_order is None:
                yield self._batch(slice(start, stop), slice(start, stop), index)
            else:
                yield self._batch(order[start:stop], device_order[start:stop], index)

    def _take(self, tensor: torch.Tensor, select: slice | torch.Tensor) -> torch.Tensor:
        if isinstance(select, slice):
            return tensor[select]
        return tensor.index_select(0, select)

    def _batch(
        self,
        select: slice | torch.Tensor,
        device_select: slice | torch.Tensor,
        index: int,
    ) -> tuple[Any, torch.Tensor | None]:
        """Return batch ``index``: ``select`` on host data, ``device_select`` else."""
        if self.pinned:
            x = self._pinned_copy(select, index)
        elif self.lazy is not None:
            x = self._read(select)
        else:
            assert self.x is not None
            x = self._take(self.x, device_select)
            if x.dtype != torch.float32:
                x = x.float()
        y = None if self.y is None else self._take(self.y, device_select)
        lengths = (
            None
            if self.lengths_tensor is None
            else self._take(self.lengths_tensor, device_select)
        )
        if lengths is not None:
            return {"x": x, "lengths": lengths}, y
        return x, y

    def _read(self, select: slice | torch.Tensor) -> torch.Tensor:
        """Read the rows ``select`` of a ``LazySeries`` (a new float32 array)."""
        assert self.lazy is not None
        rows = select if isinstance(select, slice) else select.numpy()
        return torch.from_numpy(self.lazy[rows])

    def _pinned_copy(self, select: slice | torch.Tensor, index: int) -> torch.Tensor:
        """Gather on the host into one of two pinned buffers; copy asynchronously."""
        slot = index % 2
        n = (
            select.stop - select.start
            if isinstance(select, slice)
            else int(select.shape[0])
        )
        if not self._buffers:
            shape = (self.batch_size, *self.series_shape)
            self._buffers = [
                torch.empty(shape, dtype=torch.float32, pin_memory=True)
                for _ in range(2)
            ]
        # Read lazy rows before waiting: the read overlaps the pending copy.
        block = None if self.lazy is None else self._read(select)
        event = self._events[slot]
        if event is not None:
            event.synchronize()  # the copy out of this buffer two batches ago
        buffer = self._buffers[slot][:n]
        if block is not None:
            buffer.copy_(block)
        else:
            assert self.x is not None
            if isinstance(select, slice):
                buffer.copy_(self.x[select])
            else:
                torch.index_select(self.x, 0, select, out=buffer)
        x = buffer.to(self.device, non_blocking=True)
        event = torch.cuda.Event()
        event.record()
        self._events[slot] = event
        return x


class _GraphedStep:
    """A CUDA graph of one training step's forward and backward pass.

    The first ``GRAPH_WARMUP_STEPS`` full batches train eagerly on a side
    stream (as CUDA graph capture requires); the next full batch is captured
    with gradients unset, so the backward pass allocates them in the graph's
    memory and every replay overwrites them. Each replay is followed by the
    eager (fused) optimizer step. Partial batches run eagerly, with the
    gradients zeroed in place so they stay the graph's tensors.
    """

    def __init__(self, batch_size: int) -> None:
        self.batch_size = batch_size
        self.warmup_left = GRAPH_WARMUP_STEPS
        self.graph: torch.cuda.CUDAGraph | None = None
        self.stream = torch.cuda.Stream()
        self.x: Any = None
        self.y: torch.Tensor | None = None
        self.loss: torch.Tensor | None = None
        self.y_pred: torch.Tensor | None = None
        self.grad_pointers: list[int] = []


class FastTrainingMixin(_NetBase):
    """The fast paths of this module, for a skorch net class listed after it.

    :class:`FastNeuralNetClassifier` and :class:`FastNeuralNetRegressor` are
    this mixin on skorch's ``NeuralNetClassifier`` and ``NeuralNetRegressor``.

    Parameters
    ----------
    *args, **kwargs
        As for the skorch net.
    mixed_precision : bool, {"bfloat16", "float16"} or None, default=None
        Autocast dtype of the forward passes (``True``: bfloat16). float16
        trains with a ``torch.amp.GradScaler``.
    cuda_graphs : bool or "auto", default=False
        Replay the forward and backward pass of full batches as a CUDA graph.
        ``"auto"``: on CUDA, for equal-length in-memory data, when no module
        hook or callback needs Python between forward and backward, and the
        fit has at least ``GRAPH_MIN_STEPS`` full batches. ``True`` skips the
        last two conditions (it still needs CUDA and tensor batches).

    Attributes
    ----------
    cuda_graph_obstacle_ : str or None
        Set by each fit: why its training step ran eagerly, or ``None`` when
        it was replayed as a CUDA graph.
    cuda_graph_replays_ : int
        Training steps of the last fit that were graph replays.
    """

    graphed_step_: _GraphedStep | None
    grad_scaler_: torch.amp.GradScaler | None
    defer_losses_: bool
    cuda_graph_obstacle_: str | None
    cuda_graph_replays_: int

    def __init__(
        self,
        *args: Any,
        mixed_precision: bool | str | None = None,
        cuda_graphs: bool | str = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mixed_precision = mixed_precision
        self.cuda_graphs = cuda_graphs

    # -------------------------------------------------------------- helpers

    @property
    def _precision(self) -> str | None:
        if self.mixed_precision is True:
            return "bfloat16"
        if not self.mixed_precision:
            return None
        return str(self.mixed_precision)

    def _scaler(self) -> torch.amp.GradScaler | None:
        return getattr(self, "grad_scaler_", None)

    @property
    def _randomness(self) -> FitRandomness | None:
        """The running fit's random state (``fit_randomness_``), or None."""
        return self.__dict__.get("fit_randomness_")

    def _lent_generators(self, lend: bool) -> Any:
        """Lend the fit's state to torch's global generators if ``lend``."""
        randomness = self._randomness
        if randomness is None or not lend:
            return contextlib.nullcontext()
        return randomness.global_generators()

    def _release_training_state(self) -> None:
        graphed = getattr(self, "graphed_step_", None)
        if graphed is not None and graphed.graph is not None:
            torch.cuda.synchronize(self.device)
        self.graphed_step_ = None
        self.grad_scaler_ = None
        self.defer_losses_ = False

    def _set_training(self, training: bool = True) -> None:
        """Set train/eval mode like skorch, skipping modules already in it.

        skorch calls this before every batch; switching ~25 submodules costs
        more Python time than some of the GPU steps it precedes.
        """
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and any(
                sub.training != training for sub in module.modules()
            ):
                module.train(training)

    # -------------------------------------------------------------- batches

    def get_iterator(self, dataset: Any, training: bool = False) -> Any:
        """Tensor batches for in-memory arrays; skorch's ``DataLoader`` else."""
        batches = self._tensor_batches(dataset, training)
        if training:
            self._plan_training(batches)
        if batches is None:
            return super().get_iterator(dataset, training=training)
        return batches

    def _tensor_batches(self, dataset: Any, training: bool) -> TensorBatches | None:
        if type(dataset) is not Dataset:
            return None
        prefix = "iterator_train" if training else "iterator_valid"
        iterator = self.iterator_train if training else self.iterator_valid
        if iterator is not torch.utils.data.DataLoader:
            return None
        kwargs = self.get_params_for(prefix)
        if set(kwargs) - {"batch_size", "shuffle", "drop_last"}:
            return None
        X, y = dataset.X, dataset.y
        lengths = None
        if isinstance(X, dict):
            if set(X) != {"x", "lengths"}:
                return None
            X, lengths = X["x"], np.asarray(X["lengths"])
        in_memory = isinstance(X, np.ndarray) and X.ndim == 3
        if not (in_memory or isinstance(X, LazySeries)):
            return None
        if y is not None and not isinstance(y, np.ndarray):
            return None
        batch_size = kwargs.get("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(X)
        return TensorBatches(
            X,
            y,
            lengths,
            batch_size=batch_size,
            shuffle=bool(kwargs.get("shuffle", False)),
            device=self.device,
            generator=None if self._randomness is None else self._randomness.generator,
            drop_last=bool(kwargs.get("drop_last", False)),
        )

    # ------------------------------------------------------------- planning

    def _plan_training(self, batches: TensorBatches | None) -> None:
        """Decide, once per fit, gradient scaling, loss deferral and graphs."""
        precision = self._precision
        cuda = torch.device(self.device).type == "cuda"
        self.grad_scaler_ = (
            torch.amp.GradScaler("cuda") if precision == "float16" and cuda else None
        )
        self.defer_losses_ = isinstance(self.history, History)
        self.graphed_step_ = None
        reason = self._graph_obstacle(batches)
        self.cuda_graph_obstacle_ = reason
        self.cuda_graph_replays_ = 0
        if reason is None and batches is not None:
            self.graphed_step_ = _GraphedStep(batches.batch_size)
        elif self.cuda_graphs is True and cuda:
            warnings.warn(
                f"cuda_graphs=True, but the training step runs eagerly: {reason}.",
                UserWarning,
                stacklevel=2,
            )

    def _graph_obstacle(self, batches: TensorBatches | None) -> str | None:
        """Why the training step cannot be graphed (None: it can)."""
        if not self.cuda_graphs:
            return "cuda_graphs=False"
        if torch.device(self.device).type != "cuda":
            return "the device is not CUDA"
        if batches is None:
            return "the data is not an in-memory array"
        if batches.lengths is not None:
            return "series of unequal length give batches of varying shape"
        if batches.full_batches == 0:
            return "there is no full batch"
        # What these steps resolve to without overrides: this mixin's, else the
        # skorch net class's after it in the MRO.
        mro = type(self).__mro__
        reference = mro[mro.index(FastTrainingMixin) :]
        for name in ("train_step", "train_step_single", "infer", "get_loss"):
            own = next(vars(cls)[name] for cls in reference if name in vars(cls))
            if getattr(type(self), name) is not own:
                return f"{name} is overridden"
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        if any(isinstance(o, torch.optim.LBFGS) for o in optimizers):
            return "the optimizer re-evaluates the loss (LBFGS)"
        if self.cuda_graphs is True:
            return None
        for name, callback in self.callbacks_:
            if not isinstance(callback, _GRAPH_SAFE_CALLBACKS) and any(
                getattr(type(callback), hook) is not getattr(Callback, hook)
                for hook in ("on_batch_begin", "on_batch_end", "on_grad_computed")
            ):
                return f"callback {name!r} acts on every batch"
        if _has_hooks(self.module_):
            return "the module has hooks"
        if batches.full_batches * self.max_epochs < GRAPH_MIN_STEPS:
            return f"fewer than {GRAPH_MIN_STEPS} full batches"
        return None

    # --------------------------------------------------------------- epochs

    def run_single_epoch(
        self,
        iterator: Any,
        training: bool,
        prefix: str,
        step_fn: Any,
        **fit_params: Any,
    ) -> None:
        """Run skorch's epoch loop, reading the batch losses once at the end.

        ``history`` gets the same ``<prefix>_loss`` and ``<prefix>_batch_size``
        per batch as skorch records them; the losses are copied from the
        device in one go after the last batch instead of after every batch
        (each copy waits for the GPU to finish). Callbacks still receive the
        loss tensor in ``on_batch_end``.
        """
        if iterator is None:
            return
        # A DataLoader draws its order from the global generator.
        with self._lent_generators(not isinstance(iterator, TensorBatches)):
            if not getattr(self, "defer_losses_", False):
                super().run_single_epoch(
                    iterator, training, prefix, step_fn, **fit_params
                )
                return
            losses: list[torch.Tensor] = []
            batch_count = 0
            for batch in iterator:
                self.notify("on_batch_begin", batch=batch, training=training)
                step = step_fn(batch, **fit_params)
                losses.append(step["loss"].detach().reshape(()))
                batch_size = (
                    get_len(batch[0])
                    if isinstance(batch, (tuple, list))
                    else get_len(batch)
                )
                self.history.record_batch(prefix + "_batch_size", batch_size)
                self.notify("on_batch_end", batch=batch, training=training, **step)
                batch_count += 1
            if losses:
                values = torch.stack([loss.float() for loss in losses]).tolist()
                records = self.history[-1]["batches"][-len(losses) :]  # this loop's
                for record, value in zip(records, values, strict=True):
                    record[prefix + "_loss"] = value
            self.history.record(prefix + "_batch_count", batch_count)

    # ---------------------------------------------------------------- steps

    def infer(self, x: Any, **fit_params: Any) -> torch.Tensor:
        """Forward pass, under autocast with ``mixed_precision``.

        The logits come back as float32, so the loss is computed in float32.
        A training forward pass (dropout, augmentation) draws from the fit's
        own random state (:mod:`~sklearn_convlstm._engine.randomness`).
        """
        with self._lent_generators(self.module_.training):
            precision = self._precision
            if precision is None:
                return super().infer(x, **fit_params)
            graphed = getattr(self, "graphed_step_", None)
            with autocast(self.device, precision, cache_enabled=graphed is None):
                return super().infer(x, **fit_params).float()

    def train_step_single(self, batch: Any, **fit_params: Any) -> dict[str, Any]:
        """Run skorch's step; with float16 the loss is scaled before ``backward``."""
        scaler = self._scaler()
        if scaler is None:
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        scaler.scale(loss).backward()
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch: Any, **fit_params: Any) -> dict[str, Any]:
        """One optimizer step: graphed, scaled, or skorch's own."""
        graphed = getattr(self, "graphed_step_", None)
        if graphed is not None and not fit_params:
            Xi, _ = unpack_data(batch)
            if len(Xi) == graphed.batch_size:
                return self._graphed_train_step(graphed, batch)
            step = self._eager_step(batch)
            if graphed.graph is not None and graphed.grad_pointers != _grad_pointers(
                self
            ):
                # The eager step replaced a gradient tensor: capture again.
                graphed.graph = None
            return step
        if self._scaler() is not None:
            return self._eager_step(batch, **fit_params)
        return super().train_step(batch, **fit_params)

    def _eager_step(
        self, batch: Any, set_to_none: bool = True, **fit_params: Any
    ) -> dict[str, Any]:
        """zero_grad, forward, backward, callbacks, (scaled) optimizer step."""
        self._zero_grad_optimizer(set_to_none=set_to_none)
        step = self.train_step_single(batch, **fit_params)
        scaler = self._scaler()
        if scaler is not None:
            for name in self._optimizers:
                scaler.unscale_(getattr(self, name + "_"))
        self._optimizer_step(batch)
        return step

    def _optimizer_step(self, batch: Any) -> None:
        """Tell the callbacks the gradients are ready, then step the optimizers."""
        self.notify(
            "on_grad_computed",
            named_parameters=list(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        scaler = self._scaler()
        for name in self._optimizers:
            optimizer = getattr(self, name + "_")
            if scaler is None:
                optimizer.step()
            else:
                scaler.step(optimizer)
        if scaler is not None:
            scaler.update()

    def _graphed_train_step(self, graphed: _GraphedStep, batch: Any) -> dict[str, Any]:
        Xi, yi = unpack_data(batch)
        if graphed.graph is None:
            if graphed.warmup_left > 0:
                graphed.warmup_left -= 1
                current = torch.cuda.current_stream()
                graphed.stream.wait_stream(current)
                with torch.cuda.stream(graphed.stream):
                    step = self._eager_step(batch)
                current.wait_stream(graphed.stream)
                return step
            try:
                self._capture(graphed, Xi, yi)
            except RuntimeError as error:  # pragma: no cover - needs CUDA
                warnings.warn(
                    f"Capturing the training step as a CUDA graph failed ({error}); "
                    "training continues eagerly.",
                    UserWarning,
                    stacklevel=2,
                )
                self.graphed_step_ = None
                self.cuda_graph_obstacle_ = f"capture failed: {error}"
                torch.cuda.synchronize(self.device)
                return self._eager_step(batch)
        assert graphed.graph is not None and graphed.loss is not None
        self._set_training(True)  # the graph trains; keep the flags in step
        graphed.x.copy_(Xi)
        graphed.y.copy_(yi)  # type: ignore[union-attr]
        graphed.graph.replay()
        self.cuda_graph_replays_ += 1
        self._optimizer_step(batch)
        return {"loss": graphed.loss.detach().clone(), "y_pred": graphed.y_pred}

    def _capture(self, graphed: _GraphedStep, Xi: torch.Tensor, yi: Any) -> None:
        """Record forward, loss and backward of a batch shaped like ``Xi``."""
        graphed.x = Xi.clone()
        graphed.y = torch.as_tensor(yi, device=self.device).clone()
        self._set_training(True)
        self._zero_grad_optimizer(set_to_none=True)
        scaler = self._scaler()
        graph = torch.cuda.CUDAGraph()
        torch.cuda.synchronize(self.device)
        with torch.cuda.graph(graph):
            y_pred = self.infer(graphed.x)
            loss = self.get_loss(y_pred, graphed.y, X=graphed.x, training=True)
            (loss if scaler is None else scaler.scale(loss)).backward()
        # Detached: the captured autograd graph (and its gradient accumulators,
        # bound to the capture stream) is freed; the outputs stay static.
        graphed.graph = graph
        graphed.loss, graphed.y_pred = loss.detach(), y_pred.detach()
        graphed.grad_pointers = _grad_pointers(self)

    def _zero_grad_optimizer(self, set_to_none: bool | None = None) -> None:
        graphed = getattr(self, "graphed_step_", None)
        if graphed is not None and graphed.graph is not None:
            set_to_none = False  # the graph writes into these gradient tensors
        super()._zero_grad_optimizer(set_to_none=set_to_none)

    # ------------------------------------------------------------------ fit

    def partial_fit(
        self, X: Any, y: Any = None, classes: Any = None, **fit_params: Any
    ) -> Any:
        """Run skorch's ``partial_fit``; the graph and scaler are released after it."""
        try:
            return super().partial_fit(X, y, classes=classes, **fit_params)
        finally:
            self._release_training_state()


class FastNeuralNetClassifier(FastTrainingMixin, NeuralNetClassifier):
    """skorch's ``NeuralNetClassifier`` with the fast paths of this module."""


class FastNeuralNetRegressor(FastTrainingMixin, NeuralNetRegressor):
    """skorch's ``NeuralNetRegressor`` with the fast paths of this module."""


def _grad_pointers(net: Any) -> list[int]:
    return [
        0 if param.grad is None else param.grad.data_ptr()
        for _, param in net.get_all_learnable_params()
    ]


def _has_hooks(module: torch.nn.Module) -> bool:
    """Whether ``module`` or a submodule, or torch globally, has forward hooks."""
    from torch.nn.modules import module as module_module

    global_hooks = (
        module_module._global_forward_hooks,
        module_module._global_forward_pre_hooks,
        module_module._global_backward_hooks,
    )
    if any(len(hooks) for hooks in global_hooks):
        return True
    return any(
        sub._forward_hooks
        or sub._forward_pre_hooks
        or sub._backward_hooks
        or getattr(sub, "_backward_pre_hooks", None)
        for sub in module.modules()
    )


def predict_logits_cuda(
    module: torch.nn.Module,
    X: np.ndarray,
    device: str | torch.device,
    batch_size: int,
    precision: str | None,
) -> torch.Tensor:
    """Logits of equal-length ``X`` on a CUDA ``device``, returned on the CPU.

    Batches are copied into two alternating pinned buffers and sent without
    blocking, so the host prepares batch ``i + 1`` while the GPU computes
    batch ``i``; the logits stay on the GPU until the single copy back at the
    end. ``module`` must be in eval mode.
    """
    device = torch.device(device)
    x = _as_cpu_tensor(X)
    n = len(X)
    buffers = [
        torch.empty((min(batch_size, n), *X.shape[1:]), pin_memory=True)
        for _ in range(2 if n > batch_size else 1)
    ]
    events: list[torch.cuda.Event | None] = [None] * len(buffers)
    outputs = []
    with torch.inference_mode(), autocast(device, precision):
        for index, start in enumerate(range(0, n, batch_size)):
            slot = index % len(buffers)
            stop = min(start + batch_size, n)
            event = events[slot]
            if event is not None:
                event.synchronize()
            buffer = buffers[slot][: stop - start]
            buffer.copy_(x[start:stop])
            batch = buffer.to(device, non_blocking=True)
            event = torch.cuda.Event()
            event.record()
            events[slot] = event
            outputs.append(module(batch).float())
    logits = outputs[0] if len(outputs) == 1 else torch.cat(outputs)
    return logits.cpu()
