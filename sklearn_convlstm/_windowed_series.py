"""Windows of recordings, cut out batch by batch (``make_windows(lazy=True)``).

A :class:`WindowedSeries` is a :class:`~sklearn_convlstm.LazySeries` whose rows
are windows of longer recordings (in memory, memmapped or ragged on disk); each
batch is cut out of the recordings when it is read, so the windows are never
materialised.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sklearn_convlstm._lazy import LazySeries, RaggedSeries

__all__ = ["WindowedSeries"]


class WindowedSeries(LazySeries):
    """Windows of recordings, cut out of them batch by batch.

    What :func:`~sklearn_convlstm.make_windows` returns with
    ``lazy=True``. The windows of each recording start at ``0, step, 2 * step,
    ...``; window ``i`` overall is found from the number of windows of each
    recording, so the index takes memory per recording, not per window. Rows
    are read (and cast to float32) only when a batch asks for them. In-memory
    and memory-mapped recordings are cut through strided views
    (:func:`numpy.lib.stride_tricks.sliding_window_view`).

    Parameters
    ----------
    recordings : ndarray, list of ndarray, LazySeries or RaggedSeries
        Recordings in canonical form, channels first.
    recording_ids : ndarray of shape (n_used,), int
        The recordings that have windows, in order.
    window_counts : ndarray of shape (n_used,), int
        Number of windows of each of them.
    window_size : int
        Timesteps per window.
    step : int
        Timesteps between the starts of consecutive windows of a recording.
    n_channels : int
        Channels of the recordings.
    """

    def __init__(
        self,
        recordings: Any,
        recording_ids: np.ndarray,
        window_counts: np.ndarray,
        window_size: int,
        step: int,
        n_channels: int,
    ) -> None:
        self.data = None
        self.name = "windows"
        self.recordings = recordings
        self.recording_ids = np.asarray(recording_ids, dtype=np.int64)
        self.first_window = np.concatenate(
            [[0], np.cumsum(np.asarray(window_counts, dtype=np.int64))]
        )
        self.window_size = int(window_size)
        self.step = int(step)
        self._univariate = False
        self._n_source_rows = int(self.first_window[-1])
        self._series_shape = (int(n_channels), self.window_size)
        self._rows = None
        self._finite_checked = True  # the recordings were checked
        self.source_dtype = getattr(recordings, "source_dtype", np.dtype(np.float32))

    def locate(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the recording and the first timestep of windows ``rows``.

        Parameters
        ----------
        rows : ndarray of int
            Window positions in the underlying (unviewed) order.

        Returns
        -------
        recording, start : ndarray of int64
        """
        used = np.searchsorted(self.first_window, rows, side="right") - 1
        starts = (rows - self.first_window[used]) * self.step
        return self.recording_ids[used], starts

    def _recording(self, index: int) -> Any:
        """Return recording ``index`` as an array-like sliced ``[:, lo:hi]``, unread."""
        recordings = self.recordings
        if isinstance(recordings, RaggedSeries):
            if isinstance(recordings.values, np.ndarray):  # a view of the memmap
                row = index if recordings._rows is None else recordings._rows[index]
                start, stop = recordings.offsets[row], recordings.offsets[row + 1]
                view = recordings.values[..., start:stop]
                return view[np.newaxis, :] if recordings._univariate else view
            return _RaggedRecording(recordings, index)
        if isinstance(recordings, LazySeries):
            if isinstance(recordings.data, np.ndarray):  # a view of the memmap
                row = index if recordings._rows is None else recordings._rows[index]
                view = recordings.data[row]
                return view[np.newaxis, :] if recordings._univariate else view
            return _LazyRecording(recordings, index)
        return recordings[index]

    def _read_source_rows(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), *self._series_shape), dtype=np.float32)
        recording_index, starts = self.locate(rows)
        size = self.window_size
        for recording in np.unique(recording_index).tolist():
            positions = np.flatnonzero(recording_index == recording)
            source = self._recording(recording)
            if isinstance(source, np.ndarray):
                # (n_channels, n_positions, size) view; gather the windows.
                view = sliding_window_view(source, size, axis=-1)
                windows = view[:, starts[positions], :]
                out[positions] = np.swapaxes(windows, 0, 1)
            else:
                for position, start in zip(
                    positions.tolist(), starts[positions].tolist(), strict=True
                ):
                    out[position] = source[:, start : start + size]
        return out


class _RaggedRecording:
    """Series ``index`` of a RaggedSeries, sliced ``[:, lo:hi]`` on demand."""

    def __init__(self, ragged: RaggedSeries, index: int) -> None:
        self.ragged, self.index = ragged, index

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        time = key[1]
        return self.ragged.segment(self.index, time.start, time.stop)


class _LazyRecording:
    """Row ``index`` of a LazySeries over an array, sliced ``[:, lo:hi]`` on demand."""

    def __init__(self, series: LazySeries, index: int) -> None:
        self.series = series
        self.row = index if series._rows is None else int(series._rows[index])

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        time = key[1]
        data = self.series.data
        if self.series._univariate:
            block = np.asarray(data[self.row, time])[np.newaxis, :]
        else:
            block = np.asarray(data[self.row, :, time])
        return block.astype(np.float32)
