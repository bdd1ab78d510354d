"""Data larger than memory: memmaps, arrays that slice, ragged series on disk."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS

from sklearn_convlstm import (
    ConvLSTMClassifier,
    LazySeries,
    RaggedSeries,
    TimeSeriesScaler,
    make_windows,
)
from sklearn_convlstm._lazy import is_memory_mapped
from sklearn_convlstm._statistics import (
    log_amplitude_statistics,
    series_amplitude_spread,
)
from sklearn_convlstm._validation import check_series, check_series_lazy, take_samples
from sklearn_convlstm._windowed_series import WindowedSeries

REPOSITORY = Path(__file__).resolve().parents[1]


def _memmap(tmp_path: Path, array: np.ndarray, name: str = "X.npy") -> np.memmap:
    """Save ``array`` as .npy and open it read-only as a memmap."""
    path = tmp_path / name
    np.save(path, array)
    return np.load(path, mmap_mode="r")


class SliceOnlyArray:
    """An on-disk-like array: shape, dtype and slicing by rows, nothing else.

    Fancy indexing raises, as it does (or is slow) in some array libraries;
    ``reads`` counts the rows read, ``largest_read`` the most in one call.
    """

    def __init__(self, array: np.ndarray) -> None:
        self._array = array
        self.shape = array.shape
        self.dtype = array.dtype
        self.reads = 0
        self.largest_read = 0

    def __getitem__(self, key: object) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError(f"only slices, got {type(key).__name__}")
        block = self._array[key]
        self.reads += len(block)
        self.largest_read = max(self.largest_read, len(block))
        return block.copy()


@pytest.fixture(scope="module")
def ragged_data() -> tuple[list[np.ndarray], np.ndarray]:
    """40 two-channel series of lengths 20-39; class 1 has a spike in channel 0."""
    rng = np.random.RandomState(0)
    lengths = rng.randint(20, 40, size=40)
    y = np.arange(40) % 2
    series = [rng.normal(scale=0.3, size=(2, length)) for length in lengths]
    for values, label in zip(series, y, strict=True):
        if label:
            values[0, 5] += 3.0
    return series, y


def _ragged(series: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    values = np.concatenate(series, axis=1)
    offsets = np.concatenate([[0], np.cumsum([s.shape[1] for s in series])])
    return values, offsets


# ----------------------------------------------------- same results as in memory


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int16])
def test_memmap_of_other_dtypes_streams_and_matches_in_memory(
    pattern_data, tmp_path, dtype
):
    X, y = pattern_data
    stored = (X * 100).astype(dtype) if dtype == np.int16 else X.astype(dtype)
    memmap = _memmap(tmp_path, stored)
    checked = check_series_lazy(memmap)
    assert isinstance(checked, LazySeries)
    assert checked.data is memmap  # wrapped, not read
    assert checked.shape == X.shape and checked.dtype == np.float32
    in_memory = ConvLSTMClassifier(**FAST_PARAMS).fit(stored, y)
    lazy = ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, y)
    np.testing.assert_array_equal(
        lazy.predict_proba(memmap), in_memory.predict_proba(stored)
    )
    assert lazy.n_features_in_ == 2 and lazy.n_timesteps_in_ == 32


def test_float32_memmap_is_not_wrapped(pattern_data, tmp_path):
    memmap = _memmap(tmp_path, pattern_data[0].astype(np.float32))
    checked = check_series_lazy(memmap)
    assert isinstance(checked, np.ndarray) and not isinstance(checked, LazySeries)
    assert np.shares_memory(checked, memmap)


def test_early_stopping_on_a_float32_memmap_splits_it_lazily(pattern_data, tmp_path):
    X, y = pattern_data
    X = X.astype(np.float32)
    memmap = _memmap(tmp_path, X)
    checked = check_series_lazy(memmap)
    assert is_memory_mapped(checked) and not is_memory_mapped(X)
    split = take_samples(checked, np.array([5, 1]))
    assert isinstance(split, LazySeries) and split.data is checked
    np.testing.assert_array_equal(split[:], X[[5, 1]])
    params = {**FAST_PARAMS, "early_stopping": True, "patience": 1}
    lazy = ConvLSTMClassifier(**params).fit(memmap, y)
    in_memory = ConvLSTMClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(
        lazy.predict_proba(memmap), in_memory.predict_proba(X)
    )


def test_2d_float64_memmap_is_univariate(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 20))
    y = np.arange(30) % 2
    memmap = _memmap(tmp_path, X)
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, y)
    assert clf.n_features_in_ == 20 and clf.n_channels_in_ == 1
    reference = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    np.testing.assert_array_equal(clf.predict(memmap), reference.predict(X))


def test_h5py_dataset_streams_with_early_stopping(pattern_data, tmp_path):
    h5py = pytest.importorskip("h5py")
    X, y = pattern_data
    with h5py.File(tmp_path / "data.h5", "w") as handle:
        handle["X"] = X
    params = {**FAST_PARAMS, "early_stopping": True, "patience": 1}
    with h5py.File(tmp_path / "data.h5", "r") as handle:
        lazy = ConvLSTMClassifier(**params).fit(handle["X"], y)
        proba = lazy.predict_proba(handle["X"])
    in_memory = ConvLSTMClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(proba, in_memory.predict_proba(X))


def test_a_model_fitted_on_data_on_disk_pickles_without_the_data(
    pattern_data, tmp_path
):
    h5py = pytest.importorskip("h5py")
    X, y = pattern_data
    params = {**FAST_PARAMS, "early_stopping": True, "patience": 1}
    with h5py.File(tmp_path / "data.h5", "w") as handle:
        handle["X"] = X
    with h5py.File(tmp_path / "data.h5", "r") as handle:
        on_h5 = ConvLSTMClassifier(**params).fit(handle["X"], y)
    np.save(tmp_path / "X.npy", X.astype(np.float64))
    memmap = np.load(tmp_path / "X.npy", mmap_mode="r")
    on_memmap = ConvLSTMClassifier(**params).fit(memmap, y)
    in_memory = ConvLSTMClassifier(**params).fit(X, y)
    # The early-stopping split of an h5py dataset cannot be pickled, and that
    # of a memmap would copy the file: the pickle keeps neither.
    h5_bytes, memmap_bytes = pickle.dumps(on_h5), pickle.dumps(on_memmap)
    assert len(memmap_bytes) < len(pickle.dumps(in_memory))
    assert pickle.loads(h5_bytes).net_.train_split is None
    assert in_memory.net_.train_split is not None  # in-memory data: kept
    expected = in_memory.predict_proba(X)
    for restored in (pickle.loads(h5_bytes), pickle.loads(memmap_bytes)):
        np.testing.assert_array_equal(restored.predict_proba(X), expected)


def test_slice_only_array_is_read_in_batches(pattern_data):
    X, y = pattern_data
    source = SliceOnlyArray(X)
    clf = ConvLSTMClassifier(**{**FAST_PARAMS, "max_epochs": 1}).fit(source, y)
    reference = ConvLSTMClassifier(**{**FAST_PARAMS, "max_epochs": 1}).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(source), reference.predict_proba(X))
    # Training reads each batch's rows as slices of consecutive rows (the
    # array has no fancy indexing): every row once per epoch, on top of the
    # chunked scans of the statistics.
    assert source.reads > len(X)


def test_lazy_series_indexing():
    data = np.arange(60, dtype=np.float64).reshape(5, 3, 4)
    X = LazySeries(data)
    np.testing.assert_array_equal(X[1], data[1].astype(np.float32))
    np.testing.assert_array_equal(X[-1], data[4])
    np.testing.assert_array_equal(X[3:0:-2], data[3:0:-2])
    np.testing.assert_array_equal(X[[4, 0, 4]], data[[4, 0, 4]])
    mask = np.array([True, False, True, False, False])
    np.testing.assert_array_equal(X[mask], data[mask])
    view = X.take([3, 1]).take([1])
    assert view.shape == (1, 3, 4)
    np.testing.assert_array_equal(view[0], data[1])
    assert X[1:3].flags.writeable and X[1:3].flags.c_contiguous
    with pytest.raises(IndexError, match="out of range for X with 5 series"):
        X[5]
    with pytest.raises(IndexError, match="indexed by rows only"):
        X[0, 1]
    with pytest.raises(IndexError, match="boolean mask over X must have shape"):
        X[np.array([True, False])]


# ------------------------------------------------------- unequal lengths on disk


def test_ragged_series_on_disk_matches_list(ragged_data, tmp_path):
    series, y = ragged_data
    values, offsets = _ragged(series)
    ragged = RaggedSeries(_memmap(tmp_path, values), offsets)
    assert len(ragged) == 40 and ragged.n_channels == 2
    np.testing.assert_array_equal(ragged.lengths, [s.shape[1] for s in series])
    np.testing.assert_array_equal(ragged[7], series[7].astype(np.float32))
    np.testing.assert_array_equal(
        ragged.segment(7, 2, 5), series[7][:, 2:5].astype(np.float32)
    )
    for scaling in ("auto", "minmax", "per_series_amplitude"):
        params = {**FAST_PARAMS, "scaling": scaling}
        in_memory = ConvLSTMClassifier(**params).fit(series, y)
        lazy = ConvLSTMClassifier(**params).fit(ragged, y)
        assert lazy.n_timesteps_in_ is None and lazy.n_features_in_ == 2
        np.testing.assert_array_equal(
            lazy.predict_proba(ragged), in_memory.predict_proba(series)
        )


def test_ragged_univariate_and_early_stopping(ragged_data):
    series, y = ragged_data
    first_channels = [s[0] for s in series]
    values, offsets = _ragged([s[np.newaxis] for s in first_channels])
    ragged = RaggedSeries(values[0], offsets)
    assert ragged.n_channels == 1
    params = {**FAST_PARAMS, "early_stopping": True, "patience": 1}
    lazy = ConvLSTMClassifier(**params).fit(ragged, y)
    in_memory = ConvLSTMClassifier(**params).fit(first_channels, y)
    np.testing.assert_array_equal(
        lazy.predict(ragged), in_memory.predict(first_channels)
    )


def test_ragged_series_in_steps_that_need_memory(ragged_data):
    series, _ = ragged_data
    ragged = RaggedSeries(*_ragged(series))
    checked = check_series(ragged)  # a step without lazy support: read in
    assert isinstance(checked, list) and len(checked) == 40
    with pytest.raises(ValueError, match="needs equal-length series"):
        check_series_lazy(ragged, allow_unequal_length=False)


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ([0, 3, 3, 10], "strictly increasing: series 1 has length 0"),
        ([1, 5, 10], "must start at 0 and end at the length of values \\(10\\)"),
        ([0, 5, 9], "offsets\\[-1\\]=9"),
        ([[0, 10]], "1D array of ints"),
        ([0.0, 10.0], "1D array of ints"),
    ],
)
def test_ragged_series_bad_offsets(offsets, message):
    with pytest.raises(ValueError, match=message):
        RaggedSeries(np.zeros(10), offsets)


def test_ragged_series_bad_values():
    with pytest.raises(ValueError, match="shape \\(total_length,\\) or"):
        RaggedSeries(np.zeros((2, 2, 5)), [0, 5])
    with pytest.raises(TypeError, match="must hold real numbers"):
        RaggedSeries(np.zeros(5, dtype=complex), [0, 5])
    values = np.zeros(10)
    values[7] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        ConvLSTMClassifier(**FAST_PARAMS).fit(RaggedSeries(values, [0, 4, 10]), [0, 1])


# ------------------------------------------------------------ chunked statistics


def test_statistics_of_lazy_data_match_in_memory(pattern_data, ragged_data, tmp_path):
    X, _ = pattern_data
    X = X * np.linspace(0.1, 100, len(X))[:, None, None]  # amplitudes that vary
    lazy = LazySeries(_memmap(tmp_path, X))
    X32 = X.astype(np.float32)
    for method, attributes in (
        ("per_channel", ("mean_", "scale_")),
        ("minmax", ("data_min_", "data_max_", "scale_", "min_")),
    ):
        reference = TimeSeriesScaler(method=method).fit(X32)
        scaler = TimeSeriesScaler(method=method).fit(lazy)
        for attribute in attributes:
            np.testing.assert_allclose(
                getattr(scaler, attribute), getattr(reference, attribute), rtol=1e-12
            )
    assert series_amplitude_spread(lazy) == pytest.approx(
        series_amplitude_spread(X32), rel=1e-12
    )
    np.testing.assert_allclose(
        log_amplitude_statistics(lazy), log_amplitude_statistics(X32), rtol=1e-12
    )
    series, _ = ragged_data
    ragged = RaggedSeries(*_ragged(series))
    for method in ("per_channel", "minmax"):
        reference = TimeSeriesScaler(method=method).fit(series)
        for data in (ragged, ragged.take(np.arange(40))):
            scaler = TimeSeriesScaler(method=method).fit(data)
            np.testing.assert_allclose(scaler.scale_, reference.scale_, rtol=1e-10)


def test_statistics_read_in_bounded_chunks(monkeypatch):
    import sklearn_convlstm._lazy as lazy_module

    monkeypatch.setattr(lazy_module, "CHUNK_VALUES", 64)
    rng = np.random.RandomState(0)
    source = SliceOnlyArray(rng.normal(size=(50, 2, 16)))
    TimeSeriesScaler().fit(source)
    series_amplitude_spread(LazySeries(source))
    assert source.largest_read == 2  # 64 values // (2 channels x 16 steps)


# ------------------------------------------------------------------- bad input


def test_memmap_with_a_dtype_that_is_not_real_numbers(tmp_path):
    memmap = _memmap(tmp_path, np.zeros((4, 1, 8), dtype=np.complex64))
    with pytest.raises(TypeError, match="has dtype complex64; series must hold real"):
        ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, [0, 1, 0, 1])
    memmap = _memmap(tmp_path, np.zeros((4, 1, 8), dtype=bool), "bool.npy")
    with pytest.raises(TypeError, match="has dtype bool"):
        ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, [0, 1, 0, 1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_memmap_with_the_wrong_number_of_dimensions(tmp_path, dtype):
    memmap = _memmap(tmp_path, np.zeros((4, 1, 8, 2), dtype=dtype))
    with pytest.raises(ValueError, match="with 4 dimensions of shape \\(4, 1, 8, 2\\)"):
        ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, [0, 1, 0, 1])


def test_memmap_with_nan_is_rejected_in_fit_and_predict(pattern_data, tmp_path):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**{**FAST_PARAMS, "max_epochs": 1}).fit(X, y)
    X = X.copy()
    X[-1, 1, -1] = np.nan
    memmap = _memmap(tmp_path, X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(memmap)


def test_memmap_with_the_wrong_length_or_channels_at_predict(pattern_data, tmp_path):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**{**FAST_PARAMS, "max_epochs": 1}).fit(X, y)
    with pytest.raises(ValueError, match="X has 1 channels, but ConvLSTMClassifier"):
        clf.predict(_memmap(tmp_path, X[:, :1]))
    with pytest.raises(ValueError, match="series of 30 timesteps, but"):
        clf.predict(_memmap(tmp_path, X[:, :, :30], "short.npy"))


class WrongShapeArray(SliceOnlyArray):
    """Declares one shape, returns series one timestep too short."""

    def __getitem__(self, key: object) -> np.ndarray:
        return super().__getitem__(key)[..., :-1]


def test_array_that_returns_the_wrong_shape(pattern_data):
    X, y = pattern_data
    with pytest.raises(
        ValueError,
        match=r"returned an array of shape \(60, 2, 31\); expected \(60, 2, 32\)",
    ):
        ConvLSTMClassifier(**FAST_PARAMS).fit(WrongShapeArray(X), y)


def test_torch_dataset_is_a_clear_error(pattern_data):
    X, y = pattern_data
    dataset = torch.utils.data.TensorDataset(torch.as_tensor(X), torch.as_tensor(y))
    with pytest.raises(TypeError, match="X is a torch Dataset \\(TensorDataset\\)"):
        ConvLSTMClassifier(**FAST_PARAMS).fit(dataset, y)


def test_lazy_series_constructor_errors():
    with pytest.raises(TypeError, match="got list, which has no shape"):
        LazySeries([[1.0, 2.0]])
    with pytest.raises(ValueError, match="it needs at least one series"):
        LazySeries(np.zeros((0, 1, 5)))
    with pytest.raises(TypeError, match="has dtype <U1"):
        LazySeries(np.array([["a", "b"]]))


# --------------------------------------------------------------- lazy windows


@pytest.mark.parametrize("label_rule", ["last", "majority", "centre"])
@pytest.mark.parametrize("step", [1, 3, 10])
def test_lazy_windows_equal_eager_windows(label_rule, step):
    rng = np.random.RandomState(0)
    recordings = [rng.normal(size=(2, length)) for length in (50, 37, 80, 5)]
    labels = [rng.randint(0, 3, size=r.shape[1]) for r in recordings]
    options = {
        "window_size": 10,
        "step": step,
        "label_rule": label_rule,
        "short_recordings": "skip",
    }
    X, y, groups = make_windows(recordings, labels, **options)
    X_lazy, y_lazy, groups_lazy = make_windows(recordings, labels, lazy=True, **options)
    assert isinstance(X_lazy, WindowedSeries) and X_lazy.shape == X.shape
    np.testing.assert_array_equal(X_lazy[:], X)
    order = rng.permutation(len(X))
    np.testing.assert_array_equal(X_lazy[order], X[order])
    np.testing.assert_array_equal(y_lazy, y)
    np.testing.assert_array_equal(groups_lazy, groups)
    ragged = RaggedSeries(*_ragged(recordings))
    X_ragged, y_ragged, _ = make_windows(ragged, labels, lazy=True, **options)
    np.testing.assert_array_equal(X_ragged[order], X[order])
    np.testing.assert_array_equal(y_ragged, y)


def test_lazy_windows_keep_the_recordings_and_an_index_per_recording(tmp_path):
    rng = np.random.RandomState(0)
    recording = rng.normal(size=(1, 2, 5_000)).astype(np.float32)
    X, _, _ = make_windows(recording, [1], window_size=100, step=1, lazy=True)
    assert X.shape == (4_901, 2, 100)
    assert X.recordings is recording  # float32 recordings are not copied
    assert X.first_window.nbytes == 16  # not one entry per window
    np.testing.assert_array_equal(X[4_900], recording[0, :, 4_900:])
    memmap = _memmap(tmp_path, recording.astype(np.float64))
    X_disk, _, _ = make_windows(memmap, [1], window_size=100, step=1, lazy=True)
    assert X_disk.recordings.data is memmap
    np.testing.assert_array_equal(X_disk[[17, 3]], X[[17, 3]])
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "recording.h5", "w") as handle:
        handle["X"] = recording
    with h5py.File(tmp_path / "recording.h5", "r") as handle:
        X_h5, _, _ = make_windows(handle["X"], [1], window_size=100, lazy=True)
        np.testing.assert_array_equal(X_h5[[4_900, 0]], X[[4_900, 0]])


def test_lazy_windows_feed_the_classifier_batch_by_batch(monkeypatch):
    import sklearn_convlstm._lazy as lazy_module

    rng = np.random.RandomState(0)
    recordings = [rng.normal(scale=0.3, size=(1, 1_400)) for _ in range(4)]
    states = []
    for recording in recordings:
        state = (np.arange(1_400) // 50) % 2
        recording[0, state == 1] += 1.5
        states.append(state)
    options = {"window_size": 20, "step": 5, "label_rule": "centre"}
    X, y, _ = make_windows(recordings, states, **options)
    X_lazy, y_lazy, _ = make_windows(recordings, states, lazy=True, **options)
    reads: list[int] = []
    original = WindowedSeries._read_source_rows

    def counting(self, rows):
        reads.append(len(rows))
        return original(self, rows)

    monkeypatch.setattr(WindowedSeries, "_read_source_rows", counting)
    monkeypatch.setattr(lazy_module, "CHUNK_VALUES", 2_000)  # 100 windows a scan
    params = {**FAST_PARAMS, "max_epochs": 1, "batch_size": 32}
    lazy = ConvLSTMClassifier(**params).fit(X_lazy, y_lazy)
    proba = lazy.predict_proba(X_lazy)
    eager = ConvLSTMClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(proba, eager.predict_proba(X))
    # Statistics scan 100 windows at a time (1,108 = 11 x 100 + 8), training
    # reads one batch at a time (1,108 = 34 x 32 + 20), prediction batches of
    # 1,024 and 84: never the 1,108 at once, and never one window at a time.
    assert len(X) == 1_108
    assert sorted(set(reads)) == [8, 20, 32, 84, 100, 1_024]
    n_batches = 1_108 // 32 + 1
    assert reads.count(32) + reads.count(20) == n_batches


# ---------------------------------------------------------- anonymous memory

#: Run in a fresh interpreter: writes a memmap, warms the estimator up on a
#: small in-memory slice, then reports the peak growth of RssAnon (anonymous
#: memory; pages of the memmap are file-backed) above the baseline during
#: ``fit`` (1 epoch) and ``predict_proba``, on the first quarter of the
#: memmap's rows and on all of them.
_MEMORY_PROBE = textwrap.dedent(
    """
    import ctypes, gc, json, sys, threading
    import numpy as np
    import torch

    torch.set_num_threads(1)
    from sklearn_convlstm import ConvLSTMClassifier

    def rss_anon_mib():
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) / 1024

    class Peak:
        def __enter__(self):
            gc.collect()
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            self.baseline = self.peak = rss_anon_mib()
            self.stop = threading.Event()
            self.thread = threading.Thread(target=self.sample, daemon=True)
            self.thread.start()
            return self

        def sample(self):
            while not self.stop.is_set():
                self.peak = max(self.peak, rss_anon_mib())
                self.stop.wait(0.002)

        def __exit__(self, *exc):
            self.stop.set()
            self.thread.join()
            self.peak = max(self.peak, rss_anon_mib())

    path, dtype, n_series, n_timesteps = sys.argv[1:5]
    n_series, n_timesteps = int(n_series), int(n_timesteps)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n_series)
    data = np.lib.format.open_memmap(
        path, mode="w+", dtype=dtype, shape=(n_series, 1, n_timesteps)
    )
    for start in range(0, n_series, 4096):
        stop = min(start + 4096, n_series)
        data[start:stop] = rng.standard_normal((stop - start, 1, n_timesteps))
        data[start:stop] += y[start:stop, None, None]
    data.flush()
    del data
    X = np.load(path, mmap_mode="r")
    params = dict(conv_channels=(4,), kernel_sizes=3, lstm_hidden_size=4,
                  batch_size=256, max_epochs=1, random_state=0)
    # Warm up on the same batch sizes: torch caches kernels per shape.
    warm = np.array(X[:1024])
    ConvLSTMClassifier(**params).fit(warm, y[:1024]).predict_proba(warm)
    del warm
    report = {"data_mib": X.nbytes / 2**20}
    for part, rows in (("quarter", n_series // 4), ("full", n_series)):
        with Peak() as fit:
            classifier = ConvLSTMClassifier(**params).fit(X[:rows], y[:rows])
        with Peak() as predict:
            proba = classifier.predict_proba(X[:rows])
        report[f"fit_{part}_mib"] = fit.peak - fit.baseline
        report[f"predict_{part}_mib"] = predict.peak - predict.baseline
    report["n_predictions"] = len(proba)
    print(json.dumps(report))
    """
)


# Slow (20-47 s per case on 2 cores): a fresh process fits and predicts on a
# memmap of 16,384 series to measure its peak memory; smaller data would not
# tell streaming from copying apart.
@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="RssAnon needs Linux /proc"
)
@pytest.mark.parametrize(
    ("dtype", "n_series"), [("float32", 16_384), ("float64", 8_192)]
)
def test_fit_and_predict_on_a_memmap_use_far_less_memory_than_the_data(
    tmp_path, dtype, n_series
):
    script = tmp_path / "probe.py"
    script.write_text(_MEMORY_PROBE)
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPOSITORY),
        "OMP_NUM_THREADS": "1",
        # Large blocks come from mmap and go back to the OS when freed, so
        # the peak is what is alive, not what glibc's heap kept.
        "MALLOC_MMAP_THRESHOLD_": "65536",
        "PYTHONWARNINGS": "ignore",
    }
    result = subprocess.run(
        [
            sys.executable,
            str(script),
            str(tmp_path / "X.npy"),
            dtype,
            str(n_series),
            "256",
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["data_mib"] == 16.0, report
    assert report["n_predictions"] == n_series, report
    # What grows with the data: the growth between a quarter and all of the
    # rows, per MiB of data added. One float32 copy of the data would make it
    # 1.0 for float32 data and 0.5 for float64 (a cast copy); streaming keeps
    # it near 0. (The growth common to both sizes, ~15 MiB, is torch's and the
    # bounded statistics chunks': the 8 GiB run of benchmarks.speed.
    # bench_memory, benchmarks/results/memory_8gib, shows it stays fixed.)
    added_mib = 0.75 * report["data_mib"]
    for call in ("fit", "predict"):
        growth = report[f"{call}_full_mib"] - report[f"{call}_quarter_mib"]
        assert growth / added_mib < 0.25, report


class _CountingArray:
    """An array that slices (h5py-like) and counts the series read from it."""

    def __init__(self, array):
        self.array = array
        self.shape, self.dtype, self.ndim = array.shape, array.dtype, array.ndim
        self.series_read = 0

    def __len__(self):
        return len(self.array)

    def __getitem__(self, key):
        block = self.array[key]
        self.series_read += block.shape[0] if block.ndim == 3 else 1
        return block


@pytest.mark.parametrize(
    "scaling, passes_before_training",
    [
        # reading X: the validation's finite check, then one pass for every
        # statistic the scaling needs (the amplitude spread once)
        ("auto", 2),
        ("per_channel", 2),
        ("per_series_amplitude", 2),
        ("per_series", 1),
    ],
)
@pytest.mark.parametrize("max_epochs", [1, 2])
def test_fit_reads_data_on_disk_once_per_statistic_pass_and_epoch(
    scaling, passes_before_training, max_epochs
):
    X = np.random.RandomState(0).normal(size=(64, 2, 40))
    counting = _CountingArray(X)
    ConvLSTMClassifier(
        variant="basic",
        max_epochs=max_epochs,
        batch_size=16,
        scaling=scaling,
        random_state=0,
    ).fit(counting, np.arange(64) % 2)
    assert counting.series_read == 64 * (passes_before_training + max_epochs)


def test_default_head_is_the_same_on_disk_and_in_memory(pattern_data, tmp_path):
    """The ridge head's fit reads series on disk as in memory: the same model."""
    X, y = pattern_data
    memmap = _memmap(tmp_path, X.astype(np.float64))
    assert len(y) >= 24 and np.bincount(np.unique(y, return_inverse=True)[1]).min() > 2
    in_memory = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    on_disk = ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, y)
    assert (in_memory.head_, in_memory.fusion_weight_) == ("random-kernels", 3.0)
    assert (on_disk.head_, on_disk.fusion_weight_) == ("random-kernels", 3.0)
    np.testing.assert_array_equal(
        on_disk.predict_proba(memmap), in_memory.predict_proba(X)
    )


def test_head_is_left_out_when_its_fit_would_not_fit_in_memory(
    pattern_data, tmp_path, monkeypatch
):
    """Its fit holds the scaled training series; above the bound, no ridge."""
    from sklearn_convlstm import _random_kernel_head

    X, y = pattern_data
    memmap = _memmap(tmp_path, X.astype(np.float64))
    # 60 series x 2 channels (x 2: amplitude channels) x 32 steps x 4 bytes
    monkeypatch.setattr(
        _random_kernel_head, "RANDOM_KERNEL_MAX_BYTES", 60 * 4 * 32 * 4 - 1
    )
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, y)
    assert (clf.head_, clf.fusion_weight_) == ("softmax", 0.0)
    with pytest.raises(ValueError, match=r"GiB of scaled training series"):
        ConvLSTMClassifier(**{**FAST_PARAMS, "head": "random-kernels"}).fit(memmap, y)
    monkeypatch.setattr(_random_kernel_head, "RANDOM_KERNEL_MAX_BYTES", 60 * 4 * 32 * 4)
    assert ConvLSTMClassifier(**FAST_PARAMS).fit(memmap, y).fusion_weight_ == 3.0


