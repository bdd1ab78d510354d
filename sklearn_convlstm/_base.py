"""What the ConvLSTM estimators share: parameters, checks, the network, prediction.

:class:`BaseConvLSTM` holds the parameters and their validation, the
fit that builds and trains the network (scaling plan, early-stopping split,
seeding, skorch net with the fast training path, data-parallel training,
interrupt warning) and the batch-streaming forward pass used by prediction.
:class:`~sklearn_convlstm.ConvLSTMClassifier` and
:class:`~sklearn_convlstm.ConvLSTMRegressor` add what differs: the targets the
network trains on, the loss and skorch net class, the early-stopping split and
what the outputs mean.
"""

from __future__ import annotations

import copy
import math
import warnings
from contextlib import nullcontext
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from sklearn_convlstm._conventions import caller_stacklevel
from sklearn_convlstm._engine.batching import (
    PREDICT_BATCH_SIZE,
    drops_one_series_batch,
    prediction_batches,
    read_only_ok,
)
from sklearn_convlstm._engine.callbacks import (
    EpochProgressBar,
    FiniteTrainingCheck,
    PicklableLRScheduler,
)
from sklearn_convlstm._engine.precision import (
    autocast,
    fused_optimizer_kwargs,
    resolve_precision,
)
from sklearn_convlstm._engine.randomness import FitRandomness
from sklearn_convlstm._engine.training import predict_logits_cuda
from sklearn_convlstm._estimator_docs import document_shared
from sklearn_convlstm._exceptions import TrainingInterruptedWarning
from sklearn_convlstm._lazy import LazySeries, RaggedSeries, is_memory_mapped
from sklearn_convlstm._parameters import (
    check_instances_param,
    check_int_entries,
    check_subclass_param,
    draw_seed,
    resolve_device,
)
from sklearn_convlstm._preprocessing import ScalingPlan
from sklearn_convlstm._statistics import series_amplitude_spread, training_statistics
from sklearn_convlstm._validation import (
    Interval,
    StrOptions,
    pad_series,
    series_lengths,
    take_samples,
    validate_series_input,
)
from sklearn_convlstm.nn import ARCHITECTURE_VARIANTS, ConvLSTMNetwork
from sklearn_convlstm.nn._networks import (
    CONV_PADDINGS,
    READOUTS,
    auto_pool_sizes,
    is_causal_configuration,
)

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

OPTIMIZERS = {
    "adamw": torch.optim.AdamW,
    "adam": torch.optim.Adam,
    "sgd": torch.optim.SGD,
}


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
    optimizer steps, but never fewer than 20. Chosen by cross-validation on
    training splits only (see the evidence page of the documentation).

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


def resolved_training_params(
    estimator: BaseConvLSTM, n_train: int, n_timesteps: int
) -> dict[str, Any] | None:
    """Return the parameters a fit on data of this size would train with.

    ``get_params()`` with the ``"auto"`` batch size and epoch budget and the
    network (variant, blocks, ``pool_sizes="auto"``) resolved as ``fit``
    resolves them for ``n_train`` series of ``n_timesteps`` steps. Two
    estimators with equal resolved parameters, fitted on the same data with
    the same thread count, train the same network.

    Parameters
    ----------
    estimator : BaseConvLSTM
        Unfitted or fitted; its parameters are read, not changed.
    n_train : int
        Number of training series.
    n_timesteps : int
        Length of the longest training series.

    Returns
    -------
    params : dict or None
        ``None`` when a fit would hold out a validation split
        (``early_stopping=True``), whose size these rules do not see.
    """
    if estimator.early_stopping:
        return None
    params = estimator.get_params(deep=False)
    for name in (*NETWORK_PARAMS, "variant"):
        params.pop(name, None)
    params["network"] = estimator._resolve_network_params(int(n_timesteps))
    batch_size = (
        auto_batch_size(n_train)
        if estimator.batch_size == "auto"
        else int(estimator.batch_size)
    )
    params["batch_size"] = batch_size
    params["max_epochs"] = (
        auto_max_epochs(n_train, batch_size)
        if estimator.max_epochs == "auto"
        else int(estimator.max_epochs)
    )
    return params


