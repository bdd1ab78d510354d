"""ConvLSTMClassifier: the scikit-learn contract, training options and clear errors."""

from __future__ import annotations

import io
import pickle
import warnings
from typing import ClassVar

import joblib
import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from skorch.callbacks import Callback
from skorch.exceptions import DeviceWarning

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm._base import auto_batch_size, auto_max_epochs
from sklearn_convlstm.nn import ARCHITECTURE_VARIANTS


def fast(**overrides):
    return ConvLSTMClassifier(**{**FAST_PARAMS, **overrides})


def test_fit_predict_shapes_and_labels(pattern_data):
    X, y = pattern_data
    labels = np.array(["no spike", "spike"])[y]
    clf = fast(max_epochs=20, lr=1e-2).fit(X, labels)

    assert list(clf.classes_) == ["no spike", "spike"]
    predictions = clf.predict(X)
    assert predictions.shape == (60,)
    assert set(predictions) <= {"no spike", "spike"}
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 2)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # Columns follow classes_: predict is the argmax of predict_proba.
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predictions)
    # The spike is easy: training accuracy well above chance.
    assert clf.score(X, labels) > 0.8


def test_fitted_attributes_describe_the_input(pattern_data):
    X, y = pattern_data
    clf = fast().fit(X, y)
    assert (clf.n_features_in_, clf.n_channels_in_, clf.n_timesteps_in_) == (2, 2, 32)
    assert clf.min_length_ == 1  # "same" padding, no pooling at 32 steps
    assert isinstance(clf.net_.module_, torch.nn.Module)
    assert len(clf.history_) == FAST_PARAMS["max_epochs"]
    assert all(np.isfinite(clf.history_[:, "train_loss"]))

    univariate = fast().fit(X[:, 0, :], y)  # 2D input: (n_samples, n_timesteps)
    assert (univariate.n_features_in_, univariate.n_channels_in_) == (32, 1)
    assert univariate.n_timesteps_in_ == 32


def test_float64_is_cast_once_and_matches_float32(pattern_data):
    X, y = pattern_data
    clf = fast().fit(X, y)
    np.testing.assert_array_equal(
        clf.predict_proba(X), clf.predict_proba(X.astype(np.float32))
    )


def test_same_random_state_gives_identical_predictions(pattern_data):
    X, y = pattern_data
    first = fast(random_state=7).fit(X, y).predict_proba(X)
    second = fast(random_state=7).fit(X, y).predict_proba(X)
    other = fast(random_state=8).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_augmentation_is_seeded_changes_training_only_and_adds_no_weights(
    pattern_data,
):
    X, y = pattern_data
    plain = fast(random_state=7).fit(X, y)
    first = fast(random_state=7, augmentation=True).fit(X, y)
    second = fast(random_state=7, augmentation=True).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert not np.allclose(first.predict_proba(X), plain.predict_proba(X))
    np.testing.assert_array_equal(first.predict_proba(X), first.predict_proba(X))
    assert (
        first.net_.module_.state_dict().keys() == plain.net_.module_.state_dict().keys()
    )
    assert first.net_.module_.augmentation.window == 0.9
    custom = fast(augmentation=True, augmentation_window=1.0, augmentation_scale=0.3)
    augment = custom.fit(X, y).net_.module_.augmentation
    assert (augment.window, augment.scale) == (1.0, 0.3)
    assert plain.net_.module_.augmentation is None


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"augmentation_window": 0.0}, "augmentation_window"),
        ({"augmentation_scale": -0.1}, "augmentation_scale"),
    ],
)
def test_bad_augmentation_settings_are_named(pattern_data, params, name):
    X, y = pattern_data
    with pytest.raises(ValueError, match=f"'{name}' parameter of ConvLSTMClassifier"):
        fast(augmentation=True, **params).fit(X, y)


def test_fit_leaves_the_global_torch_random_state_alone(pattern_data):
    X, y = pattern_data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fast(random_state=0).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("variant", ["basic", "stacked", "dropout"])
