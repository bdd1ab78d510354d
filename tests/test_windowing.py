"""SlidingWindows and make_windows: exact windows, label rules, groups, leakage."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import GroupKFold, KFold

from sklearn_convlstm import SlidingWindows, make_windows

# --- SlidingWindows -----------------------------------------------------------


def test_sliding_windows_exact_values():
    X = np.arange(14.0).reshape(1, 2, 7)  # channel 0: 0..6, channel 1: 7..13
    X_windows = SlidingWindows(window_size=3, step=2).fit_transform(X)
    # n_windows = 1 + (7 - 3) // 2 = 3, starting at timesteps 0, 2, 4;
    # features channel-major: rows 0-2 are channel 0, rows 3-5 channel 1.
    expected = np.array(
        [
            [
                [0.0, 2.0, 4.0],
                [1.0, 3.0, 5.0],
                [2.0, 4.0, 6.0],
                [7.0, 9.0, 11.0],
                [8.0, 10.0, 12.0],
                [9.0, 11.0, 13.0],
            ]
        ]
    )
    assert X_windows.dtype == np.float32
    assert X_windows.flags.c_contiguous
    assert_array_equal(X_windows, expected)


@pytest.mark.parametrize(
    "n_timesteps, window_size, step, n_windows",
    [(10, 1, 1, 10), (10, 10, 1, 1), (10, 4, 3, 3), (10, 4, 4, 2), (11, 5, 2, 4)],
)
def test_sliding_windows_shape(n_timesteps, window_size, step, n_windows):
    X = np.random.RandomState(0).normal(size=(4, 3, n_timesteps))
    X_windows = SlidingWindows(window_size=window_size, step=step).fit_transform(X)
    assert X_windows.shape == (4, 3 * window_size, n_windows)
    # feature c * window_size + k of window j is channel c at timestep j*step + k
    c, k, j = 2, window_size - 1, n_windows - 1
    assert X_windows[3, c * window_size + k, j] == np.float32(X[3, c, j * step + k])


def test_sliding_windows_2d_input_is_univariate():
    X = np.arange(10.0).reshape(2, 5)
    X_windows = SlidingWindows(window_size=2, step=3).fit_transform(X)
    assert_array_equal(X_windows, [[[0.0, 3.0], [1.0, 4.0]], [[5.0, 8.0], [6.0, 9.0]]])


def test_sliding_windows_unequal_lengths_give_a_list():
    series = [np.arange(5.0).reshape(1, 5), np.arange(3.0).reshape(1, 3)]
    X_windows = SlidingWindows(window_size=3).fit_transform(series)
    assert isinstance(X_windows, list)
    assert_array_equal(X_windows[0], [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    assert_array_equal(X_windows[1], [[0], [1], [2]])


def test_sliding_windows_is_stateless():
    X = np.arange(12.0).reshape(2, 1, 6)
    transformer = SlidingWindows(window_size=2, step=2)
    assert_array_equal(transformer.transform(X), transformer.fit(X).transform(X))


def test_window_larger_than_series_is_an_error():
    X = np.zeros((3, 2, 7))
    msg = (
        r"window_size=10 is larger than the series length 7 \(X\[0\] has 7 timesteps\)"
    )
    with pytest.raises(ValueError, match=msg):
        SlidingWindows(window_size=10).fit(X)
    with pytest.raises(ValueError, match=msg):
        SlidingWindows(window_size=10).transform(X)
    fitted = SlidingWindows(window_size=5).fit(X)
    series = [np.zeros((2, 9)), np.zeros((2, 4))]
    with pytest.raises(ValueError, match=r"series length 4 \(X\[1\] has 4 timesteps\)"):
        fitted.transform(series)


@pytest.mark.parametrize(
    "params, name",
    [({"window_size": 3, "step": 0}, "step"), ({"window_size": 0}, "window_size")],
)
def test_step_or_window_below_one_gets_sklearns_message(params, name):
    msg = (
        rf"The '{name}' parameter of SlidingWindows must be an int in the range "
        r"\[1, inf\). Got 0 instead."
    )
    with pytest.raises(ValueError, match=msg):
        SlidingWindows(**params).fit(np.zeros((2, 1, 5)))
    with pytest.raises(ValueError, match=msg):
        SlidingWindows(**params).transform(np.zeros((2, 1, 5)))


def test_sliding_windows_bad_input():
    with pytest.raises(ValueError, match=r"got an array with 4 dimensions"):
        SlidingWindows(window_size=2).fit(np.zeros((2, 1, 3, 4)))
    with pytest.raises(ValueError, match=r"X\[0\] has 2 channels but X\[1\] has 3"):
        SlidingWindows(window_size=2).fit([np.zeros((2, 5)), np.zeros((3, 4))])
    fitted = SlidingWindows(window_size=2).fit(np.zeros((2, 2, 5)))
    with pytest.raises(ValueError, match=r"X has 1 channels, but SlidingWindows"):
        fitted.transform(np.zeros((2, 1, 5)))


# --- make_windows: per-recording labels, groups -------------------------------


def test_make_windows_per_recording_labels_and_groups():
    recordings = [np.arange(12.0).reshape(2, 6), np.arange(100.0, 108.0).reshape(2, 4)]
    X, y, groups = make_windows(recordings, ["walk", "run"], window_size=3, step=2)
    # recording 0 (length 6): windows at 0, 2; recording 1 (length 4): at 0
    assert X.shape == (3, 2, 3)
    assert X.dtype == np.float32
    assert_array_equal(X[0], [[0, 1, 2], [6, 7, 8]])
    assert_array_equal(X[1], [[2, 3, 4], [8, 9, 10]])
    assert_array_equal(X[2], [[100, 101, 102], [104, 105, 106]])
    assert_array_equal(y, ["walk", "walk", "run"])
    assert_array_equal(groups, [0, 0, 1])
    assert groups.dtype == np.int64


def test_make_windows_equal_length_array_and_univariate_list():
    recordings = np.arange(20.0).reshape(2, 1, 10)
    X, y, groups = make_windows(recordings, [7, 8], window_size=4, step=4)
    assert X.shape == (4, 1, 4)  # 1 + (10 - 4) // 4 = 2 windows per recording
    assert_array_equal(X[:, 0, 0], [0, 4, 10, 14])
    assert_array_equal(y, [7, 7, 8, 8])
    assert_array_equal(groups, [0, 0, 1, 1])
    # 1D univariate recordings in a list give the same windows
    X_list, _, _ = make_windows(list(recordings[:, 0]), [7, 8], window_size=4, step=4)
    assert_array_equal(X_list, X)


# --- make_windows: per-timestep labels and the label rules --------------------

#: Length 8, window 4, step 2: windows cover timesteps 0-3, 2-5 and 4-7.
STATES = np.array([0, 0, 1, 1, 1, 2, 2, 0])


@pytest.mark.parametrize(
    "label_rule, expected",
    [
        ("last", [1, 2, 0]),  # STATES[3], STATES[5], STATES[7]
        ("centre", [1, 1, 2]),  # offset 4 // 2 = 2: STATES[2], STATES[4], [6]
        ("majority", [0, 1, 2]),  # [0 0 1 1]: tie -> smallest, [1 1 1 2], [1 2 2 0]
    ],
)
def test_make_windows_label_rules(label_rule, expected):
    recording = np.arange(8.0).reshape(1, 8)
    X, y, groups = make_windows(
        [recording], [STATES], window_size=4, step=2, label_rule=label_rule
    )
    assert_array_equal(X[:, 0, 0], [0, 2, 4])
    assert_array_equal(y, expected)
    assert_array_equal(groups, [0, 0, 0])


def test_make_windows_per_timestep_labels_across_unequal_recordings():
    recordings = [np.zeros((2, 5)), np.zeros((2, 3))]
    states = [["a", "a", "b", "b", "b"], ["c", "b", "b"]]
    X, y, groups = make_windows(
        recordings, states, window_size=3, label_rule="majority"
    )
    assert X.shape == (4, 2, 3)
    # windows: [a a b] [a b b] [b b b] | [c b b]
    assert_array_equal(y, ["a", "b", "b", "b"])
    assert_array_equal(groups, [0, 0, 0, 1])
    _, y_last, _ = make_windows(recordings, states, window_size=3, label_rule="last")
    assert_array_equal(y_last, ["b", "b", "b", "b"])


def test_make_windows_2d_label_array_for_equal_lengths():
    recordings = np.zeros((2, 1, 4))
    labels = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])
    _, y, groups = make_windows(recordings, labels, window_size=2, label_rule="last")
    assert_array_equal(y, [1, 2, 3, 5, 6, 7])
    assert_array_equal(groups, [0, 0, 0, 1, 1, 1])


# --- make_windows: short recordings and errors --------------------------------


def test_make_windows_short_recordings_raise_or_skip():
    recordings = [np.zeros(6), np.zeros(2), np.zeros(5)]
    msg = (
        r"window_size=4 is larger than the length of recordings\[1\] \(2 timesteps\); "
        r"1 of 3 recordings are shorter than window_size"
    )
    with pytest.raises(ValueError, match=msg):
        make_windows(recordings, [0, 1, 2], window_size=4)
    X, y, groups = make_windows(
        recordings, [0, 1, 2], window_size=4, short_recordings="skip"
    )
    assert X.shape == (5, 1, 4)  # 3 windows from recording 0, 2 from recording 2
    assert_array_equal(y, [0, 0, 0, 2, 2])
    assert_array_equal(groups, [0, 0, 0, 2, 2])  # indices into the original list
    with pytest.raises(ValueError, match=r"All 3 recordings are shorter than"):
        make_windows(recordings, [0, 1, 2], window_size=7, short_recordings="skip")


@pytest.mark.parametrize(
    "labels, msg",
    [
        ([0, 1, 2], r"labels has shape \(3,\) but there are 2 recordings"),
        ([[0] * 6], r"labels has 1 label sequences but there are 2 recordings"),
        ([[0] * 6, [0] * 4], r"labels\[1\] has shape \(4,\) but recordings\[1\] has 5"),
    ],
)
def test_make_windows_label_mismatch(labels, msg):
    recordings = [np.zeros((1, 6)), np.zeros((1, 5))]
    with pytest.raises(ValueError, match=msg):
        make_windows(recordings, labels, window_size=2)


@pytest.mark.parametrize(
    "params, msg",
    [
        ({"window_size": 2, "step": 0}, r"The 'step' parameter of make_windows must"),
        ({"window_size": 0}, r"The 'window_size' parameter of make_windows must"),
        (
            {"window_size": 2, "label_rule": "first"},
            r"The 'label_rule' parameter of make_windows must be a str among",
        ),
    ],
)
def test_make_windows_invalid_params(params, msg):
    with pytest.raises(ValueError, match=msg):
        make_windows([np.zeros(6)], [0], **params)


def test_make_windows_bad_recordings():
    with pytest.raises(ValueError, match=r"recordings\[0\] has 2 channels but"):
        make_windows([np.zeros((2, 6)), np.zeros((3, 6))], [0, 1], window_size=2)
    with pytest.raises(ValueError, match=r"recordings.reshape\(1, -1\)"):
        make_windows(np.zeros(6), [0], window_size=2)
    with pytest.raises(ValueError, match=r"Input recordings\[0\] contains NaN"):
        make_windows([np.array([0.0, np.nan, 1.0])], [0], window_size=2)


# --- cross-validation leakage -------------------------------------------------


def test_group_kfold_keeps_each_recording_on_one_side():
    rng = np.random.RandomState(0)
    n_recordings, window_size, step = 6, 10, 2
    recordings = [
        rng.normal(size=(2, rng.randint(30, 50))) for _ in range(n_recordings)
    ]
    X, y, groups = make_windows(
        recordings, np.arange(n_recordings) % 2, window_size=window_size, step=step
    )
    assert set(groups) == set(range(n_recordings))

    for train, test in GroupKFold(n_splits=3).split(X, y, groups):
        assert set(groups[train]).isdisjoint(groups[test])

    # The contrast: a plain (shuffled) KFold over the overlapping windows puts
    # windows of the same recording on both sides of every split ...
    for train, test in KFold(n_splits=3, shuffle=True, random_state=0).split(X):
        assert set(groups[train]) & set(groups[test])
        # ... and a test window's neighbour in train is a near-copy: it shares
        # window_size - step of its timesteps.
        train_set = set(train)
        neighbours = [
            i for i in test if i + 1 in train_set and groups[i + 1] == groups[i]
        ]
        assert neighbours
        i = neighbours[0]
        assert_array_equal(X[i, :, step:], X[i + 1, :, :-step])
