"""Scale time series and bring series of unequal length to one length.

Both transformers keep the number of rows (series): they can sit in a
:class:`~sklearn.pipeline.Pipeline` in front of
:class:`~sklearn_convlstm.ConvLSTMClassifier`.

* :class:`TimeSeriesScaler`: per-series z-normalisation, per-channel
  standardisation fitted on the training set, or per-channel min-max scaling.
* :class:`PadTruncate`: pads (or truncates) every series to one fixed length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar, NamedTuple

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from sklearn_convlstm._lazy import LazySeries, RaggedSeries
from sklearn_convlstm._validation import (
    Interval,
    LazyData,
    SeriesData,
    StrOptions,
    _is_univariate_table,
    check_series,
    fit_context,
    n_channels_of,
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


#: Series per chunk when accumulating channel statistics: bounds the float64
#: temporaries to a few MB whatever the size of X.
_STATISTICS_CHUNK = 1024


def _statistic_chunks(
    X: SeriesData | LazyData, *, series: bool
) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Yield ``X`` in bounded chunks for the statistics of one pass.

    Each item is ``(values, stds)``: the chunk's values as ``(n_channels, k)``
    and, with ``series``, the population std of each of its series and
    channels ``(n_series_in_chunk, n_channels)`` in float64 (else ``None``).
    Data read on demand is read once, in chunks of a bounded size; a
    ``RaggedSeries`` is read in large value chunks when no per-series
    statistic is needed, else series by series.
    """
    if isinstance(X, RaggedSeries) and not series:
        for values in _ragged_value_chunks(X):
            yield values, None
        return
    blocks: Iterator[np.ndarray]
    if isinstance(X, LazySeries):
        blocks = X.iter_chunks()
    elif isinstance(X, np.ndarray):
        blocks = (
            X[start : start + _STATISTICS_CHUNK]
            for start in range(0, X.shape[0], _STATISTICS_CHUNK)
        )
    else:  # a list of series, or a RaggedSeries read series by series
        for one in X:
            one = np.asarray(one)
            stds = one.std(axis=-1, dtype=np.float64).reshape(1, -1) if series else None
            yield one, stds
        return
    for block in blocks:
        stds = block.std(axis=-1, dtype=np.float64) if series else None
        yield block.transpose(1, 0, 2).reshape(block.shape[1], -1), stds


class TrainingStatistics(NamedTuple):
    """What one pass over the training series gives ``fit``.

    Attributes
    ----------
    series_stds : ndarray of shape (n_samples, n_channels) or None
        Population std of every series and channel (float64).
    channels : (mean, std, minimum, maximum) or None
        Per-channel statistics over all observed timesteps, each of shape
        ``(n_channels,)``, float64.
    """

    series_stds: np.ndarray | None
    channels: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None


def training_statistics(
    X: SeriesData | LazyData, *, series: bool = True, channels: bool = True
) -> TrainingStatistics:
    """Compute per-series stds and per-channel statistics in one pass over X.

    The per-channel mean and std are accumulated chunk by chunk (Chan et
    al.'s pairwise update of count, mean and sum of squared deviations), so
    no full-size temporary copy of X is made; for a list of unequal-length
    series only the observed timesteps count. Data read on demand
    (``LazySeries``, ``RaggedSeries``) is read once.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_channels, n_timesteps), list, \
LazySeries or RaggedSeries
        Series in canonical form.
    series : bool, default=True
        Compute the per-series stds.
    channels : bool, default=True
        Compute the per-channel statistics.

    Returns
    -------
    statistics : TrainingStatistics
    """
    if not (series or channels):
        return TrainingStatistics(None, None)
    count = 0
    n_channels = n_channels_of(X)
    mean = np.zeros(n_channels)
    squares = np.zeros(n_channels)
    minimum = np.full(n_channels, np.inf)
    maximum = np.full(n_channels, -np.inf)
    stds: list[np.ndarray] = []
    for chunk, chunk_stds in _statistic_chunks(X, series=series):
        if chunk_stds is not None:
            stds.append(chunk_stds)
        if not channels:
            continue
        chunk = chunk.astype(np.float64)
        chunk_count = chunk.shape[1]
        chunk_mean = chunk.mean(axis=1)
        chunk_squares = ((chunk - chunk_mean[:, np.newaxis]) ** 2).sum(axis=1)
        if count == 0:  # the first chunk, exactly as computed
            mean, squares = chunk_mean, chunk_squares
        else:
            total = count + chunk_count
            delta = chunk_mean - mean
            mean = mean + delta * chunk_count / total
            squares = squares + chunk_squares + delta**2 * count * chunk_count / total
        minimum = np.minimum(minimum, chunk.min(axis=1))
        maximum = np.maximum(maximum, chunk.max(axis=1))
        count += chunk_count
    series_stds = None
    if series:
        series_stds = (
            np.concatenate(stds) if stds else np.empty((0, n_channels))
        ).reshape(-1, n_channels)
    channel_statistics = (
        (mean, np.sqrt(squares / count), minimum, maximum) if channels else None
    )
    return TrainingStatistics(series_stds, channel_statistics)