def test_article_variants_build_the_article_networks(pattern_data, variant):
    X, y = pattern_data
    clf = ConvLSTMClassifier(variant=variant, max_epochs=1, random_state=0).fit(X, y)
    module = clf.net_.module_
    expected = ARCHITECTURE_VARIANTS[variant]
    assert [b.conv.out_channels for b in module.conv_blocks] == list(
        expected["conv_channels"]
    )
    assert all(b.conv.kernel_size == (3,) for b in module.conv_blocks)
    assert all(b.norm is None and b.pool is None for b in module.conv_blocks)
    assert module.recurrent.hidden_size == 64
    assert not module.recurrent.bidirectional
    assert module.readout == "last"
    assert module.recurrent_dropout.p == expected["recurrent_dropout"]
    assert clf.network_params_ == {**expected}


def test_explicit_parameters_override_the_variant(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(
        variant="stacked", lstm_hidden_size=5, rnn="gru", max_epochs=1
    ).fit(X, y)
    assert isinstance(clf.net_.module_.recurrent, torch.nn.GRU)
    assert clf.net_.module_.recurrent.hidden_size == 5
    assert clf.network_params_["conv_channels"] == (32, 64)


def test_article_variants_have_no_conv_skip_and_it_can_be_switched_on(pattern_data):
    X, y = pattern_data
    plain = ConvLSTMClassifier(variant="basic", max_epochs=1).fit(X, y)
    skip = ConvLSTMClassifier(variant="basic", conv_skip=True, max_epochs=1).fit(X, y)
    assert plain.network_params_["conv_skip"] is False
    assert skip.network_params_["conv_skip"] is True
    # The head reads the LSTM's last step (64) and the conv output's (32).
    assert plain.net_.module_.head.in_features == 64
    assert skip.net_.module_.head.in_features == 64 + 32
    assert skip.predict_proba(X[:3]).shape == (3, 2)


def test_default_network_pools_long_series_to_at_most_64_steps():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(16, 1, 300)), np.arange(16) % 2
    clf = ConvLSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    assert clf.network_params_["pool_sizes"] == (3, 2, 1)
    assert clf.net_.module_.output_length(300) == 50


def test_auto_training_rules():
    assert auto_batch_size(50) == 8
    assert auto_batch_size(270) == 27
    assert auto_batch_size(100_000) == 32
    assert auto_max_epochs(50, 8) == 100
    assert auto_max_epochs(270, 27) == 100
    assert auto_max_epochs(2_000, 32) == 24  # ceil(1500 / 63 steps per epoch)
    assert auto_max_epochs(100_000, 32) == 20


def test_auto_batch_size_and_epochs_are_used(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(
        conv_channels=(4,),
        kernel_sizes=3,
        lstm_hidden_size=4,
        random_state=0,
        max_epochs=2,
    ).fit(X, y)
    assert clf.net_.batch_size == auto_batch_size(60) == 8
    assert len(clf.history_[-1, "batches"]) == 8  # ceil(60 / 8)


def test_early_stopping_uses_a_held_out_split_and_restores_the_best(pattern_data):
    X, _ = pattern_data
    # Random labels: the network can only overfit, so the validation loss rises.
    y = np.random.RandomState(3).permutation(np.arange(60) % 2)
    clf = fast(
        max_epochs=40,
        early_stopping=True,
        patience=3,
        validation_fraction=0.25,
        lr=0.05,
        lr_schedule="constant",
    ).fit(X, y)
    history = clf.history_
    assert len(history) < 40  # stopped early
    valid_losses = history[:, "valid_loss"]
    assert "valid_acc" in history[-1]
    # Trained on 45 series (ceil(0.25 * 60) = 15 held out) in batches of 16.
    assert sum(b.get("train_batch_size", 0) for b in history[-1, "batches"]) == 45
    best_epoch = int(np.argmin(valid_losses))
    assert history[best_epoch, "valid_loss_best"]
    assert len(history) == best_epoch + 1 + 3
    # The weights of the best epoch were restored: the held-out split is the
    # same for the same random_state, so recompute its loss from the model.
    fitted_loss = _loss_on_validation_split(clf, X, y)
    assert fitted_loss == pytest.approx(valid_losses[best_epoch], rel=1e-5)


def _loss_on_validation_split(clf, X, y):
    seed = int(np.random.RandomState(clf.random_state).randint(np.iinfo(np.int32).max))
    _, valid_index = clf._validation_split(np.asarray(y, dtype=np.int64), seed)
    # the network's own probabilities (the default may fuse a ridge after training)
    logits = clf._network_outputs(X[valid_index]).double()
    proba = torch.softmax(logits, dim=1).numpy()
    return float(-np.mean(np.log(proba[np.arange(len(valid_index)), y[valid_index]])))


def test_early_stopping_on_too_little_data_is_a_clear_error():
    X = np.random.RandomState(0).normal(size=(5, 1, 20))
    y = np.array([0, 0, 0, 0, 1])
    with pytest.raises(ValueError, match="early_stopping=True needs a stratified"):
        fast(early_stopping=True).fit(X, y)


def test_lr_schedules(pattern_data):
    X, y = pattern_data
    constant = fast(lr_schedule="constant", lr=0.01).fit(X, y)
    assert constant.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01)
    onecycle = fast(lr_schedule="onecycle", lr=0.01).fit(X, y)
    rates = [
        batch["event_lr"] for epoch in onecycle.history_ for batch in epoch["batches"]
    ]
    # Stepped every batch: warms up to the peak lr, then anneals to a tiny rate.
    assert len(rates) == 8  # 2 epochs of ceil(60 / 16) batches
    assert rates[0] == pytest.approx(0.01 / 25)
    assert max(rates) == pytest.approx(0.01, rel=0.05)
    assert rates[-1] < 1e-6
    cosine = fast(lr_schedule="cosine", lr=0.01, max_epochs=4).fit(X, y)
    assert cosine.net_.optimizer_.param_groups[0]["lr"] < 0.01


