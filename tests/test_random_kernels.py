"""The random-kernel head: MiniRocket's features in PyTorch, the ridge, the fusion."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS

from sklearn_convlstm import ConvLSTMClassifier, _classifier
from sklearn_convlstm._classifier import (
    FUSION_MAX_SERIES,
    LARGER_CLASSES_FUSION,
    RANDOM_KERNEL_FUSION,
    RANDOM_KERNEL_MAX_SERIES_PER_CLASS,
)
from sklearn_convlstm._random_kernel_head import fit_random_kernel_ridge
from sklearn_convlstm.datasets import make_pattern_classification
from sklearn_convlstm.nn import RandomKernelFeatures, _random_kernels
from sklearn_convlstm.nn._random_kernels import (
    _KERNEL_POSITIONS,
    KERNEL_LENGTH,
    N_KERNELS,
    _count_above,
    fit_dilations,
    kernel_outputs,
)


def fast(**overrides) -> ConvLSTMClassifier:
    return ConvLSTMClassifier(**{**FAST_PARAMS, **overrides})


def tiny_patterns(per_class: int, n_classes: int = 3, seed: int = 0):
    """``per_class`` training series per class and 20 held-out per class."""
    X, y = make_pattern_classification(
        n_samples=n_classes * (per_class + 20),
        n_timesteps=60,
        n_classes=n_classes,
        noise=0.2,
        random_state=seed,
    )
    X, y = np.asarray(X), np.asarray(y)
    train = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in np.unique(y)])
    test = np.setdiff1d(np.arange(len(y)), train)
    return X[train], y[train], X[test], y[test]


# ------------------------------------------------------------------ features
@pytest.mark.parametrize("n_timesteps", [9, 24, 150, 1460])
def test_dilations_follow_minirocket(n_timesteps):
    """Same dilations and feature counts as sktime's MiniRocket."""
    numba_module = pytest.importorskip(
        "sktime.transformations.rocket._minirocket_multi_numba"
    )
    expected = numba_module._fit_dilations(n_timesteps, 10_000, 32)
    dilations, counts = fit_dilations(n_timesteps)
    np.testing.assert_array_equal(dilations, expected[0])
    np.testing.assert_array_equal(counts, expected[1])
    assert counts.sum() * N_KERNELS == 9_996


def test_dilations_refuse_series_shorter_than_a_kernel():
    with pytest.raises(ValueError, match="at least 9 timesteps; got 8"):
        fit_dilations(8)


def _ppv_by_hand(series, weight, bias, dilation, padded):
    """PPV of one kernel on one univariate series, written out with a loop."""
    length = len(series)
    padding = (KERNEL_LENGTH - 1) // 2 * dilation
    padded_series = np.concatenate([np.zeros(padding), series, np.zeros(padding)])
    outputs = np.array(
        [
            sum(
                weight[j] * padded_series[t + j * dilation]
                for j in range(KERNEL_LENGTH)
            )
            for t in range(length)
        ]
    )
    if not padded:
        outputs = outputs[padding : length - padding]
    return np.mean(outputs[:, None] > bias[None, :], axis=0)


def test_features_are_the_proportion_of_positive_values():
    """Each feature equals a hand-computed PPV, padded and unpadded alike."""
    rng = np.random.RandomState(0)
    x = torch.from_numpy(rng.normal(size=(3, 1, 40)).astype(np.float32))
    module = RandomKernelFeatures.from_training_series(x, n_features=840)
    features = module(x).numpy()
    assert features.shape == (3, module.n_features) == (3, 840)
    column = 0
    checked = set()
    for index, dilation in enumerate(module.dilations):
        weight = getattr(module, f"weight_{index}")[:, 0].numpy()
        bias = getattr(module, f"bias_{index}").numpy()
        count = module.features_per_dilation[index]
        for kernel in range(N_KERNELS):
            padded = (index + kernel) % 2 == 0
            if (kernel < 2) or (padded not in checked):
                for row in range(3):
                    expected = _ppv_by_hand(
                        x[row, 0].numpy(),
                        weight[kernel],
                        bias[kernel],
                        dilation,
                        padded,
                    )
                    np.testing.assert_allclose(
                        features[row, column : column + count], expected, atol=1e-6
                    )
                checked.add(padded)
            column += count
    assert checked == {True, False}
    # the kernels: three weights 2, six weights -1, all 84 position triples
    first = module.weight_0[:, 0].numpy()
    assert sorted(map(tuple, np.argwhere(first == 2)[:, 1].reshape(-1, 3))) == sorted(
        map(tuple, _KERNEL_POSITIONS)
    )
    assert (first == -1).sum() == 6 * N_KERNELS


