"""Classify series while they arrive: streams of a causal ConvLSTMClassifier.

A :class:`~sklearn_convlstm.ConvLSTMClassifier` fitted with
``variant="causal"`` computes, after each step of a series, an output that
depends on no later step. :meth:`ConvLSTMClassifier.stream
<sklearn_convlstm.ConvLSTMClassifier.stream>` returns a
:class:`ConvLSTMStream` that follows a batch of series: each
:meth:`ConvLSTMStream.update` takes the next steps of every series (any
number, series may advance unevenly) and returns the class probabilities
given everything seen so far, equal to ``predict_proba`` on those prefixes
without computing them again. Its state saves to bytes and loads back, so a
service that restarts does not replay the history.

>>> import numpy as np
>>> from sklearn_convlstm import ConvLSTMClassifier
>>> rng = np.random.RandomState(0)
>>> X, y = rng.normal(size=(20, 1, 30)), np.array([0, 1] * 10)
>>> clf = ConvLSTMClassifier(variant="causal", max_epochs=1, random_state=0)
>>> stream = clf.fit(X, y).stream(n_series=2)
>>> stream.update(X[:2, :, :10]).shape
(2, 2)
>>> np.allclose(stream.update(X[:2, :, 10:]), clf.predict_proba(X[:2]), atol=1e-5)
True
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from sklearn_convlstm.nn._networks import is_causal_configuration
from sklearn_convlstm.nn._streaming import NetworkStream

__all__ = ["ConvLSTMStream", "check_streamable", "model_fingerprint"]

#: Name and version of the format of :meth:`ConvLSTMStream.to_bytes`.
STATE_FORMAT = "sklearn_convlstm.stream"
STATE_VERSION = 1


def check_streamable(estimator: Any) -> None:
    """Raise a ``ValueError`` unless a fitted classifier can stream.

    It can when its network is causal (``variant="causal"``, or
    ``conv_padding="causal"`` with ``bidirectional=False``), it scales its
    input per channel (or not at all) and it predicts with its network's own
    head (not the random-kernel head, which reads whole series).

    Parameters
    ----------
    estimator : ConvLSTMClassifier
        A fitted classifier.

    Raises
    ------
    NotFittedError
        If the estimator is not fitted.
    ValueError
        If its predictions after a step depend on later steps.
    """
    check_is_fitted(estimator)
    params = estimator.network_params_
    if not is_causal_configuration(params):
        raise ValueError(
            f"{type(estimator).__name__}(variant={estimator.variant!r}) has "
            f"conv_padding={params['conv_padding']!r} and bidirectional="
            f"{params['bidirectional']}, so its prediction after a step depends "
            "on later steps and it cannot stream. Fit it with variant='causal' "
            "(or conv_padding='causal' and bidirectional=False) to make it causal."
        )
    if getattr(estimator, "random_kernel_head_", None) is not None:
        raise ValueError(
            "This classifier predicts with the random-kernel head (head_="
            "'random-kernels'), whose features read whole series, so it cannot "
            "stream. Fit it with head='softmax'."
        )


def model_fingerprint(estimator: Any) -> str:
    """SHA-256 of a fitted classifier's weights and classes, as hex.

    The identity of a fit: every fit that changes the weights changes it, and
    a model saved and loaded back (pickle or
    :func:`~sklearn_convlstm.save_model`) keeps it. A stream's saved state
    records it, and loads only into a model with the same fingerprint.

    Parameters
    ----------
    estimator : ConvLSTMClassifier
        A fitted classifier.

    Returns
    -------
    fingerprint : str
    """
    check_is_fitted(estimator)
    digest = hashlib.sha256()
    digest.update(json.dumps([str(c) for c in estimator.classes_]).encode())
    for name, tensor in estimator.net_.module_.state_dict().items():
        digest.update(name.encode())
        array = tensor.detach().cpu().contiguous().numpy()
        digest.update(str(array.dtype).encode() + str(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


class ConvLSTMStream:
    """Class probabilities of a batch of series, updated as their steps arrive.

    Made by :meth:`ConvLSTMClassifier.stream
    <sklearn_convlstm.ConvLSTMClassifier.stream>`. The stream carries, for
    each series, the last ``kernel_size - 1`` inputs of every conv block,
    the conv outputs of a pooling window not yet complete, the LSTM's
    hidden and cell states and the running readout; each :meth:`update`
    only computes the new steps. It runs on the device of the model's
    network, with batch normalisation folded into the convolutions.

    Parameters
    ----------
    estimator : ConvLSTMClassifier
        A fitted causal classifier (see :func:`check_streamable`).
    n_series : int, default=1
        Number of series followed side by side.

    Attributes
    ----------
    estimator : ConvLSTMClassifier
        The classifier the stream belongs to.
    n_series : int
        Number of series followed.
    classes_ : ndarray of shape (n_classes,)
        The classifier's classes, the columns of the probabilities.

    Raises
    ------
    ValueError
        If the classifier cannot stream, or ``n_series`` is not a positive int.

    Notes
    -----
    After ``t`` steps of a series, the probabilities equal
    ``estimator.predict_proba`` on the series' first ``t`` steps (up to float
    rounding, within 1e-5), however the steps were split into updates.
    Before a series has ``estimator.min_length_`` steps (the product of the
    pooling factors: the first pooled step is not complete), its row is
    NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm import ConvLSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(20, 2, 24)), np.array(["a", "b"] * 10)
    >>> clf = ConvLSTMClassifier(variant="causal", max_epochs=1, random_state=0)
    >>> stream = clf.fit(X, y).stream(n_series=3)
    >>> # series 0 gets 5 steps, series 1 none, series 2 one step
    >>> proba = stream.update([X[0, :, :5], X[1, :, :0], X[2, :, :1]])
    >>> proba.shape, stream.steps_seen.tolist()
    ((3, 2), [5, 0, 1])
    >>> bool(np.isnan(proba[1]).all())  # nothing seen yet
    True
    >>> restored = clf.stream(n_series=3)
    >>> restored.load_state_dict(stream.state_dict())
    >>> np.allclose(restored.predict_proba()[0], proba[0], atol=1e-6)
    True
    """

    def __init__(self, estimator: Any, n_series: int = 1) -> None:
        check_streamable(estimator)
        if not isinstance(n_series, (int, np.integer)) or isinstance(n_series, bool):
            raise TypeError(
                f"n_series must be a positive int; got {n_series!r} of type "
                f"{type(n_series).__name__}."
            )
        if n_series < 1:
            raise ValueError(f"n_series must be a positive int; got {n_series}.")
        self.estimator = estimator
        self.n_series = int(n_series)
        self.classes_ = estimator.classes_
        self._net = estimator.net_
        module = self._net.module_
        if module.training:
            module.eval()
        self._module = module
        self._n_channels = int(estimator.n_channels_in_)
        # In-place training and load_state_dict bump every weight's version, a
        # refit makes a new net_: a few weights are enough to notice either.
        parameters = list(module.parameters())
        self._watched = [parameters[0], parameters[-1]]
        self._versions = self._weight_versions()
        with torch.inference_mode():
            self._stream = NetworkStream(module, self.n_series)
        self._logits: torch.Tensor | None = None
        self._proba = np.empty((0, 0))

    # ------------------------------------------------------------- checks

    def _weight_versions(self) -> tuple[int, ...]:
        return tuple(tensor._version for tensor in self._watched)

    def _check_model_unchanged(self) -> None:
        if (
            self.estimator.__dict__.get("net_") is not self._net
            or self._weight_versions() != self._versions
        ):
            raise ValueError(
                "The classifier was refitted (or its weights changed) after this "
                "stream was created; the stream's state belongs to the weights it "
                "was computed with. Create a new stream with "
                "estimator.stream(n_series)."
            )

    def _chunks(self, chunk: Any) -> tuple[torch.Tensor | None, list[Any]]:
        """Return the chunk as one (n_series, channels, k) tensor, or per series."""
        channels = self._n_channels
        if isinstance(chunk, np.ndarray) and chunk.ndim == 3:
            if chunk.shape[0] != self.n_series:
                raise ValueError(self._series_message(chunk.shape[0]))
            if chunk.shape[1] != channels:
                raise ValueError(self._channels_message(chunk.shape[1], "chunk"))
            array = _finite_float32(chunk, "chunk")
            return torch.from_numpy(array), []
        if not isinstance(chunk, (list, tuple)):
            raise TypeError(
                "chunk must be an array of shape (n_series, n_channels, n_steps) or "
                "a list with one (n_channels, n_steps_i) array per series; got "
                f"{type(chunk).__name__}"
                + (f" with {chunk.ndim} dimensions." if hasattr(chunk, "ndim") else ".")
            )
        if len(chunk) != self.n_series:
            raise ValueError(self._series_message(len(chunk)))
        tensors: list[Any] = []
        for row, piece in enumerate(chunk):
            if piece is None:
                tensors.append(None)
                continue
            array = np.asarray(piece)
            if array.ndim == 1 and channels == 1:
                array = array[np.newaxis]
            if array.ndim != 2:
                raise ValueError(
                    f"chunk[{row}] must have shape (n_channels, n_steps); got an "
                    f"array of shape {array.shape}."
                )
            if array.shape[0] != channels:
                raise ValueError(
                    self._channels_message(array.shape[0], f"chunk[{row}]")
                )
            tensors.append(torch.from_numpy(_finite_float32(array, f"chunk[{row}]")))
        return None, tensors

    def _series_message(self, got: int) -> str:
        return (
            f"chunk holds {got} series, but this stream follows {self.n_series} "
            f"(stream(n_series={self.n_series})); pass one entry per series, with "
            "0 steps for a series that did not advance."
        )

    def _channels_message(self, got: int, where: str) -> str:
        return (
            f"{where} has {got} channels, but the classifier was fitted on "
            f"{self._n_channels}; pass steps of shape (n_channels, n_steps) with "
            f"n_channels={self._n_channels}."
        )

    # ------------------------------------------------------------- public

    @property
    def steps_seen(self) -> np.ndarray:
        """Steps each series has received so far, shape (n_series,)."""
        return self._stream.steps_seen

    def update(self, chunk: Any) -> np.ndarray:
        """Feed the next steps of the series; return the probabilities so far.

        Parameters
        ----------
        chunk : array of shape (n_series, n_channels, n_steps), or list
            The next steps: an array gives every series ``n_steps`` more; a
            list holds one ``(n_channels, n_steps_i)`` array per series
            (``n_steps_i`` may be 0, and ``None`` means no new step; a 1D
            array is one channel's steps for a univariate model).

        Returns
        -------
        proba : ndarray of shape (n_series, n_classes)
            Class probabilities of each series given all its steps so far;
            NaN rows for series with fewer than ``estimator.min_length_``
            steps.

        Raises
        ------
        ValueError
            If the number of series or channels is wrong, a value is not
            finite, or the classifier was refitted since the stream was made.
        TypeError
            If ``chunk`` is neither an array nor a list.
        """
        self._check_model_unchanged()
        whole, pieces = self._chunks(chunk)
        with torch.inference_mode():
            if whole is not None:
                self._stream.advance_all(whole)
            else:
                self._stream.advance(pieces)
            return self._probabilities()

    def predict_proba(self) -> np.ndarray:
        """Probabilities given the steps seen so far, without new steps.

        Returns
        -------
        proba : ndarray of shape (n_series, n_classes)
            As :meth:`update` returns them.
        """
        self._check_model_unchanged()
        with torch.inference_mode():
            return self._probabilities()

    def _probabilities(self) -> np.ndarray:
        logits = self._stream.outputs()
        if logits is not self._logits:  # a new recurrent step: recompute
            self._logits = logits
            self._proba = torch.softmax(logits.to("cpu", torch.float64), dim=1).numpy()
        return self._proba.copy()

    def reset(self, series: Sequence[int] | None = None) -> None:
        """Start the given series anew (all of them with ``None``).

        Parameters
        ----------
        series : sequence of int, default=None
            Positions of the series whose recordings restart (a new
            recording in that slot).
        """
        if series is not None:
            series = [int(s) for s in series]
            wrong = [s for s in series if not 0 <= s < self.n_series]
            if wrong:
                raise ValueError(
                    f"series must hold positions in [0, {self.n_series}); got {wrong}."
                )
        self._stream.reset(series)

    def state_dict(self) -> dict[str, Any]:
        """Return what the stream carries, as NumPy arrays, and the model's fingerprint.

        Returns
        -------
        state : dict
            ``"format"``, ``"version"``, ``"fingerprint"``
            (:func:`model_fingerprint` of the classifier), ``"n_series"`` and
            one array per state tensor.
        """
        self._check_model_unchanged()
        state: dict[str, Any] = {
            "format": STATE_FORMAT,
            "version": STATE_VERSION,
            "fingerprint": model_fingerprint(self.estimator),
            "n_series": self.n_series,
        }
        for name, tensor in self._stream.state.items():
            state[name] = tensor.cpu().numpy().copy()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a state saved by :meth:`state_dict`.

        Parameters
        ----------
        state : dict
            As :meth:`state_dict` returns it.

        Raises
        ------
        ValueError
            If the state is of another format, another number of series, or
            was saved with a classifier of other weights (another fit).
        """
        self._check_model_unchanged()
        if state.get("format") != STATE_FORMAT or state.get("version") != (
            STATE_VERSION
        ):
            raise ValueError(
                f"state is not a stream state of format {STATE_FORMAT!r} version "
                f"{STATE_VERSION}; got format {state.get('format')!r} version "
                f"{state.get('version')!r}."
            )
        if int(state["n_series"]) != self.n_series:
            raise ValueError(
                f"state follows {int(state['n_series'])} series, but this stream "
                f"follows {self.n_series}; create it with "
                f"stream(n_series={int(state['n_series'])})."
            )
        if state["fingerprint"] != model_fingerprint(self.estimator):
            raise ValueError(
                "state was saved with a classifier of other weights (another fit) "
                "than this stream's; a stream's state only continues on the model "
                "that computed it. Load the model it was saved with."
            )
        missing = [n for n in self._stream.state_names() if n not in state]
        if missing:
            raise ValueError(f"state lacks the arrays {missing}.")
        with torch.inference_mode():
            self._stream.load_state(state)

    def to_bytes(self) -> bytes:
        """Return the :meth:`state_dict` as bytes (NumPy ``.npz``, no pickle).

        Returns
        -------
        data : bytes
            Read back with :meth:`from_bytes`.
        """
        state = self.state_dict()
        meta = {k: state.pop(k) for k in ("format", "version", "fingerprint")}
        meta["n_series"] = state.pop("n_series")
        buffer = io.BytesIO()
        np.savez(buffer, __meta__=np.array(json.dumps(meta)), **state)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, estimator: Any, data: bytes) -> ConvLSTMStream:
        """Make a stream of ``estimator`` that continues from :meth:`to_bytes`.

        Parameters
        ----------
        estimator : ConvLSTMClassifier
            The classifier the state was saved with (the same fit: loaded
            from a file is fine).
        data : bytes
            What :meth:`to_bytes` returned.

        Returns
        -------
        stream : ConvLSTMStream
        """
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(str(arrays.pop("__meta__")))
        stream = cls(estimator, int(meta["n_series"]))
        stream.load_state_dict({**meta, **arrays})
        return stream

    def __repr__(self) -> str:
        return (
            f"ConvLSTMStream(n_series={self.n_series}, n_classes={len(self.classes_)})"
        )


def _finite_float32(array: Any, where: str) -> np.ndarray:
    """``array`` as contiguous float32, checked to hold finite values only."""
    converted = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(converted).all():
        raise ValueError(
            f"{where} contains NaN or infinite values; a stream's state would "
            "carry them into every later prediction. Fill or drop them first."
        )
    return converted
