"""Export a fitted estimator to ONNX for serving, and load it back with onnxruntime.

:func:`export_onnx` writes one ``.onnx`` file holding the whole prediction
path: the input scaling fitted in ``fit`` (it lives inside the network), the
network and, for a classifier, the softmax, so the graph outputs the
probabilities ``predict_proba`` returns. A classifier with the random-kernel
head (``head_ == "random-kernels"``) exports whole: the head's kernels,
biases, counting and masking, its ridge, and the fusion with the network.
The class list and what a server must know about the input (channels,
fitted length, shortest accepted length) are stored as JSON in the model's
``metadata_props``, so the file is all a server needs. :func:`load_onnx`
opens such a file with
onnxruntime and predicts like the estimator.

Exporter: the TorchScript-based one (``torch.onnx.export(...,
dynamo=False)``). With torch 2.13 it exports every network configuration of
this package, LSTM and GRU, packed sequences included (so a ``lengths``
input for series of unequal length is possible), in a fraction of a second,
and gives the graph a dynamic batch *and* time axis. The torch.export-based
exporter (``dynamo=True``, torch's default since 2.9) is much slower on these
networks and fixed the time axis to the example's length despite a dynamic
``Dim``.
torch warns that the TorchScript-based exporter is deprecated; when it goes,
the dynamo path has to be revisited.

Serving without this package::

    import json
    import onnxruntime as ort

    session = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    classes = json.loads(meta["classes"])
    proba = session.run(None, {"series": X.astype("float32")})[0]
    labels = [classes[i] for i in proba.argmax(axis=1)]

``X`` is ``(n_samples, n_channels, n_timesteps)`` float32, raw (unscaled)
series; a graph exported with ``lengths_input=True`` also takes
``"lengths"``, int64 of shape ``(n_samples,)``, the true length of each
series padded at the end.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import secrets
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from sklearn_convlstm._optional import import_optional
from sklearn_convlstm._regressor import refuse_cross_fitted
from sklearn_convlstm._validation import check_series, pad_series, series_lengths
from sklearn_convlstm.nn import RandomKernelRidge

__all__ = ["OnnxModel", "export_onnx", "load_onnx"]

#: Key of the JSON description in the ONNX file's metadata_props.
METADATA_KEY = "sklearn_convlstm"

#: Second output of a graph with the random-kernel head: its features.
FEATURES_OUTPUT = "random_kernel_features"
#: Largest share of feature entries the graph may count differently from
#: PyTorch (with input scaling, a scaled value rounded otherwise can move a
#: kernel output across a bias).
MAX_DIFFERING_FEATURES = 1e-2

#: Lowest ONNX opset that exports every network of this package (the packed
#: sequences of series of unequal length need opset 11).
MIN_OPSET = 11


def _max_opset() -> int:
    """Highest opset torch's exporter writes (23 with torch 2.13)."""
    from torch.onnx import _constants

    return int(getattr(_constants, "ONNX_MAX_OPSET", 20))


