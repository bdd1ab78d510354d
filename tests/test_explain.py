"""explain and plot_attribution: attributions where the evidence is, shaped like X."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS
from sklearn.exceptions import NotFittedError
from torch import nn

from sklearn_convlstm import ConvLSTMClassifier, ConvLSTMRegressor, RaggedSeries
from sklearn_convlstm.inspection import explain, plot_attribution

WINDOW = slice(20, 31)  # the 11 steps (of 64) that tell the classes apart
WINDOW_SHARE = 11 / 64

#: Small enough to fit 160 series in a few seconds, big enough to learn the
#: window (test accuracy 0.95-0.97 on random_state 0-2).
WINDOW_PARAMS = {
    "conv_channels": (8, 8),
    "kernel_sizes": 5,
    "lstm_hidden_size": 8,
    "max_epochs": 25,
    "batch_size": 16,
    "lr": 1e-2,
    "random_state": 0,
}


def window_data(seed: int, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Noise everywhere; steps 20-30 hold a sine burst whose sign is the class.

    The burst has the noise's energy (RMS 1 against noise of std 1), so the
    window does not stand out by size: an attribution method that just
    followed large inputs would not find it, and a model trained on shuffled
    labels has no reason to look there.
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, 1, 64)).astype(np.float32)
    y = np.arange(n_samples) % 2
    burst = np.sqrt(2) * np.sin(2 * np.pi * np.arange(11) / 11)
    sign = np.where(y == 1, 1.0, -1.0)[:, None]
    X[:, 0, WINDOW] = sign * burst + 0.3 * rng.normal(size=(n_samples, 11))
    return X, y


def window_mass(attributions: np.ndarray) -> float:
    """Share of the absolute attribution that falls in the window."""
    magnitude = np.abs(attributions)
    return float(magnitude[..., WINDOW].sum() / magnitude.sum())


@pytest.fixture(scope="module")
def window_fits():
    X, y = window_data(0, 160)
    shuffled = np.random.RandomState(5).permutation(y)
    torch.manual_seed(0)
    trained = ConvLSTMClassifier(**WINDOW_PARAMS).fit(X, y)
    control = ConvLSTMClassifier(**WINDOW_PARAMS).fit(X, shuffled)
    return trained, control, window_data(1, 40), (X, y)


def test_attribution_mass_falls_in_the_separating_window(window_fits):
    trained, _, (X_test, y_test), (X, y) = window_fits
    # 160 training series: the default fuses the random-kernel ridge
    assert trained.fusion_weight_ == 3.0
    assert trained.score(X_test, y_test) >= 0.9
    attributions = explain(trained, X_test)
    assert attributions.shape == X_test.shape
    assert attributions.dtype == np.float32
    # The ridge part follows the random kernels, which read the whole series:
    # measured 0.36 for random_state 0 (2.1 times the window's 17 % share).
    assert window_mass(attributions) > 0.3
    # The same network alone: measured 0.55 / 0.63 / 0.73 for random_state
    # 0 / 1 / 2 (3.2-4.2 times the window's share).
    alone = ConvLSTMClassifier(**WINDOW_PARAMS, head="softmax").fit(X, y)
    torch.testing.assert_close(
        alone._network_outputs(X_test), trained._network_outputs(X_test)
    )
    assert window_mass(explain(alone, X_test)) > 0.45


def test_shuffled_labels_do_not_concentrate_attribution_in_the_window(window_fits):
    _, control, (X_test, y_test), _ = window_fits
    assert control.score(X_test, y_test) < 0.7  # it learned nothing real
    # Measured 0.16 / 0.14 / 0.10 for random_state 0 / 1 / 2: about the
    # window's share of the length, 0.17.
    assert window_mass(explain(control, X_test)) < 0.25


def test_attributions_sum_to_the_change_in_probability(window_fits):
    trained, _, (X_test, _), _ = window_fits
    X = X_test[:10]
    # The quadrature error falls as 1 / n_steps (about 5e-3 at 256 steps,
    # 1.4e-3 at 1,024 on one machine); 1,024 leaves a margin across CPUs.
    attributions = explain(trained, X, n_steps=1024)
    proba = trained.predict_proba(X)
    predicted = proba.argmax(axis=1)
    # Per-channel scaling: the baseline is every step at the training mean.
    scaling = trained.net_.module_.input_scaling
    mean = float(-scaling.bias / scaling.weight)
    baseline = trained.predict_proba(np.full((1, 1, 64), mean, dtype=np.float32))
    expected = proba[np.arange(10), predicted] - baseline[0, predicted]
    np.testing.assert_allclose(attributions.sum(axis=(1, 2)), expected, atol=3e-3)


def test_target_chooses_the_explained_class(window_fits):
    trained, _, (X_test, _), _ = window_fits
    X = X_test[:6]
    for_class_1 = explain(trained, X, target=1)
    for_class_0 = explain(trained, X, target=np.zeros(6, dtype=int))
    # Two classes: p(0) = 1 - p(1) along the whole path, so the attributions
    # are exact opposites.
    np.testing.assert_allclose(for_class_0, -for_class_1, atol=1e-6)
    predicted = trained.predict(X)
    np.testing.assert_allclose(
        explain(trained, X), explain(trained, X, target=predicted), atol=0
    )


@pytest.fixture(scope="module")
def unequal_fit():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(2, n)).astype(np.float32) for n in (20, 28, 24, 32) * 5]
    y = np.arange(20) % 2
    torch.manual_seed(0)
    return ConvLSTMClassifier(**FAST_PARAMS).fit(X, y), X


def test_unequal_lengths_give_one_array_per_series_and_ignore_padding(unequal_fit):
    clf, X = unequal_fit
    # target fixed: an undertrained model's predicted class could flip on float
    # rounding between the padded and the unpadded forward pass.
    attributions = explain(clf, X[:4], target=1)
    assert isinstance(attributions, list)
    assert [a.shape for a in attributions] == [(2, 20), (2, 28), (2, 24), (2, 32)]
    # A short series explained in a batch padded to 32 steps gets the same
    # attribution as alone: the padding takes none of it and changes nothing.
    alone = explain(clf, [X[0]], target=1)
    np.testing.assert_allclose(attributions[0], alone[0], atol=1e-6)
    assert np.abs(attributions[0]).sum() > 0


def test_list_items_and_2d_input_keep_their_shape(unequal_fit):
    rng = np.random.RandomState(1)
    table = rng.normal(size=(8, 20)).astype(np.float32)
    univariate = ConvLSTMClassifier(**FAST_PARAMS).fit(table, np.arange(8) % 2)
    assert explain(univariate, table[:3]).shape == (3, 20)
    items = explain(univariate, [table[0], table[1].tolist()])
    assert [a.shape for a in items] == [(20,), (20,)]
    np.testing.assert_allclose(items[0], explain(univariate, table[:1])[0], atol=1e-6)
    clf, X = unequal_fit
    assert [a.shape for a in explain(clf, (X[3], X[0]))] == [(2, 32), (2, 20)]


def test_per_series_scaling_baseline_is_the_flat_series():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 1, 24)).astype(np.float32) * rng.uniform(1, 5, (20, 1, 1))
    y = np.arange(20) % 2
    clf = ConvLSTMClassifier(**FAST_PARAMS, scaling="per_series").fit(X, y)
    attributions = explain(clf, X[:5], target=1, n_steps=256)
    # Any flat series is z-normalised to zeros: the baseline.
    baseline = clf.predict_proba(np.zeros((1, 1, 24), dtype=np.float32))[0, 1]
    expected = clf.predict_proba(X[:5])[:, 1] - baseline
    np.testing.assert_allclose(attributions.sum(axis=(1, 2)), expected, atol=2e-3)


def test_amplitude_channels_are_held_and_attribution_is_finite():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 2, 24)).astype(np.float32) * rng.uniform(1, 9, (20, 1, 1))
    y = np.arange(20) % 2
    clf = ConvLSTMClassifier(**FAST_PARAMS, scaling="per_series_amplitude").fit(X, y)
    attributions = explain(clf, X[:3])
    assert attributions.shape == (3, 2, 24)
    assert np.isfinite(attributions).all()
    assert np.abs(attributions).sum() > 0


def _fitted_regressor(n_outputs: int) -> ConvLSTMRegressor:
    """A real ConvLSTMRegressor whose targets are in the hundreds."""
    rng = np.random.RandomState(0)
    X = (rng.normal(size=(24, 1, 16)) * 2 + 1).astype(np.float32)
    y = 500 + 40 * X.mean(axis=(1, 2))
    if n_outputs > 1:
        y = np.stack([y, -y], axis=1)
    params = {**FAST_PARAMS, "conv_channels": (4,), "lstm_hidden_size": 4}
    return ConvLSTMRegressor(**params, scaling="per_channel").fit(X, y)


def test_regressor_explains_its_output_in_the_targets_units():
    model = _fitted_regressor(n_outputs=1)
    X = np.random.RandomState(1).normal(size=(3, 1, 16)).astype(np.float32)
    attributions = explain(model, X, n_steps=128)
    predicted = model.predict(X)
    assert np.abs(predicted).min() > 100  # the targets' units, not standardised
    # Baseline: every step at the training mean of its channel (scaled zeros).
    baseline = np.full((1, 1, 16), model.scaler_.mean_[0], dtype=np.float32)
    np.testing.assert_allclose(
        attributions.sum(axis=(1, 2)),
        predicted - model.predict(baseline)[0],
        rtol=1e-3,
        atol=1e-3,
    )


def test_multi_output_regressor_needs_a_target():
    model = _fitted_regressor(n_outputs=2)
    X = np.zeros((2, 1, 16), dtype=np.float32)
    with pytest.raises(ValueError, match="has 2 outputs; pass target=<output index>"):
        explain(model, X)
    assert explain(model, X, target=1).shape == (2, 1, 16)
    with pytest.raises(
        ValueError, match=r"output index in \[0, 1\] \(or one per series\); got 2"
    ):
        explain(model, X, target=2)


def test_unfitted_estimator_raises_not_fitted():
    with pytest.raises(NotFittedError):
        explain(ConvLSTMClassifier(), np.zeros((2, 1, 16)))


def test_network_without_conv_block_is_refused(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    clf.net_.module_ = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
    with pytest.raises(ValueError, match=r"has no conv block \(no Conv1d layer\)"):
        explain(clf, X)


def test_bad_input_is_refused(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    with pytest.raises(ValueError, match="X has 1 channels, but ConvLSTMClassifier"):
        explain(clf, X[:, :1])
    with pytest.raises(ValueError, match="got an array with 4 dimensions"):
        explain(clf, X[..., None])
    with pytest.raises(ValueError, match="fitted on series of 32 timesteps"):
        explain(clf, X[:, :, :20])
    with pytest.raises(ValueError, match=r"one of the classes \[0, 1\].*got 7"):
        explain(clf, X, target=7)
    with pytest.raises(ValueError, match=r"one per series \(60\); got an array"):
        explain(clf, X, target=[0, 1])
    with pytest.raises(ValueError, match="n_steps must be at least 1; got 0"):
        explain(clf, X, n_steps=0)


def test_explaining_right_after_fit_leaves_the_model_unchanged(pattern_data):
    """A forward in training mode would update BatchNorm's running statistics."""
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    state = {k: v.clone() for k, v in clf.net_.module_.state_dict().items()}
    explain(clf, X[:4])
    for name, value in clf.net_.module_.state_dict().items():
        assert torch.equal(value, state[name]), name


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_recurrent_layers_differentiate_in_eval_mode(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS, device="cuda").fit(X, y)
    on_gpu = explain(clf, X[:4])
    assert not clf.net_.module_.training  # dropout stayed off
    cpu = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    cpu.net_.module_.load_state_dict(clf.net_.module_.state_dict())
    np.testing.assert_allclose(on_gpu, explain(cpu, X[:4]), atol=1e-4)


