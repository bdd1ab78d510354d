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
  stacked into a 3D array;
* the nested forms of sktime and aeon, read as a list of series: a DataFrame
  whose cells are series (a row per series, a column per channel) and a 1D
  object array of series.

Values must be real and fit float32, the precision the network computes in:
NaN, infinity, complex numbers, finite values beyond float32's range and data
whose largest magnitude is below float32's normal range (which would become
0) are refused with a message saying which and what to do.

Data larger than memory
-----------------------
Estimators that stream batches (``ConvLSTMClassifier.fit`` and
``predict_proba``, ``TimeSeriesScaler.fit``, ``make_windows(lazy=True)``) call
:func:`check_series_lazy`, which keeps on-disk data on disk: a float32
C-contiguous memmap passes as it is (a view of the file); a memmap of another
dtype or layout, an array that slices (h5py, zarr, dask: anything with
``shape``, ``dtype`` and ``__getitem__``) becomes a
:class:`~sklearn_convlstm.LazySeries`, read and cast batch by batch; a
:class:`~sklearn_convlstm.RaggedSeries` (unequal lengths on disk) passes
as it is. Everywhere else (:func:`check_series`) such input is read into
memory as canonical float32 data.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence, Set
from numbers import Number
from typing import Any, Literal, overload

import numpy as np
import torch
from scipy import sparse

# scikit-learn's private parameter-validation helpers, re-exported so that the
# estimator modules import them from here, the one module that touches
# scikit-learn's private API.
from sklearn.base import _fit_context as fit_context
from sklearn.utils import check_array
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_feature_names

from sklearn_convlstm._conventions import SHAPE_HELP, caller_stacklevel
from sklearn_convlstm._lazy import (
    FLOAT32_TINY,
    LazySeries,
    RaggedSeries,
    check_finite_lazy,
    is_memory_mapped,
    value_error,
    value_peak,
)

#: Canonical time-series input: a 3D float32 array or a list of 2D float32 arrays.
SeriesData = np.ndarray | list

#: What :func:`check_series_lazy` may return besides ``SeriesData``: series read
#: from disk on demand, equal-length (``LazySeries``) or not (``RaggedSeries``).
LazyData = LazySeries | RaggedSeries


#: The input forms accepted, for messages about input of another form.
ACCEPTED_FORMS = (
    "expected a 3D array (n_samples, n_channels, n_timesteps), a 2D array or "
    "DataFrame (n_samples, n_timesteps) of univariate series, a list of series "
    "each of shape (n_channels, length_i) or (length_i,), an sktime/aeon nested "
    "DataFrame or object array of series, or for data on disk a memmap, "
    "LazySeries or RaggedSeries"
)


def _is_array_item(item: Any) -> bool:
    """Whether a list item is a series (array-like of 1 or more dimensions)."""
    return isinstance(item, (np.ndarray, list, tuple)) and np.ndim(item) >= 1


def _is_sequence_of_series(X: Any) -> bool:
    """Return True for a non-empty list/tuple whose items are all array-likes.

    Nested lists that form a rectangular 2D or 3D block take this path too and
    come out stacked, exactly as the equivalent array would.
    """
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    return all(_is_array_item(item) for item in X)


def _ndim(X: Any) -> int:
    """Return the number of dimensions of an array-like without converting arrays."""
    if hasattr(X, "ndim"):
        return int(X.ndim)
    return np.asarray(X, dtype=object).ndim


def _describe(item: Any) -> str:
    """Name the type of ``item`` for a message: 'a float (a single number)'."""
    if isinstance(item, np.ndarray):
        return f"an array of shape {item.shape}"
    name = type(item).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    if isinstance(item, (Number, np.generic)):
        return f"{article} {name} (a single number)"
    return f"{article} {name}"


