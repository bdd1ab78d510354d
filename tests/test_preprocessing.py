"""TimeSeriesScaler and PadTruncate: hand-computed numbers, layouts and errors."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_convlstm import PadTruncate, TimeSeriesScaler
from sklearn_convlstm._preprocessing import ScalingPlan
from sklearn_convlstm._statistics import log_amplitude_statistics, series_stds

# Two series, two channels, three timesteps. Channel 0 holds 1, 2, 3, 5, 5, 5;
# channel 1 holds 0, 0, 0, 10, 20, 30.
X_SMALL = np.array(
    [
        [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
        [[5.0, 5.0, 5.0], [10.0, 20.0, 30.0]],
    ]
)
# Unequal lengths, one channel: the observed values are 1, 2, 3, 4, 5, 6.
X_UNEQUAL = [np.array([[1.0, 2.0]]), np.array([[3.0, 4.0, 5.0, 6.0]])]

METHODS = ["per_channel", "per_series", "minmax"]


# --- per_series ---------------------------------------------------------------


def test_per_series_hand_computed():
    # [1, 2, 3]: mean 2, population std sqrt(2/3); constant series -> zeros.
    z = 1.0 / np.sqrt(2.0 / 3.0)  # 1.2247...
    X_scaled = TimeSeriesScaler(method="per_series").fit_transform(X_SMALL)
    expected = np.array(
        [
            [[-z, 0.0, z], [0.0, 0.0, 0.0]],
            [[0.0, 0.0, 0.0], [-z, 0.0, z]],
        ]
    )
    assert X_scaled.dtype == np.float32
    assert_allclose(X_scaled, expected, atol=1e-6)
    assert_allclose(X_scaled[0, 0], [-1.2247449, 0.0, 1.2247449], atol=1e-6)


def test_per_series_is_stateless_and_has_no_inverse():
    scaler = TimeSeriesScaler(method="per_series")
    # usable without fit, like sklearn's Normalizer
    assert_allclose(
        scaler.transform(X_SMALL), scaler.fit(X_SMALL[:1]).transform(X_SMALL)
    )
    assert not hasattr(scaler, "inverse_transform")
    assert not hasattr(scaler, "mean_")
    assert hasattr(TimeSeriesScaler(method="per_channel"), "inverse_transform")
    assert hasattr(TimeSeriesScaler(method="minmax"), "inverse_transform")


def test_per_series_unequal_lengths_returns_list():
    X_scaled = TimeSeriesScaler(method="per_series").fit_transform(X_UNEQUAL)
    assert isinstance(X_scaled, list)
    assert_allclose(X_scaled[0], [[-1.0, 1.0]])
    third = 1.0 / np.sqrt(1.25)  # [3, 4, 5, 6]: mean 4.5, std sqrt(1.25)
    assert_allclose(
        X_scaled[1], [[-1.5 * third, -0.5 * third, 0.5 * third, 1.5 * third]]
    )
    assert all(series.dtype == np.float32 for series in X_scaled)


# --- per_channel --------------------------------------------------------------


def test_per_channel_statistics_hand_computed():
    scaler = TimeSeriesScaler(method="per_channel").fit(X_SMALL)
    # channel 0: mean 21 / 6, variance 15.5 / 6; channel 1: mean 10, var 800 / 6
    assert_allclose(scaler.mean_, [3.5, 10.0])
    assert_allclose(scaler.scale_, [np.sqrt(15.5 / 6.0), np.sqrt(800.0 / 6.0)])
    assert scaler.mean_.shape == scaler.scale_.shape == (2,)
    assert scaler.n_channels_in_ == 2
    assert scaler.n_features_in_ == 2  # X.shape[1] of a 3D array: channels
    X_scaled = scaler.transform(X_SMALL)
    assert X_scaled.dtype == np.float32
    assert_allclose(X_scaled[0, 0], (np.array([1.0, 2.0, 3.0]) - 3.5) / 1.6072751)
    assert_allclose(X_scaled[1, 1], (np.array([10.0, 20.0, 30.0]) - 10) / 11.547005)
    # standardised over all series and timesteps: mean 0, std 1 per channel
    assert_allclose(X_scaled.mean(axis=(0, 2)), [0.0, 0.0], atol=1e-6)
    assert_allclose(X_scaled.std(axis=(0, 2)), [1.0, 1.0], atol=1e-6)


def test_per_channel_unequal_lengths_uses_every_observed_timestep():
    scaler = TimeSeriesScaler(method="per_channel").fit(X_UNEQUAL)
    assert_allclose(scaler.mean_, [3.5])  # mean of 1..6, no padding involved
    assert_allclose(scaler.scale_, [np.sqrt(17.5 / 6.0)])
    X_scaled = scaler.transform(X_UNEQUAL)
    assert isinstance(X_scaled, list)
    assert [series.shape for series in X_scaled] == [(1, 2), (1, 4)]
    assert_allclose(X_scaled[0], (np.array([[1.0, 2.0]]) - 3.5) / np.sqrt(17.5 / 6))


def test_per_channel_constant_channel_gets_scale_one():
    X = np.full((3, 2, 5), 7.0)
    X[:, 1] = np.arange(15.0).reshape(3, 5)
    scaler = TimeSeriesScaler(method="per_channel").fit(X)
    assert scaler.scale_[0] == 1.0
    X_scaled = scaler.transform(X)
    assert np.isfinite(X_scaled).all()
    assert_array_equal(X_scaled[:, 0], 0.0)


def test_per_channel_inverse_round_trip():
    scaler = TimeSeriesScaler(method="per_channel").fit(X_SMALL)
    X_back = scaler.inverse_transform(scaler.transform(X_SMALL))
    assert X_back.dtype == np.float32
    assert_allclose(X_back, X_SMALL, rtol=1e-6, atol=1e-6)
    unequal = [X_SMALL[0, :, :2], X_SMALL[1]]  # lengths 2 and 3, 2 channels
    back = scaler.inverse_transform(scaler.transform(unequal))
    assert isinstance(back, list)
    for restored, original in zip(back, unequal, strict=True):
        assert_allclose(restored, original, rtol=1e-6, atol=1e-6)


# --- minmax -------------------------------------------------------------------


def test_minmax_hand_computed():
    scaler = TimeSeriesScaler(method="minmax").fit(X_SMALL)
    assert_allclose(scaler.data_min_, [1.0, 0.0])
    assert_allclose(scaler.data_max_, [5.0, 30.0])
    assert_allclose(scaler.data_range_, [4.0, 30.0])
    expected = np.array(
        [
            [[0.0, 0.25, 0.5], [0.0, 0.0, 0.0]],
            [[1.0, 1.0, 1.0], [1 / 3, 2 / 3, 1.0]],
        ]
    )
    X_scaled = scaler.transform(X_SMALL)
    assert X_scaled.dtype == np.float32
    assert_allclose(X_scaled, expected, atol=1e-6)


def test_minmax_feature_range_and_inverse():
    scaler = TimeSeriesScaler(method="minmax", feature_range=(-1.0, 1.0))
    X_scaled = scaler.fit_transform(X_SMALL)
    assert_allclose(X_scaled[0, 0], [-1.0, -0.5, 0.0], atol=1e-6)
    assert_allclose(X_scaled[1, 1], [-1 / 3, 1 / 3, 1.0], atol=1e-6)
    assert_allclose(scaler.inverse_transform(X_scaled), X_SMALL, atol=1e-5)


def test_minmax_constant_channel_maps_to_range_minimum():
    X = np.full((2, 1, 4), 3.0)
    X_scaled = TimeSeriesScaler(method="minmax", feature_range=(2, 5)).fit_transform(X)
    assert_array_equal(X_scaled, 2.0)


@pytest.mark.parametrize("feature_range", [(1.0, 0.0), (0.0, 0.0), (0.0,), (0, np.inf)])
def test_minmax_bad_feature_range(feature_range):
    scaler = TimeSeriesScaler(method="minmax", feature_range=feature_range)
    with pytest.raises(ValueError, match=r"feature_range must be a tuple \(min, max\)"):
        scaler.fit(X_SMALL)


# --- all methods --------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_constant_series_give_no_nan(method):
    X = np.zeros((4, 3, 10))
    X_scaled = TimeSeriesScaler(method=method).fit_transform(X)
    assert np.isfinite(X_scaled).all()


@pytest.mark.parametrize("method", METHODS)
def test_layout_follows_input(method):
    rng = np.random.RandomState(0)
    X_2d = rng.normal(size=(5, 8))
    X_2d_scaled = TimeSeriesScaler(method=method).fit_transform(X_2d)
    assert X_2d_scaled.shape == (5, 8)
    assert X_2d_scaled.dtype == np.float32
    # same numbers as the (n, 1, t) view of the same data
    X_3d_scaled = TimeSeriesScaler(method=method).fit_transform(X_2d[:, None, :])
    assert X_3d_scaled.shape == (5, 1, 8)
    assert_allclose(X_2d_scaled, X_3d_scaled[:, 0])
    # a list of equal-length series is canonicalised to a 3D array
    listed = TimeSeriesScaler(method=method).fit_transform(list(X_2d[:, None, :]))
    assert isinstance(listed, np.ndarray)
    assert_allclose(listed, X_3d_scaled)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("bad_value", [np.nan, np.inf])
def test_nan_or_inf_input_is_an_error(method, bad_value):
    X = X_SMALL.copy()
    X[1, 0, 2] = bad_value
    kind = "NaN" if np.isnan(bad_value) else "infinity"
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        TimeSeriesScaler(method=method).fit(X)
    fitted = TimeSeriesScaler(method=method).fit(X_SMALL)
    with pytest.raises(ValueError, match=f"Input X contains {kind}"):
        fitted.transform(X)


@pytest.mark.parametrize("estimator", [TimeSeriesScaler(), PadTruncate()])
def test_wrong_ndim_is_an_error(estimator):
    with pytest.raises(ValueError, match=r"got an array with 4 dimensions"):
        estimator.fit(np.zeros((2, 1, 3, 4)))
    with pytest.raises(ValueError, match=r"got a 1D array of shape \(5,\)"):
        estimator.fit(np.zeros(5))


@pytest.mark.parametrize("estimator", [TimeSeriesScaler(), PadTruncate()])
def test_list_with_mismatched_channel_counts_is_an_error(estimator):
    series = [np.zeros((2, 5)), np.zeros((3, 4))]
    msg = r"X\[0\] has 2 channels but X\[1\] has 3"
    with pytest.raises(ValueError, match=msg):
        estimator.fit(series)


@pytest.mark.parametrize("estimator", [TimeSeriesScaler(), PadTruncate()])
def test_other_channel_count_at_transform_is_an_error(estimator):
    estimator.fit(X_SMALL)
    msg = r"X has 3 channels, but \w+ was fitted on series with 2 channels"
    with pytest.raises(ValueError, match=msg):
        estimator.transform(np.zeros((2, 3, 3)))


def test_2d_input_keeps_its_columns_but_3d_may_change_length():
    scaler = TimeSeriesScaler().fit(np.arange(12.0).reshape(3, 4))
    assert scaler.n_features_in_ == 4  # 2D: the columns are timesteps
    assert scaler.n_channels_in_ == 1
    msg = "X has 2 features, but TimeSeriesScaler is expecting 4 features as input"
    with pytest.raises(ValueError, match=msg):
        scaler.transform(np.zeros((3, 2)))
    # the same univariate series of another length, as a 3D array or a list
    assert scaler.transform(np.zeros((3, 1, 2))).shape == (3, 1, 2)
    assert [s.shape for s in scaler.transform(X_UNEQUAL)] == [(1, 2), (1, 4)]


def test_invalid_method_gets_sklearns_message():
    msg = r"The 'method' parameter of TimeSeriesScaler must be a str among"
    with pytest.raises(ValueError, match=msg):
        TimeSeriesScaler(method="zscore").fit(X_SMALL)


# --- PadTruncate --------------------------------------------------------------


def test_pad_truncate_learns_longest_length_and_pads_at_the_end():
    padder = PadTruncate().fit(X_UNEQUAL)
    assert padder.length_ == 4
    X_fixed = padder.transform(X_UNEQUAL)
    assert X_fixed.dtype == np.float32
    assert_array_equal(X_fixed, [[[1.0, 2.0, 0.0, 0.0]], [[3.0, 4.0, 5.0, 6.0]]])
    # a longer series at transform keeps its first length_ timesteps
    longer = [np.arange(6.0).reshape(1, 6)]
    assert_array_equal(padder.transform(longer), [[[0.0, 1.0, 2.0, 3.0]]])


def test_pad_truncate_fixed_length_and_pad_value():
    padder = PadTruncate(length=3, pad_value=-1.0)
    X_fixed = padder.fit_transform(X_UNEQUAL)
    assert padder.length_ == 3
    assert_array_equal(X_fixed, [[[1.0, 2.0, -1.0]], [[3.0, 4.0, 5.0]]])


def test_pad_truncate_multichannel_arrays():
    X = np.arange(12.0).reshape(2, 2, 3)
    assert_array_equal(PadTruncate(length=2).fit_transform(X), X[:, :, :2])
    padded = PadTruncate(length=4, pad_value=9).fit_transform(X)
    assert padded.shape == (2, 2, 4)
    assert_array_equal(padded[:, :, :3], X)
    assert_array_equal(padded[:, :, 3], 9.0)


def test_pad_truncate_returns_a_new_array():
    X = np.arange(6, dtype=np.float32).reshape(2, 1, 3)
    X_fixed = PadTruncate().fit_transform(X)
    assert_array_equal(X_fixed, X)
    assert not np.shares_memory(X_fixed, X)


@pytest.mark.parametrize(
    "params, msg",
    [
        ({"length": 0}, r"The 'length' parameter of PadTruncate must be an int"),
        ({"pad_value": np.nan}, r"The 'pad_value' parameter of PadTruncate must be"),
    ],
)
def test_pad_truncate_invalid_params(params, msg):
    with pytest.raises(ValueError, match=msg):
        PadTruncate(**params).fit(X_UNEQUAL)


def test_pad_truncate_unfitted_transform_is_an_error():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PadTruncate().transform(X_UNEQUAL)


# --- scikit-learn's estimator checks ------------------------------------------


def test_channel_statistics_are_exact_across_chunks():
    from sklearn_convlstm._statistics import channel_statistics

    rng = np.random.RandomState(0)
    X = (rng.normal(loc=5.0, scale=[[2.0], [0.5]], size=(2500, 2, 30))).astype(
        np.float32
    )
    mean, std, minimum, maximum = channel_statistics(X)
    values = X.transpose(1, 0, 2).reshape(2, -1).astype(np.float64)
    np.testing.assert_allclose(mean, values.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(std, values.std(axis=1), rtol=1e-10)
    np.testing.assert_array_equal(minimum, values.min(axis=1))
    np.testing.assert_array_equal(maximum, values.max(axis=1))


@pytest.mark.parametrize("method", ["per_channel", "minmax"])
def test_affine_parameters_reproduce_transform(method):
    X = np.random.RandomState(1).normal(size=(5, 3, 8))
    scaler = TimeSeriesScaler(method=method).fit(X)
    weight, bias = scaler.get_affine_parameters()
    assert weight.shape == bias.shape == (3,)
    np.testing.assert_allclose(
        X * weight[:, None] + bias[:, None], scaler.transform(X), rtol=1e-5, atol=1e-6
    )


def test_per_series_has_no_affine_parameters():
    with pytest.raises(ValueError, match="not affine per channel"):
        TimeSeriesScaler(method="per_series").fit(
            np.zeros((2, 5))
        ).get_affine_parameters()


# ------------------------------------------------ per-series log-amplitudes
def test_series_stds_per_series_and_channel_for_arrays_and_lists():
    expected = [[np.std([1.0, 2.0, 3.0]), 0.0], [0.0, np.std([10.0, 20.0, 30.0])]]
    np.testing.assert_allclose(series_stds(X_SMALL), expected)
    ragged = [X_SMALL[0], X_SMALL[1][:, :2]]
    np.testing.assert_allclose(series_stds(ragged), [expected[0], [0.0, 5.0]])


def test_log_amplitude_statistics_leave_constant_series_out():
    rng = np.random.default_rng(0)
    X = (
        rng.normal(size=(6, 2, 50))
        * np.array([1, 10, 100, 1e3, 1e4, 1e5])[:, None, None]
    )
    X[0, 1] = 3.0  # constant: left out of channel 1
    mean, std = log_amplitude_statistics(X)
    stds = X.std(axis=-1)
    assert stds[0, 1] == 0.0
    logs = np.log(np.where(stds > 0, stds, 1.0))  # row 0 of channel 1 unused
    np.testing.assert_allclose(mean, [logs[:, 0].mean(), logs[1:, 1].mean()])
    np.testing.assert_allclose(std, [logs[:, 0].std(), logs[1:, 1].std()])
    assert std.min() > 1.0  # amplitudes 1 to 1e5 apart: no floor needed


def test_log_amplitude_std_is_floored_for_equal_amplitudes():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 1, 40))
    X = (X - X.mean(-1, keepdims=True)) / X.std(-1, keepdims=True)  # all std 1
    mean, std = log_amplitude_statistics(X)
    assert abs(mean[0]) < 1e-6
    assert std[0] == 1.0  # not the ~1e-16 spread of rounding errors


# --- the scaling plan: one owner of the network's input scaling -------------


@pytest.mark.parametrize(
    ("scaling", "method"),
    [
        (None, None),
        ("per_channel", "affine"),
        ("minmax", "affine"),
        ("per_series", "per_series"),
        ("per_series_amplitude", "per_series_amplitude"),
    ],
)
def test_scaling_plan_holds_the_method_and_its_statistics(scaling, method):
    X = np.random.RandomState(0).normal(size=(6, 2, 9)).astype(np.float32)
    X[3:] *= 50.0
    plan = ScalingPlan.from_training_data(scaling, X)
    assert (plan.scaling, plan.method) == (scaling, method)
    if method == "affine":
        expected = TimeSeriesScaler(method=scaling).fit(X).get_affine_parameters()
        assert_array_equal(plan.affine[0], expected[0])
        assert_array_equal(plan.affine[1], expected[1])
    else:
        assert plan.affine is None
    if method == "per_series_amplitude":
        mean, std = log_amplitude_statistics(X)
        assert_array_equal(plan.log_amplitude[0], mean)
        assert_array_equal(plan.log_amplitude[1], std)
        assert plan.scaler.method == "per_series"
    else:
        assert plan.log_amplitude is None
    assert (plan.scaler is None) == (scaling is None)


def test_scaling_plan_rejects_unresolved_options():
    with pytest.raises(ValueError, match=r"scaling must be one of .*; got 'auto'"):
        ScalingPlan.from_training_data("auto", np.zeros((2, 1, 3), np.float32))


def test_network_consumes_the_plan():
    import torch

    from sklearn_convlstm.nn import ConvLSTMNetwork

    X = np.random.RandomState(1).normal(3.0, 2.0, size=(8, 2, 20)).astype(np.float32)
    plan = ScalingPlan.from_training_data("per_channel", X)
    network = ConvLSTMNetwork(2, 2, input_scaling=plan.method).eval()
    plan.apply_to(network.input_scaling)
    with torch.no_grad():
        scaled = network.input_scaling(torch.from_numpy(X))
    assert_allclose(scaled.numpy(), plan.scaler.transform(X), rtol=1e-5, atol=1e-5)
    amplitude = ScalingPlan.from_training_data("per_series_amplitude", X)
    with pytest.raises(ValueError, match="plan is for method 'per_series_amplitude'"):
        amplitude.apply_to(network.input_scaling)
    with pytest.raises(ValueError, match="input scaling does None"):
        plan.apply_to(None)


def test_per_series_scaling_is_the_networks_z_normalisation():
    import torch

    from sklearn_convlstm.nn import z_normalize

    X = np.random.RandomState(2).normal(5.0, 3.0, size=(4, 2, 16)).astype(np.float32)
    X[1, 0] = 7.0  # constant: zeros
    scaled, _, constant = z_normalize(torch.from_numpy(X.astype(np.float64)))
    expected = scaled.numpy().astype(np.float32)
    assert_array_equal(TimeSeriesScaler(method="per_series").fit_transform(X), expected)
    assert_array_equal(expected[1, 0], 0.0)
    assert constant[1, 0, 0] and not constant[0, 0, 0]
