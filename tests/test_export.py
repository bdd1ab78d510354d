"""export_onnx and load_onnx: the served graph predicts what the estimator predicts."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch
from conftest import FAST_PARAMS
from sklearn.exceptions import NotFittedError

from sklearn_convlstm import ConvLSTMClassifier, ConvLSTMRegressor
from sklearn_convlstm.export import OnnxModel, export_onnx, load_onnx

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

#: Two conv blocks so that 150-step series are pooled (2, 2) as by default.
PARAMS = {**FAST_PARAMS, "conv_channels": (4, 4)}


def series(seed: int, n_samples: int, n_channels: int = 2, n_timesteps: int = 150):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_channels, n_timesteps)).astype(np.float32)
    return X * rng.uniform(1, 3, size=(n_samples, 1, 1)).astype(np.float32)


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize(
    "params",
    [
        {"scaling": "per_channel"},
        {"scaling": "minmax"},
        {"scaling": "per_series_amplitude"},
        {"scaling": None, "variant": "basic", "rnn": "gru", "pool_sizes": 1},
    ],
    ids=["per_channel", "minmax", "per_series_amplitude", "basic-gru-unscaled"],
)
def test_probabilities_equal_predict_proba(tmp_path, params):
    X = series(0, 30)
    y = np.array(["low", "mid", "high"])[np.arange(30) % 3]
    # the network's own head (the fused model's graph: tests further down)
    clf = ConvLSTMClassifier(**{**PARAMS, "head": "softmax", **params}).fit(X, y)
    path = export_onnx(clf, tmp_path / "model.onnx")

    # Raw onnxruntime, as a server without this package would run it.
    raw = session(path)
    assert [i.name for i in raw.get_inputs()] == ["series"]
    assert [o.name for o in raw.get_outputs()] == ["probabilities"]
    meta = raw.get_modelmeta().custom_metadata_map
    assert json.loads(meta["classes"]) == ["high", "low", "mid"]
    X_test = series(1, 17)
    expected = clf.predict_proba(X_test)
    np.testing.assert_allclose(
        raw.run(None, {"series": X_test})[0], expected, atol=1e-5
    )
    # Batch axis is dynamic: one series at a time gives the same rows.
    one = raw.run(None, {"series": X_test[4:5]})[0]
    np.testing.assert_allclose(one, expected[4:5], atol=1e-5)

    served = load_onnx(path, intra_op_num_threads=1)
    assert isinstance(served, OnnxModel)
    np.testing.assert_array_equal(served.classes_, clf.classes_)
    np.testing.assert_allclose(served.predict_proba(X_test), expected, atol=1e-5)
    np.testing.assert_array_equal(served.predict(X_test), clf.predict(X_test))
    assert served.metadata["n_timesteps"] == 150
    assert served.metadata["min_length"] == clf.min_length_
    assert served.metadata["estimator"] == "ConvLSTMClassifier"


def test_metadata_records_the_input_contract(tmp_path):
    X = series(0, 20, n_channels=3, n_timesteps=40)
    # the network alone: one output (a fused model's is tested below)
    clf = ConvLSTMClassifier(**PARAMS, head="softmax").fit(X, np.arange(20) % 2)
    clf.net_.module_.train()
    meta = load_onnx(export_onnx(clf, tmp_path / "m.onnx")).metadata
    assert clf.net_.module_.training  # exported from a copy, left as it was
    assert meta == {
        "estimator": "ConvLSTMClassifier",
        "package_version": meta["package_version"],
        "output": "probabilities",
        "classes": [0, 1],
        "n_channels": 3,
        "n_timesteps": 40,
        "min_length": 1,
        "inputs": ["series"],
        "outputs": ["probabilities"],
        "target_ndim": None,
    }


@pytest.fixture(scope="module")
def unequal_fit():
    rng = np.random.RandomState(0)
    lengths = rng.randint(60, 150, size=24)
    X = [rng.normal(size=(2, n)).astype(np.float32) for n in lengths]
    torch.manual_seed(0)
    return ConvLSTMClassifier(**PARAMS).fit(X, np.arange(24) % 2), X


def test_lengths_input_serves_padded_batches_of_unequal_series(tmp_path, unequal_fit):
    clf, X = unequal_fit
    path = export_onnx(clf, tmp_path / "model.onnx")  # unequal fit: lengths input
    raw = session(path)
    assert [i.name for i in raw.get_inputs()] == ["series", "lengths"]
    lengths = np.array([x.shape[1] for x in X])
    padded = np.zeros((len(X), 2, lengths.max()), dtype=np.float32)
    for index, item in enumerate(X):
        padded[index, :, : item.shape[1]] = item
    expected = clf.predict_proba(X)
    got = raw.run(None, {"series": padded, "lengths": lengths})[0]
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(load_onnx(path).predict_proba(X), expected, atol=1e-5)


def test_time_axis_is_dynamic_without_lengths_input(tmp_path, unequal_fit):
    clf, X = unequal_fit
    path = export_onnx(clf, tmp_path / "model.onnx", lengths_input=False)
    raw = session(path)
    assert [i.name for i in raw.get_inputs()] == ["series"]
    for length in (61, 149, 200):  # one length per batch, any length
        batch = series(length, 5, n_timesteps=length)
        np.testing.assert_allclose(
            raw.run(None, {"series": batch})[0], clf.predict_proba(batch), atol=1e-5
        )
    with pytest.raises(ValueError, match="no lengths input; export it with"):
        load_onnx(path).predict_proba(X[:3])


def test_served_model_checks_input_like_the_estimator(tmp_path):
    X = series(0, 20, n_timesteps=40)
    clf = ConvLSTMClassifier(**PARAMS).fit(X, np.arange(20) % 2)
    served = load_onnx(export_onnx(clf, tmp_path / "m.onnx"))
    with pytest.raises(ValueError, match="fitted on series of 40 timesteps"):
        served.predict(X[:, :, :30])
    with pytest.raises(ValueError, match="X has 1 channels, but the exported model"):
        served.predict(X[:, :1])
    with pytest.raises(ValueError, match="contains NaN"):
        served.predict(np.full((1, 2, 40), np.nan, dtype=np.float32))


@pytest.mark.parametrize("n_outputs", [1, 3])
def test_regressor_exports_its_values(tmp_path, n_outputs):
    """The exported graph holds the target scaling: values in the targets' units."""
    X_train = series(0, 24, n_timesteps=30)
    y = 300 + 20 * X_train.mean(axis=(1, 2))
    if n_outputs > 1:
        y = np.stack([y * (k + 1) for k in range(n_outputs)], axis=1)
    model = ConvLSTMRegressor(**PARAMS).fit(X_train, y)
    served = load_onnx(export_onnx(model, tmp_path / "r.onnx"))
    assert served.classes_ is None
    assert served.metadata["output"] == "values"
    X = series(2, 4, n_timesteps=30)
    predicted = served.predict(X)
    assert predicted.shape == ((4,) if n_outputs == 1 else (4, n_outputs))
    assert np.abs(predicted).min() > 100
    np.testing.assert_allclose(predicted, model.predict(X), rtol=1e-5)
    with pytest.raises(AttributeError, match="it has predict, not predict_proba"):
        served.predict_proba(X)