def test_cross_fitted_regressor_is_the_same_on_disk_and_in_memory(tmp_path):
    """Its members and ridges read series on disk as in memory: the same model."""
    from sklearn_convlstm import ConvLSTMRegressor
    from sklearn_convlstm._regressor import CROSS_FIT_MIN_SERIES

    rng = np.random.RandomState(0)
    X = rng.normal(size=(CROSS_FIT_MIN_SERIES, 2, 24))
    y = X[:, 0, 5:10].mean(axis=1) + 0.1 * rng.normal(size=len(X))
    lengths = rng.randint(16, 25, size=len(X))
    series = [x[:, :length] for x, length in zip(X, lengths, strict=True)]
    in_memory = ConvLSTMRegressor(**FAST_PARAMS).fit(X, y)
    assert in_memory.head_ == "random-kernels"
    ragged_in_memory = ConvLSTMRegressor(**FAST_PARAMS).fit(series, y)
    for on_disk, reference, X_reference in (
        (LazySeries(_memmap(tmp_path, X)), in_memory, X),
        (RaggedSeries(*_ragged(series)), ragged_in_memory, series),
    ):
        fitted = ConvLSTMRegressor(**FAST_PARAMS).fit(on_disk, y)
        assert fitted.head_ == "random-kernels"
        np.testing.assert_array_equal(fitted.blend_weight_, reference.blend_weight_)
        np.testing.assert_array_equal(
            fitted.predict(on_disk), reference.predict(X_reference)
        )


def test_regressor_head_is_left_out_when_its_fit_would_not_fit_in_memory(
    monkeypatch,
):
    from sklearn_convlstm import ConvLSTMRegressor, _random_kernel_head
    from sklearn_convlstm._regressor import CROSS_FIT_MIN_SERIES

    X = np.random.RandomState(0).normal(size=(CROSS_FIT_MIN_SERIES, 2, 16))
    needed = CROSS_FIT_MIN_SERIES * 4 * 16 * 4  # x 2 channels: amplitudes
    monkeypatch.setattr(_random_kernel_head, "RANDOM_KERNEL_MAX_BYTES", needed - 1)
    regressor = ConvLSTMRegressor(**FAST_PARAMS)
    regressor.fit(LazySeries(X), X[:, 0].mean(axis=1))
    assert regressor.head_ == "network"
    with pytest.raises(ValueError, match=r"GiB of scaled training series"):
        regressor.set_params(head="random-kernels").fit(X, X[:, 0].mean(axis=1))
    monkeypatch.setattr(_random_kernel_head, "RANDOM_KERNEL_MAX_BYTES", needed)
    assert regressor.set_params(head="auto")._resolve_head(X) == "random-kernels"