def test_optimizer_choice_and_weight_decay(pattern_data):
    X, y = pattern_data
    adam = fast(optimizer="adam", weight_decay=0.0).fit(X, y)
    assert type(adam.net_.optimizer_) is torch.optim.Adam
    sgd = fast(optimizer=torch.optim.SGD, weight_decay=0.5).fit(X, y)
    assert type(sgd.net_.optimizer_) is torch.optim.SGD
    assert sgd.net_.optimizer_.param_groups[0]["weight_decay"] == 0.5


def test_class_weight_balanced_reaches_the_loss():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 1, 16))
    y = np.array([0] * 30 + [1] * 10)
    clf = fast(class_weight="balanced").fit(X, y)
    weight = clf.net_.criterion_.weight
    torch.testing.assert_close(weight, torch.tensor([40 / 60, 40 / 20]))
    explicit = fast(class_weight={0: 1.0, 1: 5.0}).fit(X, y)
    torch.testing.assert_close(
        explicit.net_.criterion_.weight, torch.tensor([1.0, 5.0])
    )


def test_user_callbacks_are_copied_not_mutated(pattern_data):
    X, y = pattern_data

    class CountEpochs(Callback):
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1

    callback = CountEpochs()
    clf = fast(callbacks=(callback,)).fit(X, y)
    assert callback.epochs == 0
    used = dict(clf.net_.callbacks_)["user_callback_0"]
    assert used.epochs == FAST_PARAMS["max_epochs"]