def test_unfitted_estimator_cannot_be_exported(tmp_path):
    with pytest.raises(NotFittedError):
        export_onnx(ConvLSTMClassifier(), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_missing_onnxruntime_names_the_extra(tmp_path, monkeypatch, pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"sklearn-convlstm\[export\]"):
        export_onnx(clf, tmp_path / "m.onnx")


def test_foreign_onnx_file_is_refused(tmp_path):
    path = tmp_path / "plain.onnx"
    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "plain",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])],
    )
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(ValueError, match="has no 'sklearn_convlstm' metadata"):
        load_onnx(path)


def test_regressor_fitted_on_a_column_predicts_a_column(tmp_path):
    """y of shape (n, 1): predict gives (n, 1), and so must the served model."""
    X = series(0, 24, n_timesteps=30)
    y = (300 + 20 * X.mean(axis=(1, 2)))[:, np.newaxis]
    model = ConvLSTMRegressor(**PARAMS).fit(X, y)
    served = load_onnx(export_onnx(model, tmp_path / "r.onnx"))
    assert served.metadata["target_ndim"] == 2
    assert model.predict(X[:4]).shape == (4, 1)
    assert served.predict(X[:4]).shape == (4, 1)
    np.testing.assert_allclose(served.predict(X[:4]), model.predict(X[:4]), rtol=1e-5)


@pytest.fixture(scope="module")
def small_classifier():
    X = series(0, 20, n_timesteps=40)
    return ConvLSTMClassifier(**PARAMS).fit(X, np.arange(20) % 2)


@pytest.mark.parametrize("opset_version", [7, 10, 99])
def test_an_unsupported_opset_is_refused_before_exporting(
    tmp_path, small_classifier, opset_version
):
    """Opset 7 wrote a file onnxruntime cannot load; 99 failed deep in torch."""
    path = tmp_path / "m.onnx"
    path.write_bytes(b"an earlier export")
    with pytest.raises(
        ValueError, match=rf"opset_version must be from 11 to \d+ .*got {opset_version}"
    ):
        export_onnx(small_classifier, path, opset_version=opset_version)
    assert path.read_bytes() == b"an earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
    with pytest.raises(TypeError, match=r"opset_version must be an int .* got '17'"):
        export_onnx(small_classifier, path, opset_version="17")


def test_the_lowest_supported_opset_exports_unequal_lengths(tmp_path, unequal_fit):
    clf, X = unequal_fit
    served = load_onnx(export_onnx(clf, tmp_path / "m.onnx", opset_version=11))
    np.testing.assert_allclose(served.predict_proba(X), clf.predict_proba(X), atol=1e-5)