def _channel_statistics(
    X: SeriesData | LazyData,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-channel mean, population std, min and max over all observed timesteps."""
    statistics = training_statistics(X, series=False).channels
    assert statistics is not None
    return statistics


def _ragged_value_chunks(X: RaggedSeries) -> Iterator[np.ndarray]:
    """Yield the values of the series of ``X`` in bounded (n_channels, k) chunks.

    A RaggedSeries that is not a view of some of its series holds exactly its
    series end to end: its stored values are read in large chunks. A view
    (``take``) is read series by series.
    """
    if X._rows is None:
        yield from X.iter_value_chunks()
    else:
        yield from X


def series_stds(X: SeriesData | LazyData) -> np.ndarray:
    """Return the population std of every series and channel, in float64.

    Computed chunk by chunk: no float64 copy of all of X is made.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_channels, n_timesteps) or list
        Series, or a list of ``(n_channels, length_i)`` arrays, or series
        read on demand (:class:`~sklearn_convlstm.LazySeries`,
        :class:`~sklearn_convlstm.RaggedSeries`), read in chunks.

    Returns
    -------
    stds : ndarray of shape (n_samples, n_channels)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._preprocessing import series_stds
    >>> series_stds(np.array([[[1.0, 3.0], [0.0, 0.0]], [[0.0, 10.0], [2.0, 4.0]]]))
    array([[1., 0.],
           [5., 1.]])
    """
    stds = training_statistics(X, channels=False).series_stds
    assert stds is not None
    return stds


def log_amplitude_statistics(
    X: SeriesData | LazyData | None, *, stds: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean and std, per channel, of the series' log-amplitudes.

    The log-amplitude of a series in a channel is the log of its std there;
    series that are constant in a channel are left out of that channel's
    statistics (their log-amplitude is undefined). The std is at least 1 (a
    factor of e in amplitude): where the series' amplitudes are nearly equal,
    as in data z-normalised series by series, dividing by a tiny std would
    blow rounding noise up into a random input channel. A channel with fewer
    than two varying series gets mean 0 and std 1.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_channels, n_timesteps) or list
        Training series, or a list of ``(n_channels, length_i)`` arrays.
        Ignored when ``stds`` is given.
    stds : ndarray of shape (n_samples, n_channels), default=None
        The series' stds (:func:`series_stds`), when already computed.

    Returns
    -------
    mean, std : ndarray of shape (n_channels,)
        What :class:`~sklearn_convlstm.nn.InputScaling` with
        ``method="per_series_amplitude"`` standardises log-amplitudes with.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._preprocessing import log_amplitude_statistics
    >>> X = np.array([[[0.0, 2.0]], [[0.0, 2e4]], [[5.0, 5.0]]])  # stds 1, 1e4, 0
    >>> mean, std = log_amplitude_statistics(X)
    >>> np.round(np.exp(mean), 3), np.round(std, 3)
    (array([100.]), array([4.605]))
    >>> log_amplitude_statistics(X[:, :, ::-1] * [[[1.0]], [[1e-4]], [[1.0]]])[1]
    array([1.])
    """
    if stds is None:
        if X is None:
            raise ValueError("Pass the series X or their stds.")
        stds = series_stds(X)
    means, deviations = [], []
    for channel in stds.T:
        logs = np.log(channel[channel > 0])
        if logs.size < 2:
            means.append(0.0)
            deviations.append(1.0)
            continue
        means.append(float(logs.mean()))
        deviations.append(max(float(logs.std()), 1.0))
    return np.array(means), np.array(deviations)


def series_amplitude_spread(
    X: SeriesData | LazyData | None, *, stds: np.ndarray | None = None
) -> float:
    """Return how much the amplitude of the series varies within a channel.

    The largest ratio, over channels, of the 90th to the 10th percentile of
    the per-series standard deviations (series that are constant in that
    channel left out); 1.0 when fewer than two series vary. Scaling every
    series of a channel with one mean and std (``"per_channel"``) suits data
    where this is small; at thousands, most series end up near zero after it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_channels, n_timesteps) or list
        Series, or a list of ``(n_channels, length_i)`` arrays. Ignored when
        ``stds`` is given.
    stds : ndarray of shape (n_samples, n_channels), default=None
        The series' stds (:func:`series_stds`), when already computed.

    Returns
    -------
    spread : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._preprocessing import series_amplitude_spread
    >>> X = np.sin(np.linspace(0, 6, 50))[None, None, :] * np.ones((20, 1, 1))
    >>> series_amplitude_spread(X)
    1.0
    >>> X[10:] *= 1e4  # half the series ten thousand times larger
    >>> round(series_amplitude_spread(X))
    10000
    """
    if stds is None:
        if X is None:
            raise ValueError("Pass the series X or their stds.")
        stds = series_stds(X)
    spread = 1.0
    for channel in stds.T:
        varying = channel[channel > 0]
        if varying.size >= 2:
            low, high = np.percentile(varying, [10, 90])
            spread = max(spread, float(high / low))
    return spread


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
        return self._fit_channel_statistics(*_channel_statistics(X))

    def _fit_channel_statistics(
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
            scaler._fit_channel_statistics(*statistics.channels)
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
