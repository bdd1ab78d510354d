"""Sliding windows over time series: two tools for two different needs.

* :class:`SlidingWindows` is a transformer. It keeps one row per series and
  frames each series into a *sequence of overlapping windows*, so that a
  :class:`~sklearn_convlstm.ConvLSTMClassifier` after it in a
  :class:`~sklearn.pipeline.Pipeline` reads one window per step.
* :func:`make_windows` is a function, not a transformer, because it changes
  the number of rows: it cuts long recordings into many labelled windows and
  returns ``X, y, groups``, ready for ``GroupKFold`` (a transformer must never
  add or remove rows: ``y`` would no longer match).
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Tags

from sklearn_convlstm._lazy import LazySeries
from sklearn_convlstm._validation import (
    Interval,
    SeriesData,
    StrOptions,
    check_series,
    check_series_lazy,
    fit_context,
    n_channels_of,
    series_lengths,
    validate_params,
    validate_series_input,
)
from sklearn_convlstm._windowed_series import WindowedSeries

__all__ = ["SlidingWindows", "make_windows"]


def _check_window_fits(X: SeriesData, window_size: int, *, name: str) -> None:
    """Raise if a series is shorter than the window."""
    lengths = series_lengths(X)
    if lengths.min() < window_size:
        index = int(np.argmin(lengths))
        raise ValueError(
            f"window_size={window_size} is larger than the series length "
            f"{int(lengths[index])} ({name}[{index}] has {int(lengths[index])} "
            f"timesteps). Use window_size <= {int(lengths.min())}, or pad the short "
            "series first (PadTruncate)."
        )


def _frame(series: np.ndarray, window_size: int, step: int) -> np.ndarray:
    """Frame ``(..., n_channels, n_timesteps)`` data into windows.

    The result has shape ``(..., n_channels * window_size, n_windows)``,
    channel-major: feature ``c * window_size + k`` of window ``j`` is channel
    ``c`` at timestep ``j * step + k``.
    """
    windows = sliding_window_view(series, window_size, axis=-1)[..., ::step, :]
    # (..., n_channels, n_windows, window_size) -> (..., n_channels, window_size,
    # n_windows) -> merge the channel and offset axes.
    windows = np.swapaxes(windows, -1, -2)
    shape = (*windows.shape[:-3], windows.shape[-3] * window_size, windows.shape[-1])
    return np.ascontiguousarray(windows).reshape(shape)


class SlidingWindows(TransformerMixin, BaseEstimator):
    """Frame every series into a sequence of overlapping windows.

    Each window of ``window_size`` timesteps, taken every ``step`` timesteps,
    becomes one *timestep* of the output, whose features are that window's
    values of all channels. The number of series does not change, so this
    transformer fits in a :class:`~sklearn.pipeline.Pipeline`.

    Output shape: a series of shape ``(n_channels, n_timesteps)`` becomes
    ``(n_channels * window_size, n_windows)`` with
    ``n_windows = 1 + (n_timesteps - window_size) // step``; the last
    ``(n_timesteps - window_size) % step`` timesteps, which fill no whole
    window, are dropped. Features are channel-major: feature
    ``c * window_size + k`` of window ``j`` is channel ``c`` at timestep
    ``j * step + k``.

    How it feeds :class:`~sklearn_convlstm.ConvLSTMClassifier`: the
    classifier reads ``(n_samples, n_channels * window_size, n_windows)`` as
    ``n_windows`` timesteps of ``n_channels * window_size`` channels, so its
    convolutions mix neighbouring windows and its LSTM steps from window to
    window. ``n_windows`` must be at least what the classifier's convolutions
    need (their kernel sizes).

    Parameters
    ----------
    window_size : int
        Timesteps per window, at least 1 and at most the shortest series.
    step : int, default=1
        Timesteps between the starts of consecutive windows, at least 1.
        ``step=window_size`` gives non-overlapping windows.

    Attributes
    ----------
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
    make_windows : Cut recordings into a labelled set of windows (more rows).
    sklearn_convlstm._preprocessing.PadTruncate : Bring series to one length.

    Notes
    -----
    Nothing is learned: ``fit`` only records the input layout, and
    ``transform`` also works on an unfitted transformer. Series of unequal
    length (a list) come back as a list of framed series, each with its own
    number of windows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._windowing import SlidingWindows
    >>> X = np.arange(10.0).reshape(1, 2, 5)  # 1 series, 2 channels, 5 steps
    >>> X
    array([[[0., 1., 2., 3., 4.],
            [5., 6., 7., 8., 9.]]])
    >>> SlidingWindows(window_size=3, step=2).fit_transform(X)
    array([[[0., 2.],
            [1., 3.],
            [2., 4.],
            [5., 7.],
            [6., 8.],
            [7., 9.]]], dtype=float32)

    In a pipeline:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_convlstm._classifier import ConvLSTMClassifier
    >>> pipe = make_pipeline(
    ...     SlidingWindows(window_size=8, step=4),
    ...     ConvLSTMClassifier(max_epochs=1),
    ... )  # (n, c, t) -> (n, c * 8, 1 + (t - 8) // 4) -> classifier
    """

    _parameter_constraints: ClassVar[dict] = {
        "window_size": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, window_size: int, step: int = 1) -> None:
        self.window_size = window_size
        self.step = step

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> SlidingWindows:
        """Check the input and record its layout; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_timesteps), or list of array-like of shape (n_channels, length_i)
            Training series, each at least ``window_size`` long.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : SlidingWindows
            The fitted transformer.
        """
        X = validate_series_input(self, X, reset=True, require_fitted_length=False)
        _check_window_fits(X, self.window_size, name="X")
        return self

    def transform(self, X: Any) -> SeriesData:
        """Frame every series into windows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