def _reject_unaccepted_forms(X: Any, *, name: str) -> None:
    """Raise for a generator, str, mapping, set, None, number or mixed list.

    The message names the form received and the forms accepted.
    """
    if isinstance(X, np.ndarray) or sparse.issparse(X):  # sparse: check_array's
        return
    if isinstance(X, Iterator):
        raise TypeError(
            f"{name} is {_describe(X)}; {ACCEPTED_FORMS}. A {type(X).__name__} "
            f"can be read only once (fit and predict read {name} more than "
            f"once): pass list({name}) instead."
        )
    if X is None or isinstance(X, (str, bytes, Mapping, Set, Number, np.generic)):
        received = "None" if X is None else _describe(X)
        raise TypeError(f"{name} is {received}; {ACCEPTED_FORMS}.")
    if isinstance(X, (list, tuple)) and len(X) > 0:
        kinds = [_is_array_item(item) for item in X]
        if any(kinds) and not all(kinds):
            series = kinds.index(True)
            other = kinds.index(False)
            raise ValueError(
                f"{name}[{other}] is {_describe(X[other])} while {name}[{series}] "
                f"is {_describe(X[series])}: a list must hold one series (an "
                f"array) per item; {ACCEPTED_FORMS}."
            )


def _is_nested(X: Any) -> bool:
    """Whether X is a nested form of sktime/aeon (nothing is converted).

    A DataFrame with object columns whose first cell is an array-like, or a 1D
    object ndarray whose first item is one.
    """
    if hasattr(X, "iloc") and getattr(X, "ndim", 0) == 2:
        return (
            min(X.shape) > 0
            and any(dtype.kind == "O" for dtype in X.dtypes)
            and np.ndim(X.iloc[0, 0]) > 0
        )
    return (
        type(X) is np.ndarray
        and X.dtype == object
        and X.ndim == 1
        and (X.size > 0 and np.ndim(X[0]) > 0)
    )


def _nested_to_list(X: Any, *, name: str) -> list[Any]:
    """Read a nested form (see :func:`_is_nested`) as a list of series.

    The cells of a DataFrame's row are the channels of one series, 1D each.
    """
    if isinstance(X, np.ndarray):
        return list(X)
    series_list = []
    for index, row in enumerate(X.to_numpy(dtype=object)):
        channels = [np.asarray(cell) for cell in row]
        shapes = sorted({channel.shape for channel in channels})
        if len(shapes) > 1 or len(shapes[0]) != 1:
            raise ValueError(
                f"{name}.iloc[{index}] holds channels of shapes {shapes}; each cell "
                "of a nested DataFrame must be one channel of one series (1D), and "
                "the channels of one series must all have the same length."
            )
        series_list.append(np.stack(channels))
    return series_list


def _complex_error(what: str, dtype: Any) -> ValueError:
    return ValueError(
        f"{what} holds complex numbers (dtype {dtype}). Complex data not "
        "supported: series must be real. Pass the real part (np.real), the "
        "magnitude (np.abs), or both parts as separate channels."
    )


def _to_float32(values: Any, *, what: str) -> np.ndarray:
    """Convert to a float32 array, re-raising conversion errors with context."""
    try:
        array = np.asarray(values)
        if array.dtype.kind == "c":
            raise _complex_error(what, array.dtype)
        with np.errstate(over="ignore"):  # reported by _check_finite
            array = array.astype(np.float32, copy=False)
    except (TypeError, ValueError) as error:
        if "complex" in str(error).lower():
            raise
        raise type(error)(
            f"{what} must contain only numbers; converting it to float32 failed: "
            f"{error}"
        ) from error
    return array


#: Values checked per step by _check_finite: bounds its temporaries.
_FINITE_CHUNK = 1 << 20


def _check_finite(array: np.ndarray, *, what: str, source: Any = None) -> float:
    """Raise if ``array`` holds NaN or inf; return its largest magnitude.

    Scans in bounded chunks (``max`` and ``min``, no temporary), so
    validation's extra memory stays constant. ``source`` is the input
    ``array`` was cast from: when it was finite, the cast to float32
    overflowed, and the message says so.
    """
    flat = array.reshape(-1)
    peak = 0.0
    for start in range(0, flat.size, _FINITE_CHUNK):
        chunk_peak = value_peak(flat[start : start + _FINITE_CHUNK])
        if not np.isfinite(chunk_peak):
            source_peak = np.inf if source is None else value_peak(source)
            if np.isfinite(source_peak):
                raise value_error(what, "beyond", source_peak)
            kind = "NaN" if np.isnan(array).any() else "infinity"
            raise value_error(what, "non-finite", kind)
        peak = max(peak, chunk_peak)
    return peak


