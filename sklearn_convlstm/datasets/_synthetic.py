"""Synthetic time-series classification data (see :mod:`sklearn_convlstm.datasets`).

:func:`make_pattern_classification` makes noisy series whose class is a local
pattern (spike, oscillation burst, ramp, ...) at a random position; it is
public through :mod:`sklearn_convlstm.datasets`.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from sklearn_convlstm._validation import SeriesData

#: Pattern of each class of make_pattern_classification, in class order.
PATTERN_NAMES = (
    "spike",
    "oscillation burst",
    "rising ramp",
    "plateau",
    "negative spike",
    "falling ramp",
    "double spike",
    "slow wave",
)
MIN_PATTERN_LENGTH = 8


def _pattern(class_index: int, width: int) -> np.ndarray:
    """Shape of the pattern of ``class_index`` over ``width`` timesteps."""
    steps = np.arange(width, dtype=np.float64)
    pattern = np.zeros(width)
    if class_index == 0:  # spike: one timestep at +1
        pattern[width // 2] = 1.0
    elif class_index == 1:  # oscillation burst: two sine periods
        pattern = np.sin(4.0 * np.pi * steps / width)
    elif class_index == 2:  # rising ramp: 0 -> 1, then back to the baseline
        pattern = steps / (width - 1)
    elif class_index == 3:  # plateau: step up by 1, step back down
        pattern[:] = 1.0
    elif class_index == 4:  # negative spike
        pattern[width // 2] = -1.0
    elif class_index == 5:  # falling ramp: jump to 1, decay linearly to 0
        pattern = 1.0 - steps / (width - 1)
    elif class_index == 6:  # double spike
        pattern[width // 4] = pattern[(3 * width) // 4] = 1.0
    else:  # slow wave: one sine period
        pattern = np.sin(2.0 * np.pi * steps / width)
    return pattern


def _check_int(value: object, name: str, low: int, high: float = np.inf) -> int:
    if isinstance(value, Integral) and not isinstance(value, bool):
        if low <= int(value) <= high:
            return int(value)
    upper = "inf)" if high == np.inf else f"{int(high)}]"
    raise ValueError(
        f"{name} must be an int in the range [{low}, {upper}; got {value!r}."
    )


def make_pattern_classification(
    n_samples: int = 200,
    n_timesteps: int = 100,
    n_channels: int = 1,
    n_classes: int = 3,
    *,
    min_length: int | None = None,
    pattern_length: int | None = None,
    noise: float = 0.3,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[SeriesData, np.ndarray]:
    """Make series whose class is a local pattern at a random position.

    Each series is Gaussian noise with one pattern added, of peak amplitude 1
    and ``pattern_length`` timesteps, at a position drawn uniformly so that the
    pattern fits in the series. The pattern of class ``k`` is
    ``PATTERN_NAMES[k]``:

    0. spike: a single timestep at +1;
    1. oscillation burst: two periods of a sine;
    2. rising ramp: from 0 up to 1, then back to the baseline;
    3. plateau: a step up by 1 and back down;
    4. negative spike: a single timestep at -1;
    5. falling ramp: a jump to 1, then a linear decay to 0;
    6. double spike: two spikes half a pattern length apart;
    7. slow wave: one period of a sine.

    For multivariate data the pattern is added to one channel drawn at random
    for each series, the other channels are noise only: the class is told by
    the shape of the pattern, not by its channel or position.

    Parameters
    ----------
    n_samples : int, default=200
        Number of series; at least ``n_classes``.
    n_timesteps : int, default=100
        Length of the series (the longest one when ``min_length`` is set).
    n_channels : int, default=1
        Number of channels.
    n_classes : int, default=3
        Number of classes, from 2 to 8.
    min_length : int, default=None
        If set, the series have unequal lengths drawn uniformly in
        ``[min_length, n_timesteps]`` and ``X`` is a list. ``None`` gives
        equal-length series.
    pattern_length : int, default=None
        Length of the patterns, at least 8 and at most the shortest series.
        ``None`` means half the shortest series, clipped to ``[8, 20]``.
    noise : float, default=0.3
        Standard deviation of the Gaussian noise (the patterns have amplitude
        1).
    random_state : int, RandomState instance or None, default=None
        Seed for reproducible data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, n_timesteps) or list
        ``float64`` series; with ``min_length`` set, a list of arrays of shape
        ``(n_channels, length_i)``.
    y : ndarray of shape (n_samples,)
        Integer class labels ``0 .. n_classes - 1``, balanced (counts differ by
        at most one), in random order.

    Raises
    ------
    ValueError
        For an argument out of range, e.g. ``n_timesteps`` or ``min_length``
        shorter than the patterns, or ``n_classes`` above 8.

    Examples
    --------
    >>> from sklearn_convlstm.datasets import make_pattern_classification
    >>> X, y = make_pattern_classification(n_samples=30, n_channels=2,
    ...                                    random_state=0)
    >>> X.shape, np.bincount(y)
    ((30, 2, 100), array([10, 10, 10]))
    """
    n_classes = _check_int(n_classes, "n_classes", 2, len(PATTERN_NAMES))
    n_samples = _check_int(n_samples, "n_samples", n_classes)
    n_channels = _check_int(n_channels, "n_channels", 1)
    n_timesteps = _check_int(n_timesteps, "n_timesteps", MIN_PATTERN_LENGTH)
    if min_length is not None:
        min_length = _check_int(min_length, "min_length", 1, n_timesteps)
    shortest = n_timesteps if min_length is None else min_length
    if pattern_length is None:
        pattern_length = int(np.clip(shortest // 2, MIN_PATTERN_LENGTH, 20))
    else:
        pattern_length = _check_int(
            pattern_length, "pattern_length", MIN_PATTERN_LENGTH, n_timesteps
        )
    if shortest < pattern_length:
        name = "n_timesteps" if min_length is None else "min_length"
        raise ValueError(
            f"{name}={shortest} is too short for patterns of {pattern_length} "
            f"timesteps; use {name} >= {pattern_length} or a smaller "
            f"pattern_length (at least {MIN_PATTERN_LENGTH})."
        )
    if not isinstance(noise, Real) or not noise >= 0:
        raise ValueError(f"noise must be a non-negative number; got {noise!r}.")

    rng = check_random_state(random_state)
    y = rng.permutation(np.arange(n_samples) % n_classes).astype(np.int64)
    if min_length is None:
        lengths = np.full(n_samples, n_timesteps)
    else:
        lengths = rng.randint(min_length, n_timesteps + 1, size=n_samples)
    pattern_channels = rng.randint(n_channels, size=n_samples)
    starts = rng.randint(0, lengths - pattern_length + 1)
    patterns = [_pattern(k, pattern_length) for k in range(n_classes)]

    series = []
    for index in range(n_samples):
        values = rng.normal(scale=noise, size=(n_channels, lengths[index]))
        start = starts[index]
        values[pattern_channels[index], start : start + pattern_length] += patterns[
            y[index]
        ]
        series.append(values)
    if min_length is None:
        return np.stack(series), y
    return series, y