(n_samples, n_timesteps), or list of array-like of shape (n_channels, length_i)
            Series, each at least ``window_size`` long.

        Returns
        -------
        X_windows : ndarray of shape (n_samples, n_channels * window_size, \
n_windows) or list of ndarray, float32
            A list of ``(n_channels * window_size, n_windows_i)`` arrays for a
            list of series of unequal length.
        """
        if hasattr(self, "n_channels_in_"):
            X = validate_series_input(self, X, reset=False, require_fitted_length=False)
        else:
            self._validate_params()
            X = check_series(X)
        _check_window_fits(X, self.window_size, name="X")
        if isinstance(X, np.ndarray):
            return _frame(X, self.window_size, self.step)
        return [_frame(series, self.window_size, self.step) for series in X]

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = False
        return tags


def _is_per_timestep(labels: Any) -> bool:
    """Whether labels hold one sequence per recording (else one label each)."""
    if isinstance(labels, (list, tuple)):
        return len(labels) > 0 and all(
            isinstance(item, (np.ndarray, list, tuple)) for item in labels
        )
    return np.ndim(labels) == 2


def _per_timestep_labels(
    labels: Any, lengths: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """Check per-timestep labels; return them as integer codes and the classes."""
    if len(labels) != len(lengths):
        raise ValueError(
            f"labels has {len(labels)} label sequences but there are "
            f"{len(lengths)} recordings. Pass one label per recording or one "
            "sequence of per-timestep labels per recording."
        )
    sequences = []
    for index, (sequence, length) in enumerate(zip(labels, lengths, strict=True)):
        sequence = np.asarray(sequence)
        if sequence.ndim != 1 or sequence.shape[0] != length:
            raise ValueError(
                f"labels[{index}] has shape {sequence.shape} but recordings[{index}] "
                f"has {length} timesteps. Per-timestep labels need one label per "
                "timestep: shape (length_i,)."
            )
        sequences.append(sequence)
    classes, codes = np.unique(np.concatenate(sequences), return_inverse=True)
    boundaries = np.cumsum(lengths)[:-1]
    return np.split(codes.reshape(-1), boundaries), classes


def _window_label_codes(
    codes: np.ndarray, window_size: int, step: int, label_rule: str, n_classes: int
) -> np.ndarray:
    """Label code of each window of one recording, by ``label_rule``."""
    starts = np.arange(0, codes.shape[0] - window_size + 1, step)
    if label_rule == "last":
        return codes[starts + window_size - 1]
    if label_rule == "centre":
        return codes[starts + window_size // 2]
    windows = sliding_window_view(codes, window_size)[::step]  # (n_windows, size)
    rows = np.arange(windows.shape[0])[:, np.newaxis]
    counts = np.bincount(
        (rows * n_classes + windows).ravel(), minlength=windows.shape[0] * n_classes
    ).reshape(windows.shape[0], n_classes)
    # argmax takes the first maximum: ties go to the smallest label.
    return counts.argmax(axis=1)


@validate_params(
    {
        "recordings": ["array-like", list],
        "labels": ["array-like", list],
        "window_size": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left")],
        "label_rule": [StrOptions({"last", "majority", "centre"})],
        "short_recordings": [StrOptions({"raise", "skip"})],
        "lazy": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_windows(
    recordings: Any,
    labels: Any,
    *,
    window_size: int,
    step: int = 1,
    label_rule: str = "last",
    short_recordings: str = "raise",
    lazy: bool = False,
) -> tuple[np.ndarray | LazySeries, np.ndarray, np.ndarray]:
    """Cut recordings into labelled windows, with the recording of each window.

    Turns a few long recordings into a training set of many short series. This
    changes the number of rows, so it is a function and not a transformer.

    Parameters
    ----------
    recordings : array-like of shape (n_recordings, n_channels, n_timesteps) \
