"""Statistics of training series that scaling needs, in one pass over the data.

:func:`training_statistics` reads the series once, chunk by chunk (data on disk
included), and returns the per-series stds and the per-channel mean, std,
minimum and maximum; :func:`series_amplitude_spread` and
:func:`log_amplitude_statistics` are computed from those stds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from sklearn_convlstm._lazy import LazySeries, RaggedSeries
from sklearn_convlstm._validation import LazyData, SeriesData, n_channels_of

__all__ = [
    "TrainingStatistics",
    "channel_statistics",
    "log_amplitude_statistics",
    "series_amplitude_spread",
    "series_stds",
    "training_statistics",
]


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


def channel_statistics(
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
    >>> from sklearn_convlstm._statistics import series_stds
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
    >>> from sklearn_convlstm._statistics import log_amplitude_statistics
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
    >>> from sklearn_convlstm._statistics import series_amplitude_spread
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