def test_plot_attribution_draws_the_band(pattern_data):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    series = pattern_data[0][0]
    attribution = np.linspace(-1, 1, series.size).reshape(series.shape)
    ax = plot_attribution(series, attribution)
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), attribution)
    assert image.get_clim() == (-1.0, 1.0)
    assert len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match=r"same shape.*got \(2, 32\) and \(32,\)"):
        plot_attribution(series, attribution[0])


def test_plot_attribution_names_the_extra_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"sklearn-convlstm\[plot\]"):
        plot_attribution(np.zeros(5), np.zeros(5))


def test_ragged_series_are_explained_like_the_list(unequal_fit, tmp_path):
    """Before: a NumPy shape error, while predict accepted the same input."""
    clf, X = unequal_fit
    values = np.concatenate(X[:6], axis=1)
    offsets = np.cumsum([0] + [x.shape[1] for x in X[:6]])
    np.save(tmp_path / "values.npy", values)
    ragged = RaggedSeries(np.load(tmp_path / "values.npy", mmap_mode="r"), offsets)
    attributions = explain(clf, ragged, target=1)
    expected = explain(clf, X[:6], target=1)
    assert [a.shape for a in attributions] == [x.shape for x in X[:6]]
    for got, want in zip(attributions, expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_explain_does_not_change_a_concurrent_predict_proba(pattern_data):
    """explain's forward hook on the shared input scaling leaked into another
    thread's predict_proba: 32 rows (the path points) came back for 5 series."""
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    expected = clf.predict_proba(X[:5])
    stop = threading.Event()
    failures: list[BaseException] = []

    def explain_in_a_loop() -> None:
        try:
            while not stop.is_set():
                explain(clf, X[:4], n_steps=8)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, as on a busy server
    worker = threading.Thread(target=explain_in_a_loop)
    worker.start()
    try:
        shapes = set()
        for _ in range(400):
            proba = clf.predict_proba(X[:5])
            shapes.add(proba.shape)
            if proba.shape == expected.shape:
                np.testing.assert_array_equal(proba, expected)
    finally:
        stop.set()
        worker.join()
        sys.setswitchinterval(interval)
    assert shapes == {(5, 2)}
    assert not failures


# ------------------------------------------------- the random-kernel head
def _fused_probability_at(clf, X, scaled_points):
    """The fused probabilities with the network's scaled input replaced."""
    from sklearn_convlstm.inspection import _input_scaling, _PathPoints, _replacing

    module = clf.net_.module_
    scaling = _input_scaling(module)
    with torch.no_grad():
        if scaling is None:
            logits = module(scaled_points)
        else:
            logits = _replacing(module, scaling, _PathPoints(scaled_points))(
                torch.from_numpy(X)
            )
        ridge = torch.cat(
            [clf.random_kernel_head_(item[None]) for item in scaled_points]
        )
    fused = torch.log_softmax(logits.double(), 1) + clf.fusion_weight_ * ridge
    return torch.softmax(fused, 1).numpy()


@pytest.mark.parametrize(
    ("scaling", "n_series", "head", "weight"),
    [
        ("per_channel", 6, "random-kernels", 10.0),
        (None, 6, "random-kernels", 10.0),
        # a full training set: head="auto" fuses at the full-size weight
        ("per_channel", 24, "auto", 3.0),
    ],
)
def test_fused_model_attributions_sum_to_the_fused_probability_change(
    scaling, n_series, head, weight
):
    """Completeness: network part by integrated gradients, ridge part exactly."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_series, 2, 40)).astype(np.float32)
    y = np.array([0, 1, 2] * (n_series // 3))
    params = {**FAST_PARAMS, "scaling": scaling}
    fused = ConvLSTMClassifier(**params, head=head).fit(X, y)
    assert fused.fusion_weight_ == weight
    X_test = rng.normal(size=(3, 2, 40)).astype(np.float32)
    attributions = explain(fused, X_test, n_steps=64)
    assert attributions.shape == X_test.shape
    scaled = next(fused._scaled_batches(X_test, np.full(3, 40)))[0]
    at_series = _fused_probability_at(fused, X_test, scaled)
    at_baseline = _fused_probability_at(fused, X_test, torch.zeros_like(scaled))
    predicted = fused.predict_proba(X_test).argmax(1)
    rows = np.arange(3)
    np.testing.assert_allclose(
        attributions.sum(axis=(1, 2)),
        at_series[rows, predicted] - at_baseline[rows, predicted],
        atol=1e-3,
    )
    # the ridge part changes the explanation of the same network
    alone = ConvLSTMClassifier(**params, head="softmax").fit(X, y)
    assert np.abs(attributions - explain(alone, X_test, n_steps=64)).max() > 1e-2


def test_fused_model_explains_series_of_unequal_length():
    rng = np.random.RandomState(1)
    X = [rng.normal(size=(1, 30 + i)).astype(np.float32) for i in range(6)]
    fused = ConvLSTMClassifier(**FAST_PARAMS, head="random-kernels").fit(
        X, np.array([0, 1, 2] * 2)
    )
    X_test = [rng.normal(size=(1, n)).astype(np.float32) for n in (12, 25, 36)]
    attributions = explain(fused, X_test, target=1)
    assert [a.shape for a in attributions] == [(1, 12), (1, 25), (1, 36)]
    assert all(np.isfinite(a).all() for a in attributions)
