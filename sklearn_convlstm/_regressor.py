"""``ConvLSTMRegressor``: time-series extrinsic regression with the Conv1D->LSTM net.

The same networks, parameters, training and prediction as
:class:`~sklearn_convlstm.ConvLSTMClassifier` (shared in
:mod:`sklearn_convlstm._base`); this module adds what regression needs:
numeric targets of shape ``(n,)`` or ``(n, k)``, standardised on the training
targets inside the estimator, a mean squared error in those standard units,
a random early-stopping split, ``predict`` in the targets' own units and the
cross-fitted random-kernel head of ``head="random-kernels"`` (early-stopped
networks blended with ridge regressions on random-kernel features, the blend
chosen on every training series out of fold).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import RegressorMixin, clone
from sklearn.model_selection import KFold, ShuffleSplit
from sklearn.preprocessing import StandardScaler
from torch import nn

from sklearn_convlstm._base import BaseConvLSTM
from sklearn_convlstm._engine.batching import prediction_batches, read_only_ok
from sklearn_convlstm._engine.nets import FLOAT64_MODULE, _AutocastNeuralNetRegressor
from sklearn_convlstm._estimator_docs import document_shared
from sklearn_convlstm._parameters import draw_seed
from sklearn_convlstm._random_kernel_head import (
    choose_blend,
    fit_random_kernel_regression,
    ridge_regression_outputs,
    scaled_series_memory_problem,
)
from sklearn_convlstm._targets import check_float32_targets, check_regression_targets
from sklearn_convlstm._validation import (
    StrOptions,
    fit_context,
    series_lengths,
    take_samples,
    validate_series_input,
)
from sklearn_convlstm.nn import RandomKernelRidge
from sklearn_convlstm.nn._random_kernels import KERNEL_LENGTH

__all__ = [
    "CROSS_FIT_FOLDS",
    "CROSS_FIT_MIN_SERIES",
    "HEADS",
    "ConvLSTMRegressor",
    "StandardisedMSELoss",
    "refuse_cross_fitted",
]

#: Values of ``ConvLSTMRegressor(head=...)``.
HEADS = ("auto", "network", "random-kernels")
#: ``head="random-kernels"`` trains this many networks and ridges, each on all
#: training series but one fold of them.
CROSS_FIT_FOLDS = 3
#: ``head="auto"`` uses the random-kernel head from this many training series
#: (the smallest training fold of the study that chose it had 93).
CROSS_FIT_MIN_SERIES = 90


class StandardisedMSELoss(nn.Module):
    """Mean squared error in units of each target's training standard deviation.

    ``mean(((y_pred - y_true) / scale) ** 2)``: the network outputs values in
    the targets' units (its last layer undoes the standardisation), and this
    loss equals the plain MSE between standardised predictions and targets,
    so every output weighs the same and the learning rate does not depend on
    the targets' units.

    Parameters
    ----------
    scale : array-like of shape (n_outputs,)
        Standard deviation of each target on the training series.

    Examples
    --------
    >>> import torch
    >>> loss = StandardisedMSELoss([2.0])
    >>> float(loss(torch.tensor([[3.0]]), torch.tensor([[1.0]])))
    1.0
    """

    scale: torch.Tensor

    def __init__(self, scale: Any) -> None:
        super().__init__()
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        """Return the standardised mean squared error (a scalar tensor)."""
        y_true = y_true.to(y_pred.dtype).reshape(y_pred.shape)
        return torch.mean(((y_pred - y_true) / self.scale) ** 2)


@document_shared
class ConvLSTMRegressor(RegressorMixin, BaseConvLSTM):
    """Time-series regressor: 1D convolutions, then an LSTM, then a linear head.

    Time-series extrinsic regression: one number (or ``k`` numbers) per
    series, e.g. a concentration from a spectrum or an outcome from a
    recording. The network, its parameters, the input scaling, unequal
    lengths, mixed precision, devices, CUDA graphs and data-parallel training
    are those of :class:`~sklearn_convlstm.ConvLSTMClassifier`; the head has
    one output per target. The targets are standardised on the training
    series inside the estimator (``target_scaler_``) and the network's last
    layer (:class:`~sklearn_convlstm.nn._networks.OutputScaling`) maps its
    outputs back, so ``predict``, :func:`~sklearn_convlstm.inspection` and
    :func:`~sklearn_convlstm.export_onnx` all give values in the targets'
    units. The loss is the mean squared error of the standardised values
    (:class:`StandardisedMSELoss`); ``score`` is R² (``RegressorMixin``).
    On CPU (without ``mixed_precision``) ``predict`` evaluates the trained
    network in float64, so a prediction does not depend on the other series
    of its batch (float32 products round differently with the batch size).

    Data convention: ``X`` as for the classifier (``(n_samples, n_channels,
    n_timesteps)``, 2D univariate, or a list of ``(n_channels, length_i)``
    arrays of unequal length); ``y`` numeric of shape ``(n_samples,)`` or
    ``(n_samples, n_outputs)``, finite. The network computes in float32:
    targets beyond its range, or whose float32 rounding would lose their
    spread (a large offset with a small spread, such as ``1.7e9 +
    np.arange(12)``), are refused with a ``ValueError`` naming y; fit such
    targets through :class:`sklearn.compose.TransformedTargetRegressor` with a
    ``StandardScaler``, which standardizes them in float64.

    Parameters
    ----------
    {shared_parameters}
    head : {{"auto", "network", "random-kernels"}}, default="auto"
        What makes the predictions. ``"network"``: one network trained on all
        training series (or with early stopping if ``early_stopping=True``).
        ``"random-kernels"``: cross-fitting. The training series are split
        into :data:`CROSS_FIT_FOLDS` (3) shuffled folds; for each, a copy of
        this estimator with ``head="network"`` and ``early_stopping=True``
        (its own ``validation_fraction`` held out, the weights of its best
        validation loss restored) and a ridge regression (``RidgeCV``,
        penalty by leave-one-out) on 10,000 random-kernel (MiniRocket)
        features of the network-scaled series
        (:class:`~sklearn_convlstm.nn.RandomKernelFeatures`) are trained on
        the other folds; the ridge's predictions are clipped to the range of
        the targets it was trained on. Their predictions on the fold they did
        not see, for every training series, choose per target the networks'
        weight ``w`` in the blend and a shrinkage ``s`` toward the mean
        (:func:`~sklearn_convlstm._random_kernel_head.choose_blend`: 0 to 1
        by 0.1 each; ``s`` is 0 where the chosen blend's out-of-fold R² is
        below what the same choice reaches with the targets permuted).
        ``predict`` returns ``mean + s * (w * network + (1 - w) * ridge -
        mean)``, ``network`` and ``ridge`` the averages over the three. It
        costs three fits on two thirds of the series each, with early
        stopping. ``"auto"``: ``"random-kernels"`` from
        :data:`CROSS_FIT_MIN_SERIES` (90) training series, the longest of at
        least 9 steps, whose scaled copies fit in 2 GiB
        (:data:`~sklearn_convlstm._random_kernel_head.RANDOM_KERNEL_MAX_BYTES`,
        held by the ridges' fits also when the series are read from disk),
        with ``variant="default"`` and no ``accelerator``; otherwise
        ``"network"``. Models with the random-kernel head predict, score and
        pickle; ``save_model``, ``export_onnx`` and ``explain`` cover one
        network and refuse them (fit with ``head="network"`` for those).

    Attributes
    ----------
    head_ : str
        The head ``fit`` used: ``"network"`` or ``"random-kernels"``.
    net_ : skorch.NeuralNetRegressor
        The trained skorch net (``net_.module_`` is the
        :class:`~sklearn_convlstm.nn.ConvLSTMNetwork`, outputs in the
        targets' units). Only with ``head_ == "network"``; likewise
        ``history_``, ``target_scaler_`` and the other attributes of the
        trained network below.
    members_ : list of ConvLSTMRegressor
        With ``head_ == "random-kernels"``: the three early-stopped networks,
        each fitted with ``head="network"`` on all training series but one
        fold (``None`` otherwise; likewise the four below).
    random_kernel_heads_ : list of RandomKernelRidge
        The ridge regression on random-kernel features trained beside each
        member (on the member's scaled series, in the targets' units).
    target_ranges_ : ndarray of shape (3, 2, n_outputs)
        Per member, the lowest and highest target it was trained on: its
        ridge's predictions are clipped to them.
    blend_weight_, shrinkage_ : ndarray of shape (n_outputs,)
        The networks' weight in the blend and the shrinkage toward
        ``target_mean_``, per target (shrinkage 0: the training mean).
    target_mean_ : ndarray of shape (n_outputs,)
        Mean of the training targets.
    history_ : skorch.History
        Per-epoch ``train_loss`` and, with early stopping, ``valid_loss``
        (mean squared error in standard deviations of the targets).
    target_scaler_ : sklearn.preprocessing.StandardScaler
        Fitted on the training targets (as a 2D array); the network's output
        layer applies its inverse.
    n_outputs_ : int
        Number of targets.
    target_ndim_ : {1, 2}
        Dimensions of the training ``y``: ``predict`` returns ``(n_samples,)``
        for 1, ``(n_samples, n_outputs_)`` for 2.
    {shared_attributes}

    See Also
    --------
    ConvLSTMClassifier : The classifier with the same network.
    sklearn_convlstm.make_feature_baseline : ``task="regression"`` baselines.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm import ConvLSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(20, 1, 30))
    >>> y = 100 + 10 * X.mean(axis=(1, 2))
    >>> reg = ConvLSTMRegressor(max_epochs=1, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> reg.predict(X[:3]).dtype
    dtype('float64')
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseConvLSTM._parameter_constraints,
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
        self.head = head

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> ConvLSTMRegressor:
        """Train the network on time series X with numeric targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Training series (see the class docstring for the convention).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Finite numeric targets that float32 holds without losing their
            spread (see the class docstring).

        Returns
        -------
        self : ConvLSTMRegressor
            The fitted estimator.
        """
        self._check_parameter_entries()
        # validated once here to choose the head (the network path validates
        # again, as it always did)
        series = validate_series_input(
            self, X, reset=True, require_fitted_length=True, allow_lazy=True
        )
        self.head_ = self._resolve_head(series)
        self.members_: list[ConvLSTMRegressor] | None = None
        self.random_kernel_heads_: list[RandomKernelRidge] | None = None
        self.target_ranges_: np.ndarray | None = None
        self.blend_weight_: np.ndarray | None = None
        self.shrinkage_: np.ndarray | None = None
        self.target_mean_: np.ndarray | None = None
        if self.head_ == "network":
            self._fit(X, y)
        else:
            self._fit_cross_fitted(series, y)
        return self

    def _resolve_head(self, X: Any) -> str:
        """Return the head ``fit`` uses; raise when the one asked for cannot be."""
        if self.head == "network":
            return "network"
        lengths = series_lengths(X)
        reasons = []
        # validated series: each is (n_channels, n_timesteps)
        memory = scaled_series_memory_problem(lengths, len(X[0]))
        if memory is not None:
            reasons.append(memory)
        if int(lengths.max()) < KERNEL_LENGTH:
            reasons.append(
                f"the longest training series has {int(lengths.max())} steps "
                f"(random kernels need at least {KERNEL_LENGTH})"
            )
        if self.accelerator is not None:
            reasons.append("an accelerator trains one network over processes")
        if self.head == "random-kernels":
            if reasons:
                raise ValueError(
                    "head='random-kernels' cannot be fitted: "
                    + "; ".join(reasons)
                    + ". Use head='network'."
                )
            return "random-kernels"
        if reasons or self.variant != "default" or len(lengths) < CROSS_FIT_MIN_SERIES:
            return "network"
        return "random-kernels"

    def _fit_cross_fitted(self, X: Any, y: Any) -> None:
        """Train the members and their ridges; choose the blend out of fold."""
        n_samples = len(X)
        # the float32 checks of the network's targets, and target_ndim_
        self._network_targets(y, n_samples)
        targets = np.asarray(
            check_regression_targets(y, n_samples), dtype=np.float64
        ).reshape(n_samples, -1)
        if n_samples < 2 * CROSS_FIT_FOLDS:
            raise ValueError(
                f"head='random-kernels' trains on {CROSS_FIT_FOLDS} folds of the "
                f"training series and needs at least {2 * CROSS_FIT_FOLDS}; got "
                f"{n_samples}. Use head='network'."
            )
        lengths = series_lengths(X)
        seed = (
            int(self.random_state)
            if isinstance(self.random_state, (int, np.integer))
            else draw_seed(self.random_state)
        )
        children = np.random.SeedSequence(seed).spawn(CROSS_FIT_FOLDS)
        member_seeds = [int(child.generate_state(1)[0] >> 1) for child in children]
        folds = KFold(CROSS_FIT_FOLDS, shuffle=True, random_state=seed)
        network_oof = np.empty_like(targets)
        ridge_oof = np.empty_like(targets)
        mean_oof = np.empty_like(targets)
        members, heads, ranges = [], [], []
        for member_seed, (train, held_out) in zip(
            member_seeds, folds.split(targets), strict=True
        ):
            member = clone(self).set_params(
                head="network", early_stopping=True, random_state=member_seed
            )
            X_train = take_samples(X, train)
            y_train = targets[train] if self.target_ndim_ == 2 else targets[train, 0]
            member.fit(X_train, y_train)
            x, x_lengths = member._scaled_series(X_train, lengths[train])
            head = fit_random_kernel_regression(
                x, targets[train], x_lengths, random_state=member_seed
            )
            low, high = targets[train].min(axis=0), targets[train].max(axis=0)
            X_held_out = take_samples(X, held_out)
            network_oof[held_out] = (
                member._network_outputs(X_held_out, lengths[held_out]).double().numpy()
            )
            ridge_oof[held_out] = np.clip(
                ridge_regression_outputs(
                    head, *member._scaled_series(X_held_out, lengths[held_out])
                ),
                low,
                high,
            )
            mean_oof[held_out] = targets[train].mean(axis=0)
            members.append(member)
            heads.append(head)
            ranges.append(np.stack([low, high]))
        choices = [
            choose_blend(
                targets[:, k], network_oof[:, k], ridge_oof[:, k], mean_oof[:, k], seed
            )
            for k in range(targets.shape[1])
        ]
        self.members_ = members
        self.random_kernel_heads_ = heads
        self.target_ranges_ = np.stack(ranges)
        self.blend_weight_ = np.array([choice[0] for choice in choices])
        self.shrinkage_ = np.array([choice[1] for choice in choices])
        self.target_mean_ = targets.mean(axis=0)

    def _scaled_batches(
        self, X: Any, lengths: np.ndarray
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        """Yield validated series batch by batch through the network's input scaling.

        Each batch is a float32 CPU tensor, with the true lengths of its series
        when they differ (as :func:`prediction_batches` gives them).
        """
        scaling = self.net_.module_.input_scaling
        device = (
            torch.device("cpu")
            if scaling is None
            else next(scaling.buffers(), torch.empty(0)).device
        )
        with torch.inference_mode(), read_only_ok(X):
            for batch, batch_lengths in prediction_batches(X, lengths):
                if scaling is None:
                    yield batch.float(), batch_lengths
                    continue
                moved = None if batch_lengths is None else batch_lengths.to(device)
                scaled = scaling(batch.to(device, torch.float32), moved)
                yield scaled.float().cpu(), batch_lengths

    def _scaled_series(
        self, X: Any, lengths: np.ndarray
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """All scaled series in one tensor (padded to the longest), and lengths."""
        width = int(lengths.max())
        x = torch.cat(
            [
                torch.nn.functional.pad(scaled, (0, width - scaled.shape[-1]))
                for scaled, _ in self._scaled_batches(X, lengths)
            ]
        )
        equal = bool((lengths == width).all())
        return x, None if equal else torch.from_numpy(np.asarray(lengths))

    def _network_targets(self, y: Any, n_samples: int) -> np.ndarray:
        """Check the targets; the net trains on them as float32 (n, n_outputs)."""
        y = check_regression_targets(y, n_samples)
        if n_samples < 2:
            raise ValueError(
                f"ConvLSTMRegressor needs at least 2 series to train; got "
                f"{n_samples} sample in X and y (n_samples = {n_samples})."
            )
        check_float32_targets(y)
        self.target_ndim_ = int(y.ndim)
        y = y.reshape(n_samples, -1)
        self.n_outputs_ = int(y.shape[1])
        return y.astype(np.float32)

    def _n_outputs(self) -> int:
        return self.n_outputs_

    def _output_scaling(self, y_train: np.ndarray) -> tuple[Any, Any]:
        """Standardise on the targets the network trains on; undo it at the output."""
        self.target_scaler_ = StandardScaler().fit(y_train.astype(np.float64))
        return self.target_scaler_.mean_, self.target_scaler_.scale_

    def _make_net(
        self, module: torch.nn.Module, y_train: np.ndarray, **kwargs: Any
    ) -> _AutocastNeuralNetRegressor:
        """Standardised mean squared error on the targets in their units."""
        return _AutocastNeuralNetRegressor(
            module,
            criterion=StandardisedMSELoss,
            criterion__scale=torch.as_tensor(
                self.target_scaler_.scale_, dtype=torch.float32
            ),
            **kwargs,
        )

    def _validation_split(
        self, y_train: np.ndarray, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        n_samples = len(y_train)
        n_valid = max(math.ceil(self.validation_fraction * n_samples), 1)
        if n_samples - n_valid < 2:
            raise ValueError(
                f"early_stopping=True holds out {n_valid} of {n_samples} series "
                "for validation, leaving fewer than 2 to train on. Use "
                "early_stopping=False or more data."
            )
        splitter = ShuffleSplit(n_splits=1, test_size=n_valid, random_state=seed)
        train_index, valid_index = next(splitter.split(np.zeros(n_samples)))
        return np.sort(train_index), np.sort(valid_index)

    # -------------------------------------------------------------- predict

    def predict(self, X: Any) -> np.ndarray:
        """Predict the targets of each series, in the training targets' units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Series with the channels (and, for a model fitted on equal-length
            series, the length) seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            float64, shaped like the training ``y``.
        """
        if getattr(self, "members_", None) is None:
            outputs = self._network_outputs(X).double().numpy()
        else:
            outputs = self._cross_fitted_outputs(X)
        return outputs[:, 0] if self.target_ndim_ == 1 else outputs

    def _cross_fitted_outputs(self, X: Any) -> np.ndarray:
        """Return the members' networks and clipped ridges blended (n, n_outputs)."""
        assert self.members_ is not None and self.random_kernel_heads_ is not None
        assert self.target_ranges_ is not None
        # validated once, by the first member (all were fitted on the same
        # channels and lengths)
        X, lengths = self.members_[0]._prediction_input(X)
        networks, ridges = [], []
        for member, head, (low, high) in zip(
            self.members_, self.random_kernel_heads_, self.target_ranges_, strict=True
        ):
            networks.append(member._network_outputs(X, lengths).double().numpy())
            ridge = np.concatenate(
                [
                    ridge_regression_outputs(head, scaled, batch_lengths)
                    for scaled, batch_lengths in member._scaled_batches(X, lengths)
                ]
            )
            ridges.append(np.clip(ridge, low, high))
        weight = np.asarray(self.blend_weight_)
        mean = np.asarray(self.target_mean_)
        blend = weight * np.mean(networks, axis=0) + (1.0 - weight) * np.mean(
            ridges, axis=0
        )
        return mean + np.asarray(self.shrinkage_) * (blend - mean)

    def _inference_module(
        self, module: torch.nn.Module, device: str, precision: str | None
    ) -> tuple[torch.nn.Module, torch.dtype]:
        """Return a float64 copy of the trained network on CPU (no mixed precision).

        float32 matrix products round differently with the number of rows
        (BLAS picks other kernels), so a series' float32 prediction changes in
        the last bits with the batch it is in; in float64 these differences
        are ~1e-16 and a prediction does not depend on its batch (what
        scikit-learn's ``check_methods_subset_invariance`` asks, to 1e-7).
        The copy is made once per set of weights and kept by ``net_`` (not
        pickled), so ``predict`` leaves the estimator's ``__dict__`` as it is.
        """
        if torch.device(device).type != "cpu" or precision is not None:
            return module, torch.float32
        key = (id(module), tuple(p._version for p in module.parameters()))
        cached = self.net_.__dict__.get(FLOAT64_MODULE)
        if cached is None or cached[0] != key:
            cached = (key, copy.deepcopy(module).double().eval())
            self.net_.__dict__[FLOAT64_MODULE] = cached
        return cached[1], torch.float64


def refuse_cross_fitted(estimator: Any, purpose: str) -> None:
    """Raise a ``ValueError`` for a regressor fitted with the random-kernel head.

    ``purpose`` (``"export_onnx"``, ``"save_model"``...) covers one network,
    and such a regressor averages several blended with ridge regressions.
    """
    if getattr(estimator, "members_", None) is not None:
        raise ValueError(
            f"{purpose} covers one network, and this ConvLSTMRegressor was fitted "
            f"with head_='random-kernels' ({len(estimator.members_)} networks "
            "blended with ridge regressions on random-kernel features). Fit it "
            f"with head='network' for {purpose}, or pickle it (joblib.dump) to "
            "keep it."
        )
