"""What the ConvLSTM estimators share: parameters, checks, the network, prediction.

:class:`_ConvLSTMEstimator` holds the parameters and their validation, the
fit that builds and trains the network (scaling plan, early-stopping split,
seeding, skorch net with the fast training path, data-parallel training,
interrupt warning) and the batch-streaming forward pass used by prediction.
:class:`~sklearn_convlstm.ConvLSTMClassifier` and
:class:`~sklearn_convlstm.ConvLSTMRegressor` add what differs: the targets the
network trains on, the loss and skorch net class, the early-stopping split and
what the outputs mean.
"""

from __future__ import annotations

import contextlib
import copy
import math
import warnings
from collections.abc import Iterator
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._callbacks import EpochProgressBar, FiniteTrainingCheck, PicklableLRScheduler
from ._fast_training import predict_logits_cuda
from ._parameters import (
    check_instances_param,
    check_int_entries,
    check_subclass_param,
    draw_seed,
    resolve_device,
)
from ._precision import autocast, fused_optimizer_kwargs, resolve_precision
from ._validation import (
    Interval,
    StrOptions,
    _take,
    caller_stacklevel,
    pad_series,
    series_lengths,
    validate_series_input,
)
from .exceptions import TrainingInterruptedWarning
from .lazy import LazySeries, RaggedSeries, is_memory_mapped
from .networks import (
    ARCHITECTURE_VARIANTS,
    READOUTS,
    ConvLSTMNetwork,
    auto_pool_sizes,
)
from .preprocessing import ScalingPlan, series_amplitude_spread

if TYPE_CHECKING:  # the mixin's methods call skorch's: type them as NeuralNet's
    from skorch import NeuralNet as _NetBase
else:
    _NetBase = object

#: ``series_amplitude_spread`` above which ``fit`` warns that per-channel
#: scaling suits the data badly (three orders of magnitude between the 10 %
#: quietest and loudest series).
AMPLITUDE_SPREAD_WARNING = 1_000.0

#: Hyperparameters that configure the network; ``None`` takes the variant's value.
NETWORK_PARAMS = (
    "conv_channels",
    "kernel_sizes",
    "conv_padding",
    "batch_norm",
    "pool_sizes",
    "conv_dropout",
    "rnn",
    "lstm_hidden_size",
    "lstm_layers",
    "bidirectional",
    "readout",
    "recurrent_dropout",
    "conv_skip",
)

_OPTIMIZERS = {
    "adamw": torch.optim.AdamW,
    "adam": torch.optim.Adam,
    "sgd": torch.optim.SGD,
}

#: Series per forward pass in predict/predict_proba (inference needs no small
#: batches; BatchNorm uses its running statistics in eval mode).
PREDICT_BATCH_SIZE = 1024