or (n_recordings, n_timesteps), or list of array-like
        The recordings. A list may hold recordings of unequal length, each of
        shape ``(n_channels, length_i)`` or ``(length_i,)`` (univariate). A
        single recording is passed as a list of one: ``[recording]``.
    labels : array-like of shape (n_recordings,), or list of array-like of \
shape (length_i,)
        Either one label per recording (every window of a recording gets it;
        ``label_rule`` is then ignored), or one label per timestep: a sequence
        of ``length_i`` labels for each recording (or a 2D array of shape
        ``(n_recordings, n_timesteps)`` for equal lengths).
    window_size : int
        Timesteps per window.
    step : int, default=1
        Timesteps between the starts of consecutive windows. Windows overlap
        when ``step < window_size``.
    label_rule : {"last", "majority", "centre"}, default="last"
        How a window gets its label from per-timestep labels:

        * ``"last"``: the label of the window's last timestep, the label the
          window has just seen (what a model labelling a live stream can use);
        * ``"majority"``: the most frequent label in the window; a tie goes to
          the smallest label (in sorted order, as :func:`numpy.unique` sorts);
        * ``"centre"``: the label at offset ``window_size // 2`` in the window
          (for an even ``window_size``, the later of the two middle timesteps).
    short_recordings : {"raise", "skip"}, default="raise"
        What to do with a recording shorter than ``window_size``: raise a
        ``ValueError``, or skip it (it yields no window).
    lazy : bool, default=False
        Return ``X`` as a :class:`~sklearn_convlstm.LazySeries` that cuts
        the windows out of the recordings when a batch reads them, instead of
        an array holding every window: with ``step < window_size`` that array
        is ``window_size / step`` times the size of the recordings. The
        recordings are kept, not copied, when they are float32 arrays or
        on-disk data (a memmap, an h5py dataset, a
        :class:`~sklearn_convlstm.RaggedSeries`, which stay on disk);
        other input is converted to float32 once. Indexing it gives the same
        windows as ``lazy=False``, and
        :class:`~sklearn_convlstm.ConvLSTMClassifier` trains on it
        and predicts it batch by batch.

    Returns
    -------
    X : ndarray of shape (n_windows, n_channels, window_size), float32, or \