@pytest.mark.parametrize("n_biases", [1, 3, 8, 9, 60])
def test_counting_above_biases_is_exact(n_biases):
    """All biases compared at once count what one comparison per bias counts."""
    generator = torch.Generator().manual_seed(n_biases)
    values = torch.randn(5, N_KERNELS, 70, generator=generator)
    values[:, ::3, :9] = float("-inf")  # masked positions never count
    values[0, 0, :4] = 0.5  # ties with a bias are not above it
    bias = torch.randn(N_KERNELS, n_biases, generator=generator)
    bias[0, 0] = 0.5
    expected = (values[..., None] > bias[None, :, None, :]).sum(dim=2)
    counted = _count_above(values, bias)
    assert counted.dtype == torch.float32
    torch.testing.assert_close(counted.long(), expected, rtol=0, atol=0)


def test_padding_after_a_series_end_does_not_change_its_features():
    rng = np.random.RandomState(1)
    short = rng.normal(size=(2, 30)).astype(np.float32)
    x = torch.zeros(1, 2, 50)
    x[0, :, :30] = torch.from_numpy(short)
    module = RandomKernelFeatures.from_training_series(x, n_features=420)
    padded = module(x, torch.tensor([30]))
    alone = module(torch.from_numpy(short)[None])
    torch.testing.assert_close(padded, alone)
    # fitting too: what the caller put after the end does not reach the biases
    noisy = x.clone()
    noisy[0, :, 30:] = 7.0
    refitted = RandomKernelFeatures.from_training_series(
        noisy, torch.tensor([30]), n_features=420
    )
    clean = RandomKernelFeatures.from_training_series(
        torch.from_numpy(short)[None], n_features=420
    )
    for index in range(len(clean.dilations)):
        torch.testing.assert_close(
            getattr(refitted, f"bias_{index}"), getattr(clean, f"bias_{index}")
        )


def test_features_refuse_other_channel_counts():
    module = RandomKernelFeatures.from_training_series(
        torch.randn(4, 2, 20), n_features=84
    )
    with pytest.raises(ValueError, match="fitted on 2 channel"):
        module(torch.randn(4, 3, 20))


def test_ridge_head_learns_from_two_series_per_class():
    """Leave-one-out ridge on the features: a learning threshold, 3 classes."""
    X, y, X_test, y_test = tiny_patterns(per_class=2)
    classes, encoded = np.unique(y, return_inverse=True)
    head = fit_random_kernel_ridge(
        torch.from_numpy(X.astype(np.float32)), encoded, len(classes)
    )
    with torch.no_grad():
        scores = head(torch.from_numpy(X_test.astype(np.float32))).numpy()
    assert scores.shape == (len(y_test), 3)
    assert np.mean(classes[scores.argmax(1)] == y_test) >= 0.75
    assert head.alpha_ in np.logspace(-3, 3, 10)


def test_binary_ridge_gives_opposite_scores():
    X, y, X_test, _ = tiny_patterns(per_class=3, n_classes=2)
    head = fit_random_kernel_ridge(torch.from_numpy(X.astype(np.float32)), y, 2)
    with torch.no_grad():
        scores = head(torch.from_numpy(X_test.astype(np.float32)))
    torch.testing.assert_close(scores[:, 0], -scores[:, 1])


