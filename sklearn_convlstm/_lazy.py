"""Series read on demand, batch by batch: data larger than memory.

A float32 NumPy memmap streams through
:class:`~sklearn_convlstm.ConvLSTMClassifier` as it is (batches are
views of the file). Everything else that lives on disk goes through the
classes here, which read only the rows a batch needs and cast them to float32
then, never the whole data set:

* :class:`LazySeries` wraps an array that slices: a memmap of another dtype
  (float64, float16, integers), an HDF5 dataset (``h5py``), a zarr or dask
  array, anything with ``shape``, ``dtype`` and ``__getitem__``. ``fit`` and
  ``predict_proba`` wrap such input themselves; wrap it yourself to pass it
  around.
* :class:`RaggedSeries` holds series of unequal length stored end to end in
  one array (a memmap, say) with an ``offsets`` array, the layout of Arrow
  list arrays and of most ragged on-disk formats.
* :func:`~sklearn_convlstm.make_windows` with ``lazy=True`` returns
  its windows as a :class:`LazySeries` that cuts each batch out of the
  recordings on demand, so overlapping windows are never copied out.

Each of them reads as equal-length float32 series (``LazySeries``) or as a
list of float32 ``(n_channels, length_i)`` series (``RaggedSeries``).
"""

from __future__ import annotations

import copy
import math
import mmap
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["LazySeries", "RaggedSeries"]

#: Values read per step when a whole lazy data set is scanned (finiteness,
#: statistics): bounds the temporaries to a few MiB whatever the data size.
CHUNK_VALUES = 1 << 18

#: dtype kinds that can be read as float32: floats, signed and unsigned ints.
_REAL_KINDS = "fiu"

#: The float32 range the network computes in: the largest finite value and the
#: smallest positive normal one (below it, values lose precision, then become 0).
FLOAT32_MAX = float(np.finfo(np.float32).max)
FLOAT32_TINY = float(np.finfo(np.float32).tiny)


def value_error(what: str, problem: str, value: Any) -> ValueError:
    """Return the error for values float32 cannot hold, one wording for all input.

    ``problem`` is ``"non-finite"`` (``value``: ``"NaN"`` or ``"infinity"``),
    ``"beyond"`` or ``"below"`` float32's range (``value``: the largest
    magnitude).
    """
    if problem == "non-finite":
        return ValueError(
            f"Input {what} contains {value}. Time series must be finite: impute "
            "missing values (or drop those series) before fitting or predicting."
        )
    if problem == "beyond":
        return ValueError(
            f"{what} has values up to {value:.3g}, beyond the float32 range "
            f"(about {FLOAT32_MAX:.3g}) that the network computes in. Rescale X "
            "(e.g. divide it by a constant) before fitting or predicting."
        )
    return ValueError(
        f"{what} has values of at most {value:.3g} in magnitude, below the float32 "
        f"range (smallest normal number about {FLOAT32_TINY:.3g}) that the network "
        "computes in: in float32 they lose their precision or become 0, and every "
        "series would look the same. Rescale X (e.g. multiply it by a constant) "
        "before fitting or predicting."
    )


def value_peak(values: Any) -> float:
    """Largest magnitude of float data as stored: NaN if it holds NaN, inf for inf.

    One ``max`` and one ``min`` reduction, no temporary array. Data that is
    not float (ints, bools, strings) gives 0; numbers stored as objects are
    read as float64.
    """
    try:
        array = np.asarray(values)
        if array.dtype == object:
            array = array.astype(np.float64)
    except (TypeError, ValueError):
        return 0.0
    if array.dtype.kind != "f" or array.size == 0:
        return 0.0
    high, low = float(array.max()), float(array.min())
    return float("nan") if high != high or low != low else max(high, -low)


def _check_real_dtype(dtype: Any, *, what: str) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype; raise TypeError unless real numbers."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(
            f"{what} has dtype {dtype!r}, which is not a NumPy dtype; expected "
            "real numbers (a float or integer dtype such as float32, float64 or "
            "int16)."
        ) from error
    if dtype.kind not in _REAL_KINDS:
        raise TypeError(
            f"{what} has dtype {dtype}; series must hold real numbers, stored as a "
            "float or integer dtype (float32, float64, float16, int16, ...). "
            "Convert the data to float32 first."
        )
    return dtype


