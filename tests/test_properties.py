"""Property-based tests: any input gives a correct result or an error naming its cause.

Hypothesis draws the series (3D and 2D arrays, lists of equal or unequal
series, tuples, DataFrames, sktime/aeon nested DataFrames, object arrays,
memmaps), their dtype (ints, bool, float16/32/64, objects, complex), the
number of series, channels and timesteps, values that float32 cannot hold
(NaN, infinity, beyond or below its range), the labels or targets (ints,
strings, bools, floats, categories, mixed types, one class, NaN, offsets
float32 cannot resolve) and a few parameters, then fits
:class:`~sklearn_convlstm.ConvLSTMClassifier` or
:class:`~sklearn_convlstm.ConvLSTMRegressor` and predicts. Every outcome must
be one of:

* a correct result: the right shapes, finite values, probabilities that sum to
  1, labels from ``classes_``, and the same predictions for every form of the
  same data;
* a ``ValueError`` or ``TypeError`` whose message names the argument at fault
  (``X``, ``y`` or the parameter).

Input that is valid by construction must fit, and input that float32 cannot
hold must be refused: those were the silent wrong results of issue 27.

Profiles (``SKLEARN_CONVLSTM_HYPOTHESIS_PROFILE``): ``ci`` (default, 200
examples per test), ``thorough`` (3,000) and ``dev`` (20).
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sklearn_convlstm import ConvLSTMClassifier, ConvLSTMRegressor  # noqa: E402

# No example database: nothing is written into the checkout; a failure
# prints the example (and a @reproduce_failure blob) that reproduces it.
_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("ci", max_examples=200, **_COMMON)
settings.register_profile("thorough", max_examples=3000, **_COMMON)
settings.register_profile("dev", max_examples=20, **_COMMON)
PROFILE = settings.get_profile(
    os.environ.get("SKLEARN_CONVLSTM_HYPOTHESIS_PROFILE", "ci")
)

#: Tiny networks: one example fits in about 50 ms.
TINY = {"conv_channels": (2,), "lstm_hidden_size": 2, "max_epochs": 1}

FORMS = (
    "array3d",
    "array2d",
    "list",
    "tuple",
    "list1d",
    "dataframe",
    "nested_dataframe",
    "object_array",
    "memmap",
)
DTYPES = (
    "float64",
    "float32",
    "float16",
    "int64",
    "int16",
    "uint8",
    "bool",
    "object",
    "complex128",
)
#: Values float32 cannot hold, and valid special values ("none" drawn most).
POISONS = ("none",) * 5 + ("nan", "inf", "huge", "tiny", "constant")


#: Series lengths: short ones (shorter than the network needs) less often.
LENGTHS = st.integers(1, 7) | st.integers(8, 14) | st.integers(8, 14)


@st.composite
def series_data(draw: Any) -> dict[str, Any]:
    """Draw series in one of the accepted (or refused) forms, and how they were made."""
    n_samples = draw(st.sampled_from([1, 2, 3] + [4, 5, 6, 7, 8] * 2))
    form = draw(st.sampled_from(FORMS))
    univariate_form = form in ("array2d", "list1d", "dataframe")
    n_channels = 1 if univariate_form else draw(st.integers(1, 3))
    equal = form in ("array3d", "array2d", "dataframe", "memmap") or draw(st.booleans())
    lengths = (
        [draw(LENGTHS)] * n_samples
        if equal
        else draw(st.lists(LENGTHS, min_size=n_samples, max_size=n_samples))
    )
    dtype = draw(st.sampled_from(DTYPES[:3] + DTYPES))  # floats twice as often
    if form == "memmap" and dtype in ("object", "complex128", "bool"):
        dtype = "float64"  # no such memmaps (bool memmaps are refused by design)
    poison = draw(st.sampled_from(POISONS))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.RandomState(seed)
    series = []
    for length in lengths:
        values = rng.normal(scale=3.0, size=(n_channels, length))
        if dtype.startswith(("int", "uint")):
            values = np.abs(values) * 20 if dtype == "uint8" else values * 20
        series.append(values)
    # The float64 values before the cast to dtype: what the network must see.
    canonical = [_cast(values, dtype) for values in series]
    if poison != "none":
        canonical = _poison(canonical, poison, dtype, rng)
    return {
        "form": form,
        "dtype": dtype,
        "poison": poison,
        "canonical": canonical,
        "lengths": lengths,
        "n_channels": n_channels,
    }


def _cast(values: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bool":
        return values > 0
    if dtype == "object":
        return values.astype(object)
    if dtype == "complex128":
        return values + 0.5j
    return values.astype(dtype)


def _poison(
    series: list[np.ndarray], poison: str, dtype: str, rng: np.random.RandomState
) -> list[np.ndarray]:
    """Put values float32 cannot hold (or constant series) into the data."""
    if poison == "constant":
        return [np.zeros_like(values) for values in series]
    floats = dtype in ("float64", "float32", "float16", "object")
    if not floats:
        return series
    out = [values.copy() for values in series]
    index = rng.randint(len(out))
    target = out[index]
    if poison in ("nan", "inf"):
        target.flat[rng.randint(target.size)] = np.nan if poison == "nan" else -np.inf
        return out
    if dtype not in ("float64", "object"):
        return series  # float32/16 cannot hold values beyond or below float32
    if poison == "huge":
        target.flat[rng.randint(target.size)] = 1e39
        return out
    return [values * 1e-50 for values in out]  # tiny: everything underflows


def _is_poisoned(data: dict[str, Any]) -> bool:
    """Whether X holds values float32 cannot hold (so X must be refused)."""
    if data["dtype"] == "complex128":
        return True
    stacked = np.concatenate(
        [np.asarray(values).reshape(-1) for values in data["canonical"]]
    )
    if stacked.dtype.kind not in "fc" and stacked.dtype != object:
        return False
    stacked = stacked.astype(np.complex128).real
    if not np.isfinite(stacked).all():
        return True
    peak = np.abs(stacked).max()
    return bool(peak > np.finfo(np.float32).max) or bool(
        0 < peak < np.finfo(np.float32).tiny
    )


def _make_form(data: dict[str, Any], directory: str) -> Any:
    """Build X in the drawn form from the drawn series."""
    series = data["canonical"]
    form = data["form"]
    if form == "array3d":
        return np.stack(series)
    if form == "array2d":
        return np.stack([values[0] for values in series])
    if form == "list":
        return list(series)
    if form == "tuple":
        return tuple(series)
    if form == "list1d":
        return [values[0] for values in series]
    if form == "dataframe":
        return pd.DataFrame(np.stack([values[0] for values in series]))
    if form == "nested_dataframe":
        return pd.DataFrame(
            {
                f"dim_{channel}": [pd.Series(values[channel]) for values in series]
                for channel in range(data["n_channels"])
            }
        )
    if form == "object_array":
        objects = np.empty(len(series), dtype=object)
        for index, values in enumerate(series):
            objects[index] = values
        return objects
    stacked = np.stack(series)
    path = os.path.join(directory, "X.npy")
    stored = np.lib.format.open_memmap(
        path, mode="w+", dtype=stacked.dtype, shape=stacked.shape
    )
    stored[:] = stacked
    stored.flush()
    del stored
    return np.load(path, mmap_mode="r")


def _reference_form(data: dict[str, Any]) -> Any:
    """The same series as float32 arrays: a 3D array, or a list for unequal lengths."""
    series = [np.asarray(values, dtype=np.float32) for values in data["canonical"]]
    if len(set(data["lengths"])) == 1:
        return np.stack(series)
    return series


LABEL_KINDS = (
    "int",
    "str",
    "bool",
    "float",
    "category",
    "fractional",
    "mixed",
    "nan",
    "one",
)
#: Labels a classifier must refuse, naming y.
BAD_LABELS = ("fractional", "mixed", "nan", "one")
TARGET_KINDS = ("float", "int", "two_outputs", "offset", "nan", "list")


def _labels(kind: str, n_samples: int, rng: np.random.RandomState) -> Any:
    codes = np.arange(n_samples) % 2 if n_samples > 1 else np.zeros(1, dtype=int)
    rng.shuffle(codes)
    if kind == "int":
        return codes * 3 - 1
    if kind == "str":
        return np.array(["low", "high"])[codes]
    if kind == "bool":
        return codes.astype(bool)
    if kind == "float":
        return codes * 2.0
    if kind == "fractional":  # continuous values: scikit-learn refuses them
        return codes + 0.5
    if kind == "category":
        return pd.Series(np.array(["a", "b"])[codes], dtype="category")
    if kind == "mixed":
        return np.array([1 if code else "b" for code in codes], dtype=object)
    if kind == "nan":
        labels = codes.astype(float)
        labels[0] = np.nan
        return labels
    return np.array(["only"] * n_samples, dtype=object)


def _targets(kind: str, n_samples: int, rng: np.random.RandomState) -> Any:
    values = rng.normal(size=n_samples) * 10 + 100
    if kind == "int":
        return np.round(values).astype(np.int64)
    if kind == "two_outputs":
        return np.column_stack([values, -values / 7])
    if kind == "offset":
        return 1.7e9 + np.arange(n_samples, dtype=float)
    if kind == "nan":
        values[-1] = np.nan
        return values
    if kind == "list":
        return values.tolist()
    return values


@st.composite
def parameters(draw: Any) -> dict[str, Any]:
    return {
        **TINY,
        "kernel_sizes": draw(st.integers(1, 3)),
        "pool_sizes": draw(st.integers(1, 2)),
        "conv_padding": draw(st.sampled_from(["valid", "same"])),
        "scaling": draw(st.sampled_from(["auto", "per_series", "per_channel", None])),
        "rnn": draw(st.sampled_from(["lstm", "gru"])),
        "readout": draw(st.sampled_from(["last", "mean"])),
        "batch_size": draw(st.integers(2, 8)),
        "early_stopping": draw(st.sampled_from([False, False, False, True])),
        "random_state": 0,
    }


def _names_argument(message: str, params: dict[str, Any]) -> bool:
    """Whether an error message names X, y or one of the parameters."""
    names = ["X", "y", *params]
    pattern = r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, names)) + r")(?![a-z_])"
    return re.search(pattern, message) is not None


def _plainly_valid(data: dict[str, Any], labels_ok: bool, params: dict) -> bool:
    """Input that must fit: nothing wrong with X, y or the parameters."""
    return (
        not _is_poisoned(data)
        and data["poison"] in ("none", "constant")
        and len(data["lengths"]) >= 4
        and min(data["lengths"]) >= 8
        and labels_ok
        and not params["early_stopping"]
    )


def _fit_and_check(
    estimator: Any, data: dict[str, Any], y: Any, params: dict, valid: bool
) -> Any:
    """Fit; return the estimator, or None after checking the error it raised."""
    with tempfile.TemporaryDirectory() as directory:
        X = _make_form(data, directory)
        try:
            with warnings.catch_warnings():
                # Casting complex values to real is a silent wrong result.
                warnings.simplefilter("error", np.exceptions.ComplexWarning)
                warnings.simplefilter("ignore", UserWarning)
                estimator.fit(X, y)
                form_outputs = _outputs(estimator, X)
        except (ValueError, TypeError) as error:
            message = str(error)
            event(f"refused: {type(error).__name__}")
            assert _names_argument(message, params), message
            assert not valid, f"valid input refused: {message}"
            if _is_poisoned(data):
                assert re.search(r"(?<![A-Za-z])X(?![a-z])", message), message
            return None
        finally:
            X = None  # release the memmap before its directory goes
    event("fitted")
    assert not _is_poisoned(data), f"{data['poison']} {data['dtype']} accepted"
    reference = _outputs(estimator, _reference_form(data))
    np.testing.assert_allclose(form_outputs, reference, rtol=1e-5, atol=1e-6)
    return estimator


def _outputs(estimator: Any, X: Any) -> np.ndarray:
    if isinstance(estimator, ConvLSTMClassifier):
        return estimator.predict_proba(X)
    return estimator.predict(X)


@settings(PROFILE)
@given(
    data=series_data(),
    label_kind=st.sampled_from(LABEL_KINDS),
    params=parameters(),
    seed=st.integers(0, 2**16),
)
def test_classifier_gives_a_correct_result_or_names_the_cause(
    data, label_kind, params, seed
):
    n_samples = len(data["lengths"])
    y = _labels(label_kind, n_samples, np.random.RandomState(seed))
    labels_ok = label_kind not in BAD_LABELS
    valid = _plainly_valid(data, labels_ok, params)
    clf = ConvLSTMClassifier(**params)
    if _fit_and_check(clf, data, y, params, valid) is None:
        return
    reference = _reference_form(data)
    proba = clf.predict_proba(reference)
    assert proba.shape == (n_samples, len(clf.classes_))
    assert np.isfinite(proba).all() and (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(clf.classes_.tolist()) == set(pd.unique(np.asarray(y)).tolist())
    predicted = clf.predict(reference)
    assert predicted.shape == (n_samples,)
    assert np.isin(predicted, clf.classes_).all()
    np.testing.assert_array_equal(predicted, clf.classes_[proba.argmax(axis=1)])


@settings(PROFILE)
@given(
    data=series_data(),
    target_kind=st.sampled_from(TARGET_KINDS),
    params=parameters(),
    seed=st.integers(0, 2**16),
)
def test_regressor_gives_a_correct_result_or_names_the_cause(
    data, target_kind, params, seed
):
    n_samples = len(data["lengths"])
    y = _targets(target_kind, n_samples, np.random.RandomState(seed))
    targets_ok = target_kind not in ("offset", "nan")
    valid = _plainly_valid(data, targets_ok, params)
    reg = ConvLSTMRegressor(**params)
    if _fit_and_check(reg, data, y, params, valid) is None:
        return
    assert targets_ok, f"targets {target_kind} accepted"
    predicted = reg.predict(_reference_form(data))
    expected_shape = (n_samples, 2) if target_kind == "two_outputs" else (n_samples,)
    assert predicted.shape == expected_shape
    assert predicted.dtype == np.float64 and np.isfinite(predicted).all()