class _ServingModule(nn.Module):
    """The fitted network, plus a softmax for a classifier.

    With a random-kernel head (a classifier fitted with
    ``head="random-kernels"``), the head's features of the scaled series
    and its ridge scores are fused with the network's log-probabilities as
    ``predict_proba`` fuses them, and the features are a second output.
    """

    def __init__(
        self,
        network: nn.Module,
        softmax: bool,
        random_kernel_head: RandomKernelRidge | None = None,
        fusion: float = 0.0,
    ) -> None:
        super().__init__()
        self.network = network
        self.softmax = softmax
        self.random_kernel_head = random_kernel_head
        self.fusion = float(fusion)

    def forward(
        self, series: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        output = self.network(series, lengths).float()
        if self.random_kernel_head is None:
            return torch.softmax(output, dim=1) if self.softmax else output
        scaling = getattr(self.network, "input_scaling", None)
        scaled = series if scaling is None else scaling(series, lengths)
        features = self.random_kernel_head.features(scaled.float(), lengths)
        return self.fuse(output, features), features

    def fuse(self, logits: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """Probabilities from the network's logits and the head's features."""
        assert self.random_kernel_head is not None
        scores = self.random_kernel_head.linear(features)
        fused = torch.log_softmax(logits, dim=1) + self.fusion * scores
        return torch.softmax(fused, dim=1)


def export_onnx(
    estimator: Any,
    path: str | os.PathLike,
    *,
    lengths_input: bool | None = None,
    opset_version: int | None = None,
) -> Path:
    """Write a fitted estimator's prediction path to an ONNX file.

    Parameters
    ----------
    estimator : fitted estimator
        A fitted estimator of this package whose ``net_.module_`` computes
        its predictions from raw series (input scaling inside), e.g.
        :class:`~sklearn_convlstm.ConvLSTMClassifier`. With ``classes_`` the
        graph outputs ``"probabilities"`` (softmax of the network's logits,
        columns in the order of ``classes_``); without (a regressor) it
        outputs ``"values"``, the network's outputs. A classifier with the
        random-kernel head outputs the fused probabilities of
        ``predict_proba`` (``softmax(log_softmax(logits) +
        fusion_weight_ * ridge scores)``, the ridge on the head's
        features of the scaled series) and, second,
        ``"random_kernel_features"`` of shape (n_samples, n_features).
        A regressor with a random-kernel head is refused.
    path : str or path-like
        Where to write the ``.onnx`` file (its folder must exist).
    lengths_input : bool, default=None
        Add a second input ``"lengths"`` (int64, one per series) so that one
        batch can hold series of unequal length padded at the end, computed
        exactly as ``predict_proba`` computes a list of such series. ``None``:
        only for an estimator fitted on series of unequal length.
    opset_version : int, default=None
        ONNX opset, from :data:`MIN_OPSET` (11) to the highest opset the
        installed torch exports (23 with torch 2.13); ``None`` takes
        torch's default.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ImportError
        If onnx or onnxruntime is missing (extra ``export``).
    TypeError, ValueError
        If ``opset_version`` is not an int in the supported range (checked
        before anything is exported).
    ValueError
        If ``estimator`` is a regressor with a random-kernel head.
    RuntimeError
        If the exported graph does not reproduce the network's outputs on a
        random batch within 1e-4 (checked with onnxruntime before returning;
        with the random-kernel head, the fusion is checked on the graph's
        features, which may differ from PyTorch's in at most 1% of the
        entries).

    Notes
    -----
    The graph has a dynamic batch axis and a dynamic time axis.

    * Estimator fitted on series of one length: series of that length
      reproduce ``predict_proba`` (``predict``). The graph also runs on
      other lengths of at least ``min_length`` (the network's output for
      them), but ``predict_proba`` refuses those, so nothing says they are
      meaningful; :class:`OnnxModel` refuses them too.
    * Fitted on series of unequal length: any length of at least
      ``min_length``; with ``lengths_input`` the series of one batch may
      differ in length.
    * Random-kernel head: the graph makes the kernels' sums as the head
      does (exact, in float64, rounded once to float32), so without input
      scaling its features equal the model's. With input scaling,
      onnxruntime may round the scaled values differently from PyTorch, and
      a kernel output within that rounding of a bias then counts on one side
      only, which moves one feature by one step over the series length; the
      export refuses a graph where more than 1 % of the features differ on a
      random batch. The probabilities match ``predict_proba``'s within 1e-5
      on arbitrary series with each scaling (tested).
    * Not in the graph: input validation (channels, length, NaN; the
      metadata holds what to check, :class:`OnnxModel` does it) and
      ``mixed_precision`` (the graph computes in float32).
    * The graph is written to a temporary file in the folder of ``path``,
      checked, and only then renamed to ``path``: a failed export leaves no
      file behind and an existing file as it was.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from sklearn_convlstm import ConvLSTMClassifier
    >>> from sklearn_convlstm.export import export_onnx, load_onnx
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(20, 1, 30)).astype(np.float32)
    >>> clf = ConvLSTMClassifier(max_epochs=1, random_state=0).fit(X, [0, 1] * 10)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = export_onnx(clf, pathlib.Path(folder) / "model.onnx")
    ...     served = load_onnx(path)
    ...     bool(np.allclose(served.predict_proba(X), clf.predict_proba(X), atol=1e-5))
    True
    """
    check_is_fitted(estimator)
    refuse_cross_fitted(estimator, "export_onnx")
    random_kernel_head = getattr(estimator, "random_kernel_head_", None)
    _check_opset(opset_version)
    onnx, ort = _import_onnx()
    network = getattr(getattr(estimator, "net_", None), "module_", None)
    if not isinstance(network, nn.Module):
        raise TypeError(
            f"export_onnx needs an estimator of this package whose net_.module_ is "
            f"its fitted torch network; {type(estimator).__name__} has none."
        )
    classes = getattr(estimator, "classes_", None)
    n_timesteps = getattr(estimator, "n_timesteps_in_", None)
    if lengths_input is None:
        lengths_input = n_timesteps is None
    min_length = int(getattr(estimator, "min_length_", 1))
    output_name = "values" if classes is None else "probabilities"
    output_names = [output_name]
    if random_kernel_head is not None:
        output_names.append(FEATURES_OUTPUT)
    metadata: dict[str, Any] = {
        "estimator": type(estimator).__name__,
        "package_version": _package_version(),
        "output": output_name,
        "classes": None if classes is None else _json_classes(classes),
        "n_channels": int(estimator.n_channels_in_),
        "n_timesteps": None if n_timesteps is None else int(n_timesteps),
        "min_length": min_length,
        "inputs": ["series", "lengths"] if lengths_input else ["series"],
        "outputs": output_names,
        # a regressor fitted on y of shape (n, 1) predicts (n, 1)
        "target_ndim": (
            None if classes is not None else int(getattr(estimator, "target_ndim_", 1))
        ),
    }

    # A CPU copy: the graph has no device, and the estimator's module (maybe
    # on a GPU, maybe in training mode) is left as it is.
    device = torch.device("cpu")
    serving = _ServingModule(
        copy.deepcopy(network).to(device),
        softmax=classes is not None,
        random_kernel_head=(
            None
            if random_kernel_head is None
            else copy.deepcopy(random_kernel_head).to(device)
        ),
        fusion=0.0 if random_kernel_head is None else estimator._fusion_weight(),
    ).eval()
    example_length = n_timesteps or max(min_length, 32)
    example = torch.zeros(2, metadata["n_channels"], example_length, device=device)
    args: tuple[torch.Tensor, ...] = (example,)
    input_names = ["series"]
    dynamic_axes = {"series": {0: "batch", 2: "time"}}
    for name in output_names:
        dynamic_axes[name] = {0: "batch"}
    if lengths_input:
        args += (torch.full((2,), example_length, dtype=torch.long, device=device),)
        input_names.append("lengths")
        dynamic_axes["lengths"] = {0: "batch"}
    path = Path(path)
    # Written and checked under a temporary name, then renamed: a failed
    # export leaves nothing half-written at ``path``.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        _export(
            serving,
            args,
            temporary,
            input_names,
            output_names,
            dynamic_axes,
            opset_version,
            onnx,
            metadata,
        )
        _check_export(serving, temporary, ort, metadata, device)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.remove(temporary)
    return path


def _check_opset(opset_version: Any) -> None:
    """Refuse an opset the export cannot write, before exporting anything."""
    if opset_version is None:
        return
    highest = _max_opset()
    if isinstance(opset_version, bool) or not isinstance(
        opset_version, (int, np.integer)
    ):
        raise TypeError(
            f"opset_version must be an int from {MIN_OPSET} to {highest}, or "
            f"None; got {opset_version!r} of type {type(opset_version).__name__}."
        )
    if not MIN_OPSET <= opset_version <= highest:
        raise ValueError(
            f"opset_version must be from {MIN_OPSET} to {highest} (the ONNX "
            f"opsets that export this package's networks with torch "
            f"{torch.__version__}); got {opset_version}. Leave it None for "
            "torch's default."
        )


def _export(
    serving: nn.Module,
    args: tuple[torch.Tensor, ...],
    path: Path,
    input_names: list[str],
    output_names: list[str],
    dynamic_axes: dict[str, dict[int, str]],
    opset_version: int | None,
    onnx: Any,
    metadata: dict[str, Any],
) -> None:
    """Export ``serving`` to ``path`` and add the metadata to the file."""
    with warnings.catch_warnings():
        # Chosen on purpose (see the module docstring), and its tracer notes
        # are about Python-side checks (the minimum length), not the graph.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX")
        warnings.filterwarnings("ignore", message="The feature will be removed")
        warnings.filterwarnings("ignore", message=".*batch_size other than 1")
        torch.onnx.export(
            serving,
            args,
            str(path),
            dynamo=False,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=None if opset_version is None else int(opset_version),
        )
    model = onnx.load(str(path))
    for key, value in (
        (METADATA_KEY, json.dumps(metadata)),
        ("classes", json.dumps(metadata["classes"])),
    ):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(path))


