"""Save and load a fitted ConvLSTMClassifier or ConvLSTMRegressor safely.

Pickle (and joblib) files can run arbitrary code when they are loaded: load
them only from sources you trust. :func:`save_model` writes a format that
loading never executes: one zip file holding

* ``model.json``: the format and package versions, the estimator's
  hyperparameters, its fitted scalar attributes (``classes_``,
  ``network_params_``, ``scaling_``, ``history_``, ...), the SHA-256 of
  the weights file and, in ``sha256``, the SHA-256 of everything else in
  ``model.json`` (its canonical JSON: sorted keys, no spaces), so the digest
  covers the whole configuration as well as the weights;
* ``weights.pt``: the network's ``state_dict`` and the fitted scalers' arrays
  (the input ``scaler_``, and a regressor's ``target_scaler_``),
  written with :func:`torch.save` and read back with
  ``torch.load(weights_only=True)``, which only rebuilds tensors.

:func:`save_model` writes a temporary file in the target's folder, flushes it
to disk and renames it over the target, so a failed save (a full disk, a
size limit, an interrupt) leaves an existing file as it was.
:func:`load_model` checks the zip's CRCs and both digests, so a corrupted or
altered file raises a ``ValueError`` instead of loading a model with different
labels, probabilities or output shape, and a malformed ``model.json`` raises a
``ValueError`` that names the field. The digests detect accidental damage
and edits; they are not a signature (whoever edits the file can recompute
them): load models only from sources you trust. Files of format version 1
(written before the configuration was covered) still load, with a warning.
The loaded model predicts exactly as the saved one did. What it does not
keep: the optimizer's state (a loaded model predicts; ``fit`` trains a new
network anyway) and user ``callbacks`` (arbitrary objects: set
``callbacks=None`` before saving, or use pickle).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import warnings
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler
from skorch.history import History

from sklearn_convlstm._base import OPTIMIZERS
from sklearn_convlstm._classifier import RANDOM_KERNEL_FUSION, ConvLSTMClassifier
from sklearn_convlstm._engine.batching import PREDICT_BATCH_SIZE
from sklearn_convlstm._engine.nets import (
    _AutocastNeuralNetClassifier,
    _AutocastNeuralNetRegressor,
)
from sklearn_convlstm._engine.precision import resolve_precision
from sklearn_convlstm._parameters import resolve_device
from sklearn_convlstm._preprocessing import NETWORK_SCALING, TimeSeriesScaler
from sklearn_convlstm._regressor import (
    ConvLSTMRegressor,
    StandardisedMSELoss,
    refuse_cross_fitted,
)
from sklearn_convlstm.nn import ConvLSTMNetwork, RandomKernelRidge

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "load_model", "save_model"]

#: Written in ``model.json``; :func:`load_model` refuses other files.
FORMAT_NAME = "sklearn-convlstm-model"
#: Version of the layout of ``model.json`` and ``weights.pt``. Version 2 adds
#: ``sha256``, the digest of the rest of ``model.json``; version 3 adds
#: ``fusion_weight_``, the weight of a classifier's random-kernel ridge (in
#: older files it is 10; an older reader would apply 10 to any weight, so it
#: must refuse these files).
FORMAT_VERSION = 3
#: Versions :func:`load_model` reads (version 1 with a warning).
_READABLE_VERSIONS = (1, 2, 3)

_METADATA = "model.json"
_WEIGHTS = "weights.pt"
#: Fitted attributes stored as JSON values.
_FITTED_SCALARS = (
    "n_features_in_",
    "n_channels_in_",
    "n_timesteps_in_",
    "min_length_",
    "scaling_",
    "network_params_",
)
#: The regressor's further fitted scalars.
_REGRESSOR_SCALARS = ("n_outputs_", "target_ndim_")
_ESTIMATORS = {cls.__name__: cls for cls in (ConvLSTMClassifier, ConvLSTMRegressor)}


# ------------------------------------------------------------------ encoding
def _encode(value: Any, where: str) -> Any:
    """Return a JSON value for ``value``; tuples and dicts keep their types."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, tuple):
        return {
            "tuple": [
                _encode(item, f"{where} (entry {index})")
                for index, item in enumerate(value)
            ]
        }
    if isinstance(value, list):
        return [
            _encode(item, f"{where} (entry {index})")
            for index, item in enumerate(value)
        ]
    if isinstance(value, dict):
        return {
            "dict": [[_encode(k, where), _encode(v, where)] for k, v in value.items()]
        }
    if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
        name = str(getattr(value, "__name__", ""))
        if getattr(torch.optim, name, None) is value:
            return {"torch_optimizer": name}
    raise ValueError(
        f"{where} is {value!r} (of type {type(value).__name__}), which save_model "
        "cannot store: the safe format holds numbers, strings, tuples, lists, "
        "dicts and torch.optim classes only. Set it to such a value before "
        "fitting and saving (e.g. an int random_state, callbacks=None), or use "
        "pickle for this model."
    )