# ---------------------------------------------------------------- classifier
def test_head_fuses_the_network_with_the_ridge():
    X, y, X_test, y_test = tiny_patterns(per_class=2)
    fused = fast(head="random-kernels").fit(X, y)
    alone = fast(head="softmax").fit(X, y)
    assert fused.head_ == "random-kernels" and alone.head_ == "softmax"
    assert alone.random_kernel_head_ is None
    # the head is fitted after training: the network is the same, bit for bit
    network = fused._network_outputs(X_test)
    torch.testing.assert_close(network, alone._network_outputs(X_test), rtol=0, atol=0)
    scores = fused._random_kernel_scores(X_test)
    expected = torch.softmax(
        torch.log_softmax(network.double(), 1) + RANDOM_KERNEL_FUSION * scores, 1
    ).numpy()
    proba = fused.predict_proba(X_test)
    np.testing.assert_allclose(proba, expected, rtol=1e-12)
    np.testing.assert_array_equal(
        fused.predict(X_test), fused.classes_[proba.argmax(1)]
    )
    assert np.mean(fused.predict(X_test) == y_test) >= 0.75


def test_same_random_state_same_predictions():
    X, y, X_test, _ = tiny_patterns(per_class=2, seed=3)
    first = fast(head="random-kernels", random_state=5).fit(X, y)
    second = fast(head="random-kernels", random_state=5).fit(X, y)
    np.testing.assert_array_equal(
        first.predict_proba(X_test), second.predict_proba(X_test)
    )


def test_auto_head_follows_series_per_class_and_variant():
    limit = RANDOM_KERNEL_MAX_SERIES_PER_CLASS
    X, y, _, _ = tiny_patterns(per_class=limit)
    tiny = fast(head="auto").fit(X, y)
    assert (tiny.head_, tiny.fusion_weight_) == ("random-kernels", RANDOM_KERNEL_FUSION)
    X, y, _, _ = tiny_patterns(per_class=limit + 1)
    larger = fast(head="auto").fit(X, y)
    assert (larger.head_, larger.fusion_weight_) == (
        "random-kernels",
        LARGER_CLASSES_FUSION,
    )
    X, y, _, _ = tiny_patterns(per_class=1)
    article = ConvLSTMClassifier(variant="basic", max_epochs=1, head="auto")
    assert article.fit(X, y).head_ == "softmax"
    # series shorter than one kernel: auto falls back, an explicit head refuses
    assert fast(head="auto", kernel_sizes=1).fit(X[..., :8], y).head_ == "softmax"
    with pytest.raises(ValueError, match="longest training series has 8 steps"):
        fast(head="random-kernels", kernel_sizes=1).fit(X[..., :8], y)
    # shorter series next to longer ones count their own steps
    mixed = [x[:, :7] if i % 2 else x for i, x in enumerate(X)]
    clf = fast(head="random-kernels").fit(mixed, y)
    assert clf.predict_proba([X[0][:, :5], X[1]]).shape == (2, 3)


