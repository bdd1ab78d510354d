"""Bad parameters and bad input get clear errors before any training (issue 18).

Each case names the parameter (or input), what was received and what was
expected; none reaches PyTorch or skorch.
"""

from __future__ import annotations

import warnings

import numpy as np
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
