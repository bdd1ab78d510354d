"""ConvLSTMRegressor: shapes, learning, target scaling, persistence, bad targets."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS
from sklearn.base import is_regressor
from sklearn.model_selection import KFold
from skorch.callbacks import Callback

from sklearn_convlstm import (
    ConvLSTMClassifier,
    ConvLSTMRegressor,
    TrainingDivergedError,
    TrainingInterruptedWarning,
    load_model,
    save_model,
)


def fast(**overrides):
    """A quick regressor; one network unless ``head`` says otherwise."""
    return ConvLSTMRegressor(**{**FAST_PARAMS, "head": "network", **overrides})


@pytest.fixture(scope="module")
def window_mean_data():
    """y is a linear function of a window's mean, in large units."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 1, 40)).astype(np.float32)
    level = rng.uniform(-2, 2, size=120).astype(np.float32)
    X[:, 0, 10:20] += level[:, None]
    y = 1000.0 + 50.0 * X[:, 0, 10:20].mean(axis=1)
    return X, y.astype(np.float64)


def test_is_a_regressor_with_the_classifier_parameters():
    assert is_regressor(ConvLSTMRegressor())
    # both have a head parameter; its values differ (see the head tests below)
    shared = set(ConvLSTMClassifier().get_params()) - {"class_weight"}
    assert set(ConvLSTMRegressor().get_params()) == shared


def test_learns_a_window_mean_r2_above_threshold(window_mean_data):
    X, y = window_mean_data
    reg = fast(max_epochs=30, lr=1e-2, conv_channels=(8,), batch_size=16)
    reg.fit(X[:90], y[:90])
    assert reg.score(X[90:], y[90:]) > 0.8


def test_shapes_and_dtype_follow_the_training_y(window_mean_data):
    X, y = window_mean_data
    one = fast().fit(X[:40], y[:40])
    assert one.predict(X[:5]).shape == (5,)
    assert one.predict(X[:5]).dtype == np.float64
    column = fast().fit(X[:40], y[:40, None])
    assert column.predict(X[:5]).shape == (5, 1)
    np.testing.assert_array_equal(column.predict(X[:5])[:, 0], one.predict(X[:5]))
    multi = fast().fit(X[:40], np.stack([y[:40], -3 * y[:40]], axis=1))
    assert multi.n_outputs_ == 2
    assert multi.predict(X[:5]).shape == (5, 2)


def test_target_scaling_round_trip(window_mean_data):
    """Targets shifted and scaled give the same fit, predictions mapped alike."""
    X, y = window_mean_data
    base = fast().fit(X[:40], y[:40])
    moved = fast().fit(X[:40], 7.0 * y[:40] - 3e4)
    assert base.target_scaler_.mean_[0] == pytest.approx(y[:40].mean())
    np.testing.assert_allclose(
        moved.predict(X[:10]), 7.0 * base.predict(X[:10]) - 3e4, rtol=1e-4
    )
    # The network itself outputs the targets' units (explain and export use it).
    module = base.net_.module_.eval()
    with torch.no_grad():
        raw = module(torch.from_numpy(X[:10])).double().numpy()[:, 0]
    np.testing.assert_allclose(raw, base.predict(X[:10]), rtol=1e-6)
    assert base.history_[-1]["train_loss"] < 10  # standardised units, not 1e6


def test_unequal_lengths(window_mean_data):
    X, y = window_mean_data
    series = [x[:, : 30 + i % 10] for i, x in enumerate(X[:40])]
    reg = fast().fit(series, y[:40])
    assert reg.n_timesteps_in_ is None
    assert reg.predict(series[:7]).shape == (7,)
    # A series predicts the same alone as in a batch of other lengths.
    alone = np.array([reg.predict([s])[0] for s in series[:3]])
    np.testing.assert_allclose(alone, reg.predict(series[:3]), rtol=1e-5)


def test_same_seed_same_predictions(window_mean_data):
    X, y = window_mean_data
    a = fast().fit(X[:40], y[:40]).predict(X[:10])
    b = fast().fit(X[:40], y[:40]).predict(X[:10])
    np.testing.assert_array_equal(a, b)