def test_unequal_lengths_use_each_series_own_steps():
    X, y, X_test, _ = tiny_patterns(per_class=2)
    series = [x[:, : 40 + 5 * i] for i, x in enumerate(X)]
    clf = fast(head="random-kernels").fit(series, y)
    lengths_seen = [x[:, :50] for x in X_test[:4]]
    proba = clf.predict_proba(lengths_seen)
    assert proba.shape == (4, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    # one series predicted alone or in a padded batch: the same scores
    alone = clf._random_kernel_scores([lengths_seen[0][:, :45]])
    batch = clf._random_kernel_scores([lengths_seen[0][:, :45], lengths_seen[1]])
    torch.testing.assert_close(alone[0], batch[0], rtol=0, atol=1e-5)


def test_pickle_and_safe_format_keep_the_head(tmp_path):
    from sklearn_convlstm import load_model, save_model

    X, y, X_test, _ = tiny_patterns(per_class=2)
    clf = fast(head="random-kernels").fit(X, y)
    expected = clf.predict_proba(X_test)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(clf)).predict_proba(X_test), expected
    )
    save_model(clf, tmp_path / "model.convlstm")
    restored = load_model(tmp_path / "model.convlstm")
    assert restored.head_ == "random-kernels"
    assert restored.fusion_weight_ == RANDOM_KERNEL_FUSION
    np.testing.assert_array_equal(restored.predict_proba(X_test), expected)
    # the weight of larger classes is kept too (one saved as 10 would differ)
    X_full, y_full, _, _ = tiny_patterns(per_class=3)
    full = fast(head="auto").fit(X_full, y_full)
    save_model(full, tmp_path / "full.convlstm")
    restored = load_model(tmp_path / "full.convlstm")
    assert restored.fusion_weight_ == LARGER_CLASSES_FUSION
    np.testing.assert_array_equal(
        restored.predict_proba(X_test), full.predict_proba(X_test)
    )
    softmax = fast(head="softmax").fit(X, y)
    save_model(softmax, tmp_path / "softmax.convlstm")
    assert load_model(tmp_path / "softmax.convlstm").random_kernel_head_ is None


def _conv1d_outputs(x, weight, padding, dilation):
    return torch.nn.functional.conv1d(x, weight, padding=padding, dilation=dilation)


def _old_features(module, x, lengths=None, outputs_of=kernel_outputs):
    """The features as the first implementation counted them (for reference).

    One convolution over the whole batch (``outputs_of``), positions masked
    to -inf, one comparison per bias.
    """
    batch, _, n_timesteps = x.shape
    positions = torch.arange(n_timesteps)
    ends = torch.full((batch,), n_timesteps) if lengths is None else lengths
    if lengths is not None:
        x = x.masked_fill(positions >= ends[:, None, None], 0.0)
    blocks = []
    for index, dilation in enumerate(module.dilations):
        padding = (KERNEL_LENGTH - 1) // 2 * dilation
        outputs = outputs_of(x, getattr(module, f"weight_{index}"), padding, dilation)
        unpadded = ((index + torch.arange(N_KERNELS)) % 2 == 1)[None, :, None]
        first = torch.where(unpadded, padding, 0)
        valid = (positions >= first) & (positions < ends[:, None, None] - first)
        empty = valid.sum(-1) == 0
        valid = valid | (empty[..., None] & (positions < ends[:, None, None]))
        masked = outputs.masked_fill(~valid, float("-inf"))
        bias = getattr(module, f"bias_{index}")
        counts = torch.stack(
            [
                (masked > bias[None, :, j, None]).sum(-1, dtype=torch.float32)
                for j in range(bias.shape[1])
            ],
            dim=-1,
        )
        blocks.append((counts / valid.sum(-1)[..., None]).reshape(batch, -1))
    return torch.cat(blocks, dim=1)


@pytest.mark.parametrize(
    ("n_channels", "n_timesteps", "n_features"),
    [(1, 40, 840), (3, 60, 2000), (1, 9, 84), (2, 300, 10_000)],
)
def test_features_equal_the_first_implementation(n_channels, n_timesteps, n_features):
    """Same counts, bit for bit: equal lengths, unequal lengths, traced path."""
    rng = np.random.RandomState(n_timesteps)
    train = torch.from_numpy(rng.normal(size=(5, n_channels, n_timesteps))).float()
    module = RandomKernelFeatures.from_training_series(
        train.cumsum(-1), n_features=n_features
    )
    x = torch.from_numpy(rng.normal(size=(9, n_channels, n_timesteps))).float()
    x = x.cumsum(-1)
    lengths = torch.from_numpy(rng.randint(1, n_timesteps + 1, size=9))
    lengths[0] = n_timesteps
    with torch.no_grad():
        for batch_lengths in (None, lengths):
            expected = _old_features(module, x, batch_lengths)
            assert torch.equal(module(x, batch_lengths), expected)
            assert torch.equal(module._traceable_features(x, batch_lengths), expected)