def _import_onnx() -> tuple[Any, Any]:
    purpose = "ONNX export and serving"
    return (
        import_optional("onnx", purpose=purpose),
        import_optional("onnxruntime", purpose=purpose),
    )


def _package_version() -> str:
    from sklearn_convlstm._version import __version__

    return __version__


def _json_classes(classes: np.ndarray) -> list:
    labels = classes.tolist()
    try:
        json.dumps(labels)
    except TypeError as error:
        raise TypeError(
            f"export_onnx stores classes_ as JSON, but {labels!r} cannot be "
            "written as JSON; fit on int, float, bool or str labels."
        ) from error
    return labels


def _check_export(
    serving: _ServingModule,
    path: Path,
    ort: Any,
    metadata: dict[str, Any],
    device: torch.device,
) -> None:
    """Compare the graph with the network on a random batch of valid series."""
    rng = np.random.RandomState(0)
    length = metadata["n_timesteps"] or max(metadata["min_length"], 32)
    series = rng.normal(size=(3, metadata["n_channels"], length)).astype(np.float32)
    feed = {"series": series}
    lengths = None
    if "lengths" in metadata["inputs"]:
        lengths = np.array([length, length, max(metadata["min_length"], length - 5)])
        feed["lengths"] = lengths
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    graph_outputs = session.run(None, feed)
    exported = graph_outputs[0]
    x = torch.from_numpy(series).to(device)
    x_lengths = None if lengths is None else torch.from_numpy(lengths).to(device)
    with torch.no_grad():
        expected = serving(x, x_lengths)
        if isinstance(expected, tuple):
            # A kernel output within float rounding of a bias may count on
            # one side only: the features may differ in a few entries, and
            # the fusion is checked on the graph's own features.
            _check_features(graph_outputs[1], expected[1].cpu().numpy())
            logits = serving.network(x, x_lengths).float()
            graph_features = torch.from_numpy(graph_outputs[1]).to(device)
            expected = serving.fuse(logits, graph_features)
    difference = float(np.abs(exported - expected.cpu().numpy()).max())
    if not difference <= 1e-4:
        raise RuntimeError(
            f"The exported graph differs from the network by up to "
            f"{difference:.3g} on a random batch (tolerance 1e-4); the export "
            "does not reproduce this network, and no file was written."
        )


