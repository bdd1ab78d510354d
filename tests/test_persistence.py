"""Saving models: the safe format (save_model/load_model) and pickle's size."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST_PARAMS
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import EpochScoring

from sklearn_convlstm import ConvLSTMClassifier, load_model, save_model


def fast(**overrides) -> ConvLSTMClassifier:
    return ConvLSTMClassifier(**{**FAST_PARAMS, **overrides})


def _torch_size(state: dict) -> int:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return len(buffer.getvalue())


# -------------------------------------------------------------------- pickle
def test_pickle_stores_weights_and_optimizer_state_once(pattern_data):
    """The LR scheduler's optimizer and skorch's ``module`` were pickled again.

    Before: 4.68 MB for the default network (0.78 MB of weights, 1.55 MB of
    AdamW state): the weights twice, the optimizer state twice.
    """
    X, y = pattern_data
    clf = ConvLSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    module_size = _torch_size(clf.net_.module_.state_dict())
    optimizer_size = _torch_size(clf.net_.optimizer_.state_dict())
    pickled = pickle.dumps(clf)
    assert len(pickled) < 1.1 * (module_size + optimizer_size)
    restored = pickle.loads(pickled)
    # One module object again.
    assert restored.net_.module is restored.net_.module_
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    # The net can still train: skorch rebuilds the scheduler at the start of
    # training, and the optimizer state is there.
    clf = fast(lr_schedule="cosine").fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.net_.optimizer_.state_dict()["state"]
    for net in (restored.net_, clf.net_):
        torch.manual_seed(0)  # the same batch order for both
        net.partial_fit(X.astype(np.float32), y)
    assert len(restored.history_) == 2 * FAST_PARAMS["max_epochs"]
    np.testing.assert_allclose(
        restored.predict_proba(X), clf.predict_proba(X), rtol=1e-5
    )


# ----------------------------------------------------------------- safe format
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"scaling": "per_series_amplitude", "class_weight": {0: 2.0, 1: 1.0}},
        {"scaling": "minmax", "optimizer": torch.optim.SGD, "early_stopping": True},
        {"scaling": None, "conv_channels": [4, 4], "pool_sizes": (2, 1)},
    ],
)
def test_save_and_load_give_identical_predictions(pattern_data, tmp_path, params):
    X, y = pattern_data
    clf = fast(**params).fit(X, y)
    path = tmp_path / "model.convlstm"
    save_model(clf, path)
    restored = load_model(path)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    assert restored.get_params() == clf.get_params()
    for name in ("network_params_", "scaling_", "n_channels_in_", "min_length_"):
        assert getattr(restored, name) == getattr(clf, name)
    assert list(restored.history_) == list(clf.history_)
    if clf.scaler_ is not None:
        for name, value in vars(clf.scaler_).items():
            np.testing.assert_array_equal(getattr(restored.scaler_, name), value)
    # A loaded model refits like a clone of the original.
    refit = clone(restored).fit(X, y)
    np.testing.assert_array_equal(
        refit.predict_proba(X), clone(clf).fit(X, y).predict_proba(X)
    )


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["b", "a"] * 30),
        np.array([2.0, -1.0] * 30),
        np.array([True, False] * 30),
        np.array(["x", "yy"] * 30, dtype=object),
    ],
)
def test_labels_keep_their_type(pattern_data, tmp_path, labels):
    X, _ = pattern_data
    clf = fast().fit(X, labels)
    save_model(clf, tmp_path / "m.zip")
    restored = load_model(tmp_path / "m.zip")
    assert restored.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(restored.classes_, clf.classes_)
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_dataframe_feature_names_are_kept(tmp_path):
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        rng.normal(size=(20, 12)), columns=[f"t{i}" for i in range(12)]
    )
    clf = fast().fit(frame, np.arange(20) % 2)
    save_model(clf, tmp_path / "m.zip")
    restored = load_model(tmp_path / "m.zip")
    assert restored.feature_names_in_.tolist() == clf.feature_names_in_.tolist()
    np.testing.assert_array_equal(
        restored.predict_proba(frame), clf.predict_proba(frame)
    )


def test_the_file_holds_no_pickle(pattern_data, tmp_path):
    X, y = pattern_data
    save_model(fast().fit(X, y), tmp_path / "m.zip")
    with zipfile.ZipFile(tmp_path / "m.zip") as archive:
        assert sorted(archive.namelist()) == ["model.json", "weights.pt"]
        metadata = json.loads(archive.read("model.json"))
        weights = archive.read("weights.pt")
    assert metadata["format"] == "sklearn-convlstm-model"
    assert metadata["format_version"] == 1
    # weights_only=True refuses anything but tensors and plain containers.
    state = torch.load(io.BytesIO(weights), weights_only=True)
    assert set(state) == {"module", "scaler"}


def test_a_flipped_byte_in_the_weights_is_detected(pattern_data, tmp_path):
    X, y = pattern_data
    path = tmp_path / "m.zip"
    save_model(fast().fit(X, y), path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("weights.pt")
    # Flip a byte near the end of the stored weights (tensor data).
    header = 30 + len(info.filename) + len(info.extra)
    data[info.header_offset + header + info.compress_size - 100] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"m\.zip is not a readable model file.*CRC"):
        load_model(path)


def test_altered_weights_with_a_valid_zip_fail_the_sha256(pattern_data, tmp_path):
    X, y = pattern_data
    path = tmp_path / "m.zip"
    save_model(fast().fit(X, y), path)
    with zipfile.ZipFile(path) as archive:
        metadata = archive.read("model.json")
        state = torch.load(io.BytesIO(archive.read("weights.pt")), weights_only=True)
    first = next(iter(state["module"]))
    state["module"][first] = state["module"][first] + 1e-3
    buffer = io.BytesIO()
    torch.save(state, buffer)
    with zipfile.ZipFile(path, "w") as archive:  # a fresh, CRC-valid zip
        archive.writestr("model.json", metadata)
        archive.writestr("weights.pt", buffer.getvalue())
    with pytest.raises(
        ValueError, match=r"the weights do not match the SHA-256.*altered"
    ):
        load_model(path)


def test_load_model_errors(tmp_path):
    with pytest.raises(ValueError, match=r"not a readable model file"):
        (tmp_path / "x.zip").write_bytes(b"not a zip")
        load_model(tmp_path / "x.zip")
    with zipfile.ZipFile(tmp_path / "y.zip", "w") as archive:
        archive.writestr("model.json", "{}")
    with pytest.raises(ValueError, match=r"lacks \['weights\.pt'\]"):
        load_model(tmp_path / "y.zip")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.writestr("model.json", json.dumps({"format": "other"}))
        archive.writestr("weights.pt", b"")
    with pytest.raises(ValueError, match=r"not a model file written by save_model"):
        load_model(tmp_path / "z.zip")


def test_save_model_errors(pattern_data, tmp_path):
    X, y = pattern_data
    with pytest.raises(NotFittedError):
        save_model(fast(), tmp_path / "m.zip")
    clf = fast(callbacks=(EpochScoring("accuracy"),)).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"The parameter 'callbacks' \(entry 0\) is <skorch.*callbacks=None",
    ):
        save_model(clf, tmp_path / "m.zip")
    clf = fast(random_state=np.random.RandomState(0)).fit(X, y)
    with pytest.raises(ValueError, match=r"'random_state' is RandomState"):
        save_model(clf, tmp_path / "m.zip")
    with pytest.raises(
        TypeError, match=r"saves a ConvLSTMClassifier or ConvLSTMRegressor; got .*dict"
    ):
        save_model({}, tmp_path / "m.zip")