# -------------------------------------------- one sum, one rounding, every path


def _module_and_series(n_channels: int, n_timesteps: int, seed: int = 0):
    rng = np.random.RandomState(seed)
    train = torch.from_numpy(rng.normal(size=(6, n_channels, n_timesteps))).float()
    module = RandomKernelFeatures.from_training_series(
        train.cumsum(-1), n_features=2000
    )
    x = torch.from_numpy(rng.normal(size=(11, n_channels, n_timesteps))).float()
    return module, x.cumsum(-1) * 0.37


@pytest.mark.parametrize("n_channels", [1, 3])
def test_kernel_outputs_are_the_exact_sums_rounded_once(n_channels):
    """Each output is float32(the exact weighted sum): float64 conv1d, rounded.

    Nine float32 taps times -1 or 2 sum exactly in float64, so the value
    does not depend on an order; a constant channel gives exact zeros where
    the kernel covers it fully (its weights sum to 0), where float32 sums
    left rounding noise that decided counts.
    """
    module, x = _module_and_series(n_channels, 80)
    for index, dilation in enumerate(module.dilations[:4]):
        weight = getattr(module, f"weight_{index}")
        padding = (KERNEL_LENGTH - 1) // 2 * dilation
        exact = torch.nn.functional.conv1d(
            x.double(), weight.double(), padding=padding, dilation=dilation
        ).float()
        assert torch.equal(kernel_outputs(x, weight, padding, dilation), exact)
    constant = torch.full((2, n_channels, 80), 0.1)
    outputs = kernel_outputs(constant, module.weight_1, 8, 2)
    assert torch.equal(outputs[..., 8:-8], torch.zeros(2, N_KERNELS, 64))
    assert outputs[..., :8].abs().max() > 0  # the padded ends still count
    with pytest.raises(ValueError, match=r"padding must be 4 \* dilation = 8; got 4"):
        kernel_outputs(x, module.weight_1, 4, 2)


@pytest.mark.parametrize(
    ("n_channels", "n_timesteps"), [(1, 9), (1, 70), (4, 50), (2, 300)]
)
def test_compiled_loop_and_tensor_operations_give_the_same_features(
    n_channels, n_timesteps, monkeypatch
):
    """The numba loop (CPU), the tensor blocks (CUDA, no numba), the traced graph."""
    module, x = _module_and_series(n_channels, n_timesteps, seed=n_timesteps)
    rng = np.random.RandomState(1)
    lengths = torch.from_numpy(rng.randint(1, n_timesteps + 1, size=len(x)))
    lengths[0] = n_timesteps
    calls = []
    compiled = _random_kernels._compiled_ppv_features()
    assert compiled is not None  # numba is a requirement
    monkeypatch.setattr(
        _random_kernels,
        "_compiled_ppv_features",
        lambda: lambda *args: calls.append(1) or compiled(*args),
    )
    with torch.no_grad():
        for batch_lengths in (None, lengths):
            features = module(x, batch_lengths)
            assert calls and features.shape == (len(x), module.n_features)
            calls.clear()
            traced = module._traceable_features(x, batch_lengths)
            assert torch.equal(features, traced)
            with monkeypatch.context() as without_numba:
                without_numba.setattr(
                    _random_kernels, "_compiled_ppv_features", lambda: None
                )
                assert torch.equal(module(x, batch_lengths), features)
            assert not calls