def test_early_stopping_uses_a_random_split(window_mean_data):
    X, y = window_mean_data
    reg = fast(early_stopping=True, max_epochs=3, patience=2).fit(X[:40], y[:40])
    assert "valid_loss" in reg.history_[-1]
    with pytest.raises(ValueError, match="fewer than 2 to train on"):
        fast(early_stopping=True, validation_fraction=0.9).fit(X[:3], y[:3])


def test_pickle_and_save_model_round_trip(window_mean_data, tmp_path):
    X, y = window_mean_data
    reg = fast().fit(X[:40], np.stack([y[:40], y[:40] ** 0.5], axis=1))
    expected = reg.predict(X[:8])
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X[:8]), expected)
    path = tmp_path / "reg.convlstm"
    save_model(reg, path)
    loaded = load_model(path)
    assert isinstance(loaded, ConvLSTMRegressor)
    np.testing.assert_array_equal(loaded.predict(X[:8]), expected)
    np.testing.assert_array_equal(loaded.target_scaler_.mean_, reg.target_scaler_.mean_)
    assert loaded.target_ndim_ == 2 and loaded.n_outputs_ == 2
    assert loaded.score(X[:8], reg.predict(X[:8])) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.r_[np.nan, np.ones(9)], "NaN or infinity .*index 0"),
        (np.r_[np.ones(9), np.inf], "NaN or infinity .*index 9"),
        (np.ones((10, 1, 1)), "3 dimensions of shape \\(10, 1, 1\\)"),
        (np.ones(9), "X has 10 series but y has 9 targets"),
        (np.array(["a", "b"] * 5), "y must hold numbers .*dtype <U1"),
        (None, "requires y to be passed"),
    ],
)
def test_bad_targets_raise_a_clear_error(window_mean_data, y, message):
    X, _ = window_mean_data
    with pytest.raises(ValueError, match=message):
        fast().fit(X[:10], y)


def test_one_sample_is_refused(window_mean_data):
    X, y = window_mean_data
    with pytest.raises(ValueError, match="at least 2 series .*1 sample"):
        fast().fit(X[:1], y[:1])


def test_tuning_uses_kfold_and_r2(window_mean_data):
    optuna = pytest.importorskip("optuna")
    from sklearn_convlstm.tuning import default_param_space, tune
    from sklearn_convlstm.tuning._objective import make_splits

    X, y = window_mean_data
    splits = make_splits(3, X[:30], y[:30], None, 0, regression=True)
    expected = KFold(3, shuffle=True, random_state=0).split(X[:30])
    for (_, test), (_, test_kf) in zip(splits, expected, strict=True):
        np.testing.assert_array_equal(test, test_kf)
    # StratifiedKFold would refuse continuous y ("continuous" target type).
    result = tune(
        fast(max_epochs=2),
        X[:30],
        y[:30],
        param_space={"lr": optuna.distributions.FloatDistribution(1e-3, 1e-2)},
        cv=2,
        n_trials=2,
        random_state=0,
        verbose=0,
    )
    assert isinstance(result.best_estimator, ConvLSTMRegressor)
    assert result.best_estimator.predict(X[:3]).shape == (3,)
    values = [trial.value for trial in result.study.trials]
    assert all(value <= 1.0 for value in values)  # R², the regressor's score
    space = default_param_space(fast())
    assert space.func.__name__ == "suggest_convlstm_params"


def test_feature_baseline_space_for_regression():
    pytest.importorskip("optuna")
    import optuna

    from sklearn_convlstm.baselines import make_feature_baseline
    from sklearn_convlstm.tuning import default_param_space

    baseline = make_feature_baseline(task="regression")
    params = default_param_space(baseline)(
        optuna.trial.FixedTrial(
            {
                "n_estimators": 60,
                "max_depth": 4,
                "max_features": "sqrt",
                "min_samples_leaf": 2,
            }
        )
    )
    assert sorted(params) == [
        "regressor__max_depth",
        "regressor__max_features",
        "regressor__min_samples_leaf",
        "regressor__n_estimators",
    ]
    baseline.set_params(**params)


# ------------------------------------- behaviour shared with the classifier


