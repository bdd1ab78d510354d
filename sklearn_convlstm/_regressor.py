"""``ConvLSTMRegressor``: time-series extrinsic regression with the Conv1D->LSTM net.

The same networks, parameters, training and prediction as
:class:`~sklearn_convlstm.ConvLSTMClassifier` (shared in
:mod:`sklearn_convlstm._base`); this module adds what regression needs:
numeric targets of shape ``(n,)`` or ``(n, k)``, standardised on the training
targets inside the estimator, a mean squared error in those standard units,
a random early-stopping split and ``predict`` in the targets' own units.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.model_selection import ShuffleSplit
from sklearn.preprocessing import StandardScaler
from torch import nn

from sklearn_convlstm._base import BaseConvLSTM
from sklearn_convlstm._engine.nets import FLOAT64_MODULE, _AutocastNeuralNetRegressor
from sklearn_convlstm._estimator_docs import document_shared
from sklearn_convlstm._targets import check_float32_targets, check_regression_targets
from sklearn_convlstm._validation import fit_context

__all__ = ["ConvLSTMRegressor", "StandardisedMSELoss"]


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

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The trained skorch net (``net_.module_`` is the
        :class:`~sklearn_convlstm.nn.ConvLSTMNetwork`, outputs in the
        targets' units).
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
        self._fit(X, y)
        return self

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
        outputs = self._network_outputs(X).double().numpy()
        return outputs[:, 0] if self.target_ndim_ == 1 else outputs

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