@pytest.mark.parametrize("n_channels", [1, 4])
def test_features_of_a_series_do_not_depend_on_its_batch(n_channels):
    """Alone, in a block of four or among 40 series: the same features, bit for bit.

    ``conv1d`` rounded a series' kernel outputs by the batch's shape, which
    moved outputs near a bias across it (issue 28, noticed on BasicMotions
    with per-series amplitude scaling). A bias is put where conv1d's two
    roundings differ, so the conv1d count does change with the batch here.
    """
    rng = np.random.RandomState(7)
    train = torch.from_numpy(rng.normal(size=(8, n_channels, 100))).float()
    train = train.cumsum(-1) / torch.linspace(1, 9, 8)[:, None, None]
    module = RandomKernelFeatures.from_training_series(train, n_features=2000)
    x = torch.cat([train, train * 0.5 + 0.25, train.flip(-1)] * 2)[:40]
    dilation = module.dilations[0]
    padding = (KERNEL_LENGTH - 1) // 2 * dilation
    # kernel 0 at dilation index 0 is zero-padded: every position counts
    together = _conv1d_outputs(x, module.weight_0, padding, dilation)[:, 0]
    alone = torch.cat(
        [
            _conv1d_outputs(x[i : i + 1], module.weight_0, padding, dilation)
            for i in range(len(x))
        ]
    )[:, 0]
    series, step = torch.nonzero(together != alone)[0]
    with torch.no_grad():
        module.bias_0[0, 0] = torch.minimum(together, alone)[series, step]
        features = module(x)
        for block in (1, 4, 7):
            parts = [module(x[i : i + block]) for i in range(0, len(x), block)]
            assert torch.equal(torch.cat(parts), features)
        conv_together = _old_features(module, x, outputs_of=_conv1d_outputs)
        conv_alone = _old_features(
            module, x[series : series + 1], outputs_of=_conv1d_outputs
        )
    # the same series counted on one convolution over the batch: one count apart
    assert not torch.equal(conv_together[series], conv_alone[0])
    # series of unequal length: padded to the batch's longest or alone, the same
    lengths = torch.from_numpy(rng.randint(20, 101, size=len(x)))
    with torch.no_grad():
        ragged = module(x, lengths)
        for i in (0, series, len(x) - 1):
            own = int(lengths[i])
            alone = module(x[i : i + 1, :, :own], lengths[i : i + 1])
            assert torch.equal(alone[0], ragged[i])


def test_compiled_loop_is_only_loaded_where_it_runs(monkeypatch):
    # off the CPU (here the meta device, as CUDA would) the tensor path counts
    # and numba is not imported for it
    def compiled_loop_loaded():
        raise AssertionError("the compiled CPU loop was loaded for another device")

    monkeypatch.setattr(_random_kernels, "_compiled_ppv_features", compiled_loop_loaded)
    x = torch.randn(6, 2, 30)
    module = RandomKernelFeatures.from_training_series(x, random_state=0)
    on_meta = copy.deepcopy(module).to("meta")(x.to("meta"))
    assert on_meta.device.type == "meta" and on_meta.shape == (6, module.n_features)
    with pytest.raises(AssertionError, match="compiled CPU loop was loaded"):
        module(x)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_head_runs_on_cuda_and_counts_as_on_the_cpu():
    """A CUDA model's head is on CUDA and counts as the CPU one, bit for bit.

    The CPU counts with the compiled loop, CUDA with tensor operations; both
    round the exact float64 sums once, so the features are equal.
    """
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 2, 40)).cumsum(-1).astype(np.float32)
    y = np.array([0, 1, 2] * 2)
    params = {**FAST_PARAMS, "head": "random-kernels", "scaling": None}
    cuda = ConvLSTMClassifier(**params, device="cuda").fit(X, y)
    cpu = ConvLSTMClassifier(**params).fit(X, y)
    assert all(buffer.is_cuda for buffer in cuda.random_kernel_head_.buffers())
    for index in range(len(cpu.random_kernel_head_.features.dilations)):
        name = f"features.bias_{index}"
        assert torch.equal(
            cuda.random_kernel_head_.state_dict()[name].cpu(),
            cpu.random_kernel_head_.state_dict()[name],
        )
    X_test = rng.normal(size=(5, 2, 40)).cumsum(-1).astype(np.float32)
    with torch.no_grad():
        on_cuda = cuda.random_kernel_head_.features(torch.from_numpy(X_test).cuda())
        on_cpu = cpu.random_kernel_head_.features(torch.from_numpy(X_test))
    assert on_cuda.is_cuda and torch.equal(on_cuda.cpu(), on_cpu)
    torch.testing.assert_close(
        cuda._random_kernel_scores(X_test), cpu._random_kernel_scores(X_test)
    )
    np.testing.assert_allclose(
        cuda.predict_proba(X_test), cpu.predict_proba(X_test), atol=1e-5
    )
    restored = pickle.loads(pickle.dumps(cuda))  # pickled on the CPU
    np.testing.assert_allclose(
        restored.predict_proba(X_test), cuda.predict_proba(X_test), atol=1e-5
    )