class _InterruptAtEpoch(Callback):
    """Raise KeyboardInterrupt at the end of epoch 2, as Ctrl-C would."""

    def on_epoch_end(self, net, **kwargs) -> None:
        if len(net.history) == 2:
            raise KeyboardInterrupt


def test_shared_checks_hold_for_the_regressor(window_mean_data):
    X, y = window_mean_data
    with pytest.raises(TrainingDivergedError, match=r"learning rate too high"):
        fast(lr=1e6, max_epochs=3).fit(X[:40], y[:40])
    with pytest.warns(TrainingInterruptedWarning, match="after 2 epoch"):
        reg = fast(max_epochs=5, callbacks=(_InterruptAtEpoch(),)).fit(X[:40], y[:40])
    assert len(reg.history_) == 2
    with pytest.raises(ValueError, match="'lstm_hidden_size' parameter of Conv"):
        fast(lstm_hidden_size=0).fit(X[:40], y[:40])
    with pytest.warns(UserWarning, match="channels"):
        fast().fit(np.ascontiguousarray(X[:40].transpose(0, 2, 1)), y[:40])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("cuda_graphs", [True, False])
def test_on_cuda_the_regressor_learns_with_and_without_graphs(
    window_mean_data, cuda_graphs
):
    X, y = window_mean_data
    reg = fast(
        max_epochs=30,
        lr=1e-2,
        conv_channels=(8,),
        batch_size=16,
        device="cuda",
        cuda_graphs=cuda_graphs,
    ).fit(X[:90], y[:90])
    assert (reg.net_.cuda_graph_obstacle_ is None) is cuda_graphs
    assert reg.score(X[90:], y[90:]) > 0.8
    assert reg.predict(X[90:]).dtype == np.float64


# ------------------------------------ targets beyond what float32 resolves
@pytest.mark.parametrize(
    ("y", "message"),
    [
        # 1.7e9 + 0..11: float32 spaces numbers 128 apart there; the spread
        # (3.45) collapsed to 0 and target_scaler_.scale_ was 1.0 (issue 27.3).
        (
            1.7e9 + np.arange(12.0),
            r"y has values around 1\.7e\+09 with a standard deviation of 3\.45",
        ),
        # Below float32's range: all targets became 0 and predict gave -0.15.
        (1e-300 * (1 + np.arange(12.0)), r"y has values around 6\.5e-300"),
        # Beyond it: the error blamed X ("Input X contains infinity").
        (1e39 * (1 + np.arange(12.0)), r"y has values up to 1\.2e\+40, beyond"),
    ],
)
def test_targets_that_float32_cannot_hold_are_refused_naming_y(
    window_mean_data, y, message
):
    X, _ = window_mean_data
    with pytest.raises(ValueError, match=message) as caught:
        fast().fit(X[:12], y)
    text = str(caught.value)
    assert "float32" in text and "TransformedTargetRegressor" in text
    assert "Input X" not in text


def test_offset_targets_fit_through_transformed_target_regressor(window_mean_data):
    """The fix the error names keeps the targets' precision (float64 outside)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler

    X, y = window_mean_data
    y_offset = 1.7e9 + (y - 1000.0)  # spread ~10 on top of 1.7e9
    wrapped = TransformedTargetRegressor(
        regressor=fast(max_epochs=1), transformer=StandardScaler()
    ).fit(X, y_offset)
    predictions = wrapped.predict(X[:5])
    assert predictions.dtype == np.float64
    assert np.abs(predictions - 1.7e9).max() < 100


def test_ordinary_targets_keep_the_float32_scaler_statistics(window_mean_data):
    """Valid targets: target_scaler_ is fitted as before (predictions unchanged)."""
    X, y = window_mean_data
    reg = fast(max_epochs=1).fit(X, y)
    from sklearn.preprocessing import StandardScaler

    expected = StandardScaler().fit(
        y.astype(np.float32).astype(np.float64).reshape(-1, 1)
    )
    np.testing.assert_array_equal(reg.target_scaler_.mean_, expected.mean_)
    np.testing.assert_array_equal(reg.target_scaler_.scale_, expected.scale_)


# ------------------------------------------------------- the random-kernel head


def _out_of_fold(reg, X, y):
    """Recompute the members' out-of-fold predictions, as fit made them."""
    from sklearn_convlstm._random_kernel_head import ridge_regression_outputs

    y = y.reshape(len(y), -1)
    folds = KFold(3, shuffle=True, random_state=reg.random_state).split(X)
    network, ridge, mean = (np.empty_like(y) for _ in range(3))
    for member, head, (low, high), (train, held_out) in zip(
        reg.members_, reg.random_kernel_heads_, reg.target_ranges_, folds, strict=True
    ):
        np.testing.assert_array_equal(low, y[train].min(axis=0))
        network[held_out] = member.predict(X[held_out]).reshape(len(held_out), -1)
        lengths = np.full(len(held_out), X.shape[-1])
        scaled = member._scaled_series(X[held_out], lengths)
        ridge[held_out] = np.clip(ridge_regression_outputs(head, *scaled), low, high)
        mean[held_out] = y[train].mean(axis=0)
    return network, ridge, mean


