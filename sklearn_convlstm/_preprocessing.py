"""Scale time series and bring series of unequal length to one length.

Both transformers keep the number of rows (series): they can sit in a
:class:`~sklearn.pipeline.Pipeline` in front of
:class:`~sklearn_convlstm.ConvLSTMClassifier`.

* :class:`TimeSeriesScaler`: per-series z-normalisation, per-channel
  standardisation fitted on the training set, or per-channel min-max scaling.
* :class:`PadTruncate`: pads (or truncates) every series to one fixed length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from sklearn_convlstm._statistics import (
    TrainingStatistics,
    channel_statistics,
    log_amplitude_statistics,
)
from sklearn_convlstm._validation import (
    Interval,
    LazyData,
    SeriesData,
    StrOptions,
    _is_univariate_table,
    check_series,
    fit_context,
    pad_series,
    series_lengths,
    validate_series_input,
)
from sklearn_convlstm.nn import InputScaling, z_normalize

__all__ = ["NETWORK_SCALING", "PadTruncate", "ScalingPlan", "TimeSeriesScaler"]

#: The network's in-batch scaling (:class:`~sklearn_convlstm.nn._input_layers.
#: InputScaling` method) for each ``scaling`` option of the classifier.
NETWORK_SCALING: dict[str | None, str | None] = {
    None: None,
    "per_channel": "affine",
    "minmax": "affine",
    "per_series": "per_series",
    "per_series_amplitude": "per_series_amplitude",
}


def _check_transform_input(estimator: BaseEstimator, X: Any) -> SeriesData:
    """Validate X in ``transform``; against the fit when there was one.

    Stateless transformers may be used without ``fit``: then only the input
    itself is checked (and the parameters, which ``fit`` would have checked).
    """
    if hasattr(estimator, "n_channels_in_"):
        return validate_series_input(
            estimator, X, reset=False, require_fitted_length=False
        )
    estimator._validate_params()
    return check_series(X)


def _as_input_layout(X_out: SeriesData, *, two_d: bool) -> SeriesData:
    """Return 2D ``(n_samples, n_timesteps)`` output for 2D input, else as is."""
    if two_d and isinstance(X_out, np.ndarray):
        return X_out[:, 0, :]
    return X_out


def _per_channel(statistic: np.ndarray) -> np.ndarray:
    """Return a per-channel statistic as float32 (n_channels, 1), to broadcast."""
    return statistic.astype(np.float32)[:, np.newaxis]


def _apply(
    X: SeriesData, function: Callable[[np.ndarray], np.ndarray], *, two_d: bool
) -> SeriesData:
    """Apply a per-channel function to canonical data, in the input's layout."""
    if isinstance(X, np.ndarray):
        return _as_input_layout(function(X), two_d=two_d)
    return [function(series) for series in X]


def _z_normalize(series: np.ndarray) -> np.ndarray:
    """Z-normalise ``(..., n_timesteps)`` float32 data along its last axis.

    With the network's implementation (:func:`~sklearn_convlstm.nn._input_layers.
    z_normalize`), computed in float64 and returned as float32. A constant
    row (standard deviation 0) becomes zeros, never NaN.
    """
    with torch.no_grad():
        scaled, _, _ = z_normalize(torch.from_numpy(series.astype(np.float64)))
    return scaled.numpy().astype(np.float32)


