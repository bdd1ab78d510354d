"""No silent wrong results (issue 18): divergence, huge values, fit-time settings."""

from __future__ import annotations

import types

import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS

from sklearn_convlstm import ConvLSTMClassifier, TrainingDivergedError
from sklearn_convlstm._engine.callbacks import FiniteTrainingCheck
from sklearn_convlstm._engine.precision import resolve_precision
from sklearn_convlstm.nn import InputScaling


def fast(**overrides) -> ConvLSTMClassifier:
    return ConvLSTMClassifier(**{**FAST_PARAMS, **overrides})


# ------------------------------------------------------ diverging training
def test_diverging_training_raises_naming_the_learning_rate(pattern_data):
    X, y = pattern_data
    with pytest.raises(
        TrainingDivergedError,
        match=r"Training diverged: the training loss is (nan|inf) at epoch \d+, "
        r"batch \d+\. .*learning rate too high \(lr=1000000\.0\)",
    ):
        fast(lr=1e6).fit(X, y)


def test_finite_training_check_names_non_finite_weights():
    module = torch.nn.Linear(2, 2)
    net = types.SimpleNamespace(module_=module, lr=0.1, history=[])
    FiniteTrainingCheck().on_train_end(net)  # finite: no error
    assert issubclass(TrainingDivergedError, FloatingPointError)
    with torch.no_grad():
        module.weight[0, 1] = float("inf")
    with pytest.raises(
        TrainingDivergedError, match=r"the network's weight 'weight' holds non-finite"
    ):
        FiniteTrainingCheck().on_train_end(net)


def test_finite_training_check_adds_nothing_to_a_normal_fit(pattern_data):
    X, y = pattern_data
    clf = fast().fit(X, y)
    assert np.isfinite(clf.history_[:, "train_loss"]).all()
    assert "finite_training_check" in dict(clf.net_.callbacks_)


# ------------------------------------------- values near the float32 limit
@pytest.mark.parametrize("method", ["per_series", "per_series_amplitude"])
def test_per_series_scaling_is_finite_and_exact_near_float32_max(method):
    rng = np.random.RandomState(0)
    noise = torch.from_numpy(rng.normal(size=(4, 2, 50)).astype(np.float32))
    scaling = InputScaling(2, method)
    reference = scaling(noise)
    # Scale-invariant: huge multiples and offsets give the same z-scores.
    # Before the fix their squares (1e74) overflowed float32: zeros or NaN.
    for huge in (noise * 1e37, noise * 1e37 + 1.5e38):
        scaled = scaling(huge)
        assert torch.isfinite(scaled).all()
        torch.testing.assert_close(
            scaled[:, :2], reference[:, :2], rtol=1e-4, atol=1e-4
        )
    if method == "per_series_amplitude":
        # log(std) grows by log(1e37), weight 1 and bias 0 by default.
        torch.testing.assert_close(
            scaling(noise * 1e37)[:, 2:],
            reference[:, 2:] + float(np.log(1e37)),
            rtol=1e-5,
            atol=1e-4,
        )
    # The same with per-series lengths (the masked path of unequal lengths),
    # compared on the valid steps; padding is zeros, as pad_series writes it.
    lengths = torch.tensor([50, 30, 20, 1])
    valid = torch.arange(50) < lengths.view(-1, 1, 1)
    padded = torch.where(valid, noise * 1e37 + 1.5e38, 0.0)
    masked = scaling(padded, lengths)
    assert torch.isfinite(masked).all() and masked.abs().max() < 100
    torch.testing.assert_close(
        masked[:, :2][valid.expand(-1, 2, -1)],
        scaling(torch.where(valid, noise, 0.0), lengths)[:, :2][
            valid.expand(-1, 2, -1)
        ],
        rtol=1e-4,
        atol=1e-4,
    )


def test_classifier_predicts_huge_series_like_their_scaled_copies(pattern_data):
    X, y = pattern_data
    clf = fast(scaling="per_series").fit(X, y)
    expected = clf.predict_proba(X)
    # Per-series z-scores ignore scale and offset; near float32's maximum
    # (3.4e38) the old statistics overflowed to inf and NaN.
    for factor, offset in ((1e37, 0.0), (5e37, 0.0), (1e37, 1.5e38)):
        proba = clf.predict_proba((X * factor + offset).astype(np.float32))
        np.testing.assert_allclose(proba, expected, atol=1e-4)


# ------------------------------------------------- settings in force at fit
@pytest.mark.parametrize("fitted_with", [False, True])
def test_set_params_mixed_precision_after_fit_does_not_change_predictions(
    pattern_data, fitted_with
):
    X, y = pattern_data
    clf = fast(mixed_precision=fitted_with).fit(X, y)
    expected = clf.predict_proba(X)
    clf.set_params(mixed_precision=not fitted_with)
    np.testing.assert_array_equal(clf.predict_proba(X), expected)
    # A refit takes the new value.
    refitted = clf.fit(X, y)
    assert refitted.mixed_precision_ == resolve_precision(not fitted_with, "cpu")


# ------------------------------- memmaps beyond or below the float32 range
def _float64_memmap(path, X) -> np.memmap:
    stored = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=X.shape)
    stored[:] = X
    stored.flush()
    return np.load(path, mmap_mode="r")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # Finite, but beyond float32: was "contains infinity ... impute
        # missing values" (wrong advice); in memory it named the range.
        (1e39, r"X has values up to 1e\+39, beyond the float32 range"),
        (-5e38, r"X has values up to 5e\+38, beyond the float32 range"),
    ],
)
def test_a_float64_memmap_beyond_float32_gets_the_range_message(
    pattern_data, tmp_path, value, message
):
    X, y = pattern_data
    X = X.copy()
    X[7, 1, 3] = value
    memmap = _float64_memmap(tmp_path / "X.npy", X)
    for form in (memmap, np.asarray(X)):  # on disk and in memory: one message
        with pytest.raises(ValueError, match=message) as caught:
            fast().fit(form, y)
        assert "impute" not in str(caught.value)
    fitted = fast(max_epochs=1).fit(pattern_data[0], y)
    with pytest.raises(ValueError, match=message):
        fitted.predict_proba(memmap)


def test_a_float64_memmap_below_float32_range_is_named(pattern_data, tmp_path):
    X, y = pattern_data
    memmap = _float64_memmap(tmp_path / "tiny.npy", X * 1e-50)
    with pytest.raises(
        ValueError, match=r"X has values of at most .*e-50 in magnitude"
    ):
        fast().fit(memmap, y)


def test_a_float64_memmap_with_nan_still_says_impute(pattern_data, tmp_path):
    X, y = pattern_data
    X = X.copy()
    X[2, 0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN.*impute"):
        fast().fit(_float64_memmap(tmp_path / "nan.npy", X), y)