def auto_batch_size(n_train: int) -> int:
    """Return the batch size used by ``batch_size="auto"``: n_train // 10 in [8, 32].

    Parameters
    ----------
    n_train : int
        Number of series the network trains on.

    Returns
    -------
    batch_size : int

    Examples
    --------
    >>> auto_batch_size(50), auto_batch_size(270), auto_batch_size(5000)
    (8, 27, 32)
    """
    return int(min(32, max(8, n_train // 10)))


def auto_max_epochs(n_train: int, batch_size: int) -> int:
    """Return the epoch budget of ``max_epochs="auto"``.

    100 epochs, fewer for large data sets: enough epochs for about 1,500
    optimizer steps, but never fewer than 20. Chosen by cross-validation on the
    training splits of five UCR/UEA datasets (``benchmarks/results/
    default_selection.md``): 100 epochs matched or beat 200 on every one of them
    at half the fit time.

    Parameters
    ----------
    n_train : int
        Number of series the network trains on.
    batch_size : int
        Training batch size.

    Returns
    -------
    max_epochs : int

    Examples
    --------
    >>> auto_max_epochs(50, 8), auto_max_epochs(270, 27), auto_max_epochs(10000, 32)
    (100, 100, 20)
    >>> auto_max_epochs(2000, 32)
    24
    """
    steps_per_epoch = math.ceil(n_train / batch_size)
    return int(min(100, max(20, math.ceil(1500 / steps_per_epoch))))


class _ConvLSTMEstimator(BaseEstimator):
    """Base of the ConvLSTM estimators (not public): see the module docstring.

    Subclasses implement :meth:`_network_targets`, :meth:`_n_outputs`,
    :meth:`_output_scaling`, :meth:`_make_net` and :meth:`_validation_split`,
    and their public ``fit`` calls :meth:`_fit`.
    """

    _parameter_constraints: ClassVar[dict] = {
        "variant": [StrOptions(set(ARCHITECTURE_VARIANTS))],
        "conv_channels": [tuple, list, None],
        "kernel_sizes": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "conv_padding": [StrOptions({"valid", "same"}), None],
        "batch_norm": ["boolean", None],
        "pool_sizes": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            tuple,
            list,
            None,
        ],
        "conv_dropout": [Interval(Real, 0, 1, closed="left"), None],
        "rnn": [StrOptions({"lstm", "gru"}), None],
        "lstm_hidden_size": [Interval(Integral, 1, None, closed="left"), None],
        "lstm_layers": [Interval(Integral, 1, None, closed="left"), None],
        "bidirectional": ["boolean", None],
        "readout": [StrOptions(set(READOUTS)), None],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left"), None],
        "conv_skip": ["boolean", None],
        "scaling": [
            StrOptions(
                {"auto", "per_channel", "per_series", "per_series_amplitude", "minmax"}
            ),
            None,
        ],
        "augmentation": ["boolean"],
        "augmentation_window": [Interval(Real, 0, 1, closed="right")],
        "augmentation_scale": [Interval(Real, 0, None, closed="left")],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [StrOptions({"onecycle", "cosine", "constant"})],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [tuple, list, None],
        "device": [str],
        "mixed_precision": ["boolean", StrOptions({"auto", "bfloat16", "float16"})],
        "cuda_graphs": ["boolean", StrOptions({"auto"})],
        "accelerator": "no_validation",  # checked in fit (optional package)
        "verbose": ["verbose"],
        "progress_bar": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        variant: str = "default",
        conv_channels: tuple[int, ...] | None = None,
        kernel_sizes: int | tuple[int, ...] | None = None,
        conv_padding: str | None = None,
        batch_norm: bool | None = None,
        pool_sizes: int | tuple[int, ...] | str | None = None,
        conv_dropout: float | None = None,
        rnn: str | None = None,
        lstm_hidden_size: int | None = None,
        lstm_layers: int | None = None,
        bidirectional: bool | None = None,
        readout: str | None = None,
        recurrent_dropout: float | None = None,
        conv_skip: bool | None = None,
        scaling: str | None = "auto",
        augmentation: bool = False,
        augmentation_window: float = 0.9,
        augmentation_scale: float = 0.1,
        optimizer: str | type = "adamw",
        lr: float = 3e-3,
        weight_decay: float = 0.1,
        lr_schedule: str = "onecycle",
        batch_size: int | str = "auto",
        max_epochs: int | str = "auto",
        early_stopping: bool = False,
        validation_fraction: float = 0.2,
        patience: int = 30,
        callbacks: tuple | None = None,
        device: str = "cpu",
        mixed_precision: bool | str = False,
        cuda_graphs: bool | str = "auto",
        accelerator: Any = None,
        verbose: int = 0,
        progress_bar: bool = False,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.variant = variant
        self.conv_channels = conv_channels
        self.kernel_sizes = kernel_sizes
        self.conv_padding = conv_padding
        self.batch_norm = batch_norm
        self.pool_sizes = pool_sizes
        self.conv_dropout = conv_dropout
        self.rnn = rnn
        self.lstm_hidden_size = lstm_hidden_size
        self.lstm_layers = lstm_layers
        self.bidirectional = bidirectional
        self.readout = readout
        self.recurrent_dropout = recurrent_dropout
        self.conv_skip = conv_skip
        self.scaling = scaling
        self.augmentation = augmentation
        self.augmentation_window = augmentation_window
        self.augmentation_scale = augmentation_scale
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.callbacks = callbacks
        self.device = device
        self.mixed_precision = mixed_precision
        self.cuda_graphs = cuda_graphs
        self.accelerator = accelerator
        self.verbose = verbose
        self.progress_bar = progress_bar
        self.random_state = random_state

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        if state.get("accelerator") is not None:
            # An Accelerator belongs to the processes of one launch: a model
            # saved from a data-parallel job loads as a one-process estimator,
            # in a process without Accelerate.
            state = {**state, "accelerator": None}
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ fit

    def _fit(self, X: Any, y: Any) -> tuple[Any, np.ndarray, np.ndarray]:
        """Validate the input, build the network and train it (``fit``'s body).

        Returns the validated series, their lengths and the network's targets
        (all of them, before any early-stopping split).
        """
        self._check_parameter_entries()
        X = validate_series_input(
            self,
            X,
            reset=True,
            require_fitted_length=True,
            allow_lazy=True,
            warn_channels_last=True,
        )
        y_net = self._network_targets(y, len(X))
        lengths = series_lengths(X)
        self.network_params_ = self._resolve_network_params(int(lengths.max()))
        device = self._resolve_device()
        seed = draw_seed(self.random_state)

        all_series, all_lengths, all_targets = X, lengths, y_net
        valid_dataset = None
        if self.early_stopping:
            train_index, valid_index = self._validation_split(y_net, seed)
            X_valid, y_valid = _take(X, valid_index), y_net[valid_index]
            lengths_valid = lengths[valid_index]
            X, y_net, lengths = (
                _take(X, train_index),
                y_net[train_index],
                lengths[train_index],
            )
        output_scaling = self._output_scaling(y_net)
        # Scaling happens inside the network, batch by batch: no scaled copy of
        # X is made, and predict streams raw batches. Its statistics come from
        # the series the network trains on (not the early-stopping split).
        self.scaling_ = self._resolve_scaling(X)
        scaling_plan = ScalingPlan.from_training_data(self.scaling_, X)
        self.scaler_ = scaling_plan.scaler
        if self.early_stopping:
            valid_dataset = Dataset(
                self._network_input(X_valid, lengths_valid), y_valid
            )

        fork_devices = (
            [torch.device(device).index or 0] if device.startswith("cuda") else []
        )
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(seed)
            module = ConvLSTMNetwork(
                self.n_channels_in_,
                self._n_outputs(),
                input_scaling=scaling_plan,
                augmentation=(
                    (self.augmentation_window, self.augmentation_scale)
                    if self.augmentation
                    else None
                ),
                output_scaling=output_scaling,
                **self.network_params_,
            )
            self.min_length_ = module.min_length
            self._check_min_length(all_lengths)
            self.net_ = self._build_net(module, y_net, valid_dataset, device)
            if self.accelerator is None:
                self.net_.fit(self._network_input(X, lengths), y_net)
            else:
                from .distributed import fit_data_parallel

                self.net_ = fit_data_parallel(
                    self.net_,
                    self._network_input(X, lengths),
                    y_net,
                    accelerator=self.accelerator,
                    seed=seed,
                )
        self.history_ = self.net_.history
        if getattr(self.net_, "interrupted_", False):
            warnings.warn(
                f"Training was interrupted (KeyboardInterrupt) after "
                f"{len(self.history_)} epoch(s); the model is only partly "
                "trained. Fit again to train it fully.",
                TrainingInterruptedWarning,
                stacklevel=caller_stacklevel(),
            )
        return all_series, all_lengths, all_targets

    # ------------------------------------------------------ subclass hooks

    def _network_targets(self, y: Any, n_samples: int) -> np.ndarray:
        """Validate ``y``, set the target attributes; return what the net trains on."""
        raise NotImplementedError

    def _n_outputs(self) -> int:
        """Return the number of network outputs (classes, or regression targets)."""
        raise NotImplementedError

    def _output_scaling(self, y_train: np.ndarray) -> tuple[Any, Any] | None:
        """``(offset, scale)`` of the network's output layer, or None."""
        return None

    def _make_net(self, module: torch.nn.Module, y_train: np.ndarray, **kwargs: Any):
        """Return the skorch net (loss, net class) given the shared ``kwargs``."""
        raise NotImplementedError

    def _validation_split(
        self, y_train: np.ndarray, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Train and validation indices of the early-stopping split."""
        raise NotImplementedError

    def _resolve_scaling(self, X: Any) -> str | None:
        """Return the scaling to apply: ``scaling``, ``"auto"`` decided from X.

        One scale per channel leaves most series near zero when their
        amplitudes spread over orders of magnitude: ``"auto"`` then
        z-normalises each series on its own and passes its log-amplitude
        alongside; an explicit ``"per_channel"`` or ``"minmax"`` is kept, with a
        warning.
        """
        if self.scaling == "auto":
            spread = series_amplitude_spread(X)
            if spread > AMPLITUDE_SPREAD_WARNING:
                return "per_series_amplitude"
            return "per_channel"
        if self.scaling in ("per_channel", "minmax"):
            _warn_if_amplitudes_vary_widely(X, self.scaling)
        return self.scaling

    def _resolve_network_params(self, n_timesteps: int) -> dict[str, Any]:
        """Fill network parameters left at None from the variant; resolve 'auto'."""
        params = dict(ARCHITECTURE_VARIANTS[self.variant])
        for name in NETWORK_PARAMS:
            value = getattr(self, name)
            if value is not None:
                params[name] = tuple(value) if isinstance(value, list) else value
        n_blocks = len(params["conv_channels"])
        if n_blocks == 0:
            raise ValueError("conv_channels must name at least one conv block; got ().")
        for name in ("kernel_sizes", "pool_sizes"):
            value = params[name]
            if isinstance(value, tuple) and len(value) != n_blocks:
                source = (
                    f" (taken from variant={self.variant!r})"
                    if getattr(self, name) is None
                    else ""
                )
                raise ValueError(
                    f"{name} must be an int or a tuple with one entry per conv block "
                    f"(conv_channels={params['conv_channels']} has {n_blocks}); got "
                    f"{value}{source}. Set {name} to match conv_channels."
                )
        if params["pool_sizes"] == "auto":
            params["pool_sizes"] = auto_pool_sizes(n_timesteps, n_blocks)
        return params

    def _resolve_device(self) -> str:
        if self.accelerator is not None:
            from .distributed import accelerator_device

            return accelerator_device(self.accelerator)
        return resolve_device(self.device)

    def _check_parameter_entries(self) -> None:
        """Check what ``_parameter_constraints`` cannot: entries and classes."""
        check_int_entries(self, ("conv_channels", "kernel_sizes", "pool_sizes"))
        check_subclass_param(
            self,
            "optimizer",
            torch.optim.Optimizer,
            expected=f"one of {', '.join(map(repr, _OPTIMIZERS))} or a subclass "
            "of torch.optim.Optimizer",
        )
        check_instances_param(
            self,
            "callbacks",
            Callback,
            expected="a tuple of skorch callbacks (skorch.callbacks.Callback "
            "instances) or None",
        )

    def _check_min_length(self, lengths: np.ndarray) -> None:
        shortest = int(lengths.min())
        if shortest < self.min_length_:
            params = self.network_params_
            raise ValueError(
                f"X contains series of {shortest} timesteps, but this network needs "
                f"at least {self.min_length_} timesteps (conv_channels="
                f"{params['conv_channels']}, kernel_sizes={params['kernel_sizes']}, "
                f"conv_padding={params['conv_padding']!r}, pool_sizes="
                f"{params['pool_sizes']}). Use longer series, smaller kernels, "
                "conv_padding='same' or less pooling."
            )

    @staticmethod
    def _network_input(X: Any, lengths: np.ndarray) -> Any:
        """Equal lengths: the array. Unequal: padded array plus true lengths.

        Data read on demand stays so: a ``LazySeries`` is indexed batch by
        batch, a ``RaggedSeries`` is padded series by series as it is read.
        """
        if isinstance(X, (np.ndarray, LazySeries)):
            return X
        if isinstance(X, RaggedSeries):
            return {"x": X.padded(), "lengths": lengths}
        return {"x": pad_series(X), "lengths": lengths}

    def _build_net(
        self,
        module: torch.nn.Module,
        y_train: np.ndarray,
        valid_dataset: Any,
        device: str,
    ) -> NeuralNet:
        """Configure the skorch net that trains ``module`` on the training split."""
        n_train = len(y_train)
        callbacks: list[tuple[str, Any]] = []
        train_split = None
        if valid_dataset is not None:
            train_split = predefined_split(valid_dataset)
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss", patience=self.patience, load_best=True
                    ),
                )
            )
        batch_size = (
            auto_batch_size(n_train)
            if self.batch_size == "auto"
            else int(self.batch_size)
        )
        max_epochs = (
            auto_max_epochs(n_train, batch_size)
            if self.max_epochs == "auto"
            else int(self.max_epochs)
        )
        if self.lr_schedule == "onecycle":
            steps = math.ceil(n_train / batch_size) * max_epochs
            callbacks.append(
                (
                    "lr_schedule",
                    PicklableLRScheduler(
                        policy=torch.optim.lr_scheduler.OneCycleLR,
                        max_lr=self.lr,
                        total_steps=steps,
                        step_every="batch",
                    ),
                )
            )
        elif self.lr_schedule == "cosine":
            callbacks.append(
                (
                    "lr_schedule",
                    PicklableLRScheduler(
                        policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                        T_max=max_epochs,
                        step_every="epoch",
                    ),
                )
            )
        callbacks.append(("finite_training_check", FiniteTrainingCheck()))
        if self.progress_bar:
            callbacks.append(("progress_bar", EpochProgressBar(total=max_epochs)))
        for index, callback in enumerate(self.callbacks or ()):
            callbacks.append((f"user_callback_{index}", copy.deepcopy(callback)))

        optimizer = (
            _OPTIMIZERS[self.optimizer]
            if isinstance(self.optimizer, str)
            else self.optimizer
        )
        self.mixed_precision_ = resolve_precision(self.mixed_precision, device)
        self.inference_precision_ = resolve_precision(
            self.mixed_precision, device, inference=True
        )
        optimizer_kwargs = {
            f"optimizer__{key}": value
            for key, value in fused_optimizer_kwargs(optimizer, device).items()
        }
        return self._make_net(
            module,
            y_train,
            mixed_precision=self.mixed_precision_,
            cuda_graphs=self.cuda_graphs,
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            **optimizer_kwargs,
            lr=self.lr,
            batch_size=batch_size,
            max_epochs=max_epochs,
            iterator_train__shuffle=True,
            iterator_valid__batch_size=PREDICT_BATCH_SIZE,
            train_split=train_split,
            callbacks=callbacks,
            device=device,
            verbose=self.verbose,
        )

    # -------------------------------------------------------------- predict

    def _inference_module(
        self, module: torch.nn.Module, device: str, precision: str | None
    ) -> tuple[torch.nn.Module, torch.dtype]:
        """Return the module (eval mode) that predicts on CPU, and its float type."""
        return module, torch.float32

    def _prediction_input(self, X: Any) -> tuple[Any, np.ndarray]:
        """Check that the model is fitted and validate X for prediction.

        Returns the validated series and their lengths.
        """
        check_is_fitted(self)
        X = validate_series_input(
            self, X, reset=False, require_fitted_length=True, allow_lazy=True
        )
        lengths = series_lengths(X)
        self._check_min_length(lengths)
        return X, lengths

    def _network_outputs(
        self, X: Any, lengths: np.ndarray | None = None
    ) -> torch.Tensor:
        """Validate X once, then stream it through the network batch by batch.

        Returns the network's outputs (class logits, or regression values in
        the targets' units) as a CPU tensor of shape (n_samples, n_outputs), of
        the type :meth:`_inference_module` computes in (float32 by default).
        With ``lengths``, X is taken as already validated by
        :meth:`_prediction_input`.
        """
        if lengths is None:
            X, lengths = self._prediction_input(X)
        module = self.net_.module_
        if module.training:
            module.eval()
        device = self.net_.device
        # The setting fit trained with, not a later set_params.
        precision = self.inference_precision_
        # The pinned CUDA path is for in-memory arrays; data on disk (a memmap,
        # a LazySeries) is read batch by batch by the loop below.
        in_memory = isinstance(X, np.ndarray) and not is_memory_mapped(X)
        if in_memory and torch.device(device).type == "cuda":
            with torch.inference_mode():
                return predict_logits_cuda(
                    module, X, device, PREDICT_BATCH_SIZE, precision
                )
        module, dtype = self._inference_module(module, device, precision)
        outputs = []
        with (
            torch.inference_mode(),
            _read_only_ok(X),
            autocast(device, precision),
        ):
            for batch, batch_lengths in prediction_batches(X, lengths):
                logits = module(batch.to(device, dtype), batch_lengths)
                outputs.append(logits.to(device="cpu", dtype=dtype))
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs)


def prediction_batches(
    X: Any, lengths: np.ndarray
) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """Yield validated series as CPU tensors of :data:`PREDICT_BATCH_SIZE`.

    Each batch comes with the true lengths of its series when they differ
    (series of unequal length, padded at the end), else ``None``.
    """
    for start in range(0, len(X), PREDICT_BATCH_SIZE):
        stop = start + PREDICT_BATCH_SIZE
        batch_lengths: torch.Tensor | None = None
        if isinstance(X, (np.ndarray, LazySeries)):
            batch = X[start:stop]
        else:
            batch = pad_series(X[start:stop])
            if not (lengths[start:stop] == batch.shape[-1]).all():
                batch_lengths = torch.from_numpy(lengths[start:stop])
        yield torch.from_numpy(np.asarray(batch)), batch_lengths


def _warn_if_amplitudes_vary_widely(X: Any, scaling: str) -> None:
    """Warn when one scale per channel cannot suit series of very unequal size."""
    spread = series_amplitude_spread(X)
    if spread > AMPLITUDE_SPREAD_WARNING:
        warnings.warn(
            f"The training series' amplitudes differ by a factor of {spread:,.0f} "
            f"within a channel (90th over 10th percentile of the per-series std), "
            f"so scaling={scaling!r}, one scale per channel, leaves most series "
            "near zero and the network may not learn. Consider "
            "scaling='per_series_amplitude' (what scaling='auto' picks for such "
            "data: each series z-normalised on its own, its log-amplitude passed "
            "to the network as an extra channel) or scaling='per_series'.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )


class InterruptibleNetMixin(_NetBase):
    """Mixin of the estimators' skorch nets: interrupt flag, ``module`` pickled once."""

    def fit_loop(self, X: Any, y: Any = None, epochs: Any = None, **fit_params: Any):
        """Run skorch's training loop, remembering a KeyboardInterrupt.

        skorch's ``partial_fit`` swallows the interrupt; ``interrupted_`` lets
        the estimator warn that the model is only partly trained.
        """
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs, **fit_params)
        except KeyboardInterrupt:
            # skorch's EarlyStopping stops training with a KeyboardInterrupt
            # too; only an interrupt it did not raise is the user's.
            self.interrupted_ = not any(
                isinstance(callback, EarlyStopping)
                and callback.misses_ == callback.patience
                for _, callback in self.callbacks_
            )
            raise

    def __getstate__(self) -> dict[str, Any]:
        # ``module`` (the instance passed in) is ``module_``: skorch pickles
        # module_ on its own, so pickling ``module`` too stored the weights
        # twice and unpickled them as two different modules.
        state = super().__getstate__()
        if state.get("module") is self.__dict__.get("module_"):
            state["module"] = _SAME_AS_MODULE_
        if _validates_on_disk_data(state.get("train_split")):
            # The early-stopping split of data on disk is a view of the file:
            # pickling it would copy the whole file (a memmap) or fail (h5py).
            # The fitted model does not need it (each fit builds a new net).
            state["train_split"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        same = isinstance(state.get("module"), str)
        super().__setstate__(state)
        if same:
            self.module = self.module_


def _validates_on_disk_data(train_split: Any) -> bool:
    """Whether ``train_split`` is a predefined split over data read on demand."""
    valid = getattr(train_split, "keywords", {}).get("valid_ds")
    X = getattr(valid, "X", None)
    if isinstance(X, dict):
        X = X.get("x")
    if isinstance(X, LazySeries):
        return True
    return isinstance(X, np.ndarray) and is_memory_mapped(X)


#: Stands for ``module_`` in the pickled state of ``_AutocastNeuralNetClassifier``.
_SAME_AS_MODULE_ = "<same as module_>"


@contextlib.contextmanager
def _read_only_ok(X: Any) -> Iterator[None]:
    """Silence torch's warning about wrapping read-only arrays (they are only read).

    A memory-mapped or otherwise read-only X is streamed without a copy; the
    warnings machinery is only entered for such arrays, as it costs time on
    the single-series path.
    """
    if isinstance(X, np.ndarray) and not X.flags.writeable:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The given NumPy array is not")
            yield
    else:
        yield