class TimeSeriesScaler(TransformerMixin, BaseEstimator):
    """Scale time series: per series, per channel, or to a range.

    Three methods:

    * ``"per_series"``: z-normalise each series and channel by its own mean and
      standard deviation (population std, ``ddof=0``), the UCR archive's
      convention. Nothing is learned: ``fit`` only records the input layout,
      and ``transform`` also works on an unfitted scaler.
    * ``"per_channel"``: standardise each channel with the mean and standard
      deviation of that channel over all training series and all their
      timesteps (as :class:`~sklearn.preprocessing.StandardScaler` does per
      feature). For unequal-length series every observed timestep counts once.
    * ``"minmax"``: map each channel's training minimum and maximum to
      ``feature_range`` (as :class:`~sklearn.preprocessing.MinMaxScaler` does
      per feature).

    A constant series or channel never produces NaN: its scale is taken as 1
    (so ``"per_series"`` and ``"per_channel"`` map it to 0 and ``"minmax"`` to
    ``feature_range[0]``). NaN or infinite input raises a ``ValueError``.

    Output is float32 in the layout of the input: a 2D array
    ``(n_samples, n_timesteps)`` for 2D input, a 3D array
    ``(n_samples, n_channels, n_timesteps)`` for a 3D array or a list of
    equal-length series, a list of ``(n_channels, length_i)`` arrays for series
    of unequal length.

    Parameters
    ----------
    method : {"per_channel", "per_series", "minmax"}, default="per_channel"
        The scaling, see above.
    feature_range : tuple (min, max), default=(0.0, 1.0)
        Target range of ``method="minmax"``; ignored otherwise.

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,)
        Per-channel training mean. Only for ``method="per_channel"``.
    scale_ : ndarray of shape (n_channels,)
        ``"per_channel"``: per-channel training standard deviation (1 for a
        constant channel). ``"minmax"``: per-channel factor
        ``(max - min) of feature_range / data_range_``.
    min_ : ndarray of shape (n_channels,)
        Per-channel offset of ``"minmax"``: ``transform`` computes
        ``X * scale_ + min_``. Only for ``method="minmax"``.
    data_min_ : ndarray of shape (n_channels,)
        Per-channel training minimum. Only for ``method="minmax"``.
    data_max_ : ndarray of shape (n_channels,)
        Per-channel training maximum. Only for ``method="minmax"``.
    data_range_ : ndarray of shape (n_channels,)
        ``data_max_ - data_min_``. Only for ``method="minmax"``.
    n_features_in_ : int
        ``X.shape[1]`` as passed to ``fit``: the number of channels for a 3D
        array or a list, the number of timesteps for a 2D array.
    n_channels_in_ : int
        Number of channels seen in ``fit``. ``transform`` requires the same.
    n_timesteps_in_ : int or None
        Length of the training series; ``None`` for unequal lengths. Only 2D
        input at ``transform`` must keep it (its columns are scikit-learn's
        features); 3D arrays and lists may have any length.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names, when ``fit`` got a DataFrame with string column names.

    See Also
    --------
    PadTruncate : Bring series of unequal length to one length.
    sklearn_convlstm._windowing.SlidingWindows : Frame series into windows.

    Notes
    -----
    ``inverse_transform`` exists for ``"per_channel"`` and ``"minmax"`` only:
    ``"per_series"`` forgets each series' own mean and scale, so it cannot be
    undone (``hasattr(scaler, "inverse_transform")`` is False then).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._preprocessing import TimeSeriesScaler
    >>> X = np.array([[[1.0, 2.0, 3.0]], [[5.0, 5.0, 5.0]]])  # (2, 1, 3)
    >>> TimeSeriesScaler(method="per_series").fit_transform(X).round(4)
    array([[[-1.2247,  0.    ,  1.2247]],
    <BLANKLINE>
           [[ 0.    ,  0.    ,  0.    ]]], dtype=float32)
    >>> scaler = TimeSeriesScaler(method="per_channel").fit(X)
    >>> scaler.mean_, scaler.scale_.round(4)
    (array([3.5]), array([1.6073]))
    >>> TimeSeriesScaler(method="minmax").fit_transform(X)
    array([[[0.  , 0.25, 0.5 ]],
    <BLANKLINE>
           [[1.  , 1.  , 1.  ]]], dtype=float32)
    """

    _parameter_constraints: ClassVar[dict] = {
        "method": [StrOptions({"per_series", "per_channel", "minmax"})],
        "feature_range": [tuple],
    }

    def __init__(
        self,
        *,
        method: str = "per_channel",
        feature_range: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        self.method = method
        self.feature_range = feature_range

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> TimeSeriesScaler:
        """Learn the per-channel statistics (nothing for ``"per_series"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_timesteps), or list of array-like of shape (n_channels, length_i)
            Training series.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : TimeSeriesScaler
            The fitted scaler.
        """
        if self.method == "minmax":
            self._check_feature_range()
        X = validate_series_input(
            self, X, reset=True, require_fitted_length=False, allow_lazy=True
        )
        if self.method == "per_series":
            return self
        return self._fitchannel_statistics(*channel_statistics(X))

    def _fitchannel_statistics(
        self,
        mean: np.ndarray,
        std: np.ndarray,
        data_min: np.ndarray,
        data_max: np.ndarray,
    ) -> TimeSeriesScaler:
        """Set the fitted attributes from per-channel training statistics."""
        constant = data_min == data_max
        if self.method == "per_channel":
            self.mean_ = mean
            scale = std.copy()
            scale[constant] = 1.0
            self.scale_ = scale
        else:
            range_min, range_max = (float(bound) for bound in self.feature_range)
            self.data_min_ = data_min
            self.data_max_ = data_max
            self.data_range_ = data_max - data_min
            data_range = np.where(constant, 1.0, self.data_range_)
            self.scale_ = (range_max - range_min) / data_range
            self.min_ = range_min - data_min * self.scale_
        return self

    def transform(self, X: Any) -> SeriesData:
        """Scale the series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_timesteps), or list of array-like of shape (n_channels, length_i)
            Series with the channels seen in ``fit``.

        Returns
        -------
        X_scaled : ndarray or list of ndarray, float32
            Same layout as the input (see the class docstring).
        """
        if self.method != "per_series":
            check_is_fitted(self, self._statistics_attribute())
        two_d = _is_univariate_table(X)
        X = _check_transform_input(self, X)
        if self.method == "per_series":
            return _apply(X, _z_normalize, two_d=two_d)
        if self.method == "per_channel":
            mean, scale = _per_channel(self.mean_), _per_channel(self.scale_)
            return _apply(X, lambda values: (values - mean) / scale, two_d=two_d)
        scale, shift = _per_channel(self.scale_), _per_channel(self.min_)
        return _apply(X, lambda values: values * scale + shift, two_d=two_d)

    def get_affine_parameters(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel ``(weight, bias)`` such that transform is ``X * weight + bias``.

        Defined for ``"per_channel"`` and ``"minmax"``, whose scaling is affine
        per channel. :class:`~sklearn_convlstm.ConvLSTMClassifier` uses it to
        scale each batch inside its network, so predictions stream raw batches
        without a scaled copy of the data.

        Returns
        -------
        weight, bias : ndarray of shape (n_channels,), float64
        """
        if self.method == "per_series":
            raise ValueError(
                "per_series scaling is not affine per channel: each series has its "
                "own mean and std, so there are no affine parameters."
            )
        check_is_fitted(self, self._statistics_attribute())
        if self.method == "per_channel":
            return 1.0 / self.scale_, -self.mean_ / self.scale_
        return self.scale_.copy(), self.min_.copy()

    def _inverse_available(self) -> bool:
        return self.method != "per_series"

    @available_if(_inverse_available)
    def inverse_transform(self, X: Any) -> SeriesData:
        """Undo the scaling (``"per_channel"`` and ``"minmax"`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_timesteps), or list of array-like of shape (n_channels, length_i)
            Scaled series.

        Returns
        -------
        X_original : ndarray or list of ndarray, float32
            Same layout as the input.
        """
        check_is_fitted(self, self._statistics_attribute())
        two_d = _is_univariate_table(X)
        X = validate_series_input(self, X, reset=False, require_fitted_length=False)
        if self.method == "per_channel":
            mean, scale = _per_channel(self.mean_), _per_channel(self.scale_)
            return _apply(X, lambda values: values * scale + mean, two_d=two_d)
        scale, shift = _per_channel(self.scale_), _per_channel(self.min_)
        return _apply(X, lambda values: (values - shift) / scale, two_d=two_d)

    def _statistics_attribute(self) -> str:
        return "mean_" if self.method == "per_channel" else "data_min_"

    def _check_feature_range(self) -> None:
        feature_range = self.feature_range
        if (
            len(feature_range) != 2
            or not all(
                isinstance(bound, Real) and np.isfinite(bound)
                for bound in feature_range
            )
            or not feature_range[0] < feature_range[1]
        ):
            raise ValueError(
                "feature_range must be a tuple (min, max) of two finite numbers "
                f"with min < max; got {feature_range!r}. Use for example "
                "feature_range=(0.0, 1.0) or (-1.0, 1.0)."
            )

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = self.method != "per_series"
        return tags


class PadTruncate(TransformerMixin, BaseEstimator):
    """Pad or truncate series to one fixed length.

    Turns series of unequal length (a list of ``(n_channels, length_i)``
    arrays) into one 3D array that any model for equal-length series accepts.

    The rule: every series keeps its first ``length_`` timesteps. A longer one
    loses its end; a shorter one gets ``pad_value`` after its last observation
    (padding at the end, so the start of every series stays aligned).

    Parameters
    ----------
    length : int, default=None
        Output length. ``None`` learns it in ``fit``: the longest training
        series.
    pad_value : float, default=0.0
        Value written after the end of shorter series. Must be finite.

    Attributes
    ----------
    length_ : int
        The output length.
    n_features_in_ : int
        ``X.shape[1]`` as passed to ``fit``: the number of channels for a 3D
        array or a list, the number of timesteps for a 2D array.
    n_channels_in_ : int
        Number of channels seen in ``fit``. ``transform`` requires the same.
    n_timesteps_in_ : int or None
        Length of the training series; ``None`` for unequal lengths. Only 2D
        input at ``transform`` must keep it (its columns are scikit-learn's
        features); pass other lengths as a list or a 3D array.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names, when ``fit`` got a DataFrame with string column names.

    See Also
    --------
    TimeSeriesScaler : Scale series.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._preprocessing import PadTruncate
    >>> series = [np.array([[1.0, 2.0]]), np.array([[3.0, 4.0, 5.0, 6.0]])]
    >>> padder = PadTruncate().fit(series)
    >>> padder.length_
    4
    >>> padder.transform(series)
    array([[[1., 2., 0., 0.]],
    <BLANKLINE>
           [[3., 4., 5., 6.]]], dtype=float32)
    >>> PadTruncate(length=3, pad_value=-1.0).fit_transform(series)
    array([[[ 1.,  2., -1.]],
    <BLANKLINE>
           [[ 3.,  4.,  5.]]], dtype=float32)
    """

    _parameter_constraints: ClassVar[dict] = {
        "length": [Interval(Integral, 1, None, closed="left"), None],
        "pad_value": [Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, *, length: int | None = None, pad_value: float = 0.0) -> None:
        self.length = length
        self.pad_value = pad_value

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> PadTruncate:
        """Learn the output length (the longest series when ``length=None``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_timesteps), or list of array-like of shape (n_channels, length_i)
            Training series.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : PadTruncate
            The fitted transformer.
        """
        X = validate_series_input(self, X, reset=True, require_fitted_length=False)
        if self.length is None:
            self.length_ = int(series_lengths(X).max())
        else:
            self.length_ = int(self.length)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Pad or truncate every series to ``length_`` timesteps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_timesteps), or list of array-like of shape (n_channels, length_i)
            Series with the channels seen in ``fit``.

        Returns
        -------
        X_fixed : ndarray of shape (n_samples, n_channels, ``length_``), float32
            A new array (never a view of the input).
        """
        check_is_fitted(self, "length_")
        X = validate_series_input(self, X, reset=False, require_fitted_length=False)
        if isinstance(X, np.ndarray) and X.shape[2] >= self.length_:
            return np.ascontiguousarray(X[:, :, : self.length_]).copy()
        series = list(X) if isinstance(X, np.ndarray) else X
        return pad_series(series, length=self.length_, fill_value=self.pad_value)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


@dataclass(frozen=True)
class ScalingPlan:
    """How the network scales its input, computed once from the training series.

    The one owner of input scaling: :meth:`from_training_data` turns a
    ``scaling`` option of :class:`~sklearn_convlstm.ConvLSTMClassifier` and its
    training series into the network's method and statistics;
    :meth:`apply_to` sets its statistics on the network's
    :class:`~sklearn_convlstm.nn.InputScaling`, which scales each batch with
    them. The plan lives here, on the scikit-learn side; the pure-PyTorch layer
    only takes a method name and tensors.

    Parameters
    ----------
    scaling : {"per_channel", "minmax", "per_series", "per_series_amplitude"} \
            or None
        The option.
    method : {"affine", "per_series", "per_series_amplitude"} or None
        The network's :class:`~sklearn_convlstm.nn.InputScaling`
        method (:data:`NETWORK_SCALING`).
    scaler : TimeSeriesScaler or None
        The scaler fitted on the training series (``per_series`` for the
        per-series options: stateless).
    affine : (ndarray, ndarray) or None
        Per-channel ``(weight, bias)`` of ``"affine"`` scaling.
    log_amplitude : (ndarray, ndarray) or None
        Per-channel ``(mean, std)`` of the training log-amplitudes
        (:func:`log_amplitude_statistics`) of ``"per_series_amplitude"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._preprocessing import ScalingPlan
    >>> X = np.array([[[1.0, 3.0]], [[5.0, 7.0]]], dtype=np.float32)
    >>> plan = ScalingPlan.from_training_data("per_channel", X)
    >>> plan.method, plan.affine
    ('affine', (array([0.4472136]), array([-1.78885438])))
    """

    scaling: str | None
    method: str | None
    scaler: TimeSeriesScaler | None = None
    affine: tuple[np.ndarray, np.ndarray] | None = None
    log_amplitude: tuple[np.ndarray, np.ndarray] | None = None

    def apply_to(self, layer: InputScaling | None) -> None:
        """Set the statistics of this plan on a network's input-scaling layer.

        Parameters
        ----------
        layer : InputScaling or None
            ``ConvLSTMNetwork(input_scaling=plan.method).input_scaling``;
            ``None`` (a network without input scaling) for a plan whose
            method is ``None``.

        Raises
        ------
        ValueError
            If the layer scales with another method than the plan.
        """
        method = None if layer is None else layer.method
        if method != self.method:
            raise ValueError(
                f"The scaling plan is for method {self.method!r}; the network's "
                f"input scaling does {method!r}."
            )
        if layer is None:
            return
        if self.affine is not None:
            layer.set_affine(*self.affine)
        if self.log_amplitude is not None:
            layer.set_log_amplitude_statistics(*self.log_amplitude)

    @classmethod
    def from_training_data(
        cls,
        scaling: str | None,
        X: SeriesData | LazyData,
        statistics: TrainingStatistics | None = None,
    ) -> ScalingPlan:
        """Compute the plan of ``scaling`` from the canonical training series.

        Parameters
        ----------
        scaling : {"per_channel", "minmax", "per_series", \
"per_series_amplitude"} or None
            A resolved option (not ``"auto"``).
        X : ndarray of shape (n_samples, n_channels, n_timesteps), list, \
LazySeries or RaggedSeries
            The series the network trains on, in canonical form; data read on
            demand is read in chunks.
        statistics : TrainingStatistics, default=None
            :func:`training_statistics` of ``X`` when ``fit`` has them already:
            what the plan needs of them is then not read from X again.

        Returns
        -------
        plan : ScalingPlan
        """
        if scaling not in NETWORK_SCALING:
            raise ValueError(
                f"scaling must be one of {list(NETWORK_SCALING)}; got {scaling!r}."
            )
        method = NETWORK_SCALING[scaling]
        if scaling is None:
            return cls(scaling, method)
        # "per_series_amplitude" is per-series scaling; the network adds the
        # log-amplitude channels.
        scaler = TimeSeriesScaler(
            method="per_series" if scaling == "per_series_amplitude" else scaling
        )
        if method == "affine" and statistics is not None and statistics.channels:
            validate_series_input(
                scaler, X, reset=True, require_fitted_length=False, allow_lazy=True
            )
            scaler._fitchannel_statistics(*statistics.channels)
        else:
            scaler.fit(X)
        stds = None if statistics is None else statistics.series_stds
        return cls(
            scaling,
            method,
            scaler=scaler,
            affine=scaler.get_affine_parameters() if method == "affine" else None,
            log_amplitude=(
                log_amplitude_statistics(X, stds=stds)
                if scaling == "per_series_amplitude"
                else None
            ),
        )