def test_a_failed_export_leaves_no_file(tmp_path, small_classifier, monkeypatch):
    """The graph is checked under a temporary name; only a good one is renamed."""
    from sklearn_convlstm import export

    def differs(*args, **kwargs):
        raise RuntimeError("The exported graph differs from the network")

    monkeypatch.setattr(export, "_check_export", differs)
    with pytest.raises(RuntimeError, match="differs from the network"):
        export_onnx(small_classifier, tmp_path / "new.onnx")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "old.onnx").write_bytes(b"an earlier export")
    with pytest.raises(RuntimeError, match="differs from the network"):
        export_onnx(small_classifier, tmp_path / "old.onnx")
    assert [p.name for p in tmp_path.iterdir()] == ["old.onnx"]
    assert (tmp_path / "old.onnx").read_bytes() == b"an earlier export"


# ------------------------------------------------- the random-kernel head
def exact_series(seed: int, lengths, n_channels: int = 2):
    """Series of eighths: every kernel output is an exact float32 sum.

    Without input scaling, PyTorch and onnxruntime then compute the same
    kernel outputs and count the same positions above each bias.
    """
    rng = np.random.RandomState(seed)
    return [
        (rng.normal(size=(n_channels, length)) * 8).round().astype(np.float32) / 8
        for length in lengths
    ]


def fused(X, **params) -> ConvLSTMClassifier:
    y = np.array(["a", "b", "c"])[np.arange(len(X)) % 3]  # 2 series per class
    return ConvLSTMClassifier(
        **{**FAST_PARAMS, "head": "random-kernels", "scaling": None, **params}
    ).fit(X, y)


def test_fused_model_exports_whole(tmp_path):
    X = np.stack(exact_series(0, [40] * 6))
    clf = fused(X)
    path = export_onnx(clf, tmp_path / "model.onnx")
    raw = session(path)
    assert [o.name for o in raw.get_outputs()] == [
        "probabilities",
        "random_kernel_features",
    ]
    X_test = np.stack(exact_series(1, [40] * 9))
    probabilities, features = raw.run(None, {"series": X_test})
    np.testing.assert_allclose(probabilities, clf.predict_proba(X_test), atol=1e-5)
    with torch.no_grad():
        expected = clf.random_kernel_head_.features(torch.from_numpy(X_test))
    np.testing.assert_array_equal(features, expected.numpy())
    # the ridge matters: the network alone gives other probabilities
    network = torch.softmax(clf._network_outputs(X_test).double(), 1).numpy()
    assert np.abs(probabilities - network).max() > 1e-2
    served = load_onnx(path)
    np.testing.assert_array_equal(served.predict(X_test), clf.predict(X_test))
    assert served.metadata["outputs"] == ["probabilities", "random_kernel_features"]


def test_default_model_of_a_full_training_set_exports_its_weight(tmp_path):
    """head="auto" on 24 series fuses at weight 3; the graph fuses at 3 too."""
    X = np.stack(exact_series(6, [40] * 24))
    clf = fused(X, head="auto")
    assert clf.fusion_weight_ == 3.0
    X_test = np.stack(exact_series(7, [40] * 9))
    served = load_onnx(export_onnx(clf, tmp_path / "model.onnx"))
    np.testing.assert_allclose(
        served.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-5
    )
    # weight 10 would give other probabilities
    clf.fusion_weight_ = 10.0
    assert np.abs(served.predict_proba(X_test) - clf.predict_proba(X_test)).max() > 1e-3


def test_fused_model_with_unequal_lengths_exports(tmp_path):
    """The lengths input reaches the head's masking and its padded/unpadded halves."""
    X = exact_series(2, [30, 34, 38, 40, 40, 36])
    clf = fused(X)
    path = export_onnx(clf, tmp_path / "model.onnx")
    served = load_onnx(path)
    assert served.metadata["inputs"] == ["series", "lengths"]
    # lengths below a long dilation's span (the fallback) and a longer batch
    X_test = exact_series(3, [9, 12, 25, 40, 57])
    np.testing.assert_allclose(
        served.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-5
    )


@pytest.mark.parametrize("scaling", [None, "per_channel", "per_series_amplitude"])
def test_fused_model_matches_onnxruntime_on_any_series(tmp_path, scaling):
    """Within 1e-5 of predict_proba on arbitrary float series, with any scaling.

    The head's kernel outputs are exact sums rounded once, which
    onnxruntime reproduces. As float32 sums, the constant log-amplitude
    channels of per-series amplitude scaling gave rounding noise that
    decided counts: this export was refused (3.2 % of the features
    differed), and on other series it passed its check and served
    probabilities up to 0.27 off.
    """
    clf = fused(series(4, 6, n_timesteps=60), scaling=scaling)
    path = export_onnx(clf, tmp_path / "model.onnx")
    X_test = series(5, 30, n_timesteps=60)
    probabilities, features = session(path).run(None, {"series": X_test})
    np.testing.assert_allclose(probabilities, clf.predict_proba(X_test), atol=1e-5)
    if scaling is None:
        with torch.no_grad():
            expected = clf.random_kernel_head_.features(torch.from_numpy(X_test))
        np.testing.assert_array_equal(features, expected.numpy())