def test_random_kernel_head_chooses_the_blend_out_of_fold(window_mean_data):
    from sklearn_convlstm._random_kernel_head import choose_blend

    X, y = window_mean_data
    reg = fast(head="random-kernels", max_epochs=3).fit(X[:90], y[:90])
    assert reg.head_ == "random-kernels" and not hasattr(reg, "net_")
    seeds = [member.random_state for member in reg.members_]
    assert len(set(seeds)) == 3
    for member in reg.members_:
        assert member.head == "network" and member.early_stopping
        assert member.head_ == "network"
        assert len(member.history_) <= 3  # the estimator's max_epochs
    network, ridge, mean = _out_of_fold(reg, X[:90], y[:90])
    weight, shrinkage, r2, chance = choose_blend(
        y[:90], network[:, 0], ridge[:, 0], mean[:, 0], 0
    )
    assert (reg.blend_weight_[0], reg.shrinkage_[0]) == (weight, shrinkage)
    assert r2 > chance  # the window mean is predictable: not the mean
    # predict: the members' averages, blended as chosen
    X_new = X[90:]
    networks = np.mean([m.predict(X_new) for m in reg.members_], axis=0)
    ridges = np.mean(
        [
            np.clip(ridge_outputs(m, head, X_new)[:, 0], low[0], high[0])
            for m, head, (low, high) in zip(
                reg.members_, reg.random_kernel_heads_, reg.target_ranges_, strict=True
            )
        ],
        axis=0,
    )
    expected = reg.target_mean_[0] + shrinkage * (
        weight * networks + (1 - weight) * ridges - reg.target_mean_[0]
    )
    np.testing.assert_allclose(reg.predict(X_new), expected, rtol=1e-12)


def ridge_outputs(member, head, X):
    from sklearn_convlstm._random_kernel_head import ridge_regression_outputs

    lengths = np.full(len(X), X.shape[-1])
    return ridge_regression_outputs(head, *member._scaled_series(X, lengths))


@pytest.mark.slow
def test_random_kernel_head_learns_where_the_network_alone_memorises():
    # 150 series of a weighted sum of window statistics (the regime tests'
    # "window" kind, another seed): with the default network the head
    # generalises where the network alone does worse than the mean
    pytest.importorskip("sktime")  # benchmarks.regression reads its data folder
    from benchmarks.regression.tasks import make_window

    X, y = make_window(150, 60, 2, seed=21)
    params = {"max_epochs": 30, "random_state": 0}
    blended = ConvLSTMRegressor(**params).fit(X[:100], y[:100])
    alone = ConvLSTMRegressor(head="network", **params).fit(X[:100], y[:100])
    assert blended.head_ == "random-kernels"
    # measured: 0.19 against -0.19
    assert blended.score(X[100:], y[100:]) > 0.1
    assert blended.score(X[100:], y[100:]) > alone.score(X[100:], y[100:]) + 0.2


