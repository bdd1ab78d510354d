"""The fast training paths: tensor batches, deferred losses, CUDA graphs, AMP."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS
from skorch.callbacks import Callback
from skorch.dataset import Dataset

from sklearn_convlstm import ConvLSTMClassifier, LazySeries, RaggedSeries
from sklearn_convlstm._engine import precision as _precision
from sklearn_convlstm._engine import training as _fast_training
from sklearn_convlstm._engine.precision import (
    AUTO_TRAINING_PRECISION,
    fused_optimizer_kwargs,
    resolve_precision,
)
from sklearn_convlstm._engine.training import (
    GRAPH_MIN_STEPS,
    GRAPH_WARMUP_STEPS,
    FastNeuralNetClassifier,
    TensorBatches,
    moves_to_device,
)

ROOT = Path(__file__).resolve().parents[1]
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _unequal(X):
    return [x[:, : 20 + i % 12] for i, x in enumerate(X)]


# ------------------------------------------------------------------- batches


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_tensor_batches_give_the_dataloader_batches_and_rng_draws(
    shuffle, with_lengths
):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(37, 2, 5)).astype(np.float32)
    y = rng.randint(0, 3, 37)
    lengths = rng.randint(1, 6, 37) if with_lengths else None
    data = {"x": X, "lengths": lengths} if with_lengths else X
    loader = torch.utils.data.DataLoader(
        Dataset(data, y), batch_size=8, shuffle=shuffle
    )
    batches = TensorBatches(X, y, lengths, batch_size=8, shuffle=shuffle, device="cpu")
    assert len(batches) == len(loader) == 5 and batches.full_batches == 4
    for _ in range(2):  # two epochs: the generator state carries over
        torch.manual_seed(3)
        expected = list(loader)
        after_loader = torch.rand(3)
        torch.manual_seed(3)
        got = list(batches)
        assert torch.equal(torch.rand(3), after_loader)  # same draws
        assert len(got) == len(expected)
        for (x_got, y_got), (x_expected, y_expected) in zip(got, expected, strict=True):
            assert torch.equal(y_got, y_expected)
            if with_lengths:
                assert set(x_got) == {"x", "lengths"}
                assert torch.equal(x_got["x"], x_expected["x"])
                assert torch.equal(x_got["lengths"], x_expected["lengths"])
            else:
                assert x_got.dtype == torch.float32
                assert torch.equal(x_got, x_expected)


def test_tensor_batches_cast_other_dtypes_batch_by_batch():
    X = np.arange(24, dtype=np.float64).reshape(4, 1, 6)
    batches = TensorBatches(X, None, None, batch_size=3, shuffle=False, device="cpu")
    got = [x for x, _ in batches]
    assert [tuple(x.shape) for x in got] == [(3, 1, 6), (1, 1, 6)]
    assert {x.dtype for x in got} == {torch.float32}
    np.testing.assert_array_equal(torch.cat(got).numpy(), X)


# ------------------------------------------- data on disk: per-batch reads


class _CountingLazySeries(LazySeries):
    """A LazySeries that records how many rows each read asked for."""

    def __init__(self, data):
        super().__init__(data)
        self.reads: list[int] = []

    def _read(self, rows):
        self.reads.append(len(rows))
        return super()._read(rows)


@pytest.mark.parametrize("shuffle", [True, False])
def test_tensor_batches_read_a_lazy_series_one_batch_at_a_time(shuffle):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(37, 2, 5))  # float64: read and cast per batch
    y = rng.randint(0, 3, 37)
    lazy = _CountingLazySeries(X)
    batches = TensorBatches(lazy, y, None, batch_size=8, shuffle=shuffle, device="cpu")
    in_memory = TensorBatches(
        X.astype(np.float32), y, None, batch_size=8, shuffle=shuffle, device="cpu"
    )
    assert batches.x is None and not batches.on_device and not batches.pinned
    assert lazy.reads == []  # nothing read up front
    torch.manual_seed(3)
    got = list(batches)
    torch.manual_seed(3)
    expected = list(in_memory)
    assert lazy.reads == [8, 8, 8, 8, 5]  # one read per batch, no more
    for (x_got, y_got), (x_expected, y_expected) in zip(got, expected, strict=True):
        assert x_got.dtype == torch.float32
        assert torch.equal(x_got, x_expected) and torch.equal(y_got, y_expected)


def test_only_in_memory_arrays_move_to_the_gpu_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(_fast_training, "_free_cuda_bytes", lambda device: 1 << 40)
    X = np.zeros((6, 1, 4), dtype=np.float32)
    np.save(tmp_path / "X.npy", X)
    memmap = np.load(tmp_path / "X.npy", mmap_mode="r")
    gpu, cpu = torch.device("cuda"), torch.device("cpu")
    assert moves_to_device(X, gpu) and not moves_to_device(X, cpu)
    assert not moves_to_device(memmap, gpu)
    # check_series drops the memmap class; the mapping is found through .base
    assert not isinstance(np.asarray(memmap), np.memmap)
    assert not moves_to_device(np.asarray(memmap), gpu)
    assert not moves_to_device(np.asarray(memmap)[2:4], gpu)  # a view of one
    assert not moves_to_device(LazySeries(X), gpu)
    monkeypatch.setattr(_fast_training, "_free_cuda_bytes", lambda device: 10)
    assert not moves_to_device(X, gpu)  # larger than half the free memory


@pytest.mark.parametrize("kind", ["lazy", "ragged"])
def test_fit_reads_data_on_disk_through_tensor_batches(
    pattern_data, tmp_path, monkeypatch, kind
):
    X, y = pattern_data
    if kind == "ragged":
        series = _unequal(X)
        offsets = np.concatenate([[0], np.cumsum([s.shape[1] for s in series])])
        np.save(tmp_path / "values.npy", np.concatenate(series, axis=1))
        data = RaggedSeries(np.load(tmp_path / "values.npy", mmap_mode="r"), offsets)
        reference_X = series
    else:
        np.save(tmp_path / "X.npy", X.astype(np.float64))
        data = np.load(tmp_path / "X.npy", mmap_mode="r")
        reference_X = X
    made: list[TensorBatches] = []
    original = FastNeuralNetClassifier._tensor_batches

    def recording(self, dataset, training):
        batches = original(self, dataset, training)
        made.append(batches)
        return batches

    monkeypatch.setattr(FastNeuralNetClassifier, "_tensor_batches", recording)
    params = {**FAST_PARAMS, "early_stopping": True, "patience": 1}
    on_disk = ConvLSTMClassifier(**params).fit(data, y)
    # training and validation batches: per-batch reads of a LazySeries
    assert made and all(isinstance(b, TensorBatches) for b in made)
    assert all(isinstance(b.lazy, LazySeries) and b.x is None for b in made)
    reference = ConvLSTMClassifier(**params).fit(reference_X, y)
    np.testing.assert_array_equal(
        on_disk.predict_proba(data), reference.predict_proba(reference_X)
    )


# --------------------------------------------------------- same as skorch's


def _skorch_dataloader_only(monkeypatch):
    monkeypatch.setattr(
        FastNeuralNetClassifier, "_tensor_batches", lambda self, dataset, t: None
    )


@pytest.mark.parametrize(
    ("params", "unequal"),
    [
        ({}, False),
        ({}, True),
        ({"early_stopping": True, "patience": 1}, False),
        ({"early_stopping": True, "patience": 1}, True),
        ({"augmentation": True}, False),
    ],
    ids=["plain", "unequal", "early_stopping", "early_stopping-unequal", "augment"],
)
def test_fit_is_bit_identical_to_skorchs_dataloader_path(
    pattern_data, monkeypatch, params, unequal
):
    X, y = pattern_data
    if unequal:
        X = _unequal(X)
    fast = ConvLSTMClassifier(**{**FAST_PARAMS, **params}).fit(X, y)
    with monkeypatch.context() as patch:
        _skorch_dataloader_only(patch)
        reference = ConvLSTMClassifier(**{**FAST_PARAMS, **params}).fit(X, y)
    np.testing.assert_array_equal(fast.predict_proba(X), reference.predict_proba(X))
    for key in ("train_loss", "train_batch_size"):
        assert (
            fast.history_[:, "batches", :, key]
            == (reference.history_[:, "batches", :, key])
        )
    assert fast.history_[:, "train_loss"] == reference.history_[:, "train_loss"]
    if params.get("early_stopping"):
        assert fast.history_[:, "valid_loss"] == reference.history_[:, "valid_loss"]


def test_same_seed_gives_identical_predictions(pattern_data):
    X, y = pattern_data
    first = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y).predict_proba(X)
    second = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_history_holds_a_float_loss_and_the_size_of_every_batch(pattern_data):
    X, y = pattern_data  # 60 series, batches of 16: 16, 16, 16, 12
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    for epoch in clf.history_:
        sizes = [batch["train_batch_size"] for batch in epoch["batches"]]
        losses = [batch["train_loss"] for batch in epoch["batches"]]
        assert sizes == [16, 16, 16, 12]
        assert all(type(loss) is float and loss > 0 for loss in losses)
        assert epoch["train_loss"] == pytest.approx(np.average(losses, weights=sizes))


def test_a_fitted_estimator_pickles_without_training_state(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    assert clf.net_.graphed_step_ is None and clf.net_.grad_scaler_ is None
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


# ---------------------------------------------------- which path is taken


class _EveryBatch(Callback):
    def on_batch_end(self, net, **kwargs):
        pass


class _EveryEpoch(Callback):
    def on_epoch_end(self, net, **kwargs):
        pass


def test_cpu_fits_record_why_no_cuda_graph_was_used(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    assert clf.net_.cuda_graph_obstacle_ == "the device is not CUDA"
    assert clf.net_.cuda_graph_replays_ == 0
    clf = ConvLSTMClassifier(**FAST_PARAMS, cuda_graphs=False).fit(X, y)
    assert clf.net_.cuda_graph_obstacle_ == "cuda_graphs=False"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({}, None),
        ({"lengths": True}, "series of unequal length give batches of varying shape"),
        ({"n_samples": 15}, "there is no full batch"),
        ({"max_epochs": 1}, f"fewer than {GRAPH_MIN_STEPS} full batches"),
        ({"callback": _EveryBatch()}, "callback 'user_callback_0' acts on every batch"),
        ({"callback": _EveryEpoch()}, None),
        ({"hook": True}, "the module has hooks"),
        ({"cuda_graphs": False}, "cuda_graphs=False"),
        ({"cuda_graphs": True, "callback": _EveryBatch(), "max_epochs": 1}, None),
    ],
)
def test_cuda_graph_selection(pattern_data, change, reason):
    # The decision reads only the net's configuration and the batches, so it
    # is tested on a CPU-trained net that is told its device is CUDA.
    X, y = pattern_data
    clf = ConvLSTMClassifier(
        **{**FAST_PARAMS, "max_epochs": 1},
        cuda_graphs=change.get("cuda_graphs", "auto"),
        callbacks=(change["callback"],) if "callback" in change else None,
    ).fit(X, y)
    net = clf.net_
    net.device = "cuda"
    net.max_epochs = change.get("max_epochs", 20)  # 3 full batches x 20 epochs
    n_samples = change.get("n_samples", 60)
    lengths = np.full(n_samples, 32) if change.get("lengths") else None
    batches = TensorBatches(
        np.zeros((n_samples, 2, 32), np.float32), None, lengths, 16, True, "cpu"
    )
    if change.get("hook"):
        net.module_.conv_blocks[0].register_forward_hook(lambda *args: None)
    assert net._graph_obstacle(batches) == reason


def test_graph_selection_on_cuda_needs_cuda_and_tensor_batches(pattern_data):
    X, y = pattern_data
    net = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y).net_
    net.device = "cuda"
    assert net._graph_obstacle(None) == "the data is not an in-memory array"


# -------------------------------------------------------- mixed precision


def test_mixed_precision_resolves_per_device(monkeypatch):
    assert resolve_precision(False, "cpu") is None
    assert resolve_precision(True, "cuda") is None  # measured slower on the H200
    assert resolve_precision("auto", "cuda", inference=True) is None
    monkeypatch.setattr(_precision, "cpu_has_bfloat16", lambda: True)
    assert resolve_precision(True, "cpu") == "bfloat16"
    assert resolve_precision("auto", "cpu", inference=True) == "bfloat16"
    monkeypatch.setattr(_precision, "cpu_has_bfloat16", lambda: False)
    assert resolve_precision(True, "cpu") is None
    assert resolve_precision(True, "cpu", inference=True) is None
    assert resolve_precision("bfloat16", "cpu") == "bfloat16"  # explicit: as asked
    assert resolve_precision("float16", "cuda:1") == "float16"


def test_float16_needs_cuda(pattern_data):
    X, y = pattern_data
    with pytest.raises(ValueError, match="mixed_precision='float16' needs a CUDA"):
        ConvLSTMClassifier(**FAST_PARAMS, mixed_precision="float16").fit(X, y)


def test_auto_mixed_precision_is_recorded(pattern_data, monkeypatch):
    X, y = pattern_data
    monkeypatch.setattr(_precision, "cpu_has_bfloat16", lambda: True)
    monkeypatch.setitem(AUTO_TRAINING_PRECISION, "cpu", "bfloat16")
    clf = ConvLSTMClassifier(**FAST_PARAMS, mixed_precision=True).fit(X, y)
    assert clf.mixed_precision_ == "bfloat16"
    monkeypatch.setitem(AUTO_TRAINING_PRECISION, "cpu", None)
    clf = ConvLSTMClassifier(**FAST_PARAMS, mixed_precision="auto").fit(X, y)
    assert clf.mixed_precision_ is None


def test_fused_optimizer_only_for_adam_on_cuda():
    assert fused_optimizer_kwargs(torch.optim.AdamW, "cuda") == {"fused": True}
    assert fused_optimizer_kwargs(torch.optim.Adam, "cuda:0") == {"fused": True}
    assert fused_optimizer_kwargs(torch.optim.SGD, "cuda") == {}
    assert fused_optimizer_kwargs(torch.optim.AdamW, "cpu") == {}


# --------------------------------------------------------------- CUDA only


def _cuda_data(n_samples=256, length=40):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n_samples, 1, length)).astype(np.float32)
    y = np.arange(n_samples) % 2
    X[y == 1, 0, length // 2] += 3
    return X, y


CUDA_PARAMS = {
    "conv_channels": (8,),
    "kernel_sizes": 3,
    "lstm_hidden_size": 8,
    "batch_size": 32,
    "max_epochs": 8,
    "device": "cuda",
    "random_state": 0,
}


@cuda
def test_on_cuda_graph_training_replays_and_repeats_exactly():
    X, y = _cuda_data()  # 8 full batches x 8 epochs
    first = ConvLSTMClassifier(**CUDA_PARAMS).fit(X, y)
    assert first.net_.cuda_graph_obstacle_ is None
    assert first.net_.cuda_graph_replays_ == 8 * 8 - GRAPH_WARMUP_STEPS
    second = ConvLSTMClassifier(**CUDA_PARAMS).fit(X, y)
    # cuDNN may pick non-deterministic kernels (atomics): equal up to rounding
    np.testing.assert_allclose(
        first.predict_proba(X), second.predict_proba(X), atol=1e-4
    )
    np.testing.assert_allclose(
        first.history_[:, "train_loss"], second.history_[:, "train_loss"], atol=1e-4
    )


@cuda
@pytest.mark.parametrize("n_samples", [256, 250])  # 250: a partial last batch
def test_on_cuda_graph_training_matches_eager_training(n_samples):
    X, y = _cuda_data(n_samples)
    params = {**CUDA_PARAMS, "conv_dropout": 0.0, "recurrent_dropout": 0.0}
    graphed = ConvLSTMClassifier(**params).fit(X, y)
    eager = ConvLSTMClassifier(**params, cuda_graphs=False).fit(X, y)
    assert graphed.net_.cuda_graph_obstacle_ is None
    assert eager.net_.cuda_graph_obstacle_ == "cuda_graphs=False"
    # onecycle stepped every batch: same learning rate at the end
    assert graphed.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(
        eager.net_.optimizer_.param_groups[0]["lr"]
    )
    np.testing.assert_allclose(
        graphed.history_[:, "train_loss"], eager.history_[:, "train_loss"], atol=2e-3
    )
    np.testing.assert_allclose(
        graphed.predict_proba(X), eager.predict_proba(X), atol=2e-3
    )


@cuda
@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
@pytest.mark.parametrize("cuda_graphs", ["auto", False])
def test_on_cuda_mixed_precision_trains(precision, cuda_graphs):
    X, y = _cuda_data()
    params = {**CUDA_PARAMS, "max_epochs": 12, "cuda_graphs": cuda_graphs}
    clf = ConvLSTMClassifier(**params, mixed_precision=precision).fit(X, y)
    full = ConvLSTMClassifier(**params).fit(X, y)
    assert clf.mixed_precision_ == precision
    assert (clf.net_.cuda_graph_obstacle_ is None) == (cuda_graphs == "auto")
    losses = np.array(clf.history_[:, "train_loss"])
    assert np.isfinite(losses).all()
    # it learns like float32 training does
    np.testing.assert_allclose(losses, full.history_[:, "train_loss"], atol=0.05)
    assert {p.dtype for p in clf.net_.module_.parameters()} == {torch.float32}
    assert abs(clf.score(X, y) - full.score(X, y)) <= 0.05


@cuda
def test_on_cuda_predict_proba_matches_the_module():
    X, y = _cuda_data(300)
    clf = ConvLSTMClassifier(**CUDA_PARAMS).fit(X, y)
    module = clf.net_.module_.eval()
    with torch.inference_mode():
        expected = torch.softmax(module(torch.from_numpy(X).cuda()), 1).cpu()
    # the streaming path with three batches
    logits = _fast_training.predict_logits_cuda(module, X, "cuda", 128, None)
    assert logits.device.type == "cpu" and logits.shape == (300, 2)
    np.testing.assert_allclose(
        torch.softmax(logits, 1).numpy(), expected.numpy(), atol=1e-5
    )
    np.testing.assert_allclose(clf.predict_proba(X), expected.numpy(), atol=1e-5)


@cuda
def test_on_cuda_pinned_streaming_gives_the_on_device_batches():
    X, y = _cuda_data(100)
    kwargs = {"batch_size": 32, "shuffle": True, "device": "cuda"}
    streamed = TensorBatches(X, y, None, on_device=False, **kwargs)
    resident = TensorBatches(X, y, None, on_device=True, **kwargs)
    assert streamed.pinned and not resident.pinned
    torch.manual_seed(0)
    first = [(x.clone(), t.clone()) for x, t in streamed]
    torch.manual_seed(0)
    second = list(resident)
    assert len(first) == len(second) == math.ceil(100 / 32)
    for (x1, y1), (x2, y2) in zip(first, second, strict=True):
        assert x1.is_cuda and torch.equal(x1, x2) and torch.equal(y1, y2)


@cuda
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_on_cuda_data_on_disk_streams_batch_by_batch(tmp_path, monkeypatch, dtype):
    X, y = _cuda_data(100)
    np.save(tmp_path / "X.npy", X.astype(dtype))
    memmap = np.load(tmp_path / "X.npy", mmap_mode="r")
    made: list[TensorBatches] = []
    original = FastNeuralNetClassifier._tensor_batches

    def recording(self, dataset, training):
        batches = original(self, dataset, training)
        made.append(batches)
        return batches

    monkeypatch.setattr(FastNeuralNetClassifier, "_tensor_batches", recording)
    params = {**CUDA_PARAMS, "cuda_graphs": False}
    on_disk = ConvLSTMClassifier(**params).fit(memmap, y)
    (batches,) = made
    # never moved to the GPU whole: pinned per-batch copies of the file's rows
    assert batches.pinned and not batches.on_device
    assert (batches.lazy is not None) == (dtype == np.float64)
    assert batches.x is None or batches.x.device.type == "cpu"
    in_memory = ConvLSTMClassifier(**params).fit(X, y)
    calls = []
    original_predict = _fast_training.predict_logits_cuda

    def counting(module, X, *args):
        calls.append(type(X))
        return original_predict(module, X, *args)

    from sklearn_convlstm import _estimator

    monkeypatch.setattr(_estimator, "predict_logits_cuda", counting)
    proba = on_disk.predict_proba(memmap)
    assert calls == []  # the pinned CUDA branch is for in-memory arrays only
    expected = in_memory.predict_proba(X)
    assert calls == [np.ndarray]
    np.testing.assert_allclose(proba, expected, atol=1e-4)


# ------------------------------------------ one-series batches and batch norm
def test_tensor_batches_drop_last_and_draw_from_their_generator():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(17, 2, 5)).astype(np.float32)
    y = rng.randint(0, 3, 17)
    loader = torch.utils.data.DataLoader(
        Dataset(X, y), batch_size=8, shuffle=True, drop_last=True
    )
    generator = torch.Generator().manual_seed(3)
    batches = TensorBatches(
        X, y, None, batch_size=8, shuffle=True, device="cpu", generator=generator
    )
    batches.drop_last = True
    assert len(batches) == len(loader) == 2
    global_state = torch.get_rng_state()
    got = list(batches)
    assert torch.equal(torch.get_rng_state(), global_state)  # only its own
    torch.manual_seed(3)
    expected = list(loader)
    assert [len(b[1]) for b in got] == [8, 8]
    for (x_got, y_got), (x_expected, y_expected) in zip(got, expected, strict=True):
        assert torch.equal(x_got, x_expected)
        assert torch.equal(y_got, y_expected)


@pytest.mark.parametrize(
    "make_data",
    [
        lambda X: X[:9, :, :1],  # conv output of 1 step, a last batch of 1
        lambda X: [x[:, :1] for x in X[:9]],  # the same, as a list
    ],
    ids=["one-step", "one-step-list"],
)
def test_a_last_batch_of_one_series_that_batch_norm_cannot_train_is_left_out(
    pattern_data, make_data
):
    """Before: "Expected more than 1 value per channel when training"."""
    X, y = pattern_data
    params = {**FAST_PARAMS, "batch_norm": True, "batch_size": 8}
    clf = ConvLSTMClassifier(**params).fit(make_data(X), y[:9])
    assert clf.history_[:, "train_batch_count"] == [1, 1]
    assert np.isfinite(clf.predict_proba(make_data(X))).all()


def test_pooling_down_to_one_step_with_a_last_batch_of_one(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(
        max_epochs=1, batch_size=8, pool_sizes=(4, 4, 1), random_state=0
    ).fit(X[:9, :, :16], y[:9])
    assert clf.history_[:, "train_batch_count"] == [1]


def test_a_last_batch_of_one_long_series_is_kept(pattern_data):
    X, y = pattern_data
    params = {**FAST_PARAMS, "batch_norm": True, "batch_size": 8}
    clf = ConvLSTMClassifier(**params).fit(X[:9], y[:9])
    assert clf.history_[:, "train_batch_count"] == [2, 2]


def test_batches_of_one_series_that_batch_norm_cannot_train_are_refused(
    pattern_data,
):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**{**FAST_PARAMS, "batch_norm": True, "batch_size": 1})
    with pytest.raises(
        ValueError,
        match=r"batch_norm=True needs more than one value per channel .* "
        r"batch_size=1 makes batches of one series, and a series of 1 timesteps "
        r"has 1 step left at the batch norm of conv block 0\. Use batch_size >= 2",
    ):
        clf.fit(X[:9, :, :1], y[:9])