def _decode(value: Any) -> Any:
    """Invert :func:`_encode`."""
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"tuple"}:
        return tuple(_decode(item) for item in value["tuple"])
    if set(value) == {"dict"}:
        return {_decode(key): _decode(item) for key, item in value["dict"]}
    if set(value) == {"torch_optimizer"}:
        optimizer = getattr(torch.optim, str(value["torch_optimizer"]), None)
        if not (
            isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)
        ):
            raise ValueError(
                f"the model names the optimizer {value['torch_optimizer']!r}, "
                "which is not a torch.optim optimizer of this PyTorch version."
            )
        return optimizer
    raise ValueError(f"unexpected JSON object {value!r} in the model file.")


def _encode_labels(classes: np.ndarray) -> dict[str, Any]:
    if classes.dtype.kind not in "biufUO":
        raise ValueError(
            f"classes_ has dtype {classes.dtype}, which save_model cannot store; "
            "use int, float, bool or string labels."
        )
    return {
        "dtype": classes.dtype.str if classes.dtype.kind != "O" else "object",
        "values": [_encode(label, "a class label") for label in classes.tolist()],
    }


def _decode_labels(stored: dict[str, Any]) -> np.ndarray:
    dtype = object if stored["dtype"] == "object" else np.dtype(stored["dtype"])
    labels = np.empty(len(stored["values"]), dtype=dtype)
    labels[:] = stored["values"]
    return labels


