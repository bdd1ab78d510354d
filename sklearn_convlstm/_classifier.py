"""``ConvLSTMClassifier``: a scikit-learn classifier training a Conv1D->LSTM network.

What it shares with :class:`~sklearn_convlstm.ConvLSTMRegressor` (parameters,
network, training, prediction streaming) lives in
:mod:`sklearn_convlstm._base`; this module adds the labels: their
encoding into ``classes_``, class weights in the cross-entropy loss, the
stratified early-stopping split and ``predict_proba``/``predict``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.model_selection import StratifiedShuffleSplit

from sklearn_convlstm._base import (
    BaseConvLSTM,
)
from sklearn_convlstm._engine.batching import (
    prediction_batches,
    read_only_ok,
)
from sklearn_convlstm._engine.nets import _AutocastNeuralNetClassifier
from sklearn_convlstm._estimator_docs import document_shared
from sklearn_convlstm._parameters import check_class_weight, draw_seed
from sklearn_convlstm._random_kernel_head import (
    fit_random_kernel_ridge,
    scaled_series_memory_problem,
)
from sklearn_convlstm._targets import check_classification_labels
from sklearn_convlstm._validation import StrOptions, fit_context
from sklearn_convlstm.nn import RandomKernelRidge
from sklearn_convlstm.nn._networks import is_causal_configuration
from sklearn_convlstm.nn._random_kernels import KERNEL_LENGTH
from sklearn_convlstm.streaming import ConvLSTMStream

__all__ = [
    "FUSION_MAX_SERIES",
    "HEADS",
    "LARGER_CLASSES_FUSION",
    "RANDOM_KERNEL_FUSION",
    "RANDOM_KERNEL_MAX_SERIES_PER_CLASS",
    "ConvLSTMClassifier",
]

#: Values of ``ConvLSTMClassifier(head=...)``.
HEADS = ("auto", "softmax", "random-kernels")
#: ``head="auto"`` adds the random-kernel head when the smallest class has at
#: most this many training series (the threshold chosen by cross-validation
#: on training splits; see the evidence page of the documentation).
RANDOM_KERNEL_MAX_SERIES_PER_CLASS = 2
#: Weight of the ridge scores against the network's log-probabilities, for
#: ``head="random-kernels"`` and for ``head="auto"`` with at most
#: :data:`RANDOM_KERNEL_MAX_SERIES_PER_CLASS` series in the smallest class.
RANDOM_KERNEL_FUSION = 10.0
#: The weight ``head="auto"`` gives the ridge when every class has more
#: series, up to :data:`FUSION_MAX_SERIES` training series (chosen by
#: cross-validation on training splits from 24 series, and on draws of 3 to 8
#: series per class below; see the evidence page of the documentation).
LARGER_CLASSES_FUSION = 3.0
#: ``head="auto"`` fuses at :data:`LARGER_CLASSES_FUSION` up to this many
#: training series: a bound on the ridge's memory (10,000 float64 features
#: per series).
FUSION_MAX_SERIES = 1000


@document_shared
class ConvLSTMClassifier(ClassifierMixin, BaseConvLSTM):
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

    Data larger than memory streams batch by batch, without a copy: a
    float32 NumPy memmap (``np.load(path, mmap_mode="r")``) as it is; a
    memmap of another float or integer dtype, an HDF5 dataset (h5py) or any
    array that slices (``shape``, ``dtype``, ``__getitem__``: zarr, dask) is
    read and cast to float32 one batch at a time
    (:class:`~sklearn_convlstm.LazySeries`); series of unequal length
    stored end to end on disk go in as a
    :class:`~sklearn_convlstm.RaggedSeries`. The scaling statistics are
    computed in chunks and batches are read one at a time, so memory does not
    grow with the size of the file (measured peaks are on the evidence page of
    the documentation).

    Parameters
    ----------
    {shared_parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in scikit-learn: in the network's loss and,
        as sample weights, in the fit of the random-kernel ridge (``head``).
    head : {{"auto", "softmax", "random-kernels"}}, default="auto"
        What makes the predictions. ``"softmax"``: the network's own linear
        head. ``"random-kernels"``: the network, plus a ridge classifier on
        10,000 random-kernel (MiniRocket) features of the scaled training
        series (:mod:`sklearn_convlstm.nn._random_kernels`), fitted after the
        network; predictions are ``softmax(log_softmax(network logits) +
        w * ridge scores)`` with ``w = RANDOM_KERNEL_FUSION``, so the ridge
        decides and the network breaks near-ties. The head's fit holds the
        scaled training series in memory (float32, padded to the longest; at
        most 2 GiB,
        :data:`~sklearn_convlstm._random_kernel_head.RANDOM_KERNEL_MAX_BYTES`),
        also when they are read from disk, so a model fitted on disk equals
        one fitted in memory.
        ``"auto"``, when that bound holds, the longest series has at least 9
        steps and ``variant="default"``: with at most
        :data:`RANDOM_KERNEL_MAX_SERIES_PER_CLASS` training series in the
        smallest class (where a network trained from scratch collapses), the
        random-kernel head as above; with more, no ``accelerator`` and at
        most :data:`FUSION_MAX_SERIES` training series, the random-kernel
        head with ``w = LARGER_CLASSES_FUSION``, where the network decides
        unless the ridge is confident; otherwise the softmax head.
        The article presets and causal networks (``conv_padding="causal"``
        with ``bidirectional=False``, which stream) never get the ridge. The
        head runs on the network's device; ``export_onnx`` and ``explain``
        cover it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the column order of :meth:`predict_proba`.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net (``net_.module_`` is the
        :class:`~sklearn_convlstm.nn.ConvLSTMNetwork`).
    history_ : skorch.History
        Per-epoch ``train_loss`` and, with early stopping, ``valid_loss`` and
        ``valid_acc``.
    head_ : str
        The head ``fit`` used: ``"softmax"`` or ``"random-kernels"``.
    random_kernel_head_ : RandomKernelRidge or None
        The fitted random-kernel ridge head, or ``None``.
    fusion_weight_ : float
        The weight ``w`` of the ridge scores in the predictions (0.0 with the
        softmax head).
    {shared_attributes}

    See Also
    --------
    sklearn_convlstm.nn._networks.ConvLSTMNetwork : The PyTorch module.
    sklearn_convlstm._preprocessing.TimeSeriesScaler : Scaling for pipelines.
    sklearn_convlstm._persistence.save_model : Save a fitted model without pickle.

    Notes
    -----
    Saving a fitted model: pickle and joblib keep the whole object (with the
    optimizer state, to continue training ``net_``), but loading a pickle can
    run arbitrary code: unpickle only files you trust.
    :func:`~sklearn_convlstm.save_model` writes a file whose
    loading runs nothing (hyperparameters and fitted attributes as JSON, the
    weights read back with ``torch.load(weights_only=True)``) and records the
    SHA-256 of the weights, which
    :func:`~sklearn_convlstm.load_model` checks: an altered or
    corrupted file raises a ``ValueError``. The loaded model predicts exactly
    as the saved one.

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
        **BaseConvLSTM._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "head": [StrOptions(set(HEADS))],
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
        class_weight: dict | str | None = None,
        head: str = "auto",
    ) -> None:
        super().__init__(
            variant=variant,
            conv_channels=conv_channels,
            kernel_sizes=kernel_sizes,
            conv_padding=conv_padding,
            batch_norm=batch_norm,
            pool_sizes=pool_sizes,
            conv_dropout=conv_dropout,
            rnn=rnn,
            lstm_hidden_size=lstm_hidden_size,
            lstm_layers=lstm_layers,
            bidirectional=bidirectional,
            readout=readout,
            recurrent_dropout=recurrent_dropout,
            conv_skip=conv_skip,
            scaling=scaling,
            augmentation=augmentation,
            augmentation_window=augmentation_window,
            augmentation_scale=augmentation_scale,
            optimizer=optimizer,
            lr=lr,
            weight_decay=weight_decay,
            lr_schedule=lr_schedule,
            batch_size=batch_size,
            max_epochs=max_epochs,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            patience=patience,
            callbacks=callbacks,
            device=device,
            mixed_precision=mixed_precision,
            cuda_graphs=cuda_graphs,
            accelerator=accelerator,
            verbose=verbose,
            progress_bar=progress_bar,
            random_state=random_state,
        )
        self.class_weight = class_weight
        self.head = head

    @fit_context(prefer_skip_nested_validation=True)
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
        series, lengths, targets = self._fit(X, y)
        self._fit_head(series, lengths, targets)
        return self

    def _resolve_head(self, series: Any, lengths: np.ndarray, targets: Any) -> str:
        """Return the head ``fit`` uses; raise when the one asked for cannot be.

        ``"larger-classes"`` (from ``head="auto"`` only) is the random-kernel
        head with the weight :data:`LARGER_CLASSES_FUSION`.
        """
        if self.head == "softmax":
            return "softmax"
        reasons = []
        memory = scaled_series_memory_problem(lengths, self.n_channels_in_)
        if memory is not None:
            reasons.append(memory)
        if int(lengths.max()) < KERNEL_LENGTH:
            # shorter series among longer ones are fine: their own steps count
            reasons.append(
                f"the longest training series has {int(lengths.max())} steps "
                f"(random kernels need at least {KERNEL_LENGTH})"
            )
        if self.head == "random-kernels":
            if reasons:
                raise ValueError(
                    "head='random-kernels' cannot be fitted: "
                    + "; ".join(reasons)
                    + ". Use head='softmax'."
                )
            return "random-kernels"
        # a causal network is for streaming, which the ridge cannot do
        if (
            reasons
            or self.variant != "default"
            or is_causal_configuration(self.network_params_)
        ):
            return "softmax"
        smallest = int(np.bincount(targets).min())
        if smallest <= RANDOM_KERNEL_MAX_SERIES_PER_CLASS:
            return "random-kernels"
        if self.accelerator is None and len(targets) <= FUSION_MAX_SERIES:
            return "larger-classes"
        return "softmax"

    def _fit_head(self, series: Any, lengths: np.ndarray, targets: Any) -> None:
        """Resolve ``head`` and fit the random-kernel ridge head when it applies.

        The head is fitted on the CPU (scikit-learn's ridge), then moved to the
        network's device, where :meth:`_random_kernel_scores` runs it.
        """
        head = self._resolve_head(series, lengths, targets)
        self.head_ = "softmax" if head == "softmax" else "random-kernels"
        self.fusion_weight_ = {
            "softmax": 0.0,
            "random-kernels": RANDOM_KERNEL_FUSION,
            "larger-classes": LARGER_CLASSES_FUSION,
        }[head]
        self.random_kernel_head_: RandomKernelRidge | None = None
        if self.head_ == "softmax":
            return
        width = int(lengths.max())
        x = torch.cat(
            [
                torch.nn.functional.pad(scaled.cpu(), (0, width - scaled.shape[-1]))
                for scaled, _ in self._scaled_batches(series, lengths)
            ]
        )
        targets = np.asarray(targets)
        ridge = fit_random_kernel_ridge(
            x,
            targets,
            len(self.classes_),
            None if bool((lengths == width).all()) else torch.from_numpy(lengths),
            random_state=draw_seed(self.random_state),
            # the network's loss weighs the classes so; so does the ridge
            class_weights=check_class_weight(
                self.class_weight, self.classes_, self.classes_[targets]
            ),
        )
        self.random_kernel_head_ = ridge.to(self._network_device()).eval()

    def _network_device(self) -> torch.device:
        """Return the device the fitted network's weights are on."""
        return next(self.net_.module_.parameters()).device

    def _scaled_batches(
        self, X: Any, lengths: np.ndarray
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        """Yield validated series batch by batch through the network's input scaling.

        Each batch is a float32 tensor on the network's device, with the true
        lengths of its series (a CPU tensor) when they differ (as
        :func:`prediction_batches` gives them).
        """
        scaling = self.net_.module_.input_scaling
        device = self._network_device()
        with torch.inference_mode(), read_only_ok(X):
            for batch, batch_lengths in prediction_batches(X, lengths):
                batch = batch.to(device, torch.float32)
                if scaling is None:
                    yield batch, batch_lengths
                    continue
                moved = None if batch_lengths is None else batch_lengths.to(device)
                yield scaling(batch, moved).float(), batch_lengths

    def _random_kernel_scores(
        self, X: Any, lengths: np.ndarray | None = None
    ) -> torch.Tensor:
        """Ridge scores of the random-kernel head, float64 (n_samples, n_classes).

        Computed where the head is: on the network's device after ``fit``
        (on the CPU after unpickling, which stores the head there). Returned
        on the CPU. With ``lengths``, X is taken as already validated.
        """
        if lengths is None:
            X, lengths = self._prediction_input(X)
        head = self.random_kernel_head_
        assert head is not None
        device = next(head.buffers()).device
        with torch.inference_mode():
            return torch.cat(
                [
                    head(scaled.to(device), batch_lengths).double().cpu()
                    for scaled, batch_lengths in self._scaled_batches(X, lengths)
                ]
            )

    def _class_scores(self, X: Any) -> torch.Tensor:
        """Return the scores whose argmax ``predict`` takes (softmax: probabilities)."""
        X, lengths = self._prediction_input(X)  # validated once for both
        logits = self._network_outputs(X, lengths).double()
        if getattr(self, "random_kernel_head_", None) is None:
            return logits
        return torch.log_softmax(
            logits, dim=1
        ) + self._fusion_weight() * self._random_kernel_scores(X, lengths)

    def _fusion_weight(self) -> float:
        """Return the fusion weight (10 for models fitted before it was stored)."""
        return float(getattr(self, "fusion_weight_", RANDOM_KERNEL_FUSION))

    def _network_targets(self, y: Any, n_samples: int) -> np.ndarray:
        """Encode the labels as int64 indices into ``classes_`` (set here)."""
        y = check_classification_labels(y, n_samples)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            label = self.classes_[0]  # a NumPy scalar, or a str/object label
            label = label.item() if isinstance(label, np.generic) else label
            raise ValueError(
                f"y has only 1 class ({label!r}); a classifier "
                "needs at least 2 classes in the training labels."
            )
        return y_encoded.astype(np.int64)

    def _n_outputs(self) -> int:
        return len(self.classes_)

    def _make_net(
        self, module: torch.nn.Module, y_train: np.ndarray, **kwargs: Any
    ) -> _AutocastNeuralNetClassifier:
        """Cross-entropy (with ``class_weight``) on the encoded labels."""
        criterion_weight = None
        weights = check_class_weight(
            self.class_weight, self.classes_, self.classes_[y_train]
        )
        if weights is not None:
            criterion_weight = torch.as_tensor(weights, dtype=torch.float32)
        return _AutocastNeuralNetClassifier(
            module,
            criterion=torch.nn.CrossEntropyLoss,
            criterion__weight=criterion_weight,
            classes=np.arange(len(self.classes_)),
            **kwargs,
        )

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
        return torch.softmax(self._class_scores(X), dim=1).numpy()

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
        best = self._class_scores(X).argmax(dim=1).numpy()  # checks it is fitted
        return self.classes_[best]

    def stream(self, n_series: int = 1) -> ConvLSTMStream:
        """Follow ``n_series`` series as they arrive, step by step.

        Needs a causal model (``variant="causal"``): see
        :class:`~sklearn_convlstm.streaming.ConvLSTMStream`.

        Parameters
        ----------
        n_series : int, default=1
            Number of series followed side by side.

        Returns
        -------
        stream : ConvLSTMStream
            Its ``update(chunk)`` takes the next steps of each series and
            returns the class probabilities given all steps so far, equal to
            :meth:`predict_proba` on those prefixes.

        Raises
        ------
        ValueError
            If the model is not causal (fit it with ``variant="causal"``).
        """
        return ConvLSTMStream(self, n_series)
