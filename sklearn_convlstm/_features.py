"""Feature-extraction transformers: one row of features per series, per channel.

Both transformers turn time series ``(n_samples, n_channels, n_timesteps)`` (or
a 2D univariate array, or a list of series of unequal length) into a 2D table
``(n_samples, n_channels * n_features_per_channel)`` that any scikit-learn
estimator can use; :func:`sklearn_convlstm.baselines.make_feature_baseline`
puts one in front of a random forest.

* :class:`StatisticalFeatures`: summary statistics computed with vectorised
  NumPy over the whole array (no Python loop per series).
* :class:`Catch22Features`: the 22 catch22 features (optional extra
  ``pycatch22``).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
from scipy import fft as scipy_fft
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from sklearn_convlstm._optional import import_optional
from sklearn_convlstm._validation import (
    Interval,
    SeriesData,
    fit_context,
    n_channels_of,
    pad_series,
    series_lengths,
    validate_series_input,
)

__all__ = ["Catch22Features", "StatisticalFeatures"]

#: Number of values (series x channels x timesteps) processed per block: big
#: enough to amortise NumPy's per-call overhead, small enough to stay in cache.
_BLOCK_VALUES = 1 << 19


class _SeriesFeatureTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: input checks, fitted attributes, names and tags.

    Subclasses declare ``_parameter_constraints`` and implement
    ``_check_parameter_values`` (checks the constraints cannot express),
    ``_feature_names_per_channel`` and ``_compute`` (canonical data ->
    ``(n_samples, n_channels * n_features)``).
    """

    def _check_parameter_values(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _feature_names_per_channel(self) -> list[str]:  # pragma: no cover
        raise NotImplementedError

    def _compute(self, X: SeriesData) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _fit_checked(self, X: Any) -> SeriesData:
        """Check the parameters and ``X``; set the fitted attributes."""
        self._check_parameter_values()
        # Features do not depend on the series length: only the channels must
        # match in transform (and, for 2D input, the number of columns).
        return validate_series_input(self, X, reset=True, require_fitted_length=False)

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> _SeriesFeatureTransformer:
        """Check the parameters and ``X``; record its number of channels.

        The features need no learning; fitting only fixes the number of channels
        (and, for 2D input, the number of timesteps) that ``transform`` accepts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Time series: a 3D array, a 2D array ``(n_samples, n_timesteps)`` of
            univariate series, or a list of arrays ``(n_channels, length_i)``.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._fit_checked(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Compute the features of each series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Time series with the number of channels seen in ``fit``.

        Returns
        -------
        X_features : ndarray of shape (n_samples, ``n_channels_in_`` * n_features)
            float64 features, channel by channel: all features of channel 0,
            then all of channel 1, ... (see :meth:`get_feature_names_out`).
        """
        check_is_fitted(self)
        X_checked = validate_series_input(
            self, X, reset=False, require_fitted_length=False
        )
        return self._compute(X_checked)

    @fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit to ``X`` and return its features, validating ``X`` only once.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Time series, as in :meth:`fit`.
        y : None
            Ignored; present for API consistency.
        **fit_params : dict
            Ignored; present for API consistency.

        Returns
        -------
        X_features : ndarray of shape (n_samples, ``n_channels_in_`` * n_features)
            float64 features, as returned by :meth:`transform`.
        """
        return self._compute(self._fit_checked(X))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns, ``"<channel>__<feature>"``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            For 3D or list input: one name per channel, used instead of
            ``ch0``, ``ch1``, .... For 2D input (whose input features are
            timesteps): ``n_features_in_`` names, checked but not used, since
            the single channel is always called ``ch0``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            For example ``["ch0__mean", "ch0__std", ...]``.
        """
        check_is_fitted(self)
        channel_names = [f"ch{channel}" for channel in range(self.n_channels_in_)]
        if input_features is not None:
            input_features = [str(name) for name in np.asarray(input_features)]
            if len(input_features) != self.n_features_in_:
                raise ValueError(
                    f"input_features should have length equal to the number of "
                    f"features seen in fit ({self.n_features_in_}); got "
                    f"{len(input_features)} names."
                )
            if self.n_features_in_ == self.n_channels_in_:  # not 2D input
                channel_names = input_features
        per_channel = self._feature_names_per_channel()
        return np.asarray(
            [
                f"{channel}__{feature}"
                for channel in channel_names
                for feature in per_channel
            ],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        return tags


# --------------------------------------------------------------------------
# Statistical features
# --------------------------------------------------------------------------


def _band_weights(n_timesteps: int, n_bands: int) -> np.ndarray:
    """Matrix ``(n_timesteps // 2 + 1, n_bands)`` summing rfft power into bands.

    Frequency bin ``k`` (``k / n_timesteps`` cycles per timestep, in
    ``(0, 0.5]``) goes to band ``floor(2 * n_bands * k / n_timesteps)`` (the
    Nyquist bin to the last band). Its weight is 2 (it stands for the bins
    ``k`` and ``-k`` of the full spectrum) except the Nyquist bin of an even
    length, which has no mirror; the DC bin (the mean) gets weight 0. The
    weighted powers then add up to ``n_timesteps ** 2 * variance`` (Parseval).
    """
    n_bins = n_timesteps // 2 + 1
    weights = np.zeros((n_bins, n_bands))
    bins = np.arange(1, n_bins)
    bands = np.minimum(2 * n_bands * bins // n_timesteps, n_bands - 1)
    weights[bins, bands] = 2.0
    if n_timesteps % 2 == 0 and n_timesteps > 1:
        weights[n_bins - 1, bands[-1]] = 1.0
    return weights


def _lerp(low: np.ndarray, high: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Linear interpolation written as ``np.quantile`` does (exact at both ends)."""
    difference = high - low
    result = low + difference * fraction
    return np.where(fraction >= 0.5, high - difference * (1.0 - fraction), result)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator``, and 0 where the denominator is 0."""
    denominator = np.broadcast_to(denominator, np.shape(numerator))
    return np.divide(
        numerator,
        denominator,
        out=np.zeros(np.shape(numerator)),
        where=denominator > 0,
    )


def _statistical_block(
    X: np.ndarray,
    lengths: np.ndarray | None,
    quantiles: np.ndarray,
    lags: Sequence[int],
    n_bands: int,
) -> np.ndarray:
    """Features of a block ``(m, n_channels, L)`` float32 -> ``(m, n_channels, F)``.

    ``lengths`` is ``None`` when every series has ``L`` timesteps; otherwise the
    series are zero-padded at the end to ``L`` and ``lengths`` (shape ``(m,)``)
    gives their true lengths: padded values are masked out of every sum.
    """
    m, n_channels, L = X.shape
    x = X.astype(np.float64)
    if lengths is None:
        n: Any = float(L)
        mask = None
    else:
        n = lengths.astype(np.float64)[:, np.newaxis]  # (m, 1), broadcasts on (m, c)
        mask = np.arange(L) < lengths[:, np.newaxis, np.newaxis]  # (m, 1, L)

    columns: list[np.ndarray] = []

    # location and spread
    mean = x.sum(axis=-1) / n
    centered = x - mean[..., np.newaxis]
    if mask is not None:
        centered *= mask
    squared = centered * centered
    sum_squares = np.einsum("...i->...", squared)
    m2 = sum_squares / n
    columns += [mean, np.sqrt(m2)]

    # min, max and quantiles (linear interpolation, as np.quantile's default)
    to_sort = (
        X if mask is None else np.where(mask, X, np.inf).astype(np.float32, copy=False)
    )
    ordered = np.sort(to_sort, axis=-1)
    last = np.broadcast_to(
        np.asarray(n, dtype=np.int64).reshape(-1, 1, 1) - 1, (m, 1, 1)
    )
    columns.append(ordered[..., 0].astype(np.float64))
    columns.append(
        np.take_along_axis(ordered, last, axis=-1)[..., 0].astype(np.float64)
    )
    if len(quantiles):
        position = quantiles * (np.asarray(n, dtype=np.float64).reshape(-1, 1, 1) - 1)
        low_index = np.floor(position).astype(np.int64)
        high_index = np.minimum(low_index + 1, last)
        fraction = position - low_index
        low = np.take_along_axis(
            ordered,
            np.broadcast_to(low_index, (m, n_channels, len(quantiles))),
            axis=-1,
        )
        high = np.take_along_axis(
            ordered,
            np.broadcast_to(high_index, (m, n_channels, len(quantiles))),
            axis=-1,
        )
        values = _lerp(low.astype(np.float64), high.astype(np.float64), fraction)
        columns += list(np.moveaxis(values, -1, 0))

    # shape: biased (population) skewness and excess kurtosis, 0 if constant
    m3 = np.einsum("...i,...i->...", squared, centered) / n
    m4 = np.einsum("...i,...i->...", squared, squared) / n
    columns.append(_safe_divide(m3, m2**1.5))
    kurtosis = _safe_divide(m4, m2 * m2) - 3.0
    columns.append(np.where(m2 > 0, kurtosis, 0.0))

    # trend: least-squares slope against the timestep index 0, 1, ..., n - 1
    steps_index = np.arange(L, dtype=np.float64)
    if lengths is None:
        covariance = centered @ (steps_index - (L - 1) / 2.0)
    else:  # centered is 0 on the padding, so the products vanish there
        time_centered = steps_index - (lengths[:, np.newaxis] - 1) / 2.0  # (m, L)
        covariance = np.einsum("mcl,ml->mc", centered, time_centered)
    columns.append(_safe_divide(covariance, n * (n * n - 1.0) / 12.0))

    # change: mean absolute difference and number of mean crossings
    if L > 1:
        steps = np.abs(np.diff(x, axis=-1))
        above = centered > 0
        changes = above[..., 1:] != above[..., :-1]
        if mask is not None:
            steps *= mask[..., 1:]
            changes &= mask[..., 1:]
        columns.append(_safe_divide(steps.sum(axis=-1), n - 1.0))
        columns.append(np.count_nonzero(changes, axis=-1).astype(np.float64))
    else:
        columns += [np.zeros((m, n_channels)), np.zeros((m, n_channels))]

    # autocorrelation (standard biased estimator), 0 for lags >= length
    for lag in lags:
        if lag < L:
            products = np.einsum(
                "...i,...i->...", centered[..., :-lag], centered[..., lag:]
            )
            columns.append(_safe_divide(products, sum_squares))
        else:
            columns.append(np.zeros((m, n_channels)))

    # spectral energy: share of the variance in each of n_bands frequency bands
    if n_bands:
        energy = np.zeros((m, n_channels, n_bands))
        if lengths is None:
            groups = [(slice(None), L)]
        else:
            groups = [(lengths == length, int(length)) for length in np.unique(lengths)]
        for rows, length in groups:
            spectrum = scipy_fft.rfft(centered[rows, :, :length], axis=-1)
            power = spectrum.real**2 + spectrum.imag**2
            energy[rows] = power @ _band_weights(length, n_bands)
        total = energy.sum(axis=-1, keepdims=True)
        columns += list(np.moveaxis(_safe_divide(energy, total), -1, 0))

    return np.stack(columns, axis=-1)


class StatisticalFeatures(_SeriesFeatureTransformer):
    """Per-channel summary statistics of each time series, vectorised in NumPy.

    For every channel of every series it computes, in this order:

    * location and spread: ``mean``, ``std`` (population, ``ddof=0``),
      ``min``, ``max`` and the ``quantiles`` (``q0.1``, ... with linear
      interpolation, as :func:`numpy.quantile`);
    * shape: ``skewness`` and ``kurtosis`` (excess, Fisher's definition; the
      biased estimators of :func:`scipy.stats.skew` and
      :func:`scipy.stats.kurtosis` with their defaults);
    * trend: ``slope`` of the least-squares line against the timestep index
      ``0, 1, ..., n_timesteps - 1`` (units of the series per timestep);
    * change: ``mean_abs_diff``, the mean of ``|x[t + 1] - x[t]|``, and
      ``mean_crossings``, the number of times the series crosses its mean
      (changes of ``x > mean`` between consecutive timesteps, so a value
      equal to the mean counts as below it; a count, so it grows with the
      length);
    * ``acf_lag{k}``, the autocorrelation at each lag of
      ``autocorrelation_lags``: ``sum((x[t] - mean) * (x[t + k] - mean)) /
      sum((x[t] - mean) ** 2)``, the standard (biased) estimator;
    * ``band{b}_energy``, for ``b`` in ``0 .. n_spectral_bands - 1``: the share
      of the series' variance carried by frequencies in
      ``[b / (2 * n_spectral_bands), (b + 1) / (2 * n_spectral_bands))`` cycles
      per timestep (the last band includes the Nyquist frequency 0.5),
      computed from the real FFT of the mean-removed series; the bands add up
      to 1 (or are all 0 for a constant series).

    Conventions where a statistic is undefined, so that the output never holds
    NaN or infinity: a constant series has skewness, kurtosis, every
    autocorrelation and every band energy 0; an autocorrelation lag not shorter
    than the series is 0; a one-timestep series has slope, ``mean_abs_diff``
    and ``mean_crossings`` 0. Every feature is defined for any length, so
    series of unequal length (a list) are fine. The features are computed in
    float64, whatever the input dtype.

    The computation runs on blocks of series with whole-array NumPy operations
    (no Python loop per series). A list of unequal-length series is zero-padded
    to the longest series of each block and the padding is masked out of every
    sum and order statistic; only the FFT loops, once per distinct length.

    Parameters
    ----------
    quantiles : tuple of float, default=(0.1, 0.25, 0.5, 0.75, 0.9)
        Quantiles to compute, each in [0, 1], without repeats. ``()`` for none.
    autocorrelation_lags : tuple of int, default=(1, 2, 5, 10)
        Lags (in timesteps, each >= 1, without repeats) of the autocorrelation
        features. ``()`` for none.
    n_spectral_bands : int, default=4
        Number of equal-width frequency bands between 0 and the Nyquist
        frequency; 0 for no spectral features.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in ``fit``, following scikit-learn's definition
        (``X.shape[1]``): the number of channels for 3D or list input, the
        number of timesteps for 2D input.
    n_channels_in_ : int
        Number of channels seen in ``fit``; ``transform`` needs the same.
    n_timesteps_in_ : int or None
        Length of the series seen in ``fit``; ``None`` for unequal lengths.
        The features do not depend on the length, so ``transform`` accepts
        series of any length, with one exception: 2D input, whose columns are
        the features scikit-learn counts, must have ``n_timesteps_in_``
        columns (as for every scikit-learn transformer). Pass other lengths as
        a 3D array ``(n_samples, 1, n_timesteps)`` or a list of series.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of a pandas DataFrame passed to ``fit`` (2D input); only
        set when they are all strings.

    See Also
    --------
    Catch22Features : The 22 catch22 features per channel.
    sklearn_convlstm.baselines.make_feature_baseline : Features + random forest.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._features import StatisticalFeatures
    >>> X = np.array([[[0.0, 1.0, 2.0, 3.0]]])  # 1 series, 1 channel, 4 steps
    >>> features = StatisticalFeatures(quantiles=(0.5,), autocorrelation_lags=(1,))
    >>> table = features.fit_transform(X)
    >>> table.shape
    (1, 15)
    >>> features.get_feature_names_out()[[0, 7, 9]].tolist()
    ['ch0__mean', 'ch0__slope', 'ch0__mean_crossings']
    >>> table[0, [0, 7, 9]].tolist()  # mean, slope, mean crossings
    [1.5, 1.0, 1.0]
    """

    def __init__(
        self,
        *,
        quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
        autocorrelation_lags: Sequence[int] = (1, 2, 5, 10),
        n_spectral_bands: int = 4,
    ) -> None:
        self.quantiles = quantiles
        self.autocorrelation_lags = autocorrelation_lags
        self.n_spectral_bands = n_spectral_bands

    _parameter_constraints: ClassVar[dict] = {
        "quantiles": ["array-like"],
        "autocorrelation_lags": ["array-like"],
        "n_spectral_bands": [Interval(numbers.Integral, 0, None, closed="left")],
    }

    def _check_parameter_values(self) -> None:
        """Check the elements of the tuple parameters (beyond the constraints)."""
        name = type(self).__name__
        quantiles = np.asarray(self.quantiles, dtype=object).ravel().tolist()
        if not all(
            isinstance(q, numbers.Real)
            and not isinstance(q, bool)
            and 0 <= float(q) <= 1
            for q in quantiles
        ) or len(set(quantiles)) != len(quantiles):
            raise ValueError(
                f"The 'quantiles' parameter of {name} must be a sequence of distinct "
                f"numbers in [0, 1]. Got {self.quantiles!r} instead."
            )
        lags = np.asarray(self.autocorrelation_lags, dtype=object).ravel().tolist()
        if not all(
            isinstance(lag, numbers.Integral)
            and not isinstance(lag, bool)
            and int(lag) >= 1
            for lag in lags
        ) or len(set(lags)) != len(lags):
            raise ValueError(
                f"The 'autocorrelation_lags' parameter of {name} must be a sequence of "
                f"distinct ints >= 1. Got {self.autocorrelation_lags!r} instead."
            )

    def _feature_names_per_channel(self) -> list[str]:
        return [
            "mean",
            "std",
            "min",
            "max",
            *(f"q{float(q):g}" for q in np.ravel(self.quantiles)),
            "skewness",
            "kurtosis",
            "slope",
            "mean_abs_diff",
            "mean_crossings",
            *(f"acf_lag{int(lag)}" for lag in np.ravel(self.autocorrelation_lags)),
            *(f"band{band}_energy" for band in range(self.n_spectral_bands)),
        ]

    def _compute(self, X: SeriesData) -> np.ndarray:
        quantiles = np.asarray(self.quantiles, dtype=np.float64).ravel()
        lags = [int(lag) for lag in np.ravel(self.autocorrelation_lags)]
        n_bands = int(self.n_spectral_bands)
        n_samples = len(X)
        n_channels = n_channels_of(X)
        n_per_channel = len(self._feature_names_per_channel())
        output = np.empty((n_samples, n_channels, n_per_channel))
        if isinstance(X, np.ndarray):
            block = max(1, _BLOCK_VALUES // (n_channels * X.shape[2]))
            for start in range(0, n_samples, block):
                output[start : start + block] = _statistical_block(
                    X[start : start + block], None, quantiles, lags, n_bands
                )
        else:  # unequal lengths: zero-pad each block to its longest series
            lengths = series_lengths(X)
            block = max(1, _BLOCK_VALUES // (n_channels * int(lengths.max())))
            for start in range(0, n_samples, block):
                block_lengths = lengths[start : start + block]
                padded = pad_series(
                    X[start : start + block], length=int(block_lengths.max())
                )
                same = bool((block_lengths == block_lengths[0]).all())
                output[start : start + block] = _statistical_block(
                    padded, None if same else block_lengths, quantiles, lags, n_bands
                )
        return output.reshape(n_samples, n_channels * n_per_channel)


# --------------------------------------------------------------------------
# catch22
# --------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _catch22_names(catch24: bool) -> tuple[str, ...]:
    pycatch22 = import_optional("pycatch22", purpose="Catch22Features")
    result = pycatch22.catch22_all([0.0, 1.0, 3.0, 2.0, 5.0], catch24=catch24)
    return tuple(result["names"])


class Catch22Features(_SeriesFeatureTransformer):
    """The catch22 features of each channel of each time series.

    catch22 (Lubba et al., 2019) is a set of 22 features selected from the
    7,000+ of hctsa for their classification performance and low redundancy:
    distribution, autocorrelation, entropy, fluctuation and periodicity
    measures. They are computed by the C library behind the optional
    ``pycatch22`` package (``pip install 'sklearn-convlstm[catch22]'``), one
    series and channel at a time. ``catch24=True`` adds the mean and standard
    deviation, which catch22 leaves out because it z-scores each series first.

    Any value that pycatch22 cannot estimate and returns as NaN or infinity
    (recent versions already replace most by a fixed value; the standard
    deviation of a one-timestep series remains) is set to 0, so the output is
    always finite. Every feature is defined for any length, so series of
    unequal length (a list) are fine.

    Parameters
    ----------
    catch24 : bool, default=False
        Whether to add the mean and standard deviation (24 features per
        channel instead of 22).

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in ``fit``, following scikit-learn's definition
        (``X.shape[1]``): the number of channels for 3D or list input, the
        number of timesteps for 2D input.
    n_channels_in_ : int
        Number of channels seen in ``fit``; ``transform`` needs the same.
    n_timesteps_in_ : int or None
        Length of the series seen in ``fit``; ``None`` for unequal lengths.
        Only 2D input must keep it (see :class:`StatisticalFeatures`).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Column names of a pandas DataFrame passed to ``fit``, when all strings.

    See Also
    --------
    StatisticalFeatures : Fast vectorised summary statistics per channel.
    sklearn_convlstm.baselines.make_feature_baseline : Features + random forest.

    References
    ----------
    C. H. Lubba, S. S. Sethi, P. Knaute, S. R. Schultz, B. D. Fulcher and
    N. S. Jones, "catch22: CAnonical Time-series CHaracteristics", Data Mining
    and Knowledge Discovery 33, 1821-1852 (2019).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._features import Catch22Features
    >>> X = np.random.RandomState(0).normal(size=(3, 2, 50))
    >>> features = Catch22Features().fit(X)
    >>> features.transform(X).shape
    (3, 44)
    >>> features.get_feature_names_out()[0]
    'ch0__DN_HistogramMode_5'
    """

    def __init__(self, *, catch24: bool = False) -> None:
        self.catch24 = catch24

    _parameter_constraints: ClassVar[dict] = {"catch24": ["boolean"]}

    def _check_parameter_values(self) -> None:
        """Fail early, with the install command, when pycatch22 is missing."""
        import_optional("pycatch22", purpose="Catch22Features")

    def _feature_names_per_channel(self) -> list[str]:
        return list(_catch22_names(bool(self.catch24)))

    def _compute(self, X: SeriesData) -> np.ndarray:
        pycatch22 = import_optional("pycatch22", purpose="Catch22Features")
        catch24 = bool(self.catch24)
        n_channels = n_channels_of(X)
        n_per_channel = len(_catch22_names(catch24))
        output = np.empty((len(X), n_channels, n_per_channel))
        for index, series in enumerate(X):
            for channel in range(n_channels):
                values = pycatch22.catch22_all(
                    series[channel].astype(np.float64).tolist(), catch24=catch24
                )["values"]
                output[index, channel] = values
        output[~np.isfinite(output)] = 0.0
        return output.reshape(len(X), n_channels * n_per_channel)