def _check_features(exported: np.ndarray, expected: np.ndarray) -> None:
    """Refuse a graph whose random-kernel features differ beyond rounding."""
    differing = float(np.mean(exported != expected))
    if not differing <= MAX_DIFFERING_FEATURES:
        raise RuntimeError(
            f"The exported graph's random-kernel features differ from the "
            f"model's in {differing:.2%} of the entries on a random batch (at "
            f"most {MAX_DIFFERING_FEATURES:.1%} may, from rounding); the export "
            "does not reproduce this model, and no file was written."
        )


class OnnxModel:
    """An exported model served with onnxruntime, predicting like the estimator.

    Build it with :func:`load_onnx`.

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        The session running the graph.
    metadata : dict
        What :func:`export_onnx` stored with the graph.

    Attributes
    ----------
    session : onnxruntime.InferenceSession
        The session running the graph.
    metadata : dict
        What :func:`export_onnx` stored: ``classes``, ``output``,
        ``n_channels``, ``n_timesteps``, ``min_length``, ``inputs``, ...
    classes_ : ndarray of shape (n_classes,) or None
        The class labels of a classifier (columns of :meth:`predict_proba`).
    """

    def __init__(self, session: Any, metadata: dict[str, Any]) -> None:
        self.session = session
        self.metadata = metadata
        classes = metadata.get("classes")
        self.classes_ = None if classes is None else np.asarray(classes)

    def _run(self, X: Any) -> np.ndarray:
        """Check X against the metadata and run the graph, padding if needed."""
        X = check_series(X)
        meta = self.metadata
        n_channels = int(X.shape[1] if isinstance(X, np.ndarray) else X[0].shape[0])
        if n_channels != meta["n_channels"]:
            raise ValueError(
                f"X has {n_channels} channels, but the exported model takes series "
                f"with {meta['n_channels']} channels."
            )
        lengths = series_lengths(X)
        fitted = meta["n_timesteps"]
        if fitted is not None and (lengths != fitted).any():
            raise ValueError(
                f"X has series of {int(lengths[lengths != fitted][0])} timesteps, "
                f"but the exported model was fitted on series of {fitted} "
                "timesteps; pad or truncate them."
            )
        if lengths.min() < meta["min_length"]:
            raise ValueError(
                f"X contains series of {int(lengths.min())} timesteps, but this "
                f"network needs at least {meta['min_length']} timesteps."
            )
        feed: dict[str, np.ndarray] = {}
        if isinstance(X, np.ndarray):
            feed["series"] = X
        elif "lengths" in meta["inputs"]:
            feed["series"] = pad_series(X)
        else:
            raise ValueError(
                "X holds series of unequal lengths, but this graph has no lengths "
                "input; export it with export_onnx(..., lengths_input=True)."
            )
        if "lengths" in meta["inputs"]:
            feed["lengths"] = lengths
        return self.session.run(None, feed)[0]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (a classifier's export).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Raw series, as for the estimator's ``predict_proba``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            float32; columns follow ``classes_``.
        """
        if self.classes_ is None:
            raise AttributeError(
                "This exported model is a regressor's; it has predict, not "
                "predict_proba."
            )
        return self._run(X)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels (classifier) or values (regressor).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Raw series.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Labels from ``classes_``; for a regressor the outputs, shaped as
            the estimator's ``predict``: 1D for a model fitted on 1D ``y``,
            2D for one fitted on 2D ``y`` (also of one column).
        """
        output = self._run(X)
        if self.classes_ is not None:
            return self.classes_[output.argmax(axis=1)]
        # exports before target_ndim was stored: one column gives 1D
        one_dimensional = self.metadata.get("target_ndim", 1) == 1
        return output[:, 0] if output.shape[1] == 1 and one_dimensional else output


def load_onnx(
    path: str | os.PathLike, *, providers: Sequence[str] | None = None, **options: Any
) -> OnnxModel:
    """Open a file written by :func:`export_onnx` with onnxruntime.

    Parameters
    ----------
    path : str or path-like
        The ``.onnx`` file.
    providers : sequence of str, default=None
        onnxruntime execution providers; ``None``: ``["CPUExecutionProvider"]``.
    **options
        Attributes set on the ``onnxruntime.SessionOptions``, e.g.
        ``intra_op_num_threads=1``.

    Returns
    -------
    model : OnnxModel
        ``predict_proba``/``predict`` like the estimator, ``classes_``.

    Raises
    ------
    ImportError
        If onnxruntime is missing (extra ``export``).
    ValueError
        If the file has no sklearn_convlstm metadata.
    """
    _, ort = _import_onnx()
    session_options = ort.SessionOptions()
    for name, value in options.items():
        setattr(session_options, name, value)
    session = ort.InferenceSession(
        str(path),
        sess_options=session_options,
        providers=list(providers or ["CPUExecutionProvider"]),
    )
    custom = session.get_modelmeta().custom_metadata_map
    if METADATA_KEY not in custom:
        raise ValueError(
            f"{path} has no {METADATA_KEY!r} metadata: it was not written by "
            "export_onnx."
        )
    return OnnxModel(session, json.loads(custom[METADATA_KEY]))
