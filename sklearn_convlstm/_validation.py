"""Turn user input into the package's canonical time-series form, and check it.

This is the one module that decides what a valid ``X`` is. Every ``fit``,
``predict`` and ``transform`` in the package goes through :func:`check_series`.

Canonical form
--------------
* Equal-length data: a C-contiguous ``float32`` array of shape
  ``(n_samples, n_channels, n_timesteps)``.
* Unequal-length data: a ``list`` of ``float32`` arrays, each of shape
  ``(n_channels, length_i)``, all with the same number of channels.

Accepted input
--------------
* a 3D array-like ``(n_samples, n_channels, n_timesteps)`` (channels first, as in
  PyTorch, sktime and aeon);
* a 2D array-like ``(n_samples, n_timesteps)``, read as univariate series
  (one channel), including pandas DataFrames;
* a list or tuple of series, each 1D ``(length_i,)`` (univariate) or 2D
  ``(n_channels, length_i)``. A list whose series all have the same length is
  stacked into a 3D array.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# scikit-learn's private parameter-validation helpers, re-exported so that the
# estimator modules import them from here, the one module that touches
# scikit-learn's private API.
from sklearn.base import _fit_context
from sklearn.utils import check_array
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_feature_names, column_or_1d

#: Canonical time-series input: a 3D float32 array or a list of 2D float32 arrays.
SeriesData = np.ndarray | list

SHAPE_HELP = (
    "X must have shape (n_samples, n_channels, n_timesteps) or "
    "(n_samples, n_timesteps) for univariate series, or be a list of arrays of "
    "shape (n_channels, length_i) for series of unequal length"
)


def _is_sequence_of_series(X: Any) -> bool:
    """Return True for a non-empty list/tuple whose items are all array-likes.

    Nested lists that form a rectangular 2D or 3D block take this path too and
    come out stacked, exactly as the equivalent array would.
    """
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    return all(
        isinstance(item, (np.ndarray, list, tuple)) and np.ndim(item) >= 1 for item in X
    )


def _ndim(X: Any) -> int:
    """Return the number of dimensions of an array-like without converting arrays."""
    if hasattr(X, "ndim"):
        return int(X.ndim)
    return np.asarray(X, dtype=object).ndim


def _to_float32(values: Any, *, what: str) -> np.ndarray:
    """Convert to a float32 array, re-raising conversion errors with context."""
    try:
        array = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise type(error)(
            f"{what} must contain only numbers; converting it to float32 failed: "
            f"{error}"
        ) from error
    return array


#: Values checked per step by _check_finite: bounds its boolean temporary.
_FINITE_CHUNK = 1 << 20


def _check_finite(array: np.ndarray, *, what: str) -> None:
    """Raise if ``array`` holds NaN or inf, scanning it in bounded chunks.

    A plain ``np.isfinite(array).all()`` allocates a boolean array as large as
    the data; chunking keeps validation's extra memory constant.
    """
    flat = array.reshape(-1)
    finite = all(
        np.isfinite(flat[start : start + _FINITE_CHUNK]).all()
        for start in range(0, flat.size, _FINITE_CHUNK)
    )
    if not finite:
        kind = "NaN" if np.isnan(array).any() else "infinity"
        raise ValueError(
            f"Input {what} contains {kind}. Time series must be finite: impute "
            "missing values (or drop those series) before fitting or predicting."
        )


#: dtypes that the fast path of check_series casts to float32 directly.
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16))


def _check_list_of_series(X: Sequence, *, name: str) -> list[np.ndarray]:
    """Validate a list of series into a list of float32 (n_channels, length) arrays."""
    series_list = []
    for index, item in enumerate(X):
        series = _to_float32(item, what=f"{name}[{index}]")
        if series.ndim == 1:
            series = series[np.newaxis, :]
        if series.ndim != 2:
            raise ValueError(
                f"Each series in a list must have shape (n_channels, length) or "
                f"(length,); {name}[{index}] has {series.ndim} dimensions with "
                f"shape {series.shape}."
            )
        if series.shape[1] == 0:
            raise ValueError(
                f"{name}[{index}] is an empty series (0 timesteps); every series "
                "needs at least one timestep."
            )
        _check_finite(series, what=f"{name}[{index}]")
        series_list.append(series)
    channel_counts = sorted({series.shape[0] for series in series_list})
    if len(channel_counts) > 1:
        first = series_list[0].shape[0]
        offender = next(
            i for i, series in enumerate(series_list) if series.shape[0] != first
        )
        raise ValueError(
            f"All series in {name} must have the same number of channels; "
            f"{name}[0] has {first} channels but {name}[{offender}] has "
            f"{series_list[offender].shape[0]} (channel counts found: "
            f"{channel_counts}). Series are expected as (n_channels, length)."
        )
    return series_list


def _check_array(X: Any, *, name: str, ensure_min_samples: int) -> np.ndarray:
    """``check_array`` to float32 (C order), naming non-numeric input."""
    try:
        return check_array(
            X,
            dtype=np.float32,
            allow_nd=True,
            ensure_all_finite=False,
            ensure_min_samples=ensure_min_samples,
            input_name=name,
            order="C",
        )
    except (TypeError, ValueError) as error:
        message = str(error)
        if "could not convert" in message or "argument must be" in message:
            raise type(error)(
                f"{name} must contain only numbers; converting it to float32 "
                f"failed: {message}"
            ) from error
        raise


def check_series(
    X: Any,
    *,
    name: str = "X",
    allow_unequal_length: bool = True,
    ensure_min_samples: int = 1,
) -> SeriesData:
    """Validate time-series input and return it in canonical form.

    Parameters
    ----------
    X : array-like or list of array-like
        See the module docstring for the accepted forms.
    name : str, default="X"
        Name used in error messages.
    allow_unequal_length : bool, default=True
        Whether a list of series of different lengths is accepted.
    ensure_min_samples : int, default=1
        Minimum number of series.

    Returns
    -------
    X_checked : ndarray of shape (n_samples, n_channels, n_timesteps) or list
        float32 data; a list of ``(n_channels, length_i)`` arrays for unequal
        lengths.

    Raises
    ------
    ValueError
        For a wrong number of dimensions, empty input, NaN/inf values,
        non-numeric values, or mismatched channel counts in a list.
    TypeError
        For sparse matrices or non-numeric objects.
    """
    if isinstance(X, (list, tuple)) and _is_sequence_of_series(X):
        if len(X) < ensure_min_samples:
            raise ValueError(
                f"Found {len(X)} series in {name} while a minimum of "
                f"{ensure_min_samples} is required."
            )
        series_list = _check_list_of_series(X, name=name)
        lengths = {series.shape[1] for series in series_list}
        if len(lengths) == 1:
            return np.ascontiguousarray(np.stack(series_list))
        if not allow_unequal_length:
            raise ValueError(
                f"{name} holds series of unequal lengths ({min(lengths)} to "
                f"{max(lengths)} timesteps) but this step needs equal-length "
                "series; pad or truncate them first (see PadTruncate)."
            )
        return series_list

    ndim = _ndim(X)
    if ndim == 1:
        raise ValueError(
            f"{SHAPE_HELP}; got a 1D array of shape {np.shape(X)}. Reshape your "
            f"data: use {name}.reshape(1, -1) for a single univariate series."
        )
    if ndim not in (2, 3):
        raise ValueError(
            f"{SHAPE_HELP}; got an array with {ndim} dimensions of shape {np.shape(X)}."
        )
    if (
        type(X) is np.ndarray
        and X.dtype in _FLOAT_DTYPES
        and X.size > 0
        and X.shape[0] >= ensure_min_samples
    ):
        # What check_array returns for a non-empty float array, without its
        # per-call overhead (dataframe detection, ...): this path is most of
        # the validation time of a single-series predict.
        array = np.ascontiguousarray(X, dtype=np.float32)
    else:
        array = _check_array(X, name=name, ensure_min_samples=ensure_min_samples)
    if array.shape[-1] == 0:
        raise ValueError(
            f"{name} has 0 timesteps (shape {array.shape}); every series needs at "
            "least one timestep."
        )
    _check_finite(array, what=name)
    if array.ndim == 2:
        array = array[:, np.newaxis, :]
    return array


def n_channels_of(X: SeriesData) -> int:
    """Return the number of channels of canonical data."""
    return int(X.shape[1]) if isinstance(X, np.ndarray) else int(X[0].shape[0])


def series_lengths(X: SeriesData) -> np.ndarray:
    """Return the length (number of timesteps) of each series of canonical data."""
    if isinstance(X, np.ndarray):
        return np.full(X.shape[0], X.shape[2], dtype=np.int64)
    return np.array([series.shape[1] for series in X], dtype=np.int64)


def pad_series(
    series_list: Sequence[np.ndarray],
    length: int | None = None,
    fill_value: float = 0.0,
) -> np.ndarray:
    """Stack ``(n_channels, length_i)`` series into one array, padding at the end.

    Series longer than ``length`` are truncated (their first ``length`` steps
    are kept); shorter ones are padded at the end with ``fill_value``.

    Parameters
    ----------
    series_list : sequence of ndarray of shape (n_channels, length_i)
        The series.
    length : int, default=None
        Output length; ``None`` means the longest series.
    fill_value : float, default=0.0
        Value written after the end of each shorter series.

    Returns
    -------
    padded : ndarray of shape (n_samples, n_channels, length)
    """
    if length is None:
        length = max(series.shape[1] for series in series_list)
    n_channels = series_list[0].shape[0]
    dtype = np.result_type(*[series.dtype for series in series_list[:1]])
    padded = np.full((len(series_list), n_channels, length), fill_value, dtype=dtype)
    for index, series in enumerate(series_list):
        kept = min(length, series.shape[1])
        padded[index, :, :kept] = series[:, :kept]
    return padded


def check_classification_labels(y: Any, n_samples: int) -> np.ndarray:
    """Validate classification targets for ``n_samples`` series.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels (any hashable type: ints, strings, ...).
    n_samples : int
        Number of series in X.

    Returns
    -------
    y : ndarray of shape (n_samples,)
    """
    if y is None:
        raise ValueError(
            "This classifier requires y to be passed, but the target y is None."
        )
    y = column_or_1d(y, warn=True)
    if len(y) != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples} series "
            f"but y has {len(y)} labels. Pass one label per series."
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("Input y contains NaN or infinity; every label must be set.")
    check_classification_targets(y)
    return y


def _is_univariate_table(X: Any) -> bool:
    """Tell whether X is a 2D array-like read as (n_samples, n_timesteps)."""
    if isinstance(X, (list, tuple)):
        return bool(len(X)) and all(np.ndim(item) == 1 for item in X)
    return _ndim(X) == 2


def validate_series_input(
    estimator: Any,
    X: Any,
    *,
    reset: bool,
    require_fitted_length: bool,
    allow_unequal_length: bool = True,
) -> SeriesData:
    """Validate X for an estimator and record or check its layout.

    With ``reset=True`` (in ``fit``) this sets on ``estimator``:

    * ``n_features_in_``: ``X.shape[1]`` as passed, following scikit-learn's
      definition: the number of channels for 3D input and lists, the number of
      timesteps for 2D (univariate) input;
    * ``feature_names_in_`` when X is a DataFrame with string column names;
    * ``n_channels_in_`` and ``n_timesteps_in_`` (``None`` for unequal lengths).

    With ``reset=False`` (in ``predict``/``transform``) it checks X against them:
    the number of channels must match; with ``require_fitted_length=True`` an
    estimator fitted on equal-length series also requires that length. For 2D
    input the length is always checked, because its columns are the features
    scikit-learn counts in ``n_features_in_``.

    Parameters
    ----------
    estimator : estimator instance
        The estimator whose attributes are set or read.
    X : array-like or list of array-like
        Input accepted by :func:`check_series`.
    reset : bool
        True in ``fit``, False afterwards.
    require_fitted_length : bool
        Whether series must keep the fitted length (see above).
    allow_unequal_length : bool, default=True
        Passed to :func:`check_series`.

    Returns
    -------
    X_checked : ndarray of shape (n_samples, n_channels, n_timesteps) or list
        Canonical float32 data.
    """
    is_table = _is_univariate_table(X)
    # Column names only matter for dataframes, or when fit saw a dataframe;
    # skipping the check for plain arrays keeps single-series predict fast.
    if not isinstance(X, (list, tuple)) and (
        reset
        or not isinstance(X, np.ndarray)
        or hasattr(estimator, "feature_names_in_")
    ):
        _check_feature_names(estimator, X, reset=reset)
    X_checked = check_series(X, allow_unequal_length=allow_unequal_length)
    n_channels = n_channels_of(X_checked)
    lengths = series_lengths(X_checked)
    n_timesteps = int(lengths[0]) if isinstance(X_checked, np.ndarray) else None
    name = type(estimator).__name__
    if reset:
        is_table = is_table and n_timesteps is not None
        estimator.n_features_in_ = n_timesteps if is_table else n_channels
        estimator.n_channels_in_ = n_channels
        estimator.n_timesteps_in_ = n_timesteps
        return X_checked

    if n_channels != estimator.n_channels_in_:
        raise ValueError(
            f"X has {n_channels} channels, but {name} was fitted on series with "
            f"{estimator.n_channels_in_} channels. X must have shape (n_samples, "
            f"{estimator.n_channels_in_}, n_timesteps) with channels first."
        )
    fitted_length = estimator.n_timesteps_in_
    if is_table and fitted_length is not None and n_timesteps != fitted_length:
        raise ValueError(
            f"X has {n_timesteps} features, but {name} is expecting "
            f"{fitted_length} features as input: 2D input is read as "
            "(n_samples, n_timesteps) and the estimator was fitted on series of "
            f"{fitted_length} timesteps."
        )
    if require_fitted_length and estimator.n_timesteps_in_ is not None:
        wrong = lengths != estimator.n_timesteps_in_
        if wrong.any():
            raise ValueError(
                f"X has series of {int(lengths[wrong][0])} timesteps, but {name} was "
                f"fitted on series of {estimator.n_timesteps_in_} timesteps. A model "
                "fitted on equal-length series predicts series of that length; "
                "pad or truncate them (PadTruncate), or fit on a list of series "
                "of varying lengths."
            )
    return X_checked


# scikit-learn's parameter validation machinery, re-exported so that estimators
# import private scikit-learn helpers from this module only.
__all__ = [
    "Interval",
    "StrOptions",
    "_fit_context",
    "check_classification_labels",
    "check_series",
    "n_channels_of",
    "pad_series",
    "series_lengths",
    "validate_params",
    "validate_series_input",
]


def _take(X: Any, index: np.ndarray) -> Any:
    """Select samples by position from an array, a DataFrame or a list of series."""
    if hasattr(X, "iloc"):
        return X.iloc[index]
    if isinstance(X, np.ndarray):
        return X[index]
    return [X[i] for i in index]