def test_pickled_head_is_stored_on_the_cpu_and_copies_keep_the_device():
    X, y, _, _ = tiny_patterns(per_class=2)
    clf = fast(head="random-kernels").fit(X, y)
    head = clf.random_kernel_head_
    restored = pickle.loads(pickle.dumps(head))
    assert restored.alpha_ == head.alpha_ and not restored.training
    for key, value in head.state_dict().items():
        assert torch.equal(restored.state_dict()[key], value)
    copied = copy.deepcopy(head)
    assert copied is not head and torch.equal(copied.linear.weight, head.linear.weight)


def test_head_parameter_is_validated():
    X, y, _, _ = tiny_patterns(per_class=2)
    with pytest.raises(ValueError, match="'head' parameter"):
        fast(head="ridge").fit(X, y)


def test_auto_head_fuses_classes_of_3_or_more_at_the_lower_weight():
    """Every class with 3 or more series, up to 1,000 in all: weight 3, not 10."""
    X, y, X_test, _ = tiny_patterns(per_class=3)  # 3 classes: 9 series
    clf = fast(head="auto").fit(X, y)
    assert (clf.head_, clf.fusion_weight_) == ("random-kernels", LARGER_CLASSES_FUSION)
    network = clf._network_outputs(X_test).double()
    scores = clf._random_kernel_scores(X_test)
    expected = torch.softmax(
        torch.log_softmax(network, 1) + LARGER_CLASSES_FUSION * scores, 1
    ).numpy()
    np.testing.assert_allclose(clf.predict_proba(X_test), expected, rtol=1e-12)
    # the weight matters: the fixed weight of head="random-kernels" differs
    tiny = fast(head="random-kernels").fit(X, y)
    assert tiny.fusion_weight_ == RANDOM_KERNEL_FUSION
    assert np.abs(tiny.predict_proba(X_test) - clf.predict_proba(X_test)).max() > 1e-3
    # one series fewer: a class of 2, the tiny-class weight
    below = fast(head="auto").fit(X[1:], y[1:])
    assert (below.head_, below.fusion_weight_) == ("random-kernels", 10.0)
    # above the upper bound, and with an accelerator: the network alone
    lengths = np.full(len(y), X.shape[-1])
    targets = np.unique(y, return_inverse=True)[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_classifier, "FUSION_MAX_SERIES", len(y) - 1)
        assert clf._resolve_head(X, lengths, targets) == "softmax"
    assert clf._resolve_head(X, lengths, targets) == "larger-classes"
    assert len(y) <= FUSION_MAX_SERIES
    accelerated = clf.set_params(accelerator=object())
    assert accelerated._resolve_head(X, lengths, targets) == "softmax"
    # the article presets never get the ridge, nor a causal network (it streams)
    article = ConvLSTMClassifier(variant="basic", max_epochs=1, head="auto")
    assert article.fit(X, y).fusion_weight_ == 0.0
    causal = fast(head="auto", conv_padding="causal", bidirectional=False).fit(X, y)
    assert (causal.head_, causal.fusion_weight_) == ("softmax", 0.0)
    stream = causal.stream(1)
    assert stream.update(X_test[:1, :, :5]).shape == (1, 3)