def test_random_kernel_head_predicts_the_mean_where_nothing_is_predictable():
    rng = np.random.RandomState(4)
    X = rng.normal(size=(45, 1, 20)).astype(np.float32)
    y = rng.normal(size=45)
    reg = fast(head="random-kernels").fit(X, y)
    assert reg.shrinkage_[0] == 0.0
    np.testing.assert_allclose(reg.predict(X[:4]), np.full(4, y.mean()))


def test_random_kernel_head_is_reproducible_multi_output_and_pickles(
    window_mean_data,
):
    X, y = window_mean_data
    targets = np.column_stack([y[:30], -2.0 * y[:30]])
    first = fast(head="random-kernels").fit(X[:30], targets)
    again = fast(head="random-kernels").fit(X[:30], targets)
    predictions = first.predict(X[30:40])
    assert predictions.shape == (10, 2) and first.blend_weight_.shape == (2,)
    assert first.target_ranges_.shape == (3, 2, 2)
    np.testing.assert_array_equal(again.predict(X[30:40]), predictions)
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict(X[30:40]), predictions)
    # compare's details column says what the head chose
    from sklearn_convlstm.compare._arms import fit_details

    epochs = ",".join(str(len(m.history_)) for m in first.members_)
    weights = ",".join(f"{w:g}" for w in first.blend_weight_)
    assert fit_details(first).startswith(
        f"head=random-kernels; epochs={epochs}; network_weight={weights}; shrinkage="
    )
    # what covers one network refuses the blend with a clear message
    from sklearn_convlstm.export import export_onnx
    from sklearn_convlstm.inspection import explain

    for call, name in (
        (lambda: save_model(first, "never.pt"), "save_model"),
        (lambda: export_onnx(first, "never.onnx"), "export_onnx"),
        (lambda: explain(first, X[:2]), "explain"),
    ):
        with pytest.raises(ValueError, match=f"{name} covers one network.*head='netw"):
            call()


def test_auto_head_resolves_by_size_length_and_variant(window_mean_data):
    from sklearn_convlstm._lazy import LazySeries
    from sklearn_convlstm._regressor import CROSS_FIT_MIN_SERIES

    X, y = window_mean_data
    auto = ConvLSTMRegressor(**FAST_PARAMS)
    assert auto._resolve_head(X[:CROSS_FIT_MIN_SERIES]) == "random-kernels"
    assert auto._resolve_head(X[: CROSS_FIT_MIN_SERIES - 1]) == "network"
    assert auto._resolve_head(X[:, :, :8]) == "network"  # shorter than a kernel
    causal = ConvLSTMRegressor(**FAST_PARAMS, variant="causal")
    assert causal._resolve_head(X) == "network"
    # on disk as in memory (tests/test_lazy.py: the same model)
    assert auto._resolve_head(LazySeries(X)) == "random-kernels"
    fitted = fast(head="auto").fit(X[:20], y[:20])
    assert fitted.head_ == "network" and fitted.members_ is None
    with pytest.raises(ValueError, match="longest training series has 8 steps"):
        fast(head="random-kernels").fit(X[:20, :, :8], y[:20])
    with pytest.raises(ValueError, match="needs at least 6; got 5"):
        fast(head="random-kernels").fit(X[:5], y[:5])
    with pytest.raises(ValueError, match="head"):
        fast(head="ridge").fit(X[:20], y[:20])


def test_epoch_pruning_is_refused_where_the_head_may_train_several(
    window_mean_data,
):
    pytest.importorskip("optuna")
    from sklearn_convlstm.tuning import tune
    from sklearn_convlstm.tuning._objective import epoch_pruning_possible

    assert not epoch_pruning_possible(ConvLSTMRegressor())
    assert epoch_pruning_possible(ConvLSTMRegressor(head="network"))
    assert epoch_pruning_possible(ConvLSTMClassifier())
    X, y = window_mean_data
    with pytest.raises(ValueError, match="pruning='epochs' needs the ConvLSTMReg"):
        tune(
            fast(head="auto"),
            X[:30],
            y[:30],
            param_space={
                "lr": __import__("optuna").distributions.FloatDistribution(1e-3, 1e-2)
            },
            cv=2,
            n_trials=1,
            pruning="epochs",
            random_state=0,
            verbose=0,
        )
