"""Streaming prediction with a causal ConvLSTMClassifier, and the causal variant."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import FAST_PARAMS
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

from sklearn_convlstm import ConvLSTMClassifier, load_model, save_model
from sklearn_convlstm.streaming import ConvLSTMStream, model_fingerprint

CAUSAL = {**FAST_PARAMS, "variant": "causal", "conv_channels": (4, 6)}


@pytest.fixture(scope="module")
def fitted(pattern_data):
    X, y = pattern_data
    return ConvLSTMClassifier(**CAUSAL, pool_sizes=(2, 1)).fit(X, y)


def _random_chunks(rng, n_series, n_steps, max_chunk=6):
    """Yield, until every series is complete, a list of chunk lengths (some 0)."""
    seen = np.zeros(n_series, dtype=int)
    while (seen < n_steps).any():
        sizes = np.minimum(rng.integers(0, max_chunk, n_series), n_steps - seen)
        yield seen.copy(), sizes
        seen += sizes


@pytest.mark.parametrize(
    "params",
    [
        {"pool_sizes": (2, 1)},
        {"pool_sizes": 1, "readout": "last", "conv_skip": False},
        {"pool_sizes": (1, 3), "rnn": "gru", "lstm_layers": 2, "readout": "max"},
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_stream_equals_predict_proba_on_every_prefix(pattern_data, params, seed):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**{**CAUSAL, **params}).fit(X, y)
    rng = np.random.default_rng(seed)
    series = X[:5]
    stream = clf.stream(n_series=5)
    for seen, sizes in _random_chunks(rng, 5, X.shape[-1]):
        chunk = [series[i, :, seen[i] : seen[i] + sizes[i]] for i in range(5)]
        proba = stream.update(chunk)
        now = seen + sizes
        assert stream.steps_seen.tolist() == now.tolist()
        for i in range(5):
            if now[i] < clf.min_length_:
                assert np.isnan(proba[i]).all()
                continue
            expected = clf.predict_proba(series[i : i + 1, :, : now[i]])[0]
            np.testing.assert_allclose(proba[i], expected, atol=1e-5, rtol=0)


def test_array_chunks_equal_list_chunks_and_whole_series(fitted, pattern_data):
    X, _ = pattern_data
    by_array, by_list = fitted.stream(4), fitted.stream(4)
    for start in range(0, X.shape[-1], 5):
        piece = X[:4, :, start : start + 5]
        np.testing.assert_array_equal(
            by_array.update(piece), by_list.update(list(piece))
        )
    np.testing.assert_allclose(
        by_array.predict_proba(), fitted.predict_proba(X[:4]), atol=1e-5, rtol=0
    )


def test_a_series_with_no_steps_has_nan_probabilities(fitted, pattern_data):
    X, _ = pattern_data
    stream = fitted.stream(2)
    proba = stream.update([X[0, :, :1], None])
    assert np.isnan(proba).all()  # min_length_ is 2: no pooled step yet
    proba = stream.update([X[0, :, 1:3], np.zeros((2, 0))])
    assert not np.isnan(proba[0]).any() and np.isnan(proba[1]).all()
    np.testing.assert_allclose(proba[0].sum(), 1.0)


def test_state_round_trip_through_bytes_continues_the_stream(
    fitted, pattern_data, tmp_path
):
    X, _ = pattern_data
    stream = fitted.stream(3)
    stream.update([X[0, :, :7], X[1, :, :12], X[2, :, :1]])
    data = stream.to_bytes()
    # a service restarts: the model comes back from disk, the stream from bytes
    save_model(fitted, tmp_path / "model")
    restored = ConvLSTMStream.from_bytes(load_model(tmp_path / "model"), data)
    assert restored.steps_seen.tolist() == [7, 12, 1]
    np.testing.assert_array_equal(restored.predict_proba(), stream.predict_proba())
    rest = [X[0, :, 7:], X[1, :, 12:], X[2, :, 1:]]
    np.testing.assert_allclose(restored.update(rest), stream.update(rest), atol=1e-6)
    np.testing.assert_allclose(
        restored.predict_proba(), fitted.predict_proba(X[:3]), atol=1e-5, rtol=0
    )
    # pickle keeps the fit's identity too
    assert model_fingerprint(pickle.loads(pickle.dumps(fitted))) == model_fingerprint(
        fitted
    )


def test_reset_starts_chosen_series_anew(fitted, pattern_data):
    X, _ = pattern_data
    stream = fitted.stream(2)
    stream.update(X[:2, :, :10])
    stream.reset([1])
    assert stream.steps_seen.tolist() == [10, 0]
    proba = stream.update([X[0, :, 10:14], X[3, :, :4]])
    np.testing.assert_allclose(
        proba[1], fitted.predict_proba(X[3:4, :, :4])[0], atol=1e-5, rtol=0
    )
    with pytest.raises(ValueError, match=r"positions in \[0, 2\)"):
        stream.reset([2])


def test_wrong_channels_series_and_values_are_clear_errors(fitted, pattern_data):
    X, _ = pattern_data
    stream = fitted.stream(2)
    with pytest.raises(
        ValueError, match="chunk has 3 channels, but the classifier was fitted on 2"
    ):
        stream.update(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"chunk\[1\] has 1 channels"):
        stream.update([X[0, :, :2], np.zeros((1, 2))])
    with pytest.raises(
        ValueError, match="chunk holds 3 series, but this stream follows 2"
    ):
        stream.update(X[:3, :, :2])
    with pytest.raises(ValueError, match="chunk holds 1 series"):
        stream.update([X[0, :, :2]])
    with pytest.raises(ValueError, match="NaN or infinite"):
        stream.update(np.full((2, 2, 1), np.nan))
    with pytest.raises(TypeError, match="chunk must be an array of shape"):
        stream.update(X[:2, 0, :2])
    assert stream.steps_seen.tolist() == [0, 0]  # nothing was consumed
    with pytest.raises(ValueError, match="n_series must be a positive int"):
        fitted.stream(0)
    with pytest.raises(TypeError, match="n_series must be a positive int"):
        fitted.stream(2.0)


def test_a_refitted_model_invalidates_its_streams(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**CAUSAL).fit(X, y)
    stream = clf.stream(1)
    stream.update(X[:1, :, :5])
    saved = stream.state_dict()
    clf.fit(X[::-1], y[::-1])
    with pytest.raises(ValueError, match="refitted .* Create a new stream"):
        stream.update(X[:1, :, 5:6])
    with pytest.raises(ValueError, match="saved with a classifier of other weights"):
        clf.stream(1).load_state_dict(saved)
    with pytest.raises(ValueError, match="follows 1 series, but this stream follows 2"):
        ConvLSTMClassifier(**CAUSAL).fit(X, y).stream(2).load_state_dict(saved)


def test_a_model_that_looks_ahead_cannot_stream(pattern_data):
    X, y = pattern_data
    clf = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    with pytest.raises(ValueError, match="variant='causal'.* to make it causal"):
        clf.stream(1)
    bidirectional = ConvLSTMClassifier(
        **FAST_PARAMS, conv_padding="causal", bidirectional=True
    ).fit(X, y)
    with pytest.raises(ValueError, match="bidirectional=True"):
        bidirectional.stream(1)
    # conv_padding="causal" with a forward LSTM is causal, whatever the variant
    ConvLSTMClassifier(**FAST_PARAMS, conv_padding="causal", bidirectional=False).fit(
        X, y
    ).stream(1)


def test_causal_scaling_is_per_channel_and_refuses_per_series(pattern_data):
    X, y = pattern_data
    assert ConvLSTMClassifier(**CAUSAL).fit(X, y).scaling_ == "per_channel"
    for scaling in ("per_series", "per_series_amplitude"):
        with pytest.raises(ValueError, match=f"scaling='{scaling}' scales each series"):
            ConvLSTMClassifier(**CAUSAL, scaling=scaling).fit(X, y)
    # the same data 10,000 times louder in some series: "auto" would pick
    # per-series scaling for the default, never for the causal variant
    loud = X.copy()
    loud[::2] *= 1e4
    assert ConvLSTMClassifier(**FAST_PARAMS).fit(loud, y).scaling_ == (
        "per_series_amplitude"
    )
    assert ConvLSTMClassifier(**CAUSAL).fit(loud, y).scaling_ == "per_channel"


def test_a_causal_model_predicts_prefixes_a_default_one_refuses(fitted, pattern_data):
    X, y = pattern_data
    assert fitted.predict_proba(X[:3, :, :9]).shape == (3, 2)
    default = ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)
    with pytest.raises(ValueError, match="fitted on series of 32 timesteps"):
        default.predict_proba(X[:3, :, :9])


# Slow: every scikit-learn estimator check, each fitting the causal network.
@pytest.mark.slow
def test_causal_variant_passes_scikit_learn_checks():
    # The parameters of tests/test_sklearn_compat.py's ConvLSTMClassifier,
    # with the causal variant: its training accuracy must pass as well.
    clf = ConvLSTMClassifier(
        variant="causal",
        conv_channels=(8,),
        kernel_sizes=1,
        lstm_hidden_size=8,
        max_epochs=15,
        batch_size=16,
        lr=1e-2,
        random_state=0,
    )
    check_estimator(clf)
    assert clone(clf).get_params()["variant"] == "causal"