@document_shared
class BaseConvLSTM(BaseEstimator):
    """Base class of the Conv1D -> LSTM estimators.

    Holds what :class:`~sklearn_convlstm.ConvLSTMClassifier` and
    :class:`~sklearn_convlstm.ConvLSTMRegressor` share: the parameters and their
    validation, the ``auto`` rules, the ``fit`` that builds and trains the
    network, and the batch-streaming forward pass of prediction. It is not an
    estimator on its own (as aeon's ``BaseDeepClassifier``): subclass it to
    train the same networks on other targets. A subclass implements
    ``_network_targets``, ``_n_outputs``, ``_output_scaling``, ``_make_net`` and
    ``_validation_split``, and its public ``fit`` calls ``_fit``.

    Parameters
    ----------
    {shared_parameters}

    See Also
    --------
    ConvLSTMClassifier : The classifier built on this base.
    ConvLSTMRegressor : The regressor built on this base.
    """

    _parameter_constraints: ClassVar[dict] = {
        "variant": [StrOptions(set(ARCHITECTURE_VARIANTS))],
        "conv_channels": [tuple, list, None],
        "kernel_sizes": [Interval(Integral, 1, None, closed="left"), tuple, list, None],
        "conv_padding": [StrOptions(set(CONV_PADDINGS)), None],
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
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
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
            X_valid, y_valid = take_samples(X, valid_index), y_net[valid_index]
            lengths_valid = lengths[valid_index]
            X, y_net, lengths = (
                take_samples(X, train_index),
                y_net[train_index],
                lengths[train_index],
            )
        output_scaling = self._output_scaling(y_net)
        # Scaling happens inside the network, batch by batch: no scaled copy of
        # X is made, and predict streams raw batches. Its statistics come from
        # the series the network trains on (not the early-stopping split).
        # One pass over X gives what the scaling needs: the series' amplitude
        # spread ("auto" and the warning of per-channel scaling), the
        # log-amplitude statistics and the per-channel statistics.
        statistics = training_statistics(
            X,
            series=self.scaling
            in ("auto", "per_channel", "minmax", "per_series_amplitude"),
            channels=self.scaling in ("auto", "per_channel", "minmax"),
        )
        self.scaling_ = self._resolve_scaling(statistics.series_stds)
        scaling_plan = ScalingPlan.from_training_data(self.scaling_, X, statistics)
        self.scaler_ = scaling_plan.scaler
        if self.early_stopping:
            valid_dataset = Dataset(
                self._network_input(X_valid, lengths_valid), y_valid
            )

        # The fit's own random state, not torch's global generator (which
        # fits in other threads share): see _engine.randomness. The weight
        # initialisation draws from the global generator, so it is lent.
        randomness = FitRandomness(seed, device)
        with randomness.global_generators():
            module = ConvLSTMNetwork(
                self.n_channels_in_,
                self._n_outputs(),
                input_scaling=scaling_plan.method,
                augmentation=(
                    (self.augmentation_window, self.augmentation_scale)
                    if self.augmentation
                    else None
                ),
                output_scaling=output_scaling,
                **self.network_params_,
            )
        scaling_plan.apply_to(module.input_scaling)
        self.min_length_ = module.min_length
        self._check_min_length(all_lengths)
        net = self._build_net(module, y_net, valid_dataset, device, lengths)
        self.net_ = net
        # On CPU only training forward passes borrow the global generator; a
        # CUDA graph or an accelerator keeps it for the whole training.
        whole_fit = torch.device(device).type != "cpu" or self.accelerator is not None
        net.fit_randomness_ = randomness
        try:
            with randomness.global_generators() if whole_fit else nullcontext():
                if self.accelerator is None:
                    net.fit(self._network_input(X, lengths), y_net)
                else:
                    from sklearn_convlstm.parallel._data_parallel import (
                        fit_data_parallel,
                    )

                    self.net_ = fit_data_parallel(
                        net,
                        self._network_input(X, lengths),
                        y_net,
                        accelerator=self.accelerator,
                        seed=seed,
                    )
        finally:
            del net.fit_randomness_
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

    def _resolve_scaling(self, stds: np.ndarray | None) -> str | None:
        """Return the scaling to apply: ``scaling``, ``"auto"`` decided from X.

        ``stds`` are the training series' stds (``training_statistics``).

        One scale per channel leaves most series near zero when their
        amplitudes spread over orders of magnitude: ``"auto"`` then
        z-normalises each series on its own and passes its log-amplitude
        alongside; an explicit ``"per_channel"`` or ``"minmax"`` is kept, with a
        warning.
        """
        if is_causal_configuration(self.network_params_):
            return _causal_scaling(self.scaling)
        if self.scaling == "auto":
            spread = series_amplitude_spread(None, stds=stds)
            if spread > AMPLITUDE_SPREAD_WARNING:
                return "per_series_amplitude"
            return "per_channel"
        if self.scaling in ("per_channel", "minmax"):
            _warn_if_amplitudes_vary_widely(stds, self.scaling)
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
            from sklearn_convlstm.parallel._data_parallel import accelerator_device

            return accelerator_device(self.accelerator)
        return resolve_device(self.device)

    def _check_parameter_entries(self) -> None:
        """Check what ``_parameter_constraints`` cannot: entries and classes."""
        check_int_entries(self, ("conv_channels", "kernel_sizes", "pool_sizes"))
        check_subclass_param(
            self,
            "optimizer",
            torch.optim.Optimizer,
            expected=f"one of {', '.join(map(repr, OPTIMIZERS))} or a subclass "
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
        lengths: np.ndarray,
    ) -> NeuralNet:
        """Configure the skorch net that trains ``module`` on the training split.

        ``lengths`` are the training series' lengths.
        """
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
        drop_last = drops_one_series_batch(module, lengths, batch_size)
        if self.lr_schedule == "onecycle":
            batches = n_train // batch_size if drop_last else -(-n_train // batch_size)
            steps = batches * max_epochs
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
            OPTIMIZERS[self.optimizer]
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
            **({"iterator_train__drop_last": True} if drop_last else {}),
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
            self,
            X,
            reset=False,
            # a causal network classifies a series' prefixes as well
            require_fitted_length=not is_causal_configuration(self.network_params_),
            allow_lazy=True,
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
            read_only_ok(X),
            autocast(device, precision),
        ):
            for batch, batch_lengths in prediction_batches(X, lengths):
                logits = module(batch.to(device, dtype), batch_lengths)
                outputs.append(logits.to(device="cpu", dtype=dtype))
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs)


def _causal_scaling(scaling: str | None) -> str | None:
    """``scaling`` of a causal network: ``"auto"`` is per-channel; no per-series."""
    if scaling in ("per_series", "per_series_amplitude"):
        raise ValueError(
            f"scaling={scaling!r} scales each series with statistics of the whole "
            "series, which a causal network (variant='causal', or "
            "conv_padding='causal' with bidirectional=False) must not see before "
            "the series ends. Use scaling='per_channel', 'minmax', 'auto' (which "
            "is 'per_channel' for a causal network) or None."
        )
    return "per_channel" if scaling == "auto" else scaling


def _warn_if_amplitudes_vary_widely(stds: Any, scaling: str) -> None:
    """Warn when one scale per channel cannot suit series of very unequal size."""
    spread = series_amplitude_spread(None, stds=stds)
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