def test_verbose_prints_the_epoch_table(pattern_data, capsys):
    X, y = pattern_data
    fast(verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out
    assert out.count("\n") >= 4  # header, rule, two epochs


def test_progress_bar_reports_epochs(pattern_data, capsys):
    X, y = pattern_data
    fast(progress_bar=True, max_epochs=3).fit(X, y)
    err = capsys.readouterr().err
    assert "training" in err and "3/3" in err


# ----------------------------------------------------- scikit-learn tooling


def test_clone_and_params_round_trip():
    clf = fast(conv_channels=(4, 4), kernel_sizes=(3, 5))
    params = clf.get_params()
    assert params["conv_channels"] == (4, 4)
    cloned = clone(clf)
    assert cloned.get_params() == params
    cloned.set_params(lstm_hidden_size=3)
    assert cloned.lstm_hidden_size == 3 and clf.lstm_hidden_size == 8


def test_pipeline_grid_search_and_cross_val_score(pattern_data):
    X, y = pattern_data
    # the network alone: the searched lr must reach it (a ridge learns regardless)
    pipeline = make_pipeline(
        FunctionTransformer(lambda X: X * 2.0), fast(max_epochs=10, head="softmax")
    )
    grid = GridSearchCV(
        pipeline,
        {
            "convlstmclassifier__lstm_hidden_size": [4, 8],
            "convlstmclassifier__lr": [1e-3, 1e-2],
        },
        cv=2,
    ).fit(X, y)
    results = grid.cv_results_
    assert list(results["param_convlstmclassifier__lr"]) == [1e-3, 1e-3, 1e-2, 1e-2]
    # The searched lr reaches the network inside the pipeline: in 10 epochs
    # lr=1e-2 learns the spike (measured 1.0, 1.0) and lr=1e-3 does not yet
    # (0.73, 0.5).
    assert results["mean_test_score"][2:].min() >= 0.9
    assert results["mean_test_score"][:2].max() <= 0.8
    assert grid.best_params_["convlstmclassifier__lr"] == 1e-2
    assert grid.best_estimator_[-1].lr == 1e-2
    assert grid.score(X, y) >= 0.9
    scores = cross_val_score(fast(max_epochs=10, lr=1e-2), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() >= 0.9


def test_pickle_and_joblib_round_trips_give_identical_predictions(
    pattern_data, tmp_path
):
    X, y = pattern_data
    clf = fast().fit(X, np.array(["a", "b"])[y])
    expected = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    np.testing.assert_array_equal(joblib.load(path).predict_proba(X), expected)


def test_model_saved_with_a_cuda_device_loads_on_cpu(pattern_data):
    """A net trained on a GPU pickles device='cuda'; skorch maps it to the CPU."""
    X, y = pattern_data
    clf = fast().fit(X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"  # as after training with device="cuda"
    buffer = io.BytesIO()
    pickle.dump(clf, buffer)
    buffer.seek(0)
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the CPU fallback is not exercised")
    with pytest.warns(DeviceWarning, match="no CUDA devices are available"):
        restored = pickle.load(buffer)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_allclose(restored.predict_proba(X), expected, rtol=1e-6)


# ------------------------------------------------------- unequal lengths


def test_unequal_length_series_fit_and_predict():
    rng = np.random.RandomState(0)
    lengths = rng.randint(8, 30, size=24)
    X = [rng.normal(size=(3, n)) for n in lengths]
    y = np.arange(24) % 3
    clf = fast().fit(X, y)
    assert clf.n_timesteps_in_ is None and clf.n_channels_in_ == 3
    assert clf.predict(X).shape == (24,)
    # Any length above the minimum is accepted afterwards.
    assert clf.predict([rng.normal(size=(3, 50))]).shape == (1,)


@pytest.mark.parametrize("variant", ["default", "basic"])
def test_appending_padding_does_not_change_probabilities(variant):
    rng = np.random.RandomState(1)
    X = [rng.normal(size=(2, n)) for n in (12, 20, 33, 16, 25, 40)]
    y = np.array([0, 1, 0, 1, 0, 1])
    clf = ConvLSTMClassifier(variant=variant, max_epochs=2, random_state=0)
    clf.fit(X, y)
    batch = clf.predict_proba(X)
    for index, series in enumerate(X):
        alone = clf.predict_proba([series])
        np.testing.assert_allclose(alone[0], batch[index], atol=1e-6)
    # A series next to a much longer one (so it is padded in the batch).
    long = rng.normal(size=(2, 60))
    np.testing.assert_allclose(
        clf.predict_proba([X[0], long])[0], clf.predict_proba([X[0]])[0], atol=1e-6
    )


# ---------------------------------------------------------------- errors


@pytest.fixture(scope="module")
def fitted(pattern_data):
    X, y = pattern_data
    return fast().fit(X, y)


def test_predict_before_fit_raises_not_fitted(pattern_data):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        fast().predict(pattern_data[0])


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.full((4, 1, 10), np.nan), "Input X contains NaN"),
        (np.full((4, 1, 10), np.inf), "Input X contains infinity"),
        (np.zeros((4, 1, 10, 2)), r"got an array with 4 dimensions of shape"),
        (np.zeros(10), "got a 1D array of shape \\(10,\\). Reshape your data"),
        (np.zeros((0, 1, 10)), "0 sample"),
        (np.zeros((4, 1, 0)), "0 timesteps"),
        (np.array([["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]]), "only numbers"),
    ],
)
def test_bad_X_in_fit_gets_a_clear_error(X, message):
    y = np.array([0, 1, 0, 1])[: max(len(X), 1)]
    with pytest.raises(ValueError, match=message):
        fast().fit(X, y)


def test_nan_in_one_series_of_a_list_names_that_series():
    X = [np.zeros((1, 10)), np.array([[0.0, np.nan, 1.0, 2.0]])]
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN"):
        fast().fit(X, [0, 1])


def test_mismatched_channel_counts_in_a_list():
    X = [np.zeros((2, 10)), np.zeros((3, 12))]
    with pytest.raises(ValueError, match="X\\[0\\] has 2 channels but X\\[1\\] has 3"):
        fast().fit(X, [0, 1])


def test_x_y_length_mismatch():
    with pytest.raises(ValueError, match="X has 4 series but y has 3 labels"):
        fast().fit(np.zeros((4, 1, 10)), [0, 1, 0])


def test_single_class():
    with pytest.raises(ValueError, match="y has only 1 class \\('a'\\)"):
        fast().fit(np.zeros((4, 1, 10)), ["a"] * 4)


def test_continuous_targets_are_rejected():
    with pytest.raises(ValueError, match="Unknown label type"):
        fast().fit(np.zeros((4, 1, 10)), [0.1, 0.2, 0.3, 0.4])


def test_too_short_series_names_the_computed_minimum():
    clf = ConvLSTMClassifier(
        variant="stacked", kernel_sizes=(5, 7), max_epochs=1, scaling=None
    )
    with pytest.raises(ValueError, match="series of 9 timesteps, .* at least 11"):
        clf.fit(np.zeros((4, 1, 9)), [0, 1, 0, 1])


def test_too_short_series_in_a_list_at_predict(pattern_data):
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(1, n)) for n in (8, 12, 9, 15)]
    clf = fast(conv_channels=(4, 4), kernel_sizes=3, conv_padding="valid")
    clf.fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="series of 4 timesteps, .* at least 5"):
        clf.predict([rng.normal(size=(1, 4))])


def test_wrong_channel_count_at_predict(fitted):
    with pytest.raises(ValueError, match="X has 3 channels, but ConvLSTMClassifier"):
        fitted.predict(np.zeros((2, 3, 32)))


def test_wrong_length_at_predict_for_an_equal_length_model(fitted):
    with pytest.raises(ValueError, match="series of 20 timesteps, .* 32 timesteps"):
        fitted.predict(np.zeros((2, 2, 20)))
    univariate = fast().fit(np.zeros((4, 10)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="X has 9 features, but .* expecting 10"):
        univariate.predict(np.zeros((2, 9)))


def test_invalid_hyperparameters_get_sklearn_messages(pattern_data):
    X, y = pattern_data
    with pytest.raises(ValueError, match="'lstm_hidden_size' parameter .* Got 0"):
        fast(lstm_hidden_size=0).fit(X, y)
    with pytest.raises(ValueError, match="'readout' parameter"):
        fast(readout="first").fit(X, y)
    with pytest.raises(ValueError, match="kernel_sizes must be an int or a tuple"):
        fast(conv_channels=(4, 4), kernel_sizes=(3,)).fit(X, y)
    with pytest.raises(ValueError, match="not a valid torch device"):
        fast(device="tpu").fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_request_without_cuda_is_a_clear_error(pattern_data):
    X, y = pattern_data
    with pytest.raises(ValueError, match="CUDA is not available on this machine"):
        fast(device="cuda").fit(X, y)


def test_unequal_univariate_list_counts_one_channel_as_its_feature():
    X = [np.arange(12.0), np.arange(15.0), np.arange(9.0), np.arange(20.0)]
    clf = fast().fit(X, [0, 1, 0, 1])
    assert (clf.n_features_in_, clf.n_channels_in_, clf.n_timesteps_in_) == (1, 1, None)


# ------------------------------------------------------- scaling in the net


@pytest.mark.parametrize("scaling", ["per_channel", "minmax", "per_series"])
def test_network_scales_batches_as_the_fitted_scaler_does(pattern_data, scaling):
    X, y = pattern_data
    clf = fast(scaling=scaling).fit(X, y)
    assert clf.scaler_.method == scaling
    expected = clf.scaler_.transform(X)
    with torch.no_grad():
        scaled = clf.net_.module_.input_scaling(torch.as_tensor(X, dtype=torch.float32))
    np.testing.assert_allclose(scaled.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_per_series_scaling_of_padded_batches_uses_true_lengths():
    rng = np.random.RandomState(0)
    X = [rng.normal(loc=3.0, size=(2, n)) for n in (6, 11, 9, 14)]
    X[1][1] = 5.0  # a constant channel: zeros, not NaN
    clf = fast(scaling="per_series").fit(X, [0, 1, 0, 1])
    lengths = torch.tensor([6, 11, 9, 14])
    padded = torch.zeros(4, 2, 14)
    for index, series in enumerate(X):
        padded[index, :, : series.shape[1]] = torch.as_tensor(series)
    with torch.no_grad():
        scaled = clf.net_.module_.input_scaling(padded, lengths)
    for index, series in enumerate(clf.scaler_.transform(X)):
        np.testing.assert_allclose(
            scaled[index, :, : series.shape[1]].numpy(), series, atol=1e-5
        )
    assert np.all(np.isfinite(scaled.numpy()))


def test_scaling_none_feeds_the_input_unchanged(pattern_data):
    X, y = pattern_data
    clf = fast(scaling=None).fit(X, y)
    assert clf.scaler_ is None and clf.net_.module_.input_scaling is None


def test_predict_streams_in_batches_with_identical_results(pattern_data, monkeypatch):
    X, y = pattern_data
    clf = fast().fit(X, y)
    expected = clf.predict_proba(X)
    import sklearn_convlstm._engine.batching as batching

    monkeypatch.setattr(batching, "PREDICT_BATCH_SIZE", 7)
    batch_sizes = []
    hook = clf.net_.module_.register_forward_pre_hook(
        lambda module, args: batch_sizes.append(len(args[0]))
    )
    try:
        streamed = clf.predict_proba(X)
    finally:
        hook.remove()
    assert batch_sizes == [7] * (len(X) // 7) + ([len(X) % 7] if len(X) % 7 else [])
    np.testing.assert_allclose(streamed, expected, rtol=1e-6, atol=1e-7)


def test_read_only_input_is_predicted_without_warnings(pattern_data):
    X, y = pattern_data
    clf = fast().fit(X, y)
    X_read_only = X.astype(np.float32)
    X_read_only.flags.writeable = False
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(X_read_only)


def test_scaler_statistics_exclude_the_early_stopping_split(pattern_data):
    X, y = pattern_data
    clf = fast(early_stopping=True, max_epochs=1).fit(X, y)
    seed = int(np.random.RandomState(0).randint(np.iinfo(np.int32).max))
    train_index, _ = clf._validation_split(y.astype(np.int64), seed)
    expected = X[train_index].astype(np.float32).mean(axis=(0, 2))
    np.testing.assert_allclose(clf.scaler_.mean_, expected, rtol=1e-5)
    assert not np.allclose(clf.scaler_.mean_, X.mean(axis=(0, 2)), rtol=1e-5)


class _RecordConvDtypes(Callback):
    """Record the dtype of the first conv block's output in each forward pass."""

    dtypes: ClassVar[list] = []

    def on_train_begin(self, net, **kwargs):
        type(self).dtypes = []
        block = net.module_.conv_blocks[0]
        block.register_forward_hook(
            lambda m, i, out: type(self).dtypes.append(out.dtype)
        )


@pytest.mark.parametrize("mixed_precision", [False, "bfloat16"])
def test_mixed_precision_trains_and_predicts_in_bfloat16(pattern_data, mixed_precision):
    X, y = pattern_data
    clf = ConvLSTMClassifier(
        **{**FAST_PARAMS, "batch_norm": True},
        mixed_precision=mixed_precision,
        callbacks=(_RecordConvDtypes(),),
    ).fit(X, y)
    expected = torch.bfloat16 if mixed_precision else torch.float32
    assert set(_RecordConvDtypes.dtypes) == {expected}  # the training passes
    _RecordConvDtypes.dtypes.clear()
    proba = clf.predict_proba(X)
    assert _RecordConvDtypes.dtypes == [expected]  # one streamed predict batch
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.isfinite(clf.history_[:, "train_loss"]).all()
    # The weights stay float32.
    assert {p.dtype for p in clf.net_.module_.parameters()} == {torch.float32}


def _spread_amplitudes(X):
    X = X.copy()
    X[::2] *= 1e4  # every other series ten thousand times larger
    return X


@pytest.mark.parametrize("scaling", ["per_channel", "minmax"])
def test_per_channel_scaling_warns_when_amplitudes_differ_by_orders_of_magnitude(
    pattern_data, scaling
):
    X, y = pattern_data
    with pytest.warns(UserWarning, match="scaling='per_series_amplitude'") as record:
        clf = fast(scaling=scaling).fit(_spread_amplitudes(X), y)
    assert clf.scaling_ == scaling  # an explicit choice is kept
    assert record[0].filename == __file__  # it points at the caller's line
    factor = str(record[0].message).split("factor of ")[1].split(" ")[0]
    assert 5_000 < int(factor.replace(",", "")) < 50_000  # ~1e4, spread of X
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast(scaling="per_series").fit(_spread_amplitudes(X), y)  # no warning
        fast(scaling=None).fit(_spread_amplitudes(X), y)  # the user scales
        fast(scaling=scaling).fit(X, y)  # comparable amplitudes


def test_auto_scaling_z_normalises_each_series_when_amplitudes_spread(pattern_data):
    X, y = pattern_data
    X = _spread_amplitudes(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = fast().fit(X, y)
    assert clf.scaling == "auto"
    assert clf.scaling_ == "per_series_amplitude"
    assert clf.scaler_.method == "per_series"
    np.testing.assert_array_equal(
        clf.predict_proba(X),
        fast(scaling="per_series_amplitude").fit(X, y).predict_proba(X),
    )


def test_per_series_amplitude_feeds_standardised_log_amplitudes(pattern_data):
    X, y = pattern_data
    X = _spread_amplitudes(X)
    clf = fast(scaling="per_series_amplitude").fit(X, y)
    scaling = clf.net_.module_.input_scaling
    assert clf.net_.module_.conv_blocks[0].conv.in_channels == 2 * X.shape[1]
    log_stds = np.log(X.std(axis=-1))  # (n_samples, n_channels)
    mean, std = log_stds.mean(axis=0), np.maximum(log_stds.std(axis=0), 1.0)
    with torch.no_grad():
        out = scaling(torch.as_tensor(X[:5], dtype=torch.float32)).numpy()
    expected = (log_stds[:5] - mean) / std  # every other series 1e4 larger
    np.testing.assert_allclose(out[:, 2:, 0], expected, rtol=1e-4, atol=1e-4)
    assert np.ptp(out[:, 2:, :], axis=-1).max() == 0  # constant over time
    z = (X[:5] - X[:5].mean(-1, keepdims=True)) / X[:5].std(-1, keepdims=True)
    np.testing.assert_allclose(out[:, :2], z, rtol=1e-4, atol=1e-4)


def test_per_series_amplitude_sees_the_scale_that_per_series_discards(pattern_data):
    X, y = pattern_data
    louder = X[:6] * 100.0
    plain = fast(scaling="per_series").fit(X, y)
    np.testing.assert_allclose(
        plain.predict_proba(louder), plain.predict_proba(X[:6]), rtol=1e-4, atol=1e-5
    )
    with_amplitude = fast(scaling="per_series_amplitude").fit(X, y)
    assert not np.allclose(
        with_amplitude.predict_proba(louder), with_amplitude.predict_proba(X[:6])
    )


def test_auto_scaling_is_per_channel_when_amplitudes_are_comparable(pattern_data):
    X, y = pattern_data
    clf = fast().fit(X, y)
    assert clf.scaling_ == "per_channel" and clf.scaler_.method == "per_channel"
    np.testing.assert_array_equal(
        clf.predict_proba(X), fast(scaling="per_channel").fit(X, y).predict_proba(X)
    )
