"""Saving models: the safe format (save_model/load_model) and pickle's size."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import pickle
import subprocess
import sys
import warnings
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
    save_model(fast(head="softmax").fit(X, y), tmp_path / "m.zip")
    with zipfile.ZipFile(tmp_path / "m.zip") as archive:
        assert sorted(archive.namelist()) == ["model.json", "weights.pt"]
        metadata = json.loads(archive.read("model.json"))
        weights = archive.read("weights.pt")
    assert metadata["format"] == "sklearn-convlstm-model"
    assert metadata["format_version"] == 3
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


# ------------------------------------------------------ atomic saves (row 7)
def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_save_that_fails_midway_leaves_the_old_file(pattern_data, tmp_path):
    """The disk fills after part of the new file: the old one must still load.

    Before: the zip was written over the old file in place, which was left
    truncated and no longer loaded.
    """
    X, y = pattern_data
    path = tmp_path / "m.convlstm"
    old = fast().fit(X, y)
    save_model(old, path)
    before = path.read_bytes()
    newer = fast(max_epochs=3).fit(X, y)
    real_writestr = zipfile.ZipFile.writestr

    def disk_fills(self, name, data, *args, **kwargs):
        if name == "weights.pt":  # model.json is written, then half the weights
            self.fp.write(bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_writestr(self, name, data, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipfile.ZipFile, "writestr", disk_fills)
        with pytest.raises(OSError, match="No space left on device"):
            save_model(newer, path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == ["m.convlstm"]  # no temporary file left
    np.testing.assert_array_equal(
        load_model(path).predict_proba(X), old.predict_proba(X)
    )


_SAVE_UNDER_A_SIZE_LIMIT = """
import json, resource, signal, sys
import numpy as np
from sklearn_convlstm import ConvLSTMClassifier, save_model
X, y = np.load(sys.argv[1]), np.load(sys.argv[2])
clf = ConvLSTMClassifier(**json.loads(sys.argv[3])).fit(X, y)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, not the process
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[5]), resource.RLIM_INFINITY))
try:
    save_model(clf, sys.argv[4])
except OSError as error:
    print("OSError", error.errno)