def test_auto_head_inside_cross_validation_and_clone():
    """Each fold resolves ``head="auto"`` on its own training series."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_validate

    X, y, _, _ = tiny_patterns(per_class=4)
    result = cross_validate(
        fast(head="auto"),
        X,
        y,
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        return_estimator=True,
    )
    # 2 of the 4 series per class train each fold: the random-kernel head
    assert [est.head_ for est in result["estimator"]] == ["random-kernels"] * 2
    assert result["test_score"].min() >= 0.5
    assert clone(result["estimator"][0]).get_params()["head"] == "auto"
    assert not hasattr(clone(result["estimator"][0]), "random_kernel_head_")


def test_head_fits_leave_torchs_global_generator_alone():
    """nn.Linear's random initialisation drew from it; the head's weights are set."""
    from sklearn_convlstm._random_kernel_head import fit_random_kernel_regression
    from sklearn_convlstm.nn import RandomKernelRidge

    x = torch.from_numpy(np.random.RandomState(0).normal(size=(12, 2, 30))).float()
    before = torch.get_rng_state()
    head = fit_random_kernel_ridge(x, np.arange(12) % 3, 3, random_state=0)
    fit_random_kernel_regression(x, np.arange(12.0)[:, None], random_state=0)
    empty = RandomKernelRidge.from_config(head.config())
    assert torch.equal(torch.get_rng_state(), before)
    # the constructor makes the shapes, with zero weights
    assert empty.linear.weight.shape == head.linear.weight.shape
    assert not empty.linear.weight.any() and not empty.linear.bias.any()


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 4.0, 2: 0.5}])
def test_class_weight_weighs_the_ridge_as_it_weighs_the_network_loss(class_weight):
    """The ridge's fit weighs each series by its class's weight (sample_weight)."""
    from sklearn.linear_model import RidgeClassifierCV

    from sklearn_convlstm.nn._random_kernels import RIDGE_ALPHAS

    # noise: leave-one-out picks a strong penalty, where weights matter (a
    # ridge that interpolates its training series ignores them)
    rng = np.random.RandomState(0)
    X, X_test = rng.normal(size=(24, 1, 60)), rng.normal(size=(10, 1, 60))
    y = np.repeat([0, 1, 2], [16, 4, 4])
    weighted = fast(class_weight=class_weight).fit(X, y)
    plain = fast().fit(X, y)
    assert weighted.fusion_weight_ == plain.fusion_weight_ == LARGER_CLASSES_FUSION
    head = weighted.random_kernel_head_
    assert head.alpha_ >= 10.0

    def feature_table(series):
        lengths = np.full(len(series), series.shape[-1])
        x = torch.cat([s for s, _ in weighted._scaled_batches(series, lengths)])
        with torch.no_grad():
            return head.features(x).double().numpy()

    table, test_table = feature_table(X), feature_table(X_test)
    scale = table.std(axis=0)
    scale[scale == 0] = 1.0
    reference = RidgeClassifierCV(
        alphas=np.asarray(RIDGE_ALPHAS), class_weight=class_weight
    ).fit((table - table.mean(axis=0)) / scale, y)
    with torch.no_grad():
        outputs = head.linear.double()(torch.from_numpy(test_table)).numpy()
        unweighted = plain.random_kernel_head_.linear.double()(
            torch.from_numpy(test_table)
        ).numpy()
    np.testing.assert_allclose(
        outputs,
        reference.decision_function((test_table - table.mean(axis=0)) / scale),
        atol=1e-6,  # the head keeps the folded ridge in float32
    )
    # the same features (same draw), another ridge than without class weights
    assert np.abs(outputs - unweighted).max() > 1e-2
