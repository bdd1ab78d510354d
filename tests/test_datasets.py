"""Tests for the dataset readers, named datasets and the synthetic generator."""

from __future__ import annotations

import collections
import time
from pathlib import Path

import numpy as np
import pytest

from sklearn_convlstm._validation import check_series, series_lengths
from sklearn_convlstm.datasets import (
    list_datasets,
    load_dataset,
    load_ts_file,
    load_ucr_tsv,
    make_pattern_classification,
)
from sklearn_convlstm.datasets._synthetic import PATTERN_NAMES


@pytest.fixture(scope="module")
def shared_datasets() -> Path:
    path = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
    if not path.is_dir():
        pytest.skip(f"shared datasets not found at {path}")
    return path


def _labels_by_hand(path: Path) -> collections.Counter:
    """Count the last ':' field of the data lines, without the reader."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "@data")
    return collections.Counter(
        line.rsplit(":", 1)[1].strip() for line in lines[start + 1 :] if line.strip()
    )


def _write(tmp_path: Path, text: str, name: str = "toy.ts") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- #
# The five shared datasets
# --------------------------------------------------------------------------- #
# name -> (train shape, test shape, class counts train, class counts test)
EQUAL_LENGTH = {
    "GunPoint": ((50, 1, 150), (150, 1, 150), {"1": 24, "2": 26}, {"1": 76, "2": 74}),
    "ItalyPowerDemand": (
        (67, 1, 24),
        (1029, 1, 24),
        {"1": 34, "2": 33},
        {"1": 513, "2": 516},
    ),
    "ArrowHead": (
        (36, 1, 251),
        (175, 1, 251),
        {"0": 12, "1": 12, "2": 12},
        {"0": 69, "1": 53, "2": 53},
    ),
    "BasicMotions": (
        (40, 6, 100),
        (40, 6, 100),
        dict.fromkeys(["Badminton", "Running", "Standing", "Walking"], 10),
        dict.fromkeys(["Badminton", "Running", "Standing", "Walking"], 10),
    ),
}

# (dataset, split) -> (first value, last value of the last case, first label,
# last label), read by hand from the files with head/tail/cut.
VALUES_BY_HAND = {
    ("GunPoint", "TRAIN"): (-0.6478854, -1.4308845, "2", "2"),
    ("GunPoint", "TEST"): (-1.1250133, -1.222043, "1", "1"),
    ("ItalyPowerDemand", "TRAIN"): (-0.71051757, 1.1719652, "1", "2"),
    ("ItalyPowerDemand", "TEST"): (0.47297301, -0.0025421181, "2", "2"),
    ("ArrowHead", "TRAIN"): (-1.9630089, -1.80105, "0", "2"),
    ("ArrowHead", "TEST"): (-1.9077772, -1.6207831, "0", "2"),
    ("BasicMotions", "TRAIN"): (0.079106, 0.428803, "Standing", "Badminton"),
    ("BasicMotions", "TEST"): (-0.740653, -1.77647, "Standing", "Badminton"),
    ("JapaneseVowels", "TRAIN"): (1.860936, 0.173642, "1", "9"),
    ("JapaneseVowels", "TEST"): (1.635533, 0.224688, "1", "9"),
}


@pytest.mark.parametrize("name", sorted(EQUAL_LENGTH))
def test_load_ts_file_equal_length_datasets(shared_datasets, name):
    train_shape, test_shape, train_counts, test_counts = EQUAL_LENGTH[name]
    for split, shape, counts in [
        ("TRAIN", train_shape, train_counts),
        ("TEST", test_shape, test_counts),
    ]:
        path = shared_datasets / name / f"{name}_{split}.ts"
        X, y = load_ts_file(path)
        assert isinstance(X, np.ndarray)
        assert X.dtype == np.float64
        assert X.shape == shape
        assert y.shape == (shape[0],)
        assert y.dtype.kind == "U"
        labels, label_counts = np.unique(y, return_counts=True)
        assert dict(zip(labels.tolist(), label_counts.tolist(), strict=True)) == counts
        assert collections.Counter(y.tolist()) == _labels_by_hand(path)
        assert np.isfinite(X).all()
        first, last, first_label, last_label = VALUES_BY_HAND[(name, split)]
        assert X[0, 0, 0] == first
        assert X[-1, -1, -1] == last
        assert (y[0], y[-1]) == (first_label, last_label)


def test_load_ts_file_multivariate_values(shared_datasets):
    X, _ = load_ts_file(shared_datasets / "BasicMotions" / "BasicMotions_TRAIN.ts")
    assert X[0, 1, 0] == 0.394032  # the second channel, read by hand
    X, _ = load_ts_file(shared_datasets / "BasicMotions" / "BasicMotions_TEST.ts")
    assert X[0, 0, 20] == -5.8e-5  # written "-5.8E-5" in the file


def test_load_ts_file_unequal_length_japanese_vowels(shared_datasets):
    folder = shared_datasets / "JapaneseVowels"
    start = time.perf_counter()
    X_train, y_train = load_ts_file(folder / "JapaneseVowels_TRAIN.ts")
    assert time.perf_counter() - start < 1.0
    X_test, y_test = load_ts_file(folder / "JapaneseVowels_TEST.ts")

    for X, y, n_series, (low, high), split in [
        (X_train, y_train, 270, (7, 26), "TRAIN"),
        (X_test, y_test, 370, (7, 29), "TEST"),
    ]:
        assert isinstance(X, list)
        assert len(X) == len(y) == n_series
        assert all(s.dtype == np.float64 and s.shape[0] == 12 for s in X)
        lengths = series_lengths(X)
        assert (lengths.min(), lengths.max()) == (low, high)
        path = folder / f"JapaneseVowels_{split}.ts"
        assert collections.Counter(y.tolist()) == _labels_by_hand(path)
        first, last, first_label, last_label = VALUES_BY_HAND[("JapaneseVowels", split)]
        assert X[0][0, 0] == first
        assert X[-1][-1, -1] == last
        assert (y[0], y[-1]) == (first_label, last_label)

    assert np.unique(y_train, return_counts=True)[1].tolist() == [30] * 9
    assert np.unique(y_test, return_counts=True)[1].tolist() == [
        31,
        35,
        88,
        44,
        29,
        24,
        40,
        50,
        29,
    ]
    # Lengths of the first and last cases, counted by hand.
    assert (X_train[0].shape[1], X_train[-1].shape[1]) == (20, 9)
    assert (X_test[0].shape[1], X_test[-1].shape[1]) == (19, 11)
    assert X_train[0][11, -1] == -0.175986
    # The list is valid input for the estimators.
    checked = check_series(X_train)
    assert isinstance(checked, list) and checked[0].dtype == np.float32


# --------------------------------------------------------------------------- #
# .ts format on small files
# --------------------------------------------------------------------------- #
HEADER = """# a comment
@problemName Toy
@timeStamps false
@missing {missing}
@univariate false
@dimensions 2
@equalLength {equal}
@classLabel true a b
@data
"""


def test_load_ts_file_small_multivariate(tmp_path):
    text = HEADER.format(missing="false", equal="true")
    text += "1,2,3:4,5,6:a\n\n# comment in data\n7,8,9:10,11,12:b\n"
    X, y = load_ts_file(_write(tmp_path, text))
    np.testing.assert_array_equal(
        X, [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]
    )
    np.testing.assert_array_equal(y, ["a", "b"])


def test_load_ts_file_skips_percent_comments(tmp_path):
    # ARFF-style '%' comments open sktime's UnitTest_TRAIN.ts, before @data.
    text = "%# cut-down ChinaTown\n%\n@univariate true\n@classLabel true 1 2\n@data\n"
    text += "573.0,375.0:1\n% a note\n394.0,264.0:2\n"
    X, y = load_ts_file(_write(tmp_path, text))
    np.testing.assert_array_equal(X, [[[573.0, 375.0]], [[394.0, 264.0]]])
    np.testing.assert_array_equal(y, ["1", "2"])


def test_load_ts_file_unequal_length_returns_list(tmp_path):
    text = HEADER.format(missing="false", equal="false")
    text += "1,2,3:4,5,6:a\n7,8:9,10:b\n"
    X, _ = load_ts_file(_write(tmp_path, text))
    assert isinstance(X, list)
    assert [s.shape for s in X] == [(2, 3), (2, 2)]
    np.testing.assert_array_equal(X[1], [[7, 8], [9, 10]])


def test_load_ts_file_numeric_labels_stay_strings(tmp_path):
    text = "@univariate true\n@classLabel true 1 2 10\n@data\n1,2:10\n3,4:2\n"
    _, y = load_ts_file(_write(tmp_path, text))
    assert y.dtype.kind == "U"
    assert y.tolist() == ["10", "2"]


def test_load_ts_file_no_labels_and_target_labels(tmp_path):
    _, y = load_ts_file(_write(tmp_path, "@classLabel false\n@data\n1,2:3,4\n"))
    assert y is None
    text = "@univariate true\n@targetLabel true\n@data\n1,2:0.5\n3,4:-1.5\n"
    _, y = load_ts_file(_write(tmp_path, text))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, [0.5, -1.5])


def test_load_ts_file_missing_values(tmp_path):
    text = HEADER.format(missing="true", equal="true")
    text += "1,2,3:4,5,6:a\n1,?,3:4,5,?:b\n1,NaN,3:4,5,6:a\n"
    path = _write(tmp_path, text)
    message = (
        r"toy\.ts contains 3 missing value\(s\) \('\?' or NaN\) in 2 case\(s\); "
        r"the first is on line 11\. Pass missing='nan'"
    )
    with pytest.raises(ValueError, match=message):
        load_ts_file(path)
    X, _ = load_ts_file(path, missing="nan")
    assert np.isnan(X).sum() == 3
    assert np.isnan(X[1, 0, 1]) and np.isnan(X[1, 1, 2]) and np.isnan(X[2, 0, 1])
    with pytest.raises(ValueError, match="missing must be one of"):
        load_ts_file(path, missing="drop")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("1,2,3:a\n", r"toy\.ts, line 10: expected 2 channel\(s\) and a class label"),
        ("1,2,3:4,x,6:a\n", r"line 10, channel 2, value 2: 'x' is not a number"),
        ("1,2,3:4,,6:a\n", r"line 10, channel 2, value 2: '' is not a number"),
        ("1,2,3:4,5,6:c\n", r"line 10: class label 'c' is not one of .*\['a', 'b'\]"),
        ("1,2,3:4,5:a\n", r"line 10: the channels of this case have different"),
        ("1,2,3:4,5,6:a\n1,2:3,4:b\n", r"line 11: .* 2 timesteps but the first has 3"),
        ("1,2,3::a\n", r"line 10, channel 2 is empty"),
        ("1,2,3:4,5,6:\n", r"line 10: the class label \(last field\) is empty"),
        ("1,2,3:4,5,6:a\n@seriesLength 3\n", r"line 11: .*header line.*after @data"),
    ],
)
def test_load_ts_file_malformed(tmp_path, data, message):
    text = HEADER.format(missing="false", equal="true") + data
    with pytest.raises(ValueError, match=message):
        load_ts_file(_write(tmp_path, text))


def test_load_ts_file_malformed_headers(tmp_path):
    with pytest.raises(ValueError, match=r"toy\.ts: no @data line found"):
        load_ts_file(_write(tmp_path, "@problemName Toy\n@univariate true\n"))
    with pytest.raises(ValueError, match=r"toy\.ts: no cases after the @data"):
        load_ts_file(_write(tmp_path, "@univariate true\n@data\n"))
    with pytest.raises(ValueError, match=r"line 2: found data before the @data"):
        load_ts_file(_write(tmp_path, "@univariate true\n1,2,3:a\n@data\n"))
    with pytest.raises(ValueError, match=r"line 1: @univariate must be followed"):
        load_ts_file(_write(tmp_path, "@univariate yes\n@data\n1:a\n"))
    with pytest.raises(ValueError, match=r"line 3: the series has 2 timesteps but"):
        text = "@seriesLength 3\n@data\n1,2:a\n"
        load_ts_file(_write(tmp_path, text))
    with pytest.raises(NotImplementedError, match=r"uses timestamps"):
        load_ts_file(_write(tmp_path, "@timeStamps true\n@data\n(0,1),(1,2):a\n"))


def test_load_ts_file_infers_channels_without_header(tmp_path):
    # No @dimensions: the first case sets the channel count, later ones must match.
    text = "@classLabel true a\n@data\n1,2:3,4:a\n1,2:a\n"
    with pytest.raises(ValueError, match=r"line 4: .*from the first case \(line 3\)"):
        load_ts_file(_write(tmp_path, text))


# --------------------------------------------------------------------------- #
# UCR 2018 .tsv format
# --------------------------------------------------------------------------- #
def test_load_ucr_tsv_equal_length(tmp_path):
    path = _write(tmp_path, "1\t0.5\t1.5\t2\n-1\t3\t4\t5e-1\n", "toy.tsv")
    X, y = load_ucr_tsv(path)
    assert X.shape == (2, 1, 3) and X.dtype == np.float64
    np.testing.assert_array_equal(X[:, 0], [[0.5, 1.5, 2.0], [3.0, 4.0, 0.5]])
    assert y.tolist() == ["1", "-1"]


def test_load_ucr_tsv_trailing_nan_means_unequal_length(tmp_path):
    text = "a\t1\t2\t3\t4\nb\t5\t6\tNaN\tNaN\nb\t7\t8\t9\tNaN\n"
    X, y = load_ucr_tsv(_write(tmp_path, text, "toy.tsv"))
    assert isinstance(X, list)
    assert series_lengths(X).tolist() == [4, 2, 3]
    np.testing.assert_array_equal(X[1], [[5.0, 6.0]])
    assert y.tolist() == ["a", "b", "b"]


def test_load_ucr_tsv_errors(tmp_path):
    path = _write(tmp_path, "a\t1\t2\t3\nb\t4\tNaN\t6\n", "toy.tsv")
    with pytest.raises(ValueError, match=r"1 missing value\(s\).*line 2"):
        load_ucr_tsv(path)
    X, _ = load_ucr_tsv(path, missing="nan")
    assert X.shape == (2, 1, 3) and np.isnan(X[1, 0, 1])
    path = _write(tmp_path, "a\t1\t2\t3\nb\t4\tfoo\t6\n", "bad.tsv")
    with pytest.raises(ValueError, match=r"bad\.tsv, line 2, series, value 2: 'foo'"):
        load_ucr_tsv(path)
    path = _write(tmp_path, "a\t1\nb\n", "short.tsv")
    with pytest.raises(ValueError, match=r"short\.tsv, line 2: expected a class"):
        load_ucr_tsv(path)


def test_load_ucr_tsv_commas_are_not_separators(tmp_path):
    # Tabs separate values: "0,5" is one malformed cell (a decimal comma), not
    # two values.
    path = _write(tmp_path, "1\t0.5\t0.7\n2\t0,5\t0,7\n", "comma.tsv")
    with pytest.raises(
        ValueError, match=r"comma\.tsv, line 2, series, value 1: '0,5' is not a number"
    ):
        load_ucr_tsv(path)
    # delimiter="," reads the older comma-separated files.
    path = _write(tmp_path, "1,0.5,0.7\n2,1,2\n", "old.txt")
    X, y = load_ucr_tsv(path, delimiter=",")
    np.testing.assert_array_equal(X[:, 0], [[0.5, 0.7], [1.0, 2.0]])
    assert y.tolist() == ["1", "2"]


def test_load_ucr_tsv_empty_label_is_an_error(tmp_path):
    # A leading tab is an empty label cell: it must not shift the first value
    # into the label.
    path = _write(tmp_path, "1\t0.5\t0.7\n\t1.0\t2.0\n", "nolabel.tsv")
    with pytest.raises(
        ValueError, match=r"nolabel\.tsv, line 2: the class label \(first field\)"
    ):
        load_ucr_tsv(path)


def test_load_ucr_tsv_empty_value_cell_is_an_error(tmp_path):
    path = _write(tmp_path, "1\t0.5\t\t0.7\n", "gap.tsv")
    with pytest.raises(ValueError, match=r"gap\.tsv, line 1, series, value 2: ''"):
        load_ucr_tsv(path)


def test_load_ucr_tsv_windows_line_ends_and_trailing_tab(tmp_path):
    path = tmp_path / "crlf.tsv"
    path.write_bytes(b"1\t0.5\t0.7\t\r\n2\t1\t2\r\n")
    X, y = load_ucr_tsv(path)
    np.testing.assert_array_equal(X[:, 0], [[0.5, 0.7], [1.0, 2.0]])
    assert y.tolist() == ["1", "2"]


TOY_TS = "@problemName toy\n@univariate true\n@classLabel true a b\n@data\n"


@pytest.mark.parametrize("suffix", [".ts", ".tsv"])
def test_readers_accept_a_utf8_byte_order_mark(tmp_path, suffix):
    path = tmp_path / f"bom{suffix}"
    text = TOY_TS + "1,2,3:a\n4,5,6:b\n" if suffix == ".ts" else "a\t1\t2\nb\t3\t4\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    reader = load_ts_file if suffix == ".ts" else load_ucr_tsv
    X, y = reader(path)
    assert y.tolist() == ["a", "b"]
    assert X.shape == ((2, 1, 3) if suffix == ".ts" else (2, 1, 2))


@pytest.mark.parametrize("suffix", [".ts", ".tsv"])
def test_readers_name_the_file_and_line_of_non_utf8_text(tmp_path, suffix):
    path = tmp_path / f"latin1{suffix}"
    if suffix == ".ts":
        text = TOY_TS + "1,2,3:a\n# caf\xe9\n4,5,6:b\n"
    else:
        text = "a\t1\t2\ncaf\xe9\t3\t4\n"
    path.write_bytes(text.encode("latin-1"))
    reader = load_ts_file if suffix == ".ts" else load_ucr_tsv
    line, column = (6, 6) if suffix == ".ts" else (2, 4)
    with pytest.raises(
        ValueError,
        match=rf"latin1\{suffix}, line {line}: not valid UTF-8 \(byte 0xe9 at "
        rf"column {column}\)\. Save the file as UTF-8",
    ):
        reader(path)


# --------------------------------------------------------------------------- #
# Named datasets
# --------------------------------------------------------------------------- #
def test_list_datasets():
    assert list_datasets() == ["GunPoint", "ItalyPowerDemand"]


def test_load_dataset_shipped_gunpoint(shared_datasets):
    X_train, y_train, X_test, y_test = load_dataset("GunPoint")
    assert X_train.shape == (50, 1, 150) and X_test.shape == (150, 1, 150)
    assert y_train.shape == (50,) and y_test.shape == (150,)
    assert X_train[0, 0, 0] == -0.6478854 and y_train[0] == "2"
    # The shipped copy is the same data as the shared archive file.
    shared = load_ts_file(shared_datasets / "GunPoint" / "GunPoint_TEST.ts")
    np.testing.assert_array_equal(X_test, shared[0])
    np.testing.assert_array_equal(y_test, shared[1])
    X, _ = load_dataset("gunpoint", split="test")  # case-insensitive name
    np.testing.assert_array_equal(X, X_test)
    X, _ = load_dataset("ItalyPowerDemand", split="train")
    assert X.shape == (67, 1, 24)


def test_load_dataset_data_home_and_prefix(shared_datasets, tmp_path):
    X_train, y_train, X_test, _ = load_dataset(
        "BasicMotions", data_home=shared_datasets
    )
    assert X_train.shape == X_test.shape == (40, 6, 100)
    # A path prefix, as a string and as a Path; a directory in the archive layout.
    prefix = shared_datasets / "ArrowHead" / "ArrowHead"
    X, _ = load_dataset(str(prefix), split="train")
    assert X.shape == (36, 1, 251)
    X, _ = load_dataset(prefix, split="test")
    assert X.shape == (175, 1, 251)
    X, _ = load_dataset(shared_datasets / "ItalyPowerDemand", split="train")
    assert X.shape == (67, 1, 24)
    # A flat data_home and the .tsv format.
    (tmp_path / "Toy_TRAIN.tsv").write_text("1\t1\t2\n2\t3\t4\n")
    (tmp_path / "Toy_TEST.tsv").write_text("2\t5\t6\n")
    X_train, y_train, X_test, y_test = load_dataset("Toy", data_home=tmp_path)
    assert X_train.shape == (2, 1, 2) and X_test.shape == (1, 1, 2)
    assert y_train.tolist() == ["1", "2"] and y_test.tolist() == ["2"]
    X, _ = load_dataset(tmp_path / "Toy", split="test")
    np.testing.assert_array_equal(X, [[[5.0, 6.0]]])


def test_load_dataset_errors(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"Unknown dataset 'NoSuchData'\. Shipped datasets: "
        r"\['GunPoint', 'ItalyPowerDemand'\]\.",
    ):
        load_dataset("NoSuchData")
    with pytest.raises(ValueError, match=r"Searched data_home: .*NoSuchData_TRAIN"):
        load_dataset("NoSuchData", data_home=tmp_path)
    with pytest.raises(ValueError, match=r"No dataset at path prefix"):
        load_dataset(tmp_path / "Nothing")
    (tmp_path / "Half_TRAIN.ts").write_text("@data\n1,2:a\n")
    with pytest.raises(ValueError, match=r"Half_TRAIN\.ts but not .*Half_TEST\.ts"):
        load_dataset("Half", data_home=tmp_path)
    with pytest.raises(ValueError, match=r"split must be None, 'train' or 'test'"):
        load_dataset("GunPoint", split="validation")


# --------------------------------------------------------------------------- #
# Synthetic generator
# --------------------------------------------------------------------------- #
def test_make_pattern_classification_shapes_and_balance():
    X, y = make_pattern_classification(random_state=0)
    assert X.shape == (200, 1, 100) and X.dtype == np.float64
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == [67, 67, 66]
    X, y = make_pattern_classification(
        n_samples=50, n_timesteps=40, n_channels=3, n_classes=8, random_state=1
    )
    assert X.shape == (50, 3, 40)
    counts = np.bincount(y)
    assert counts.size == 8 and counts.max() - counts.min() <= 1
    assert check_series(X).shape == (50, 3, 40)


def test_make_pattern_classification_determinism():
    X1, y1 = make_pattern_classification(n_samples=30, random_state=3)
    X2, y2 = make_pattern_classification(n_samples=30, random_state=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, y3 = make_pattern_classification(n_samples=30, random_state=4)
    assert not np.allclose(X1, X3)
    assert not np.array_equal(y1, y3)
    X4, _ = make_pattern_classification(
        n_samples=30, random_state=np.random.RandomState(3)
    )
    np.testing.assert_array_equal(X1, X4)


def test_make_pattern_classification_unequal_length():
    X, y = make_pattern_classification(
        n_samples=60, n_timesteps=50, n_channels=2, min_length=20, random_state=0
    )
    assert isinstance(X, list) and len(X) == len(y) == 60
    lengths = series_lengths(X)
    assert lengths.min() >= 20 and lengths.max() <= 50
    assert len(set(lengths.tolist())) > 5
    assert all(series.shape[0] == 2 for series in X)
    assert isinstance(check_series(X), list)


def test_make_pattern_classification_noise_free_patterns():
    # Without noise each series is zero except its class pattern in one channel.
    X, y = make_pattern_classification(
        n_samples=80,
        n_timesteps=30,
        n_channels=3,
        n_classes=8,
        noise=0.0,
        pattern_length=10,
        random_state=0,
    )
    for series, label in zip(X, y, strict=True):
        active = np.flatnonzero(np.abs(series).sum(axis=1))
        assert active.size == 1  # the pattern is in exactly one channel
        values = series[active[0]]
        nonzero = np.flatnonzero(values)
        assert nonzero.max() - nonzero.min() < 10  # within one pattern length
        if PATTERN_NAMES[label] == "spike":
            assert nonzero.size == 1 and values[nonzero[0]] == 1.0
        elif PATTERN_NAMES[label] == "negative spike":
            assert nonzero.size == 1 and values[nonzero[0]] == -1.0
        elif PATTERN_NAMES[label] == "plateau":
            assert nonzero.size == 10 and (values[nonzero] == 1.0).all()
        elif PATTERN_NAMES[label] == "double spike":
            assert nonzero.size == 2
    # Every channel and many positions are used.
    assert len({int(np.flatnonzero(np.abs(s).sum(axis=1))[0]) for s in X}) == 3


def test_make_pattern_classification_classes_are_distinguishable():
    # A ramp spreads over many timesteps, a spike over one: the largest moving
    # average over a pattern length tells them apart far better than chance.
    X, y = make_pattern_classification(
        n_samples=200, n_timesteps=100, n_classes=3, random_state=0
    )
    keep = np.isin(y, [0, 2])  # spike and rising ramp
    window = np.ones(20) / 20
    feature = np.array([np.convolve(x[0], window, "valid").max() for x in X[keep]])
    predicted_ramp = feature > 0.3
    accuracy = np.mean(predicted_ramp == (y[keep] == 2))
    assert accuracy > 0.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_classes": 9}, r"n_classes must be an int in the range \[2, 8\]; got 9"),
        ({"n_classes": 1}, r"n_classes must be an int in the range \[2, 8\]"),
        ({"n_samples": 2}, r"n_samples must be an int in the range \[3, inf\)"),
        ({"n_timesteps": 5}, r"n_timesteps must be an int in the range \[8, inf\)"),
        ({"n_channels": 0}, r"n_channels must be an int"),
        ({"n_timesteps": 10, "pattern_length": 12}, r"pattern_length must be"),
        ({"min_length": 5}, r"min_length=5 is too short for patterns of 8 timesteps"),
        ({"min_length": 101}, r"min_length must be an int in the range \[1, 100\]"),
        ({"noise": -1.0}, r"noise must be a non-negative number; got -1\.0"),
        ({"n_samples": 10.5}, r"n_samples must be an int"),
    ],
)
def test_make_pattern_classification_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_pattern_classification(**kwargs)