def _row_index(key: Any, n_rows: int, *, what: str) -> np.ndarray:
    """Turn an int array, list or boolean mask into int64 row positions."""
    index = np.asarray(key)
    if index.dtype == bool:
        if index.shape != (n_rows,):
            raise IndexError(
                f"A boolean mask over {what} must have shape ({n_rows},); got "
                f"{index.shape}."
            )
        return np.flatnonzero(index)
    if index.ndim != 1 or (index.size and index.dtype.kind not in "iu"):
        raise IndexError(
            f"{what} is indexed by row only: an int, a slice, a 1D array of ints or "
            f"a boolean mask; got {type(key).__name__} of shape {index.shape}."
        )
    index = index.astype(np.int64, copy=True)
    if index.size and (index.min() < -n_rows or index.max() >= n_rows):
        raise IndexError(f"Row index out of range for {what} with {n_rows} rows.")
    index[index < 0] += n_rows
    return index


def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Split sorted unique rows into ``[start, stop)`` runs of consecutive rows."""
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    return [
        (int(part[0]), int(part[-1]) + 1)
        for part in np.split(rows, breaks)
        if part.size
    ]


class LazySeries:
    """Equal-length series read from an array batch by batch, as float32.

    Indexing by rows (an int, a slice, an int array or a boolean mask) reads
    those rows only and returns them as a new C-contiguous float32 array of
    shape ``(n_rows, n_channels, n_timesteps)`` (``(n_channels,
    n_timesteps)`` for an int). Nothing is read when the object is created.

    Parameters
    ----------
    data : array-like with ``shape``, ``dtype`` and ``__getitem__``
        A NumPy array or memmap of any float or integer dtype, an ``h5py``
        dataset, a zarr or dask array, ... of shape ``(n_samples, n_channels,
        n_timesteps)``, or ``(n_samples, n_timesteps)`` for univariate series.
        Slicing it along the first axis must return NumPy-convertible arrays.
    name : str, default="X"
        Name used in error messages.

    Attributes
    ----------
    shape : tuple of int
        ``(n_samples, n_channels, n_timesteps)``.
    dtype : numpy.dtype
        Always float32: the dtype of what indexing returns.
    source_dtype : numpy.dtype
        The dtype stored in ``data``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._lazy import LazySeries
    >>> data = np.arange(24, dtype=np.float64).reshape(4, 2, 3)
    >>> X = LazySeries(data)
    >>> X.shape, X.dtype
    ((4, 2, 3), dtype('float32'))
    >>> X[[3, 0]][:, 0]
    array([[18., 19., 20.],
           [ 0.,  1.,  2.]], dtype=float32)
    """

    ndim = 3
    dtype = np.dtype(np.float32)

    def __init__(self, data: Any, *, name: str = "X") -> None:
        from sklearn_convlstm._conventions import SHAPE_HELP

        for attribute in ("shape", "dtype", "__getitem__"):
            if not hasattr(data, attribute):
                raise TypeError(
                    f"{name} must be an array that slices (with shape, dtype and "
                    f"__getitem__, like a NumPy memmap or an h5py dataset); got "
                    f"{type(data).__name__}, which has no {attribute}."
                )
        shape = tuple(int(size) for size in data.shape)
        if len(shape) not in (2, 3):
            raise ValueError(
                f"{SHAPE_HELP}; got {type(data).__name__} with {len(shape)} "
                f"dimensions of shape {shape}."
            )
        self.source_dtype = _check_real_dtype(
            data.dtype, what=f"{name} ({type(data).__name__})"
        )
        if shape[0] == 0 or shape[-1] == 0:
            raise ValueError(
                f"{name} has shape {shape}; it needs at least one series and one "
                "timestep."
            )
        self.data = data
        self.name = name
        self._univariate = len(shape) == 2
        self._n_source_rows = shape[0]
        self._series_shape: tuple[int, int] = (
            (1, shape[1]) if self._univariate else (shape[1], shape[2])
        )
        self._rows: np.ndarray | None = None
        self._finite_checked = False

    # ------------------------------------------------------------ interface

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_samples, n_channels, n_timesteps)``."""
        return (len(self), *self._series_shape)

    def __len__(self) -> int:
        return self._n_source_rows if self._rows is None else len(self._rows)

    def __repr__(self) -> str:
        source = next(
            type(value).__name__
            for value in (
                getattr(self, "data", None),
                getattr(self, "recordings", None),
                getattr(self, "ragged", None),
            )
            if value is not None
        )
        return f"{type(self).__name__}(shape={self.shape}, source={source!r})"

    def __getitem__(self, key: Any) -> np.ndarray:
        n_rows = len(self)
        if isinstance(key, (int, np.integer)):
            position = int(key) + (n_rows if key < 0 else 0)
            if not 0 <= position < n_rows:
                raise IndexError(
                    f"Index {int(key)} is out of range for {self.name} with {n_rows} "
                    "series."
                )
            return self._read(np.array([position], dtype=np.int64))[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(n_rows)
            return self._read(np.arange(start, stop, step, dtype=np.int64))
        if isinstance(key, tuple):
            raise IndexError(
                f"{type(self).__name__} is indexed by rows only (one index); got a "
                f"tuple of {len(key)}. Read the rows first, then slice the result."
            )
        return self._read(_row_index(key, n_rows, what=self.name))

    def __iter__(self) -> Iterator[np.ndarray]:
        for chunk in self.iter_chunks():
            yield from chunk

    def take(self, indices: Any) -> LazySeries:
        """Return a lazy view of the rows ``indices`` (nothing is read).

        Parameters
        ----------
        indices : array-like of int or bool
            Row positions, or a boolean mask.

        Returns
        -------
        view : LazySeries
            The same source, restricted to (and reordered by) ``indices``.
        """
        rows = _row_index(indices, len(self), what=self.name)
        view = copy.copy(self)
        view._rows = rows if self._rows is None else self._rows[rows]
        return view

    def iter_chunks(self, chunk_values: int | None = None) -> Iterator[np.ndarray]:
        """Yield the series in order as float32 arrays of a bounded size.

        Parameters
        ----------
        chunk_values : int, default=None
            Roughly the number of values per chunk (at least one series);
            None: the module's ``CHUNK_VALUES``.

        Yields
        ------
        chunk : ndarray of shape (n_chunk, n_channels, n_timesteps), float32
        """
        per_series = int(np.prod(self._series_shape))
        chunk_rows = max(1, (chunk_values or CHUNK_VALUES) // per_series)
        for start in range(0, len(self), chunk_rows):
            yield self[start : start + chunk_rows]

    # ------------------------------------------------------------- reading

    def _read(self, rows: np.ndarray) -> np.ndarray:
        """Read positions ``rows`` (int64, in range) as float32 series."""
        if rows.size == 0:
            return np.empty((0, *self._series_shape), dtype=np.float32)
        source_rows = rows if self._rows is None else self._rows[rows]
        block = self._read_source_rows(source_rows)
        expected = (len(rows), *self._series_shape)
        if block.shape != expected:
            raise ValueError(
                f"Reading {len(rows)} series from {self.name} "
                f"({type(getattr(self, 'data', None)).__name__}) returned an array "
                f"of shape {block.shape}; expected {expected} from its declared "
                f"shape {self.shape}. Its __getitem__ must return the rows asked "
                "for, with the shape its .shape promises."
            )
        return block

    def _read_source_rows(self, rows: np.ndarray) -> np.ndarray:
        """Read rows of ``data`` (any order, repeats allowed) as float32."""
        contiguous = rows.size == 1 or (
            rows[-1] - rows[0] + 1 == rows.size and bool(np.all(np.diff(rows) == 1))
        )
        if contiguous:
            block = self.data[int(rows[0]) : int(rows[-1]) + 1]
        elif isinstance(self.data, np.ndarray):
            block = self.data[rows]
        else:
            # Array libraries differ on fancy indexing (h5py wants increasing
            # indices, zarr its own API); all of them slice. Read runs of
            # consecutive rows and put them in the order asked for.
            unique, inverse = np.unique(rows, return_inverse=True)
            parts = [self._as_array(self.data[a:b]) for a, b in _runs(unique)]
            block = np.concatenate(parts)[inverse.reshape(-1)]
        return self._to_float32(block)

    def _read_source_values(self, rows: np.ndarray) -> np.ndarray:
        """Read positions ``rows`` as stored (no cast, any order), for messages."""
        source_rows = rows if self._rows is None else self._rows[rows]
        unique = np.unique(source_rows)
        return np.concatenate(
            [self._as_array(self.data[a:b]).reshape(-1) for a, b in _runs(unique)]
        )

    def _as_array(self, block: Any) -> np.ndarray:
        try:
            return np.asarray(block)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"Slicing {self.name} ({type(self.data).__name__}) returned "
                f"{type(block).__name__}, which does not convert to a NumPy array: "
                f"{error}"
            ) from error

    def _to_float32(self, block: Any) -> np.ndarray:
        array = self._as_array(block)
        if array.dtype.kind not in _REAL_KINDS:
            raise TypeError(
                f"Slicing {self.name} returned values of dtype {array.dtype}; "
                "expected real numbers."
            )
        if self._univariate and array.ndim == 2:
            array = array[:, np.newaxis, :]
        # Always a new, writable array: the batch the network reads.
        return np.array(array, dtype=np.float32, order="C", copy=True)


class _PaddedSeries(LazySeries):
    """A :class:`RaggedSeries` read as equal-length series padded with zeros."""

    def __init__(self, ragged: RaggedSeries, length: int) -> None:
        self.data = None
        self.name = ragged.name
        self.ragged = ragged
        self._univariate = False
        self._n_source_rows = len(ragged)
        self._series_shape = (ragged.n_channels, int(length))
        self._rows = None
        self._finite_checked = True
        self.source_dtype = ragged.source_dtype

    def _read_source_rows(self, rows: np.ndarray) -> np.ndarray:
        n_channels, length = self._series_shape
        out = np.zeros((len(rows), n_channels, length), dtype=np.float32)
        for position, row in enumerate(rows.tolist()):
            series = self.ragged[row]
            kept = min(length, series.shape[1])
            out[position, :, :kept] = series[:, :kept]
        return out


class RaggedSeries(Sequence):
    """Series of unequal length stored end to end in one array, with offsets.

    Series ``i`` is ``values[..., offsets[i]:offsets[i + 1]]``. ``values`` is
    typically a memmap (``np.load(path, mmap_mode="r")``), so only the series
    a batch needs are read, and cast to float32 then. It behaves as a read-only
    list of float32 ``(n_channels, length_i)`` arrays, which
    :class:`~sklearn_convlstm.ConvLSTMClassifier` trains on and
    predicts without a copy of the data (each batch is padded to the longest
    series, as for a list of series).

    Parameters
    ----------
    values : array-like of shape (total_length,) or (n_channels, total_length)
        All series concatenated along time (channels first, as everywhere in
        this package); 1D for univariate series. Any float or integer dtype.
    offsets : array-like of int of shape (n_series + 1,)
        Start of each series in ``values`` and, last, the end of the last one:
        ``offsets[0] == 0``, strictly increasing (no empty series),
        ``offsets[-1] == total_length``. Read into memory (8 bytes a series).
    name : str, default="X"
        Name used in error messages.

    Attributes
    ----------
    lengths : ndarray of shape (n_series,), int64
        Length of each series.
    n_channels : int
        Number of channels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._lazy import RaggedSeries
    >>> X = RaggedSeries(np.arange(7.0), offsets=[0, 2, 7])
    >>> len(X), X.lengths, X[0]
    (2, array([2, 5]), array([[0., 1.]], dtype=float32))
    """

    def __init__(self, values: Any, offsets: Any, *, name: str = "X") -> None:
        for attribute in ("shape", "dtype", "__getitem__"):
            if not hasattr(values, attribute):
                values = np.asarray(values)
                break
        shape = tuple(int(size) for size in values.shape)
        if len(shape) not in (1, 2):
            raise ValueError(
                f"values of a RaggedSeries must have shape (total_length,) or "
                f"(n_channels, total_length); got {len(shape)} dimensions of shape "
                f"{shape}."
            )
        self.source_dtype = _check_real_dtype(values.dtype, what=f"{name} values")
        offsets = np.asarray(offsets)
        if offsets.ndim != 1 or offsets.size < 2 or offsets.dtype.kind not in "iu":
            raise ValueError(
                f"offsets must be a 1D array of ints with n_series + 1 >= 2 entries; "
                f"got dtype {offsets.dtype} and shape {offsets.shape}."
            )
        offsets = offsets.astype(np.int64)
        total = shape[-1]
        if offsets[0] != 0 or offsets[-1] != total:
            raise ValueError(
                f"offsets must start at 0 and end at the length of values "
                f"({total}); got offsets[0]={int(offsets[0])} and "
                f"offsets[-1]={int(offsets[-1])}."
            )
        lengths = np.diff(offsets)
        if (lengths <= 0).any():
            index = int(np.flatnonzero(lengths <= 0)[0])
            raise ValueError(
                f"offsets must be strictly increasing: series {index} has length "
                f"{int(lengths[index])} (offsets[{index}]={int(offsets[index])}, "
                f"offsets[{index + 1}]={int(offsets[index + 1])}). Every series "
                "needs at least one timestep."
            )
        self.values = values
        self.offsets = offsets
        self.name = name
        self._univariate = len(shape) == 1
        self.n_channels = 1 if self._univariate else shape[0]
        self._rows: np.ndarray | None = None
        self._finite_checked = False

    @property
    def lengths(self) -> np.ndarray:
        """Length of each series, int64."""
        lengths = np.diff(self.offsets)
        return lengths if self._rows is None else lengths[self._rows]

    def __len__(self) -> int:
        return len(self.offsets) - 1 if self._rows is None else len(self._rows)

    def __repr__(self) -> str:
        return (
            f"RaggedSeries(n_series={len(self)}, n_channels={self.n_channels}, "
            f"source={type(self.values).__name__!r})"
        )

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, (int, np.integer)):
            n_series = len(self)
            position = int(key) + (n_series if key < 0 else 0)
            if not 0 <= position < n_series:
                raise IndexError(
                    f"Index {int(key)} is out of range for {self.name} with "
                    f"{n_series} series."
                )
            row = position if self._rows is None else int(self._rows[position])
            return self.segment_of_source(
                row, 0, int(self.offsets[row + 1] - self.offsets[row])
            )
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(len(self)))]
        return [self[int(i)] for i in _row_index(key, len(self), what=self.name)]

    def segment(self, index: int, start: int, stop: int) -> np.ndarray:
        """Read timesteps ``start:stop`` of series ``index`` as float32.

        Parameters
        ----------
        index : int
            Series position.
        start, stop : int
            Timestep range within the series, ``0 <= start < stop <= length``.

        Returns
        -------
        segment : ndarray of shape (n_channels, stop - start), float32
        """
        row = index if self._rows is None else int(self._rows[index])
        return self.segment_of_source(row, start, stop)

    def segment_of_source(self, row: int, start: int, stop: int) -> np.ndarray:
        """Like :meth:`segment`, for a row of the underlying offsets.

        Parameters
        ----------
        row : int
            Series number in the stored values (not in this view).
        start, stop : int
            Steps of that series to read, ``stop`` excluded.

        Returns
        -------
        segment : ndarray of shape (n_channels, stop - start), float32
        """
        base = int(self.offsets[row])
        block = np.asarray(self.values[..., base + start : base + stop])
        if self._univariate:
            block = block[np.newaxis, :]
        return np.array(block, dtype=np.float32, order="C", copy=True)

    def take(self, indices: Any) -> RaggedSeries:
        """Return a view of the series ``indices`` (nothing is read).

        Parameters
        ----------
        indices : array-like of int or bool
            Series positions, or a boolean mask.

        Returns
        -------
        view : RaggedSeries
        """
        rows = _row_index(indices, len(self), what=self.name)
        view = copy.copy(self)
        view._rows = rows if self._rows is None else self._rows[rows]
        return view

    def iter_value_chunks(
        self, chunk_values: int | None = None
    ) -> Iterator[np.ndarray]:
        """Yield all stored values (every series) in bounded float32 chunks.

        Parameters
        ----------
        chunk_values : int, default=None
            Values per chunk; None: the module's ``CHUNK_VALUES``.

        Yields
        ------
        chunk : ndarray of shape (n_channels, n_chunk)
        """
        total = int(self.offsets[-1])
        step = max(1, (chunk_values or CHUNK_VALUES) // self.n_channels)
        for start in range(0, total, step):
            block = np.asarray(self.values[..., start : start + step])
            if self._univariate:
                block = block[np.newaxis, :]
            yield block.astype(np.float32)

    def padded(self, length: int | None = None) -> LazySeries:
        """Read as equal-length series padded with zeros at the end (lazily).

        Parameters
        ----------
        length : int, default=None
            Length of the padded series; the longest series when None.

        Returns
        -------
        padded : LazySeries of shape (n_series, n_channels, length)
        """
        if length is None:
            length = int(self.lengths.max())
        return _PaddedSeries(self, length)


def is_memory_mapped(array: np.ndarray) -> bool:
    """Whether ``array`` (or the array it is a view of) maps a file.

    ``np.asarray(memmap)`` and ``check_array`` drop the ``np.memmap`` class
    but keep the mapping as the view's base; this follows the chain of bases.

    Parameters
    ----------
    array : ndarray

    Returns
    -------
    mapped : bool
    """
    base: Any = array
    while base is not None:
        if isinstance(base, (np.memmap, mmap.mmap)):
            return True
        base = getattr(base, "base", None)
    return False


def check_finite_lazy(X: LazySeries | RaggedSeries, *, what: str) -> None:
    """Raise ValueError unless lazy data fits float32; one chunked pass, cached.

    NaN and infinity are refused, as are finite values beyond float32's range
    (a float64 source that overflows in the cast) and data whose largest
    magnitude is below float32's normal range (it would become 0), with the
    messages of data in memory. Integer data fits by construction: not read.
    """
    if X._finite_checked or X.source_dtype.kind != "f":
        X._finite_checked = True
        return
    peak = 0.0
    for chunk, read_source in _value_chunks(X):
        chunk_peak = value_peak(chunk)
        if not math.isfinite(chunk_peak):
            source_peak = value_peak(read_source())
            if math.isfinite(source_peak):  # the cast to float32 overflowed
                raise value_error(what, "beyond", source_peak)
            kind = "NaN" if np.isnan(chunk).any() else "infinity"
            raise value_error(what, "non-finite", kind)
        peak = max(peak, chunk_peak)
    if peak < FLOAT32_TINY and X.source_dtype.itemsize > 4:
        # float64 values may have become 0: read them as stored.
        peak = max((value_peak(read()) for _, read in _value_chunks(X)), default=0)
    if 0 < peak < FLOAT32_TINY:
        raise value_error(what, "below", peak)
    X._finite_checked = True


def _value_chunks(X: LazySeries | RaggedSeries) -> Iterator[tuple[np.ndarray, Any]]:
    """Yield all values in float32 chunks, each with a reader of them as stored."""
    if isinstance(X, RaggedSeries):
        step = max(1, CHUNK_VALUES // X.n_channels)
        starts = range(0, int(X.offsets[-1]), step)
        readers = [
            lambda start=start: np.asarray(X.values[..., start : start + step])
            for start in starts
        ]
        for read in readers:
            with np.errstate(over="ignore"):
                yield read().astype(np.float32), read
        return
    chunk_rows = max(1, CHUNK_VALUES // int(np.prod(X._series_shape)))
    for start in range(0, len(X), chunk_rows):
        rows = np.arange(start, min(start + chunk_rows, len(X)), dtype=np.int64)
        with np.errstate(over="ignore"):
            chunk = X[start : start + chunk_rows]
        yield chunk, lambda rows=rows: X._read_source_values(rows)