def _check_not_below_float32(peak: float, sources: Sequence[Any], *, what: str) -> None:
    """Raise if data whose largest magnitude is ``peak`` in float32 lost its values.

    All-zero data is fine; data that became 0 or subnormal in the cast is not.
    ``sources`` (the input before the cast) are read only in that rare case.
    """
    if peak >= FLOAT32_TINY:
        return
    peak = max([peak, *(value_peak(source) for source in sources)])
    if peak > 0:
        raise value_error(what, "below", peak)


#: dtypes that the fast path of check_series casts to float32 directly.
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16))


def _check_list_of_series(X: Sequence, *, name: str) -> list[np.ndarray]:
    """Validate a list of series into a list of float32 (n_channels, length) arrays."""
    series_list = []
    peak = 0.0
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
        if series.shape[0] == 0:
            raise ValueError(
                f"{name}[{index}] has 0 channels (shape {series.shape}); every "
                "series needs at least one channel, as (n_channels, length)."
            )
        if series.shape[1] == 0:
            raise ValueError(
                f"{name}[{index}] is an empty series (0 timesteps); every series "
                "needs at least one timestep."
            )
        peak = max(peak, _check_finite(series, what=f"{name}[{index}]", source=item))
        series_list.append(series)
    _check_not_below_float32(peak, X, what=name)
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
        if "Complex data not supported" in message:
            raise _complex_error(name, "complex") from None
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
    _reject_torch_dataset(X, name=name)
    _reject_unaccepted_forms(X, name=name)
    if isinstance(X, LazySeries):  # a step that needs the data in memory
        X = np.concatenate(list(X.iter_chunks()))
    elif isinstance(X, RaggedSeries):
        X = list(X)
    if _is_nested(X):
        X = _nested_to_list(X, name=name)
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
    if ndim == 3 and np.shape(X)[1] == 0:
        raise ValueError(
            f"{name} has 0 channels (shape {np.shape(X)}); every series needs at "
            "least one channel. X must have shape (n_samples, n_channels, "
            "n_timesteps)."
        )
    dtype = getattr(X, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "c":
        raise _complex_error(name, dtype)
    if (
        type(X) is np.ndarray
        and X.dtype in _FLOAT_DTYPES
        and X.size > 0
        and X.shape[0] >= ensure_min_samples
    ):
        # What check_array returns for a non-empty float array, without its
        # per-call overhead (dataframe detection, ...): this path is most of
        # the validation time of a single-series predict.
        # Overflow to inf is reported by _check_finite, with the values.
        with np.errstate(over="ignore"):
            array = np.ascontiguousarray(X, dtype=np.float32)
    else:
        with np.errstate(over="ignore"):
            array = _check_array(X, name=name, ensure_min_samples=ensure_min_samples)
    if array.shape[-1] == 0:
        raise ValueError(
            f"{name} has 0 timesteps (shape {array.shape}); every series needs at "
            "least one timestep."
        )
    peak = _check_finite(array, what=name, source=X)
    _check_not_below_float32(peak, [X], what=name)
    if array.ndim == 2:
        array = array[:, np.newaxis, :]
    return array


def _reject_torch_dataset(X: Any, *, name: str) -> None:
    """Raise a TypeError naming what to pass instead of a torch Dataset."""
    if isinstance(X, torch.utils.data.Dataset):
        raise TypeError(
            f"{name} is a torch Dataset ({type(X).__name__}); this estimator reads "
            "arrays, not datasets. Pass a NumPy array or memmap of shape "
            "(n_samples, n_channels, n_timesteps), an array that slices such as an "
            "h5py dataset (see sklearn_convlstm._lazy.LazySeries), or a "
            "sklearn_convlstm._lazy.RaggedSeries for series of unequal length."
        )


def _is_sliceable_array(X: Any) -> bool:
    """Whether X is a non-NumPy array that slices (h5py, zarr, dask, ...)."""
    if isinstance(X, (np.ndarray, list, tuple, str, bytes)) or hasattr(X, "iloc"):
        return False
    if sparse.issparse(X):
        return False
    return (
        isinstance(getattr(X, "dtype", None), np.dtype)
        and hasattr(X, "shape")
        and hasattr(X, "__getitem__")
    )


def as_lazy_series(X: Any, *, name: str = "X") -> LazyData | None:
    """Return X as series read on demand, or None if it is read into memory.

    A float32 C-contiguous memmap is not wrapped (None): it streams as it is.
    A memmap of another dtype or layout and any other array that slices
    (``shape``, ``dtype``, ``__getitem__``) become a
    :class:`~sklearn_convlstm.LazySeries`; ``LazySeries`` and
    ``RaggedSeries`` come back unchanged. Nothing is read here.

    Raises
    ------
    ValueError
        For an array that is not 2D or 3D.
    TypeError
        For an array whose dtype is not a float or integer dtype.
    """
    if isinstance(X, (LazySeries, RaggedSeries)):
        return X
    if isinstance(X, np.memmap):
        if X.dtype == np.float32 and X.flags.c_contiguous:
            return None
        return LazySeries(X, name=name)
    _reject_torch_dataset(X, name=name)
    if _is_sliceable_array(X):
        return LazySeries(X, name=name)
    return None


def check_series_lazy(
    X: Any,
    *,
    name: str = "X",
    allow_unequal_length: bool = True,
    ensure_min_samples: int = 1,
) -> SeriesData | LazyData:
    """Like :func:`check_series`, but keep on-disk data on disk.

    Data that :func:`as_lazy_series` wraps is checked (shape, dtype, number of
    series, finite values in one chunked pass) and returned lazily; anything
    else goes through :func:`check_series`.

    Parameters
    ----------
    X : array-like, list of array-like, LazySeries or RaggedSeries
        Series.
    name : str, default="X"
        Name used in error messages.
    allow_unequal_length : bool, default=True
        Whether series of unequal length are accepted.
    ensure_min_samples : int, default=1
        Minimum number of series.

    Returns
    -------
    X_checked : ndarray, list, LazySeries or RaggedSeries
        Canonical float32 data, or data read on demand as float32.
    """
    lazy = as_lazy_series(X, name=name)
    if lazy is None:
        return check_series(
            X,
            name=name,
            allow_unequal_length=allow_unequal_length,
            ensure_min_samples=ensure_min_samples,
        )
    if len(lazy) < ensure_min_samples:
        raise ValueError(
            f"Found {len(lazy)} series in {name} while a minimum of "
            f"{ensure_min_samples} is required."
        )
    if isinstance(lazy, RaggedSeries) and not allow_unequal_length:
        raise ValueError(
            f"{name} is a RaggedSeries (series of unequal length) but this step "
            "needs equal-length series; pad or truncate them first (see "
            "PadTruncate)."
        )
    check_finite_lazy(lazy, what=name)
    return lazy


def n_channels_of(X: SeriesData | LazyData) -> int:
    """Return the number of channels of canonical data."""
    if isinstance(X, RaggedSeries):
        return X.n_channels
    return int(X.shape[1]) if not isinstance(X, list) else int(X[0].shape[0])


def series_lengths(X: SeriesData | LazyData) -> np.ndarray:
    """Return the length (number of timesteps) of each series of canonical data."""
    if isinstance(X, RaggedSeries):
        return X.lengths
    if not isinstance(X, list):
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


#: ``fit`` warns that X may be channels-last when a 3D array has more than this
#: many times as many channels as timesteps. Real multichannel data stays below
#: it (UEA archive examples: PEMS-SF, 963 channels of 144 steps, ratio 6.7;
#: DuckDuckGeese, 1,345 of 270, ratio 5), while (n, timesteps, channels) data
#: passed by mistake has the ratio timesteps / channels: 150 for univariate
#: series of 150 steps, 50 for 3 channels of 150 steps.
CHANNELS_LAST_RATIO = 10


def _warn_if_channels_last(name: str, n_channels: int, n_timesteps: int) -> None:
    if n_channels > CHANNELS_LAST_RATIO * n_timesteps:
        warnings.warn(
            f"{name} has {n_channels} channels of {n_timesteps} "
            f"timestep{'' if n_timesteps == 1 else 's'} each "
            f"(more than {CHANNELS_LAST_RATIO} channels per timestep): was it "
            "passed channels-last, as (n_samples, n_timesteps, n_channels)? "
            "This package reads 3D input channels-first, (n_samples, n_channels, "
            f"n_timesteps); transpose it with {name}.transpose(0, 2, 1). If the "
            "layout is right, silence this warning with warnings.filterwarnings.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )


def _is_univariate_table(X: Any) -> bool:
    """Tell whether X is a 2D array-like read as (n_samples, n_timesteps)."""
    if isinstance(X, RaggedSeries):
        return False
    if isinstance(X, (list, tuple)):
        return bool(len(X)) and all(np.ndim(item) == 1 for item in X)
    return _ndim(X) == 2 and not _is_nested(X)


@overload
def validate_series_input(
    estimator: Any,
    X: Any,
    *,
    reset: bool,
    require_fitted_length: bool,
    allow_unequal_length: bool = True,
    allow_lazy: Literal[False] = False,
    warn_channels_last: bool = False,
) -> SeriesData: ...


@overload
def validate_series_input(
    estimator: Any,
    X: Any,
    *,
    reset: bool,
    require_fitted_length: bool,
    allow_unequal_length: bool = True,
    allow_lazy: Literal[True],
    warn_channels_last: bool = False,
) -> SeriesData | LazyData: ...


def validate_series_input(
    estimator: Any,
    X: Any,
    *,
    reset: bool,
    require_fitted_length: bool,
    allow_unequal_length: bool = True,
    allow_lazy: bool = False,
    warn_channels_last: bool = False,
) -> SeriesData | LazyData:
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
    allow_lazy : bool, default=False
        Validate with :func:`check_series_lazy`, which keeps on-disk data on
        disk, for callers that read X batch by batch.
    warn_channels_last : bool, default=False
        With ``reset=True``, warn when a 3D array has more than
        ``CHANNELS_LAST_RATIO`` times as many channels as timesteps (likely
        passed as ``(n_samples, n_timesteps, n_channels)``). Estimators that
        train on X turn it on; steps inside them (a scaler fitted in ``fit``)
        leave it off, so the warning comes once.

    Returns
    -------
    X_checked : ndarray of shape (n_samples, n_channels, n_timesteps) or list
        Canonical float32 data; with ``allow_lazy`` possibly a ``LazySeries``
        or ``RaggedSeries``.
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
    checker = check_series_lazy if allow_lazy else check_series
    X_checked = checker(X, allow_unequal_length=allow_unequal_length)
    n_channels = n_channels_of(X_checked)
    lengths = series_lengths(X_checked)
    equal_length = isinstance(X_checked, (np.ndarray, LazySeries))
    n_timesteps = int(lengths[0]) if equal_length else None
    name = type(estimator).__name__
    if reset:
        is_table = is_table and n_timesteps is not None
        if warn_channels_last and n_timesteps is not None and not is_table:
            _warn_if_channels_last("X", n_channels, n_timesteps)
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
    "ACCEPTED_FORMS",
    "CHANNELS_LAST_RATIO",
    "Interval",
    "InvalidParameterError",
    "LazyData",
    "StrOptions",
    "fit_context",
    "as_lazy_series",
    "check_series",
    "check_series_lazy",
    "n_channels_of",
    "pad_series",
    "series_lengths",
    "take_samples",
    "validate_params",
    "validate_series_input",
]


def take_samples(X: Any, index: np.ndarray) -> Any:
    """Select samples by position from an array, a DataFrame or a list of series.

    Data read on demand (``LazySeries``, ``RaggedSeries``) gives a lazy view:
    nothing is read. So does a memory-mapped array (fancy indexing would copy
    the rows into memory).
    """
    if hasattr(X, "iloc"):
        return X.iloc[index]
    if isinstance(X, (LazySeries, RaggedSeries)):
        return X.take(index)
    if isinstance(X, np.ndarray) and is_memory_mapped(X):
        return LazySeries(X).take(index)
    if isinstance(X, np.ndarray):
        return X[index]
    return [X[i] for i in index]
