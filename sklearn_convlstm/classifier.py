"""``ConvLSTMClassifier``: a scikit-learn classifier training a Conv1D->LSTM network."""

from __future__ import annotations

import contextlib
import copy
import math
import warnings
from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping, LRScheduler
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._callbacks import EpochProgressBar
from ._validation import (
    Interval,
    StrOptions,
    _fit_context,
    check_classification_labels,
    pad_series,
    series_lengths,
    validate_series_input,
)
from .exceptions import TrainingInterruptedWarning
from .networks import (
    ARCHITECTURE_VARIANTS,
    READOUTS,
    ConvLSTMNetwork,
    auto_pool_sizes,
)
from .preprocessing import (
    TimeSeriesScaler,
    log_amplitude_statistics,
    series_amplitude_spread,
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

_OPTIMIZERS = {
    "adamw": torch.optim.AdamW,
    "adam": torch.optim.Adam,
    "sgd": torch.optim.SGD,
}

#: The network's in-batch scaling for each ``scaling`` option.
_INPUT_SCALING = {
    None: None,
    "per_channel": "affine",
    "minmax": "affine",
    "per_series": "per_series",
    "per_series_amplitude": "per_series_amplitude",
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


class ConvLSTMClassifier(ClassifierMixin, BaseEstimator):
    """Time-series classifier: 1D convolutions, then an LSTM, then a linear head.

    Convolution blocks extract local patterns (spikes, oscillations, trends), a
    recurrent layer models how they evolve over time, and a readout over the
    recurrent outputs feeds a linear classifier. Training runs through skorch
    (the fitted ``net_``); the estimator itself follows scikit-learn's API, so
    it works with ``Pipeline``, ``GridSearchCV``, ``cross_val_score``, ``clone``
    and pickle.

    Data convention: ``X`` has shape ``(n_samples, n_channels, n_timesteps)``
    (channels first, as in PyTorch, sktime and aeon); a 2D array is read as
    univariate series ``(n_samples, n_timesteps)``; a list of
    ``(n_channels, length_i)`` arrays holds series of unequal length, which the
    network handles natively (padding never changes a prediction). float64
    input is cast once to float32.

    Parameters
    ----------
    variant : {"default", "basic", "stacked", "dropout"}, default="default"
        Named network configuration that fills every network parameter left at
        ``None``. ``"basic"``, ``"stacked"`` and ``"dropout"`` are the three
        networks of the reference article exactly as written (see
        :data:`~sklearn_convlstm.networks.ARCHITECTURE_VARIANTS`); ``"default"``
        is this package's stronger configuration. Training parameters are not
        part of a variant.
    conv_channels : tuple of int, default=None
        Output channels of each conv block (its length is the number of
        blocks). ``None``: the variant's value.
    kernel_sizes : int or tuple of int, default=None
        Kernel size of each conv block.
    conv_padding : {"valid", "same"}, default=None
        ``"valid"`` convolutions shorten the series by ``kernel_size - 1``;
        ``"same"`` keeps its length.
    batch_norm : bool, default=None
        BatchNorm1d after each convolution (convolutions then have no bias).
    pool_sizes : int, tuple of int or "auto", default=None
        Max-pooling factor after each conv block (1: none). ``"auto"`` pools
        after the first two blocks so the LSTM sees at most 64 steps of the
        longest training series (see
        :func:`~sklearn_convlstm.networks.auto_pool_sizes`).
    conv_dropout : float, default=None
        Dropout after the conv stack.
    rnn : {"lstm", "gru"}, default=None
        Recurrent layer type.
    lstm_hidden_size : int, default=None
        Hidden size of the recurrent layer (per direction).
    lstm_layers : int, default=None
        Number of stacked recurrent layers.
    bidirectional : bool, default=None
        Whether the recurrent layer also reads the series backwards.
    readout : {"last", "mean", "max", "meanmax"}, default=None
        Summary of the recurrent outputs over time: the last valid step (as in
        the article), the mean, the max, or mean and max concatenated.
    recurrent_dropout : float, default=None
        Dropout on the recurrent outputs.
    conv_skip : bool, default=None
        Also feed the head the same readout of the conv features (the sequence
        the recurrent layer reads): a skip connection around the recurrent
        layer, as in LSTM-FCN.
    scaling : {"auto", "per_channel", "per_series", "per_series_amplitude", \
            "minmax"} or None, default="auto"
        Input scaling done inside the estimator with
        :class:`~sklearn_convlstm.preprocessing.TimeSeriesScaler`:
        ``"per_channel"`` standardises each channel with the training mean and
        std, ``"per_series"`` z-normalises every series on its own,
        ``"per_series_amplitude"`` does too and gives the network each
        series' log-amplitude (log of its std, standardised over the training
        series) as one extra constant channel per input channel, so the
        amplitude z-normalisation removes is not lost; ``None`` leaves X as
        given (e.g. when a Pipeline already scales it). ``"auto"`` is
        ``"per_channel"`` unless the training series' amplitudes differ by
        more than ``AMPLITUDE_SPREAD_WARNING`` (1,000) times within a channel
        (:func:`~sklearn_convlstm.preprocessing.series_amplitude_spread`: 90th
        over 10th percentile of the per-series std); then one scale per
        channel would leave most series near zero, and it is
        ``"per_series_amplitude"``. The choice made is ``scaling_``.
    augmentation : bool, default=False
        Augment each training batch (after scaling) with random window slicing
        (a window of ``augmentation_window`` of each series stretched back to
        full length; equal-length input only) and amplitude scaling (a factor
        ``1 + augmentation_scale * N(0, 1)`` per series); see
        :class:`~sklearn_convlstm.networks.TrainingAugmentation`. Predictions
        are not augmented. Draws are seeded by ``random_state``.
    augmentation_window : float, default=0.9
        Share of each series a training window keeps, in (0, 1]; 1 turns
        window slicing off. Used only with ``augmentation=True``.
    augmentation_scale : float, default=0.1
        Standard deviation of the amplitude factor; 0 turns amplitude scaling
        off. Used only with ``augmentation=True``.
    optimizer : {"adamw", "adam", "sgd"} or torch optimizer class, \
            default="adamw"
        Optimizer.
    lr : float, default=3e-3
        Learning rate (the peak rate with ``lr_schedule="onecycle"``).
    weight_decay : float, default=0.1
        Weight decay of the optimizer (decoupled with ``"adamw"``). 0.1 rather
        than AdamW's usual 1e-2: chosen by cross-validation on the training
        splits of the five shared datasets (ArrowHead +1.5 points over ten CV
        seeds, the other four within 0.2; ``benchmarks/results/
        weight_decay_selection.md``).
    lr_schedule : {"onecycle", "cosine", "constant"}, default="onecycle"
        Learning-rate schedule, stepped every batch (onecycle) or epoch
        (cosine).
    batch_size : int or "auto", default="auto"
        Training batch size; ``"auto"`` is ``n_train // 10`` clipped to
        [8, 32] (see :func:`auto_batch_size`).
    max_epochs : int or "auto", default="auto"
        Number of training epochs (fewer with early stopping); ``"auto"`` is 100
        epochs, fewer for large data sets (at least 1,500 optimizer steps and
        20 epochs; see :func:`auto_max_epochs`).
    early_stopping : bool, default=False
        Hold out a stratified ``validation_fraction`` of the training data,
        stop when the validation loss has not improved for ``patience`` epochs
        and restore the weights of the best epoch.
    validation_fraction : float, default=0.2
        Share of the training data held out for early stopping.
    patience : int, default=30
        Epochs without improvement of the validation loss before stopping.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn.
    callbacks : tuple of skorch callbacks, default=None
        Extra skorch callbacks; they are deep-copied in ``fit``, never mutated,
        so a callback that must report to a shared object (an in-memory Optuna
        study, say) has to share it through ``__deepcopy__`` (as
        :mod:`sklearn_convlstm.tuning`'s pruning callback does).
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available).
    mixed_precision : bool, default=False
        Train and predict under ``torch.autocast`` with bfloat16: convolutions,
        the LSTM and the head compute in bfloat16, weights, losses and
        optimizer state stay float32 (bfloat16 has float32's range, so no
        gradient scaler is needed). Meant for GPUs with bfloat16 units
        (NVIDIA Ampere and newer); on CPUs without them it is usually slower.
    accelerator : accelerate.Accelerator or None, default=None
        Train data-parallel across the processes of a ``torchrun`` or
        ``accelerate launch`` job through Hugging Face Accelerate (skorch's
        ``AccelerateMixin``): every process calls ``fit`` on the same full
        training set, takes its share of every batch (``batch_size`` is the
        global batch) and the gradients are averaged, so all processes hold
        one model. It must be created with
        ``DataLoaderConfiguration(split_batches=True)``; ``device`` is then
        the accelerator's. It is not pickled: a saved model loads with
        ``accelerator=None``. See :mod:`sklearn_convlstm.distributed`.
        ``None``: train in this process only.
    verbose : int, default=0
        ``1`` prints skorch's per-epoch table of losses.
    progress_bar : bool, default=False
        Show a tqdm progress bar over the epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch shuffling, dropout and the
        validation split. The same value gives the same predictions on the same
        machine. The global torch random state is left untouched.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the column order of :meth:`predict_proba`.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net (``net_.module_`` is the
        :class:`~sklearn_convlstm.networks.ConvLSTMNetwork`).
    history_ : skorch.History
        Per-epoch ``train_loss`` and, with early stopping, ``valid_loss`` and
        ``valid_acc``.
    network_params_ : dict
        The resolved network configuration.
    scaling_ : {"per_channel", "per_series", "per_series_amplitude", "minmax"} \
            or None
        The scaling applied (``scaling`` with ``"auto"`` resolved).
    scaler_ : TimeSeriesScaler or None
        The scaler fitted on the training series. The network applies it to
        each batch (``net_.module_.input_scaling``), so no scaled copy of X is
        ever made and ``predict_proba`` streams raw batches.
    n_features_in_ : int
        ``X.shape[1]`` as passed to ``fit`` (scikit-learn's definition): the
        number of channels for 3D input and lists, of timesteps for 2D input.
    n_channels_in_ : int
        Number of channels seen in ``fit``.
    n_timesteps_in_ : int or None
        Series length seen in ``fit``; ``None`` when lengths varied. A model
        fitted on equal-length series predicts series of that length.
    min_length_ : int
        Shortest series the network accepts.

    See Also
    --------
    sklearn_convlstm.networks.ConvLSTMNetwork : The PyTorch module.
    sklearn_convlstm.preprocessing.TimeSeriesScaler : Scaling for pipelines.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm import ConvLSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(20, 1, 30))
    >>> y = np.array(["a", "b"] * 10)
    >>> clf = ConvLSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    >>> clf.predict_proba(X[:3]).shape
    (3, 2)
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
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "callbacks": [tuple, list, None],
        "device": [str],
        "mixed_precision": ["boolean"],
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
        class_weight: dict | str | None = None,
        callbacks: tuple | None = None,
        device: str = "cpu",
        mixed_precision: bool = False,
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
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.device = device
        self.mixed_precision = mixed_precision
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> ConvLSTMClassifier:
        """Train the network on time series X with labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Training series (see the class docstring for the convention).
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, strings, ...); at least two classes.

        Returns
        -------
        self : ConvLSTMClassifier
            The fitted estimator.
        """
        X = validate_series_input(self, X, reset=True, require_fitted_length=True)
        y = check_classification_labels(y, len(X))
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has only 1 class ({self.classes_[0].tolist()!r}); a classifier "
                "needs at least 2 classes in the training labels."
            )
        y_encoded = y_encoded.astype(np.int64)
        lengths = series_lengths(X)
        self.network_params_ = self._resolve_network_params(int(lengths.max()))
        device = self._resolve_device()
        seed = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )

        all_lengths = lengths
        valid_dataset = None
        if self.early_stopping:
            train_index, valid_index = self._validation_split(y_encoded, seed)
            X_valid, y_valid = _take(X, valid_index), y_encoded[valid_index]
            lengths_valid = lengths[valid_index]
            X, y_encoded, lengths = (
                _take(X, train_index),
                y_encoded[train_index],
                lengths[train_index],
            )
        # Scaling happens inside the network, batch by batch: no scaled copy of
        # X is made, and predict streams raw batches. Its statistics come from
        # the series the network trains on (not the early-stopping split).
        self.scaling_ = self._resolve_scaling(X)
        self.scaler_ = None
        if self.scaling_ is not None:
            # "per_series_amplitude" is per-series scaling; the network adds
            # the log-amplitude channels.
            method = (
                "per_series"
                if self.scaling_ == "per_series_amplitude"
                else self.scaling_
            )
            self.scaler_ = TimeSeriesScaler(method=method).fit(X)
        log_amplitude = None
        if self.scaling_ == "per_series_amplitude":
            log_amplitude = log_amplitude_statistics(X)
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
                len(self.classes_),
                input_scaling=_INPUT_SCALING[self.scaling_],
                augmentation=(
                    (self.augmentation_window, self.augmentation_scale)
                    if self.augmentation
                    else None
                ),
                **self.network_params_,
            )
            if self.scaling_ in ("per_channel", "minmax"):
                assert module.input_scaling is not None and self.scaler_ is not None
                module.input_scaling.set_affine(*self.scaler_.get_affine_parameters())
            if log_amplitude is not None:
                assert module.input_scaling is not None
                module.input_scaling.set_log_amplitude_statistics(*log_amplitude)
            self.min_length_ = module.min_length
            self._check_min_length(all_lengths)
            self.net_ = self._build_net(module, y_encoded, valid_dataset, device)
            if self.accelerator is None:
                self.net_.fit(self._network_input(X, lengths), y_encoded)
            else:
                from .distributed import fit_data_parallel

                self.net_ = fit_data_parallel(
                    self.net_,
                    self._network_input(X, lengths),
                    y_encoded,
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
                stacklevel=3,
            )
        return self

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
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        try:
            device = torch.device(self.device)
        except RuntimeError as error:
            raise ValueError(
                f"device={self.device!r} is not a valid torch device; use 'cpu', "
                "'cuda', 'cuda:N' or 'auto'."
            ) from error
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} was requested but CUDA is not available on "
                "this machine; use device='cpu' or device='auto'."
            )
        return self.device

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
        """Equal lengths: the array. Unequal: padded array plus true lengths."""
        if isinstance(X, np.ndarray):
            return X
        return {"x": pad_series(X), "lengths": lengths}

    def _build_net(
        self,
        module: torch.nn.Module,
        y_train: np.ndarray,
        valid_dataset: Any,
        device: str,
    ) -> NeuralNetClassifier:
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
                    LRScheduler(
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
                    LRScheduler(
                        policy=torch.optim.lr_scheduler.CosineAnnealingLR,
                        T_max=max_epochs,
                        step_every="epoch",
                    ),
                )
            )
        if self.progress_bar:
            callbacks.append(("progress_bar", EpochProgressBar(total=max_epochs)))
        for index, callback in enumerate(self.callbacks or ()):
            callbacks.append((f"user_callback_{index}", copy.deepcopy(callback)))

        criterion_weight = None
        if self.class_weight is not None:
            weights = compute_class_weight(
                self.class_weight, classes=self.classes_, y=self.classes_[y_train]
            )
            criterion_weight = torch.as_tensor(weights, dtype=torch.float32)
        optimizer = (
            _OPTIMIZERS[self.optimizer]
            if isinstance(self.optimizer, str)
            else self.optimizer
        )
        net = _AutocastNeuralNetClassifier(
            module,
            mixed_precision=self.mixed_precision,
            criterion=torch.nn.CrossEntropyLoss,
            criterion__weight=criterion_weight,
            optimizer=optimizer,
            optimizer__weight_decay=self.weight_decay,
            lr=self.lr,
            batch_size=batch_size,
            max_epochs=max_epochs,
            iterator_train__shuffle=True,
            iterator_valid__batch_size=PREDICT_BATCH_SIZE,
            train_split=train_split,
            callbacks=callbacks,
            classes=np.arange(len(self.classes_)),
            device=device,
            verbose=self.verbose,
        )
        return net

    def _validation_split(
        self, y_encoded: np.ndarray, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        n_classes = len(self.classes_)
        n_samples = len(y_encoded)
        n_valid = max(math.ceil(self.validation_fraction * n_samples), n_classes)
        if n_samples - n_valid < n_classes or np.bincount(y_encoded).min() < 2:
            raise ValueError(
                f"early_stopping=True needs a stratified validation split with at "
                f"least one series of each of the {n_classes} classes on both sides; "
                f"with {n_samples} series (smallest class: "
                f"{np.bincount(y_encoded).min()}) that is impossible. Use "
                "early_stopping=False or more data."
            )
        splitter = StratifiedShuffleSplit(
            n_splits=1, test_size=n_valid, random_state=seed
        )
        train_index, valid_index = next(splitter.split(np.zeros(n_samples), y_encoded))
        return np.sort(train_index), np.sort(valid_index)

    # -------------------------------------------------------------- predict

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for each series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Series with the channels (and, for a model fitted on equal-length
            series, the length) seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        logits = self._logits(X)
        return torch.softmax(logits.double(), dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        """Predict the class label of each series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Series to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_`` (the type of the training labels).
        """
        logits = self._logits(X)
        return self.classes_[logits.argmax(dim=1).numpy()]

    def _logits(self, X: Any) -> torch.Tensor:
        """Validate X once, then stream it through the network batch by batch."""
        check_is_fitted(self)
        X = validate_series_input(self, X, reset=False, require_fitted_length=True)
        lengths = series_lengths(X)
        self._check_min_length(lengths)
        module = self.net_.module_
        if module.training:
            module.eval()
        device = self.net_.device
        outputs = []
        with (
            torch.inference_mode(),
            _read_only_ok(X),
            _autocast(device, self.mixed_precision),
        ):
            for start in range(0, len(X), PREDICT_BATCH_SIZE):
                stop = start + PREDICT_BATCH_SIZE
                batch_lengths: torch.Tensor | None = None
                if isinstance(X, np.ndarray):
                    batch = X[start:stop]
                else:
                    batch = pad_series(X[start:stop])
                    if not (lengths[start:stop] == batch.shape[-1]).all():
                        batch_lengths = torch.from_numpy(lengths[start:stop])
                logits = module(torch.from_numpy(batch).to(device), batch_lengths)
                outputs.append(logits.to(device="cpu", dtype=torch.float32))
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs)


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
            # this helper, _resolve_scaling, fit, scikit-learn's fit wrapper:
            # the warning points at the caller's line.
            stacklevel=5,
        )


class _AutocastNeuralNetClassifier(NeuralNetClassifier):
    """skorch's NeuralNetClassifier whose forward passes can run under autocast."""

    def __init__(self, *args: Any, mixed_precision: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.mixed_precision = mixed_precision

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

    def infer(self, x: Any, **fit_params: Any) -> torch.Tensor:
        """Forward pass; in bfloat16 autocast with ``mixed_precision``.

        The logits come back as float32, so the loss is computed in float32.
        """
        if not self.mixed_precision:
            return super().infer(x, **fit_params)
        with _autocast(self.device, True):
            return super().infer(x, **fit_params).float()


def _autocast(device: str, enabled: bool) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on ``device``'s type when enabled, else a no-op."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)


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


def _take(X: Any, index: np.ndarray) -> Any:
    """Select series by position from canonical data (array or list)."""
    if isinstance(X, np.ndarray):
        return X[index]
    return [X[i] for i in index]