"""


# Slow: a subprocess (with a file-size limit) imports torch, fits and saves.
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE")
def test_a_file_size_limit_during_a_save_leaves_the_old_file(pattern_data, tmp_path):
    """A real short write: the process may write only part of the new file."""
    X, y = pattern_data
    path = tmp_path / "m.convlstm"
    old = fast().fit(X, y)
    save_model(old, path)
    before = path.read_bytes()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    params = {**FAST_PARAMS, "max_epochs": 3}
    limit = len(before) // 2
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _SAVE_UNDER_A_SIZE_LIMIT,
            *(str(tmp_path / name) for name in ("X.npy", "y.npy")),
            json.dumps(params),
            str(path),
            str(limit),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"OSError {errno.EFBIG}"
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == ["X.npy", "m.convlstm", "y.npy"]
    np.testing.assert_array_equal(
        load_model(path).predict_proba(X), old.predict_proba(X)
    )


def test_save_keeps_the_permissions_of_the_file_it_replaces(pattern_data, tmp_path):
    X, y = pattern_data
    path = tmp_path / "m.convlstm"
    clf = fast().fit(X, y)
    save_model(clf, path)
    path.chmod(0o640)
    save_model(clf, path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == ["m.convlstm"]


# ------------------------------------- tamper evidence (rows 8, 9; format v2)
def _rewrite(path, edit, version: int = 3) -> None:
    """Edit model.json; versions 2 and 3 are re-signed (as a careless writer would)."""
    with zipfile.ZipFile(path) as archive:
        metadata = json.loads(archive.read("model.json"))
        weights = archive.read("weights.pt")
    edit(metadata)
    metadata.pop("sha256", None)
    metadata["format_version"] = version
    if version >= 2:
        # The documented digest: canonical JSON of the rest of model.json.
        canonical = json.dumps(metadata, sort_keys=True, separators=(",", ":"))
        metadata["sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", json.dumps(metadata))
        archive.writestr("weights.pt", weights)


def _edit_file(path, edit) -> None:
    """Edit model.json and leave its digest as saved (an edit by hand)."""
    with zipfile.ZipFile(path) as archive:
        metadata = json.loads(archive.read("model.json"))
        weights = archive.read("weights.pt")
    edit(metadata)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", json.dumps(metadata, indent=1))
        archive.writestr("weights.pt", weights)


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def edit(metadata):
        target = metadata
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value(target[keys[-1]]) if callable(value) else value

    return edit


def _network_param(name, value):
    def edit(metadata):
        pairs = metadata["fitted"]["network_params_"]["dict"]
        for pair in pairs:
            if pair[0] == name:
                pair[1] = value

    return edit


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory, pattern_data):
    """A classifier and a regressor (y of shape (n, 1)) saved once."""
    from sklearn_convlstm import ConvLSTMRegressor

    X, y = pattern_data
    folder = tmp_path_factory.mktemp("saved")
    clf = fast(pool_sizes=2).fit(X, np.array(["a", "b"])[y])
    reg = ConvLSTMRegressor(**FAST_PARAMS).fit(X, X[:, :1, :4].mean(axis=2))
    save_model(clf, folder / "clf.convlstm")
    save_model(reg, folder / "reg.convlstm")
    return {
        "clf": (clf, folder / "clf.convlstm"),
        "reg": (reg, folder / "reg.convlstm"),
    }


def _copy(saved_models, name, tmp_path):
    estimator, source = saved_models[name]
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    return estimator, path


def _reversed_labels(stored):
    return {**stored, "values": stored["values"][::-1]}


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("clf", _set("fitted", "classes_", _reversed_labels)),
        ("clf", _set("fitted", "classes_", lambda c: {**c, "values": ["x", "b"]})),
        ("clf", _set("fitted", "scaling_", "per_series")),
        ("clf", _network_param("pool_sizes", {"tuple": [1]})),
        ("clf", _network_param("conv_padding", "valid")),
        ("reg", _set("fitted", "target_ndim_", 1)),
        ("clf", _set("history", lambda h: h[:1])),
        ("clf", _set("params", "lr", {"dict": []})),
    ],
    ids=[
        "classes-reordered",
        "class-renamed",
        "scaling",
        "pool_sizes",
        "conv_padding",
        "target_ndim",
        "history",
        "param",
    ],
)
def test_an_edited_model_json_is_detected(saved_models, tmp_path, name, edit):
    """Before: only the weights were covered; these loaded with other labels,
    probabilities or output shape and no warning."""
    _, path = _copy(saved_models, name, tmp_path)
    _edit_file(path, edit)
    with pytest.raises(
        ValueError,
        match=r"model\.json does not match the SHA-256 recorded .* altered",
    ):
        load_model(path)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(
    ("name", "edit", "field"),
    [
        ("clf", lambda m: m["fitted"].pop("scaling_"), r"fitted\.scaling_"),
        ("clf", lambda m: m.pop("params"), r"params .*lacks the entry 'params'"),
        ("clf", lambda m: m["fitted"]["net"].pop("device"), r"fitted .*'device'"),
        ("clf", _network_param("rnn", "gru"), r"network of fitted\.network_params_"),
        ("clf", _network_param("readout", "last"), r"fitted\.network_params_"),
        ("clf", _set("fitted", "n_channels_in_", 3), r"n_channels_in_"),
        (
            "clf",
            _set("fitted", "classes_", lambda c: {**c, "values": ["a", "b", "c"]}),
            r"classes_",
        ),
        (
            "clf",
            _set("fitted", "classes_", lambda c: {**c, "values": ["a"]}),
            "classes_",
        ),
        ("clf", _set("fitted", "scaling_", "sideways"), r"fitted\.scaling_"),
        ("clf", _set("history", 5), r"history .*must be a JSON list; got 5"),
        ("clf", _set("params", "rnn", "transformer"), r"params .*'rnn' parameter"),
        ("clf", _network_param("conv_channels", {"tuple": [4, "x"]}), "network_par"),
        ("reg", _set("fitted", "target_ndim_", 3), r"fitted\.target_ndim_"),
        ("reg", _set("fitted", "n_outputs_", 2), r"target_ndim_|n_outputs_"),
    ],
)
def test_a_malformed_model_json_names_the_field(
    saved_models, tmp_path, name, edit, field, version
):
    """Before: KeyError, a state-dict RuntimeError or a TypeError."""
    _, path = _copy(saved_models, name, tmp_path)
    _rewrite(path, edit, version=version)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*format version 1")
        with pytest.raises(ValueError, match=field):
            load_model(path)


def test_a_version_1_file_still_loads_with_a_warning(saved_models, tmp_path):
    """Files saved before format version 2 (no digest of model.json)."""
    X = np.random.RandomState(1).normal(size=(5, 2, 32))
    for name in ("clf", "reg"):
        estimator, path = _copy(saved_models, name, tmp_path)
        _rewrite(path, lambda metadata: None, version=1)
        with pytest.warns(UserWarning, match=r"format version 1, whose SHA-256"):
            restored = load_model(path)
        np.testing.assert_array_equal(restored.predict(X), estimator.predict(X))
    assert restored.predict(X).shape == (5, 1)


def test_an_unknown_format_version_is_refused(saved_models, tmp_path):
    _, path = _copy(saved_models, "clf", tmp_path)
    _rewrite(path, lambda metadata: None, version=4)
    with pytest.raises(ValueError, match=r"format version 4; .* reads versions"):
        load_model(path)


def test_fusion_weight_before_and_from_format_version_3(saved_models, tmp_path):
    """Version 3 records the ridge's weight; older files had the fixed 10.

    An older reader, which knows no weight, refuses version 3 files rather
    than apply 10 to a model fitted with 3.
    """
    clf, path = _copy(saved_models, "clf", tmp_path)
    assert clf.fusion_weight_ == 3.0  # pattern_data: the full-size weight
    X = np.random.RandomState(2).normal(size=(5, 2, 32))

    def without_weight(metadata):
        metadata["fitted"].pop("fusion_weight_", None)

    _rewrite(path, without_weight, version=2)
    restored = load_model(path)
    assert restored.fusion_weight_ == 10.0
    expected = torch.softmax(
        torch.log_softmax(clf._network_outputs(X).double(), 1)
        + 10.0 * clf._random_kernel_scores(X),
        1,
    ).numpy()
    np.testing.assert_allclose(restored.predict_proba(X), expected, rtol=1e-12)
    _rewrite(path, without_weight, version=3)
    with pytest.raises(ValueError, match="fusion_weight_"):
        load_model(path)
