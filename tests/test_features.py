"""Tests for StatisticalFeatures and Catch22Features (sklearn_convlstm._features)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from sklearn_convlstm import Catch22Features, StatisticalFeatures
from sklearn_convlstm import _features as features_module

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
LAGS = (1, 2, 5, 10)
N_BANDS = 4
DEFAULT_NAMES = [
    "mean",
    "std",
    "min",
    "max",
    "q0.1",
    "q0.25",
    "q0.5",
    "q0.75",
    "q0.9",
    "skewness",
    "kurtosis",
    "slope",
    "mean_abs_diff",
    "mean_crossings",
    "acf_lag1",
    "acf_lag2",
    "acf_lag5",
    "acf_lag10",
    "band0_energy",
    "band1_energy",
    "band2_energy",
    "band3_energy",
]
N_PER_CHANNEL = len(DEFAULT_NAMES)


def reference_features(series, quantiles=QUANTILES, lags=LAGS, n_bands=N_BANDS):
    """Default features of one 1D series, one NumPy/SciPy call at a time."""
    x = np.asarray(series, dtype=np.float64)
    n = len(x)
    mean = x.mean()
    centered = x - mean
    constant = np.ptp(x) == 0
    values = [mean, x.std(), x.min(), x.max(), *np.quantile(x, quantiles)]
    values.append(0.0 if constant else stats.skew(x))
    values.append(0.0 if constant else stats.kurtosis(x, fisher=True))
    values.append(np.polyfit(np.arange(n), x, 1)[0] if n > 1 else 0.0)
    values.append(np.abs(np.diff(x)).mean() if n > 1 else 0.0)
    signs = np.sign(centered)  # (no value of the test data equals its mean
    signs = signs[signs != 0]  # unless the series is constant)
    values.append(np.count_nonzero(np.diff(signs)))
    full = np.correlate(centered, centered, mode="full")
    for lag in lags:
        values.append(0.0 if constant or lag >= n else full[n - 1 + lag] / full[n - 1])
    power = np.abs(np.fft.fft(centered)) ** 2  # full, two-sided spectrum
    frequency = np.abs(np.fft.fftfreq(n))
    band = np.minimum(np.floor(frequency * 2 * n_bands), n_bands - 1).astype(int)
    energy = np.array(
        [power[(band == b) & (frequency > 0)].sum() for b in range(n_bands)]
    )
    values += list(energy / energy.sum() if energy.sum() > 0 else energy)
    return np.array(values, dtype=np.float64)


def reference_table(X, **kwargs):
    """Reference features of canonical-like data, channel-major per row."""
    return np.array(
        [np.concatenate([reference_features(ch, **kwargs) for ch in s]) for s in X]
    )


@pytest.fixture(scope="module")
def random_series():
    rng = np.random.RandomState(42)
    X = rng.normal(size=(6, 2, 37)).astype(np.float32)
    X[:, 1] += np.linspace(-2, 5, 37, dtype=np.float32)  # a trend on channel 1
    return X


# -- values ------------------------------------------------------------------


@pytest.mark.parametrize("n_timesteps", [37, 64, 11])
def test_values_match_numpy_and_scipy(random_series, n_timesteps):
    rng = np.random.RandomState(n_timesteps)
    X = rng.gamma(2.0, size=(5, 2, n_timesteps)).astype(np.float32)  # skewed
    table = StatisticalFeatures().fit_transform(X)
    assert table.shape == (5, 2 * N_PER_CHANNEL)
    assert table.dtype == np.float64
    assert_allclose(table, reference_table(X), rtol=1e-6, atol=1e-9)


def test_values_match_with_custom_parameters(random_series):
    params = {"quantiles": (0.0, 0.33, 1.0), "autocorrelation_lags": (3,)}
    transformer = StatisticalFeatures(n_spectral_bands=3, **params)
    table = transformer.fit_transform(random_series)
    expected = reference_table(
        random_series, quantiles=(0.0, 0.33, 1.0), lags=(3,), n_bands=3
    )
    assert_allclose(table, expected, rtol=1e-6, atol=1e-9)
    assert table.shape == (6, 2 * 16)


def test_hand_computed_ramp():
    # x = [0, 1, 2, 3]: mean 1.5, centered [-1.5, -0.5, 0.5, 1.5], m2 = 1.25,
    # m4 = (2 * 1.5**4 + 2 * 0.5**4) / 4 = 2.5625, so kurtosis = 1.64 - 3;
    # lag-1 products -1.5*-0.5 + -0.5*0.5 + 0.5*1.5 = 1.25, over 5 = 0.25.
    transformer = StatisticalFeatures(
        quantiles=(0.5,), autocorrelation_lags=(1, 4), n_spectral_bands=0
    )
    table = transformer.fit_transform(np.array([[0.0, 1.0, 2.0, 3.0]]))
    names = transformer.get_feature_names_out().tolist()
    got = dict(zip(names, table[0], strict=True))
    expected = {
        "ch0__mean": 1.5,
        "ch0__std": np.sqrt(1.25),
        "ch0__min": 0.0,
        "ch0__max": 3.0,
        "ch0__q0.5": 1.5,
        "ch0__skewness": 0.0,
        "ch0__kurtosis": -1.36,
        "ch0__slope": 1.0,
        "ch0__mean_abs_diff": 1.0,
        "ch0__mean_crossings": 1.0,
        "ch0__acf_lag1": 0.25,
        "ch0__acf_lag4": 0.0,  # lag >= length
    }
    assert list(got) == list(expected)
    assert_allclose(list(got.values()), list(expected.values()), atol=1e-12)


def test_hand_computed_alternating_series():
    # [1, -1, 1, -1] crosses its mean 3 times, has lag-1 autocorrelation
    # -3/4 and all its energy at the Nyquist frequency (last band).
    transformer = StatisticalFeatures(
        quantiles=(), autocorrelation_lags=(1,), n_spectral_bands=2
    )
    table = transformer.fit_transform(np.array([[1.0, -1.0, 1.0, -1.0]]))
    names = transformer.get_feature_names_out().tolist()
    got = dict(zip(names, table[0], strict=True))
    assert got["ch0__mean_crossings"] == 3.0
    assert got["ch0__mean_abs_diff"] == 2.0
    assert got["ch0__acf_lag1"] == pytest.approx(-0.75)
    assert got["ch0__slope"] == pytest.approx(-0.4)
    assert got["ch0__band0_energy"] == pytest.approx(0.0, abs=1e-12)
    assert got["ch0__band1_energy"] == pytest.approx(1.0)


def test_band_energies_add_up_and_locate_a_sine():
    t = np.arange(200)
    # 0.05 cycles per step lies in band 0 of 4 ([0, 0.125)), 0.3 in band 2
    X = np.stack([np.sin(2 * np.pi * 0.05 * t), np.sin(2 * np.pi * 0.3 * t)])
    table = StatisticalFeatures(quantiles=(), autocorrelation_lags=()).fit_transform(X)
    bands = table[:, -4:]
    assert_allclose(bands.sum(axis=1), 1.0)
    assert bands[0].argmax() == 0 and bands[0, 0] > 0.99
    assert bands[1].argmax() == 2 and bands[1, 2] > 0.99


def test_constant_series_give_finite_values_and_zeros():
    X = np.full((3, 2, 20), 7.25, dtype=np.float32)
    X[1] = -1e30  # large but float32-representable
    X[2, 1] = 0.0
    table = StatisticalFeatures().fit_transform(X)
    assert np.isfinite(table).all()
    got = table.reshape(3, 2, N_PER_CHANNEL)
    levels = X[:, :, 0].astype(np.float64)
    for position in range(2, 9):  # min, max and the quantiles equal the level
        assert_array_equal(got[..., position], levels)
    assert_array_equal(got[..., 0], levels)
    assert_array_equal(got[..., 1:2], 0.0)  # std
    assert_array_equal(got[..., 9:], 0.0)  # everything from skewness on


@pytest.mark.parametrize("transformer", [StatisticalFeatures(), Catch22Features()])
def test_length_one_series_give_finite_values(transformer):
    if isinstance(transformer, Catch22Features):
        pytest.importorskip("pycatch22")
        transformer.set_params(catch24=True)  # std of 1 value is NaN in pycatch22
    table = transformer.fit_transform(np.array([[1.0], [2.0], [-3.0]]))
    assert np.isfinite(table).all()
    assert table.shape[0] == 3


def test_extreme_values_stay_finite():
    rng = np.random.RandomState(0)
    X = (rng.normal(size=(4, 1, 50)) * 1e37).astype(np.float32)
    assert np.isfinite(StatisticalFeatures().fit_transform(X)).all()


# -- input forms -------------------------------------------------------------


def test_two_dimensional_input_equals_one_channel(random_series):
    X2 = random_series[:, 0]
    transformer = StatisticalFeatures().fit(X2)
    assert transformer.n_features_in_ == 37
    assert transformer.n_channels_in_ == 1
    assert_array_equal(
        transformer.transform(X2), StatisticalFeatures().fit_transform(X2[:, None])
    )
    # 3D one-channel series of another length are accepted after a 2D fit
    assert transformer.transform(random_series[:, :1, :20]).shape == (6, N_PER_CHANNEL)


def test_other_lengths_are_accepted_after_a_3d_fit(random_series):
    transformer = StatisticalFeatures().fit(random_series)
    assert transformer.n_timesteps_in_ == 37
    short = random_series[:, :, :25]
    assert_array_equal(
        transformer.transform(short), StatisticalFeatures().fit_transform(short)
    )


def test_dataframe_input(random_series):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(random_series[:, 0], columns=[f"t{i}" for i in range(37)])
    transformer = StatisticalFeatures().fit(frame)
    assert transformer.n_features_in_ == 37
    assert transformer.feature_names_in_[0] == "t0"
    assert_array_equal(
        transformer.transform(frame),
        StatisticalFeatures().fit_transform(random_series[:, :1]),
    )


def test_float64_and_list_input_equal_float32(random_series):
    expected = StatisticalFeatures().fit_transform(random_series)
    X64 = random_series.astype(np.float64)
    assert_array_equal(StatisticalFeatures().fit_transform(X64), expected)
    assert_array_equal(StatisticalFeatures().fit_transform(list(X64)), expected)


def test_unequal_length_list_equals_per_series_computation(monkeypatch):
    rng = np.random.RandomState(3)
    lengths = [1, 3, 12, 40, 40, 41, 7, 7, 7, 64, 2, 12]
    X = [rng.normal(size=(2, length)).astype(np.float32) for length in lengths]
    X[6][1] = 4.0  # a constant channel in a padded block
    transformer = StatisticalFeatures().fit(X)
    assert transformer.n_features_in_ == 2
    per_series = np.vstack([transformer.transform(series[None]) for series in X])
    assert_allclose(transformer.transform(X), per_series, rtol=1e-9, atol=1e-12)
    assert_allclose(per_series, reference_table(X), rtol=1e-6, atol=1e-9)
    # small blocks: mixed, equal-length and single-series blocks
    monkeypatch.setattr(features_module, "_BLOCK_VALUES", 2 * 64 * 3)
    assert_allclose(transformer.transform(X), per_series, rtol=1e-9, atol=1e-12)


def test_blocks_do_not_change_the_result(random_series, monkeypatch):
    expected = StatisticalFeatures().fit_transform(random_series)
    monkeypatch.setattr(features_module, "_BLOCK_VALUES", 2 * 37 * 4)
    assert_allclose(StatisticalFeatures().fit_transform(random_series), expected)


def test_pandas_output_has_feature_names(random_series):
    pytest.importorskip("pandas")
    transformer = StatisticalFeatures().set_output(transform="pandas")
    frame = transformer.fit_transform(random_series)
    assert list(frame.columns[:3]) == ["ch0__mean", "ch0__std", "ch0__min"]
    assert frame.shape == (6, 2 * N_PER_CHANNEL)


# -- errors ------------------------------------------------------------------


@pytest.mark.parametrize("bad_value, kind", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_input_is_rejected(random_series, bad_value, kind):
    X = random_series.copy()
    X[2, 1, 5] = bad_value
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        StatisticalFeatures().fit(X)
    transformer = StatisticalFeatures().fit(random_series)
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        transformer.transform(X)
    with pytest.raises(ValueError, match="contains NaN"):
        transformer.transform([np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]])])


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5)])
def test_wrong_number_of_dimensions_is_rejected(shape):
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, n_channels"):
        StatisticalFeatures().fit(np.zeros(shape))


def test_channel_mismatch_is_rejected(random_series):
    transformer = StatisticalFeatures().fit(random_series)
    X3 = np.zeros((4, 3, 37))
    with pytest.raises(
        ValueError,
        match="X has 3 channels, but StatisticalFeatures was fitted on series with 2",
    ):
        transformer.transform(X3)
    with pytest.raises(ValueError, match="X has 1 channels, but StatisticalFeatures"):
        transformer.transform(random_series[:, 0])


def test_two_dimensional_length_mismatch_is_rejected(random_series):
    transformer = StatisticalFeatures().fit(random_series[:, 0])
    message = (
        r"X has 20 features, but StatisticalFeatures is expecting 37 features as "
        r"input: 2D input is read as \(n_samples, n_timesteps\)"
    )
    with pytest.raises(ValueError, match=message):
        transformer.transform(random_series[:, 0, :20])


def test_transform_before_fit_raises(random_series):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        StatisticalFeatures().transform(random_series)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"quantiles": (0.5, 1.5)}, "'quantiles' parameter of StatisticalFeatures"),
        ({"quantiles": (0.5, 0.5)}, "distinct numbers in"),
        ({"autocorrelation_lags": (0,)}, "'autocorrelation_lags' parameter"),
        ({"autocorrelation_lags": (1.5,)}, "distinct ints >= 1"),
        ({"n_spectral_bands": -1}, r"must be an int in the range \[0, inf\)"),
        ({"n_spectral_bands": 2.0}, "'n_spectral_bands' parameter"),
    ],
)
def test_invalid_parameters_are_rejected(random_series, params, message):
    with pytest.raises(ValueError, match=message):
        StatisticalFeatures(**params).fit(random_series)


# -- names -------------------------------------------------------------------


def test_feature_names(random_series):
    transformer = StatisticalFeatures().fit(random_series)
    names = transformer.get_feature_names_out()
    assert names.dtype == object
    assert names.tolist() == [
        f"ch{c}__{name}" for c in (0, 1) for name in DEFAULT_NAMES
    ]
    renamed = transformer.get_feature_names_out(["ecg", "resp"])
    assert renamed[[0, N_PER_CHANNEL]].tolist() == ["ecg__mean", "resp__mean"]
    with pytest.raises(ValueError, match="input_features should have length"):
        transformer.get_feature_names_out(["ecg"])


def test_feature_names_for_two_dimensional_input(random_series):
    transformer = StatisticalFeatures(n_spectral_bands=0).fit(random_series[:, 0])
    input_names = [f"t{i}" for i in range(37)]
    names = transformer.get_feature_names_out(input_names)
    assert names[-1] == "ch0__acf_lag10"
    assert len(names) == 18


# -- catch22 -----------------------------------------------------------------


def test_catch22_matches_pycatch22(random_series):
    pycatch22 = pytest.importorskip("pycatch22")
    transformer = Catch22Features().fit(random_series)
    table = transformer.transform(random_series)
    assert table.shape == (6, 44)
    expected = [
        pycatch22.catch22_all(channel.astype(np.float64).tolist())["values"]
        for series in random_series
        for channel in series
    ]
    assert_allclose(table, np.reshape(expected, (6, 44)))
    names = transformer.get_feature_names_out()
    first = pycatch22.catch22_all([1.0, 2.0, 3.0])["names"][0]
    assert names[0] == f"ch0__{first}" == "ch0__DN_HistogramMode_5"
    assert names[22] == "ch1__DN_HistogramMode_5"


def test_catch24_adds_mean_and_std(random_series):
    pytest.importorskip("pycatch22")
    transformer = Catch22Features(catch24=True).fit(random_series)
    table = transformer.transform(random_series)
    assert table.shape == (6, 48)
    assert_allclose(table[:, 22], random_series[:, 0].mean(axis=1), rtol=1e-5)
    assert len(transformer.get_feature_names_out()) == 48


def test_catch22_unequal_lengths_and_constant_series():
    pytest.importorskip("pycatch22")
    rng = np.random.RandomState(1)
    X = [rng.normal(size=(1, length)) for length in (2, 30, 9)] + [np.ones((1, 15))]
    transformer = Catch22Features().fit(X)
    table = transformer.transform(X)
    assert table.shape == (4, 22)
    assert np.isfinite(table).all()
    assert_array_equal(table[1], transformer.transform(X[1][None])[0])


def test_catch22_errors(random_series):
    pytest.importorskip("pycatch22")
    transformer = Catch22Features().fit(random_series)
    with pytest.raises(ValueError, match="X has 1 channels, but Catch22Features"):
        transformer.transform(random_series[:, :1])
    X = random_series.copy()
    X[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="contains NaN"):
        transformer.transform(X)
    with pytest.raises(ValueError, match="'catch24' parameter of Catch22Features"):
        Catch22Features(catch24="yes").fit(random_series)


def test_catch22_missing_package_names_the_extra(random_series, monkeypatch):
    monkeypatch.setitem(sys.modules, "pycatch22", None)  # import now fails
    message = (
        r"Catch22Features needs the optional package pycatch22; install it with: "
        r"pip install 'sklearn-convlstm\[catch22\]'"
    )
    with pytest.raises(ImportError, match=message):
        Catch22Features().fit(random_series)
