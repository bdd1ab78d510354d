"""Bad parameters and bad input get clear errors before any training (issue 18).

Each case names the parameter (or input), what was received and what was
expected; none reaches PyTorch or skorch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST_PARAMS
from skorch.callbacks import EpochScoring

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm._parameters import check_class_weight, resolve_device
from sklearn_convlstm._targets import check_classification_labels
from sklearn_convlstm._validation import (
    CHANNELS_LAST_RATIO,
    check_series,
)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    return rng.normal(size=(16, 2, 20)).astype(np.float32), np.arange(16) % 2


def _fit(data, **params):
    X, y = data
    return ConvLSTMClassifier(**{**FAST_PARAMS, **params}).fit(X, y)


# ------------------------------------------------------- tuple parameters
@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"conv_channels": (4, 4, 4), "kernel_sizes": (-1, 3, 3)},
            r"'kernel_sizes' parameter of ConvLSTMClassifier must hold only ints "
            r"in the range \[1, inf\), one per conv block\. Got \(-1, 3, 3\) "
            r"instead: entry 0 is -1\.",
        ),
        (
            {"conv_channels": (0,)},
            r"'conv_channels' parameter .* only ints in the range "
            r"\[1, inf\).*Got \(0,\) instead: entry 0 is 0\.",
        ),
        (
            {"kernel_sizes": (3.5,)},
            r"'kernel_sizes' parameter .*Got \(3\.5,\) instead: entry 0 is 3\.5 "
            r"\(float\)\.",
        ),
        (
            {"conv_channels": (8.5,)},
            r"'conv_channels' parameter .*Got \(8\.5,\) instead: entry 0 is 8\.5",
        ),
        (
            {"conv_channels": (4, 4, 4), "pool_sizes": (0, 1, 1)},
            r"'pool_sizes' parameter .*Got \(0, 1, 1\) instead: entry 0 is 0\.",
        ),
        (
            {"kernel_sizes": (True,)},
            r"'kernel_sizes' parameter .*entry 0 is True \(bool\)\.",
        ),
        (
            {"conv_channels": [4, "8"]},
            r"'conv_channels' parameter .*Got \[4, '8'\] instead: entry 1 is '8' "
            r"\(str\)\.",
        ),
    ],
)
def test_tuple_parameter_entries_are_validated(data, params, message):
    with pytest.raises(ValueError, match=message):
        _fit(data, **params)


def test_numpy_integer_entries_are_accepted(data):
    clf = _fit(data, conv_channels=(np.int64(4),), kernel_sizes=(np.int32(3),))
    assert clf.network_params_["conv_channels"] == (4,)
    assert clf.network_params_["kernel_sizes"] == (3,)


# ------------------------------------------------------------------ input
def test_x_with_zero_channels_is_rejected(data):
    _, y = data
    with pytest.raises(ValueError, match=r"X has 0 channels \(shape \(16, 0, 20\)\)"):
        ConvLSTMClassifier(**FAST_PARAMS).fit(np.zeros((16, 0, 20)), y)
    with pytest.raises(ValueError, match=r"X\[0\] has 0 channels \(shape \(0, 20\)\)"):
        ConvLSTMClassifier(**FAST_PARAMS).fit([np.zeros((0, 20))] * 16, y)


def test_float64_values_beyond_float32_range_are_named():
    X = np.ones((2, 1, 5))
    X[1, 0, 3] = 1e40
    with pytest.raises(ValueError, match=r"X has values up to 1e\+40.*float32"):
        check_series(X)
    X[1, 0, 3] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        check_series(X)


def test_channels_last_input_warns(data):
    # (n, timesteps, channels) passed by mistake: 20 "channels" of 2 steps.
    _, y = data
    X = np.random.RandomState(0).normal(size=(16, 40, 2)).astype(np.float32)
    with pytest.warns(UserWarning, match=r"X has 40 channels of 2 timesteps") as record:
        ConvLSTMClassifier(**{**FAST_PARAMS, "kernel_sizes": 1}).fit(X, y)
    assert CHANNELS_LAST_RATIO == 10
    # Once, not again from the scaler fitted inside fit; at the caller's line.
    channel_warnings = [w for w in record if "channels of" in str(w.message)]
    assert len(channel_warnings) == 1
    assert channel_warnings[0].filename == __file__


@pytest.mark.parametrize("shape", [(16, 12, 7), (16, 2, 20), (16, 19, 2)])
def test_reasonable_multichannel_input_does_not_warn(shape):
    X = np.random.RandomState(0).normal(size=shape).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ConvLSTMClassifier(**{**FAST_PARAMS, "kernel_sizes": 1, "max_epochs": 1}).fit(
            X, np.arange(16) % 2
        )


# ----------------------------------------------------------------- labels
def test_mixed_label_types_are_named():
    y = np.array([1, "a"] * 4, dtype=object)
    with pytest.raises(
        TypeError, match=r"y mixes labels of types int and str.*one type"
    ):
        check_classification_labels(y, 8)


# ----------------------------------------------------------- class_weight
@pytest.mark.parametrize(
    ("class_weight", "message"),
    [
        ({0: -1, 1: 1}, r"class_weight\[0\] is -1; class weights must be finite "),
        ({0: 1, 1: float("nan")}, r"class_weight\[1\] is nan"),
        ({0: 1, 1: 1, 5: 2}, r"class_weight names 5, which is not a class of y"),
        ({0: 0, 1: 0}, r"class_weight gives every class weight 0"),
        ({0: "x", 1: 1}, r"class_weight\[0\] is 'x'"),
    ],
)
def test_bad_class_weights_are_rejected(class_weight, message):
    y = np.arange(8) % 2
    with pytest.raises(ValueError, match=message):
        check_class_weight(class_weight, np.array([0, 1]), y)


def test_class_weight_missing_class_defaults_to_one():
    weights = check_class_weight({1: 3.0}, np.array([0, 1]), np.arange(8) % 2)
    np.testing.assert_array_equal(weights, [1.0, 3.0])
    balanced = check_class_weight("balanced", np.array([0, 1]), np.array([0, 0, 0, 1]))
    np.testing.assert_allclose(balanced, [4 / 6, 2.0])


def test_negative_class_weight_fails_before_training(data):
    with pytest.raises(ValueError, match=r"class_weight\[0\] is -1"):
        _fit(data, class_weight={0: -1, 1: 1})


# --------------------------------------------------------- device, optimizer
@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("meta", r"device='meta' is not supported: use 'cpu', 'cuda', 'cuda:N'"),
        ("mps", r"device='mps' was requested but MPS is not available"),
        ("tpu", r"device='tpu' is not a valid torch device"),
    ],
)
def test_unsupported_devices_are_named(device, message):
    with pytest.raises(ValueError, match=message):
        resolve_device(device)


def test_optimizer_must_be_a_torch_optimizer_class(data):
    with pytest.raises(
        TypeError,
        match=r"'optimizer' parameter of ConvLSTMClassifier must be one of "
        r"'adamw', 'adam', 'sgd' or a subclass of torch\.optim\.Optimizer\. "
        r"Got <class 'int'> instead\.",
    ):
        _fit(data, optimizer=int)
    clf = _fit(data, optimizer=torch.optim.SGD)
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)


def test_callbacks_must_be_skorch_callbacks(data):
    with pytest.raises(
        TypeError,
        match=r"'callbacks' parameter of ConvLSTMClassifier must be a tuple of "
        r"skorch callbacks.*entry 0 is an object of type object\.",
    ):
        _fit(data, callbacks=[object()])
    clf = _fit(data, callbacks=(EpochScoring("accuracy", on_train=True),))
    assert 0 <= clf.history_[-1, "accuracy"] <= 1


# ------------------------------------------- issue 27: precision and forms
@pytest.mark.parametrize(
    ("factor", "message"),
    [
        # All values underflow to 0: every predict_proba row was identical.
        (1e-50, r"X has values of at most 3\.05e-50 in magnitude, below the float32 "),
        # Subnormal in float32: training diverged, blaming the learning rate.
        (1e-40, r"X has values of at most 3\.05e-40 in magnitude, below the float32 "),
    ],
)
def test_float64_values_below_float32_range_are_named(data, factor, message):
    X, y = data
    X = X.astype(np.float64) * factor
    with pytest.raises(ValueError, match=message) as caught:
        _fit((X, y))
    assert "1.18e-38" in str(caught.value) and "Rescale X" in str(caught.value)
    with pytest.raises(ValueError, match=message):
        check_series(list(X))  # the list form too


def test_zeros_and_tiny_values_among_normal_ones_are_accepted():
    X = np.ones((2, 1, 5))
    X[0, 0, 1] = 1e-50  # becomes 0 in float32, harmless beside the 1s
    assert check_series(X)[0, 0, 1] == 0.0
    assert not check_series(np.zeros((2, 1, 5))).any()


@pytest.mark.parametrize("dtype", ["object", "category"])
def test_one_class_of_string_labels_gets_the_one_class_error(data, dtype):
    X, _ = data
    with pytest.raises(ValueError, match=r"y has only 1 class \('a'\); a classifier"):
        ConvLSTMClassifier(**FAST_PARAMS).fit(X, pd.Series(["a"] * 16, dtype=dtype))


def test_complex_series_are_refused_in_every_form(data):
    X, y = data
    complex_X = X.astype(np.complex128)
    for form, message in (
        (complex_X, r"X holds complex numbers \(dtype complex128\)"),
        (list(complex_X), r"X\[0\] holds complex numbers \(dtype complex128\)"),
        ([s[0].tolist() for s in complex_X], r"X\[0\] holds complex numbers"),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no ComplexWarning either
            # ValueError with scikit-learn's words (its check_complex_data).
            with pytest.raises(ValueError, match=message) as caught:
                ConvLSTMClassifier(**FAST_PARAMS).fit(form, y)
            assert "Complex data not supported" in str(caught.value)


@pytest.fixture(scope="module")
def ragged() -> list[np.ndarray]:
    rng = np.random.RandomState(0)
    return [rng.normal(size=(2, 15 + i % 4)) for i in range(16)]


def test_an_sktime_nested_dataframe_is_read_as_a_list_of_series(ragged):
    nested = pd.DataFrame(
        {f"dim_{c}": [pd.Series(s[c]) for s in ragged] for c in range(2)}
    )
    checked = check_series(nested)
    assert isinstance(checked, list) and len(checked) == 16
    for got, expected in zip(checked, ragged, strict=True):
        np.testing.assert_array_equal(got, expected.astype(np.float32))
    # Equal lengths stack into the 3D array, as for a list.
    equal = pd.DataFrame({"dim_0": [pd.Series(s[0, :15]) for s in ragged]})
    np.testing.assert_array_equal(
        check_series(equal), np.stack([s[:1, :15] for s in ragged]).astype(np.float32)
    )


def test_an_object_array_of_ragged_series_is_read_as_a_list(ragged):
    objects = np.empty(16, dtype=object)
    for index, series in enumerate(ragged):
        objects[index] = series
    checked = check_series(objects)
    assert isinstance(checked, list)
    np.testing.assert_array_equal(checked[3], ragged[3].astype(np.float32))
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(objects, np.arange(16) % 2)
    np.testing.assert_array_equal(clf.predict_proba(objects), clf.predict_proba(ragged))


def test_a_nested_dataframe_with_unequal_channel_lengths_is_named(ragged):
    nested = pd.DataFrame(
        {
            "dim_0": [pd.Series(s[0]) for s in ragged],
            "dim_1": [pd.Series(s[1, :10]) for s in ragged],
        }
    )
    with pytest.raises(ValueError, match=r"X\.iloc\[0\] holds channels of shapes"):
        check_series(nested)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda X: (series for series in X),
            TypeError,
            r"X is a generator; .*list\(X\)",
        ),
        (
            lambda X: [X[0], 3.0, *X[2:]],
            ValueError,
            r"X\[1\] is a float \(a single number\) while X\[0\] is an array",
        ),
        (lambda X: "abc", TypeError, r"X is a str; "),
        (lambda X: {"a": X}, TypeError, r"X is a dict; "),
    ],
)
def test_unaccepted_forms_are_named_with_the_accepted_ones(data, make, error, message):
    X, y = data
    with pytest.raises(error, match=message) as caught:
        ConvLSTMClassifier(**FAST_PARAMS).fit(make(X), y)
    text = str(caught.value)
    assert "reshape(1, -1)" not in text
    assert "(n_samples, n_channels, n_timesteps)" in text


def test_tiny_positive_class_weights_are_refused(data):
    """1e-300 passed the all-zero check, became 0 in float32 and diverged."""
    y = np.arange(8) % 2
    for class_weight, message in (
        ({0: 1e-300, 1: 1e-300}, r"class_weight\[0\] is 1e-300; "),
        ({0: 1.0, 1: 1e39}, r"class_weight\[1\] is 1e\+39; "),
    ):
        with pytest.raises(ValueError, match=message) as caught:
            check_class_weight(class_weight, np.array([0, 1]), y)
        assert "float32" in str(caught.value)
    with pytest.raises(ValueError, match=r"class_weight\[0\] is 1e-300"):
        _fit(data, class_weight={0: 1e-300, 1: 1e-300})
    # Small but representable weights still work; only ratios matter.
    np.testing.assert_array_equal(
        check_class_weight({0: 1e-30, 1: 0.0}, np.array([0, 1]), y), [1e-30, 0.0]
    )


def test_an_optimizer_that_needs_a_closure_is_refused(data):
    with pytest.raises(
        TypeError,
        match=r"'optimizer' parameter of ConvLSTMClassifier .*Got LBFGS, whose "
        r"step\(\) needs a closure",
    ):
        _fit(data, optimizer=torch.optim.LBFGS)