def _json_default(value: Any) -> Any:
    """Numpy scalars in skorch's history become plain numbers."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# ---------------------------------------------------------------------- save
def save_model(
    estimator: ConvLSTMClassifier | ConvLSTMRegressor, path: str | os.PathLike
) -> None:
    """Save a fitted classifier or regressor in the safe format (no pickle).

    The file is written whole to a temporary file in the folder of
    ``path``, flushed to disk (``fsync``) and renamed over ``path``: a save
    that fails part-way (disk full, file size limit, interrupt) leaves an
    existing file at ``path`` unchanged and no temporary file behind.

    Parameters
    ----------
    estimator : ConvLSTMClassifier or ConvLSTMRegressor
        A fitted estimator. Its parameters must be plain values (an int or
        None ``random_state``, ``callbacks=None``, an optimizer name or a
        ``torch.optim`` class).
    path : str or path-like
        File to write (a zip archive; ``.convlstm`` or ``.zip`` are fine
        suffixes). An existing file is replaced (keeping its permissions);
        a symbolic link is followed.

    Raises
    ------
    NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        For a parameter or label the format cannot store.
    OSError
        If the file cannot be written; an existing file is left as it was.

    See Also
    --------
    load_model : Read the file back.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm import ConvLSTMClassifier
    >>> from sklearn_convlstm._persistence import load_model, save_model
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(20, 1, 30)), np.array(["a", "b"] * 10)
    >>> clf = ConvLSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.convlstm")
    >>> save_model(clf, path)
    >>> restored = load_model(path)
    >>> bool((restored.predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    from sklearn.utils.validation import check_is_fitted

    if type(estimator).__name__ not in _ESTIMATORS or not isinstance(
        estimator, (ConvLSTMClassifier, ConvLSTMRegressor)
    ):
        raise TypeError(
            "save_model saves a ConvLSTMClassifier or ConvLSTMRegressor; got an "
            "object of type "
            f"{type(estimator).__name__}. Use pickle for other objects."
        )
    check_is_fitted(estimator)
    refuse_cross_fitted(estimator, "save_model")
    params = {
        name: _encode(value, f"The parameter {name!r}")
        for name, value in estimator.get_params(deep=False).items()
    }
    fitted: dict[str, Any] = {
        name: _encode(getattr(estimator, name), name) for name in _FITTED_SCALARS
    }
    tensors: dict[str, Any] = {"scaler": {}}
    if isinstance(estimator, ConvLSTMClassifier):
        fitted["classes_"] = _encode_labels(estimator.classes_)
        # classifiers pickled before the random-kernel head have neither
        fitted["head_"] = getattr(estimator, "head_", "softmax")
        random_kernel_head = getattr(estimator, "random_kernel_head_", None)
        if random_kernel_head is not None:
            fitted["fusion_weight_"] = estimator._fusion_weight()
            fitted["random_kernel_head"] = random_kernel_head.config()
            tensors["random_kernel_head"] = {
                key: value.detach().cpu()
                for key, value in random_kernel_head.state_dict().items()
            }
    else:
        for name in _REGRESSOR_SCALARS:
            fitted[name] = _encode(getattr(estimator, name), name)
    if hasattr(estimator, "feature_names_in_"):
        fitted["feature_names_in_"] = [str(n) for n in estimator.feature_names_in_]
    net = estimator.net_
    weight = getattr(net, "criterion__weight", None)
    fitted["net"] = {
        "device": str(net.device),
        "mixed_precision": bool(net.mixed_precision),
        "batch_size": int(net.batch_size),
        "max_epochs": int(net.max_epochs),
        "criterion_weight": None if weight is None else weight.tolist(),
    }
    tensors["module"] = {
        key: value.detach().cpu() for key, value in net.module_.state_dict().items()
    }
    fitted["scaler_"] = _save_scaler(estimator.scaler_, tensors["scaler"], "scaler_")
    if isinstance(estimator, ConvLSTMRegressor):
        tensors["target_scaler"] = {}
        fitted["target_scaler_"] = _save_scaler(
            estimator.target_scaler_, tensors["target_scaler"], "target_scaler_"
        )

    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    weights = buffer.getvalue()
    from sklearn_convlstm._version import __version__

    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "torch_version": torch.__version__,
        "estimator": type(estimator).__name__,
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        "params": params,
        "fitted": fitted,
        "history": list(estimator.history_),
    }
    # The digest is taken of the JSON as load_model reads it back.
    metadata = json.loads(json.dumps(metadata, default=_json_default))
    metadata["sha256"] = _metadata_digest(metadata)
    text = json.dumps(metadata, indent=1)

    def write(file: IO[bytes]) -> None:
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(_METADATA, text)
            archive.writestr(_WEIGHTS, weights, compress_type=zipfile.ZIP_STORED)

    _write_atomically(os.path.realpath(path), write)


def _metadata_digest(metadata: dict[str, Any]) -> str:
    """SHA-256 of ``model.json``'s content but ``sha256``, as canonical JSON."""
    content = {key: value for key, value in metadata.items() if key != "sha256"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _write_atomically(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Write a file through ``write`` to a temporary file, then rename it to ``path``.

    The temporary file is in the same folder (a rename within one file
    system replaces the target in one step), created with the permissions a
    new file gets (or those of the file it replaces), flushed and synced
    before the rename; it is removed if anything fails.
    """
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, os.stat(path).st_mode & 0o7777)
        with os.fdopen(descriptor, "wb") as file:
            descriptor = -1  # closed with the file object
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if descriptor != -1:
            os.close(descriptor)
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Flush the rename to disk (best effort: not every system can)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder or ".", os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _save_scaler(
    scaler: Any, tensors: dict[str, torch.Tensor], where: str
) -> dict[str, Any] | None:
    """JSON state of a fitted scaler; its arrays go to ``tensors``."""
    if scaler is None:
        return None
    state: dict[str, Any] = {"params": _encode(scaler.get_params(), "")}
    scalars = {}
    for name, value in vars(scaler).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if isinstance(value, np.ndarray):
            tensors[name] = torch.from_numpy(np.array(value))
        else:
            scalars[name] = _encode(value, f"{where}.{name}")
    state["fitted"] = scalars
    return state


def _load_scaler(
    scaler_class: type,
    state: dict[str, Any] | None,
    tensors: dict[str, torch.Tensor],
    source: str,
) -> Any:
    """Rebuild a scaler written by :func:`_save_scaler`."""
    if state is None:
        return None
    scaler = scaler_class(**_decode(state["params"]))
    scaler._validate_params()
    values = {
        **{k: _decode(v) for k, v in state["fitted"].items()},
        **{k: t.cpu().numpy() for k, t in tensors.items()},
    }
    for name, value in values.items():
        # Only fitted attributes (``mean_``, ...), as save_model wrote them.
        if not (name.isidentifier() and name.endswith("_")) or name[0] == "_":
            raise ValueError(f"{source}: unexpected scaler attribute {name!r}.")
        setattr(scaler, name, value)
    return scaler


# ---------------------------------------------------------------------- load
def _read_archive(path: str) -> tuple[dict[str, Any], bytes]:
    """Return the metadata and the verified weights bytes of a model file."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if not {_METADATA, _WEIGHTS} <= names:
                raise ValueError(
                    f"{path} is not a model file written by save_model: it lacks "
                    f"{sorted({_METADATA, _WEIGHTS} - names)}."
                )
            text = archive.read(_METADATA)
            weights = archive.read(_WEIGHTS)
    except zipfile.BadZipFile as error:
        raise ValueError(
            f"{path} is not a readable model file (corrupted, truncated or not "
            f"written by save_model): {error}."
        ) from None
    try:
        metadata = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: {_METADATA} is not valid JSON: {error}.") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ValueError(f"{path} is not a model file written by save_model.")
    version = metadata.get("format_version")
    if isinstance(version, bool) or version not in _READABLE_VERSIONS:
        raise ValueError(
            f"{path} has format version {version!r}; this version of "
            f"sklearn_convlstm reads versions {_READABLE_VERSIONS}. Load it with "
            f"sklearn_convlstm {metadata.get('package_version')}."
        )
    if version == 1:
        warnings.warn(
            f"{path} was saved in format version 1, whose SHA-256 covers the "
            f"weights only: a change to {_METADATA} (classes, scaling, network "
            "parameters) would not be detected. Save it again with save_model "
            f"to write format version {FORMAT_VERSION}, which covers both.",
            UserWarning,
            stacklevel=3,
        )
    else:
        recorded = metadata.get("sha256")
        if recorded != _metadata_digest(metadata):
            raise ValueError(
                f"{path}: {_METADATA} does not match the SHA-256 recorded when the "
                f"model was saved (field 'sha256': {recorded!r}): the file was "
                "altered or corrupted. Do not use it; save the model again."
            )
    digest = hashlib.sha256(weights).hexdigest()
    if digest != metadata.get("weights_sha256"):
        raise ValueError(
            f"{path}: the weights do not match the SHA-256 recorded when the model "
            f"was saved ({digest} instead of {metadata.get('weights_sha256')}): "
            "the file was altered or corrupted. Do not use it; save the model again."
        )
    return metadata, weights


@contextlib.contextmanager
def _field(source: str, name: str) -> Iterator[None]:
    """Turn an error while reading ``name`` into a ValueError that names it."""
    try:
        yield
    except ValueError as error:
        if str(error).startswith(source):
            raise
        raise ValueError(
            f"{source}: {name} in {_METADATA} is not valid: {error}"
        ) from error
    except (KeyError, TypeError, AttributeError, IndexError, RuntimeError) as error:
        detail = f"{type(error).__name__}: {error}"
        if isinstance(error, KeyError):
            detail = f"it lacks the entry {error}"
        raise ValueError(
            f"{source}: {name} in {_METADATA} is missing or malformed ({detail}). "
            "The file was not written by this package's save_model or was "
            "edited; save the model again."
        ) from error


def _entry(mapping: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``mapping[key]``, checked to be of type ``kind`` (JSON types)."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise KeyError(key)
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        names = (
            kind.__name__
            if isinstance(kind, type)
            else "/".join(k.__name__ for k in kind)
        )
        raise TypeError(f"{where}{key} must be a JSON {names}; got {value!r}")
    return value


def _loading_device(device: str | None, saved: str) -> str:
    if device is not None:
        return resolve_device(device)
    try:
        return resolve_device(saved)
    except ValueError:
        warnings.warn(
            f"The model was saved with device={saved!r}, which is not available "
            "here; it is loaded on the CPU. Pass device= to choose.",
            UserWarning,
            stacklevel=3,
        )
        return "cpu"


def load_model(
    path: str | os.PathLike, *, device: str | None = None
) -> ConvLSTMClassifier | ConvLSTMRegressor:
    """Load an estimator written by :func:`save_model`, checking its integrity.

    Nothing in the file is executed: the metadata is JSON and the weights are
    read with ``torch.load(weights_only=True)``.

    Parameters
    ----------
    path : str or path-like
        File written by :func:`save_model`.
    device : str, default=None
        Device to load the network on (``"cpu"``, ``"cuda"``, ...). None: the
        saved ``device`` parameter, or the CPU (with a warning) when that
        device is not available here.

    Returns
    -------
    estimator : ConvLSTMClassifier or ConvLSTMRegressor
        The fitted estimator; its predictions equal the saved model's. It has
        no optimizer state: ``fit`` trains it afresh as usual.

    Raises
    ------
    ValueError
        If the file is not a model file, was altered or corrupted (zip CRC,
        SHA-256 of ``model.json`` or of the weights), has another format
        version, or its ``model.json`` lacks a field or holds one that does
        not fit (the message names the field).

    Warns
    -----
    UserWarning
        For a file of format version 1, whose digest covers the weights only.
    """
    source = os.fspath(path)
    metadata, weights = _read_archive(source)
    estimator_class = _ESTIMATORS.get(str(metadata.get("estimator")))
    if estimator_class is None:
        raise ValueError(
            f"{source} holds a {metadata.get('estimator')!r}; load_model loads "
            "ConvLSTMClassifier and ConvLSTMRegressor models."
        )
    with _field(source, "params"):
        stored_params = _entry(metadata, "params", dict, "")
        params = {name: _decode(value) for name, value in stored_params.items()}
        estimator = estimator_class(**params)
        estimator._validate_params()
    with _field(source, "fitted"):
        fitted = _entry(metadata, "fitted", dict, "")
        net_state = _entry(fitted, "net", dict, "fitted.")
        for key, kind in (("device", str), ("batch_size", int), ("max_epochs", int)):
            _entry(net_state, key, kind, "fitted.net.")
        mixed_precision = _entry(net_state, "mixed_precision", bool, "fitted.net.")
    for name in _FITTED_SCALARS:
        with _field(source, f"fitted.{name}"):
            setattr(estimator, name, _decode(_entry(fitted, name, object, "")))
    with _field(source, "fitted.scaling_"):
        method = NETWORK_SCALING[estimator.scaling_]
    with _field(source, "fitted.network_params_"):
        if not isinstance(estimator.network_params_, dict):
            raise TypeError(
                f"it must be a dict; got {type(estimator.network_params_).__name__}"
            )
    regressor = isinstance(estimator, ConvLSTMRegressor)
    if regressor:
        for name in _REGRESSOR_SCALARS:
            with _field(source, f"fitted.{name}"):
                setattr(estimator, name, _entry(fitted, name, int, "fitted."))
        with _field(source, "fitted.target_ndim_"):
            if estimator.target_ndim_ not in (1, 2) or (
                estimator.target_ndim_ == 1 and estimator.n_outputs_ != 1
            ):
                raise ValueError(
                    f"target_ndim_ must be 1 (one output) or 2; got "
                    f"{estimator.target_ndim_} with n_outputs_="
                    f"{estimator.n_outputs_}."
                )
    else:
        with _field(source, "fitted.classes_"):
            estimator.classes_ = _decode_labels(_entry(fitted, "classes_", dict, ""))
            if len(estimator.classes_) < 2 or len(np.unique(estimator.classes_)) != len(
                estimator.classes_
            ):
                raise ValueError(
                    f"classes_ must hold at least 2 distinct labels; got "
                    f"{estimator.classes_.tolist()!r}."
                )
    if "feature_names_in_" in fitted:
        with _field(source, "fitted.feature_names_in_"):
            estimator.feature_names_in_ = np.array(
                _entry(fitted, "feature_names_in_", list, "fitted."), dtype=object
            )
    target = _loading_device(device, net_state["device"])
    # Training's precision as saved; prediction's as ``fit`` would resolve it
    # on the device the model is loaded onto.
    estimator.mixed_precision_ = mixed_precision
    estimator.inference_precision_ = resolve_precision(
        estimator.mixed_precision, target, inference=True
    )
    with _field(source, "weights.pt"):
        tensors = torch.load(
            io.BytesIO(weights), map_location=target, weights_only=True
        )
        if not isinstance(tensors, dict) or "module" not in tensors:
            raise KeyError("module")
    if not regressor:
        # files saved before the random-kernel head have the softmax head
        with _field(source, "fitted.head_"):
            estimator.head_ = _entry(
                {"head_": "softmax", **fitted}, "head_", str, "fitted."
            )
        estimator.random_kernel_head_ = None
        estimator.fusion_weight_ = 0.0
        if "random_kernel_head" in fitted:
            # files saved before version 3 have the fixed weight 10
            saved = dict(fitted)
            if metadata["format_version"] < 3:
                saved.setdefault("fusion_weight_", RANDOM_KERNEL_FUSION)
            with _field(source, "fitted.fusion_weight_"):
                estimator.fusion_weight_ = float(
                    _entry(
                        saved,
                        "fusion_weight_",
                        (int, float),
                        "fitted.",
                    )
                )
            with _field(source, "fitted.random_kernel_head"):
                random_kernel_head = RandomKernelRidge.from_config(
                    fitted["random_kernel_head"]
                )
                random_kernel_head.load_state_dict(tensors["random_kernel_head"])
            # on the device the network is loaded onto, as fit leaves it
            estimator.random_kernel_head_ = random_kernel_head.to(target).eval()

    with _field(source, "fitted.scaler_"):
        estimator.scaler_ = _load_scaler(
            TimeSeriesScaler, fitted["scaler_"], tensors["scaler"], source
        )
    output_scaling = None
    if regressor:
        with _field(source, "fitted.target_scaler_"):
            target_scaler = _load_scaler(
                StandardScaler,
                fitted["target_scaler_"],
                tensors["target_scaler"],
                source,
            )
            estimator.target_scaler_ = target_scaler
            output_scaling = (target_scaler.mean_, target_scaler.scale_)

    with _field(source, "fitted.network_params_ (or n_channels_in_)"):
        module = ConvLSTMNetwork(
            estimator.n_channels_in_,
            estimator._n_outputs(),
            input_scaling=method,
            augmentation=(
                (estimator.augmentation_window, estimator.augmentation_scale)
                if estimator.augmentation
                else None
            ),
            output_scaling=output_scaling,
            **estimator.network_params_,
        )
    outputs = "n_outputs_" if regressor else "classes_"
    with _field(
        source,
        f"the network of fitted.network_params_, n_channels_in_, scaling_ and "
        f"{outputs} (weights.pt does not fit it)",
    ):
        module.load_state_dict(tensors["module"])
    if module.min_length != estimator.min_length_:
        raise ValueError(
            f"{source}: fitted.min_length_ in {_METADATA} is "
            f"{estimator.min_length_!r}, but the network of "
            f"fitted.network_params_ needs series of at least {module.min_length} "
            "timesteps: the file was edited. Save the model again."
        )
    optimizer = params["optimizer"]
    net_kwargs: dict[str, Any] = {
        "mixed_precision": estimator.mixed_precision_,
        "optimizer": OPTIMIZERS[optimizer] if isinstance(optimizer, str) else optimizer,
        "optimizer__weight_decay": estimator.weight_decay,
        "lr": estimator.lr,
        "batch_size": net_state["batch_size"],
        "max_epochs": net_state["max_epochs"],
        "iterator_valid__batch_size": PREDICT_BATCH_SIZE,
        "train_split": None,
        "device": target,
        "verbose": 0,
    }
    net: Any
    if regressor:
        net = _AutocastNeuralNetRegressor(
            module,
            criterion=StandardisedMSELoss,
            criterion__scale=torch.as_tensor(
                estimator.target_scaler_.scale_, dtype=torch.float32
            ),
            **net_kwargs,
        )
    else:
        with _field(source, "fitted.net.criterion_weight"):
            criterion_weight = net_state.get("criterion_weight")
            if criterion_weight is not None:
                criterion_weight = torch.tensor(criterion_weight, dtype=torch.float32)
                if criterion_weight.shape != (len(estimator.classes_),):
                    raise ValueError(
                        f"it must hold one weight per class "
                        f"({len(estimator.classes_)}); got shape "
                        f"{tuple(criterion_weight.shape)}."
                    )
        net = _AutocastNeuralNetClassifier(
            module,
            criterion=torch.nn.CrossEntropyLoss,
            criterion__weight=criterion_weight,
            classes=np.arange(len(estimator.classes_)),
            **net_kwargs,
        )
    net.initialize()
    net.module_.eval()
    with _field(source, "history"):
        history = _entry(metadata, "history", list, "")
        if not all(isinstance(epoch, dict) for epoch in history):
            raise TypeError("it must be a list of epoch records (JSON objects)")
        net.history = History(history)
    estimator.net_ = net
    estimator.history_ = net.history
    return estimator