LazySeries
        The windows, in recording order and, within a recording, in time
        order. The windows of a recording of length ``L`` start at
        ``0, step, 2 * step, ...``: ``1 + (L - window_size) // step`` windows.
        A :class:`~sklearn_convlstm.LazySeries` of that shape with
        ``lazy=True``.
    y : ndarray of shape (n_windows,)
        The label of each window.
    groups : ndarray of shape (n_windows,), int64
        The index (in ``recordings``) of the recording each window came from.

    See Also
    --------
    SlidingWindows : Frame series into windows, keeping one row per series.

    Notes
    -----
    **Cross-validate with groups.** Overlapping windows of one recording are
    near-copies of each other: with ``step=1``, neighbouring windows share
    ``window_size - 1`` of their ``window_size`` timesteps. A plain ``KFold``
    (shuffled or not) puts some windows of a recording in the training folds
    and their neighbours in the test fold, so the model is tested on data it
    has practically seen, and the score is optimistic: it does not tell how
    well the model does on a *new* recording. Pass ``groups`` to a grouped
    splitter (``GroupKFold``, ``LeaveOneGroupOut``, ``GroupShuffleSplit``) so
    that all windows of a recording land on the same side of every split.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm._windowing import make_windows
    >>> recordings = [np.arange(6.0), np.arange(10.0, 15.0)]  # lengths 6 and 5
    >>> states = [np.array([0, 0, 0, 1, 1, 1]), np.array([2, 2, 2, 2, 0])]
    >>> X, y, groups = make_windows(recordings, states, window_size=3, step=2)
    >>> X[:, 0]
    array([[ 0.,  1.,  2.],
           [ 2.,  3.,  4.],
           [10., 11., 12.],
           [12., 13., 14.]], dtype=float32)
    >>> y, groups
    (array([0, 1, 2, 0]), array([0, 0, 1, 1]))

    Cross-validation that keeps each recording on one side of every split:

    >>> from sklearn.model_selection import GroupKFold
    >>> for train, test in GroupKFold(n_splits=2).split(X, y, groups):
    ...     print("train:", np.unique(groups[train]), "test:", np.unique(groups[test]))
    train: [0] test: [1]
    train: [1] test: [0]

    Lazily, for long recordings: the same windows, read batch by batch.

    >>> X_lazy, _, _ = make_windows(recordings, states, window_size=3, step=2,
    ...                             lazy=True)
    >>> X_lazy.shape, bool((X_lazy[:] == X).all())
    ((4, 1, 3), True)
    """
    if lazy:
        recordings = check_series_lazy(recordings, name="recordings")
    else:
        recordings = check_series(recordings, name="recordings")
    lengths = series_lengths(recordings)
    n_recordings = len(lengths)
    per_timestep = _is_per_timestep(labels)
    if per_timestep:
        codes, classes = _per_timestep_labels(labels, lengths)
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] != n_recordings:
            raise ValueError(
                f"labels has shape {labels.shape} but there are {n_recordings} "
                "recordings. Pass one label per recording, shape (n_recordings,), "
                "or one sequence of per-timestep labels per recording."
            )

    too_short = np.flatnonzero(lengths < window_size)
    if too_short.size and short_recordings == "raise":
        index = int(too_short[0])
        raise ValueError(
            f"window_size={window_size} is larger than the length of "
            f"recordings[{index}] ({int(lengths[index])} timesteps); "
            f"{too_short.size} of {n_recordings} recordings are shorter than "
            "window_size. Use a smaller window_size, or short_recordings='skip' "
            "to leave them out."
        )
    kept = np.flatnonzero(lengths >= window_size)
    if kept.size == 0:
        raise ValueError(
            f"All {n_recordings} recordings are shorter than "
            f"window_size={window_size} (longest: {int(lengths.max())} timesteps), "
            "so there is no window to make. Use a smaller window_size."
        )

    if lazy:
        return _lazy_windows(
            recordings,
            lengths,
            kept,
            window_size,
            step,
            (codes, classes) if per_timestep else None,
            labels,
            label_rule,
        )
    X_parts, y_parts, group_parts = [], [], []
    for recording in kept.tolist():
        # (n_channels, n_windows, window_size) -> (n_windows, n_channels, size)
        windows = sliding_window_view(recordings[recording], window_size, axis=-1)
        windows = np.swapaxes(windows[:, ::step, :], 0, 1)
        X_parts.append(windows)
        if per_timestep:
            window_codes = _window_label_codes(
                codes[recording], window_size, step, label_rule, len(classes)
            )
            y_parts.append(classes[window_codes])
        else:
            y_parts.append(labels[np.full(windows.shape[0], recording)])
        group_parts.append(np.full(windows.shape[0], recording, dtype=np.int64))
    X = np.ascontiguousarray(np.concatenate(X_parts), dtype=np.float32)
    return X, np.concatenate(y_parts), np.concatenate(group_parts)


def _lazy_windows(
    recordings: Any,
    lengths: np.ndarray,
    kept: np.ndarray,
    window_size: int,
    step: int,
    per_timestep: tuple[list[np.ndarray], np.ndarray] | None,
    labels: Any,
    label_rule: str,
) -> tuple[LazySeries, np.ndarray, np.ndarray]:
    """``make_windows(lazy=True)``: an index of windows instead of the windows."""
    counts = 1 + (lengths[kept] - window_size) // step
    y_parts = []
    for recording, count in zip(kept.tolist(), counts.tolist(), strict=True):
        if per_timestep is not None:
            codes, classes = per_timestep
            window_codes = _window_label_codes(
                codes[recording], window_size, step, label_rule, len(classes)
            )
            y_parts.append(classes[window_codes])
        else:
            y_parts.append(labels[np.full(count, recording)])
    X = WindowedSeries(
        recordings,
        recording_ids=kept,
        window_counts=counts,
        window_size=window_size,
        step=step,
        n_channels=n_channels_of(recordings),
    )
    groups = np.repeat(kept.astype(np.int64), counts)
    return X, np.concatenate(y_parts), groups
