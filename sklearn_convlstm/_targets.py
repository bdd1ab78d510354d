"""Check the targets ``y`` of the estimators: class labels and regression values."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from sklearn_convlstm._lazy import FLOAT32_MAX

__all__ = [
    "check_classification_labels",
    "check_float32_targets",
    "check_regression_targets",
]

#: Largest float32 rounding error of a target, as a fraction of its column's
#: standard deviation, that :func:`check_float32_targets` accepts.
FLOAT32_TARGET_TOLERANCE = 1e-3


def check_classification_labels(y: Any, n_samples: int) -> np.ndarray:
    """Validate classification targets for ``n_samples`` series.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels (any hashable type: ints, strings, ...).
    n_samples : int
        Number of series in X.

    Returns
    -------
    y : ndarray of shape (n_samples,)
    """
    if y is None:
        raise ValueError(
            "This classifier requires y to be passed, but the target y is None."
        )
    y = column_or_1d(y, warn=True)
    if len(y) != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples} series "
            f"but y has {len(y)} labels. Pass one label per series."
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("Input y contains NaN or infinity; every label must be set.")
    if y.dtype == object:
        _check_one_label_type(y)
    try:
        check_classification_targets(y)
    except ValueError as error:
        # scikit-learn's message ("Unknown label type: continuous. ...") does
        # not say which argument; its checks match its first words.
        raise ValueError(
            f"{error} y must hold class labels (ints, strings, bools, or floats "
            f"with integral values); got values such as "
            f"{np.unique(y)[:3].tolist()!r}. For continuous targets use "
            "ConvLSTMRegressor."
        ) from None
    return y


def check_regression_targets(y: Any, n_samples: int) -> np.ndarray:
    """Validate regression targets for ``n_samples`` series.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Numeric targets, finite.
    n_samples : int
        Number of series in X.

    Returns
    -------
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs), float64
    """
    if y is None:
        raise ValueError(
            "This regressor requires y to be passed, but the target y is None."
        )
    array = np.asarray(y)
    if array.dtype.kind == "c":
        raise ValueError(
            f"y holds complex numbers (dtype {array.dtype}); regression targets "
            "must be real. Pass the real part (np.real) or the magnitude (np.abs)."
        )
    if array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"y must hold numbers (regression targets); got an array of dtype "
                f"{array.dtype} (e.g. {array.ravel()[:3].tolist()!r}). Convert y "
                "to floats, or use ConvLSTMClassifier for class labels."
            ) from None
    if array.ndim not in (1, 2):
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_outputs); got an "
            f"array with {array.ndim} dimensions of shape {array.shape}."
        )
    if array.ndim == 2 and array.shape[1] == 0:
        raise ValueError(
            f"y has shape {array.shape}: no output to predict; pass at least one "
            "target column."
        )
    if len(array) != n_samples:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {n_samples} series "
            f"but y has {len(array)} targets. Pass one target (row) per series."
        )
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        bad = np.flatnonzero(~np.isfinite(array).reshape(len(array), -1).all(axis=1))
        raise ValueError(
            f"Input y contains NaN or infinity (in {len(bad)} of {n_samples} rows, "
            f"the first at index {int(bad[0])}); every regression target must be a "
            "finite number. Drop or impute those series first."
        )
    return array


def check_float32_targets(y: np.ndarray) -> None:
    """Raise if float32, which the network trains in, cannot hold the targets.

    The network outputs the targets in their own units, in float32. Targets
    beyond float32's range would become infinite; targets whose float32
    rounding error exceeds ``FLOAT32_TARGET_TOLERANCE`` of their standard
    deviation (a large offset with a small spread, such as ``1.7e9 +
    np.arange(12)``, or values below float32's range, which become 0) would
    lose their spread, and the model with them.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs), float64
        Finite targets, as :func:`check_regression_targets` returns them.

    Raises
    ------
    ValueError
        Naming y (and the column), its values and the fix.
    """
    fix = (
        "Fit on targets of a moderate size instead and undo the change on the "
        "predictions, e.g. subtract their mean and divide by their standard "
        "deviation: sklearn.compose.TransformedTargetRegressor(regressor="
        "ConvLSTMRegressor(...), transformer=StandardScaler()) does both in "
        "float64."
    )
    columns = y.reshape(len(y), -1)
    magnitudes = np.abs(columns)
    largest = magnitudes.max(axis=0)
    for column in range(columns.shape[1]):
        where = "y" if y.ndim == 1 else f"y[:, {column}]"
        if largest[column] > FLOAT32_MAX:
            raise ValueError(
                f"{where} has values up to {largest[column]:.3g}, beyond the "
                f"float32 range (about {FLOAT32_MAX:.3g}) that the network "
                f"computes in. {fix}"
            )
    with np.errstate(under="ignore"):
        rounded = columns.astype(np.float32).astype(np.float64)
    rounding = np.abs(rounded - columns).max(axis=0)
    # Divided by the largest magnitude first: the variance of values near
    # 1e-300 underflows to 0 in float64.
    unit = np.where(largest > 0, largest, 1.0)
    spread = (columns / unit).std(axis=0) * unit
    center = (columns / unit).mean(axis=0) * unit
    for column in np.flatnonzero(
        (spread > 0) & (rounding > FLOAT32_TARGET_TOLERANCE * spread)
    ).tolist():
        where = "y" if y.ndim == 1 else f"y[:, {column}]"
        raise ValueError(
            f"{where} has values around {center[column]:.3g} with a "
            f"standard deviation of {spread[column]:.3g}: float32, which the "
            f"network computes in, rounds them by up to {rounding[column]:.3g}, "
            f"more than {FLOAT32_TARGET_TOLERANCE:.1%} of their spread, so the "
            f"differences between targets would be lost. {fix}"
        )


def _check_one_label_type(y: np.ndarray) -> None:
    """Raise if an object array of labels mixes numbers and strings.

    Such labels cannot be sorted into ``classes_`` (``1 < "a"`` is an error in
    Python), and ``1`` and ``"1"`` would be two different classes.
    """
    kinds: dict[str, str] = {}
    for label in y:
        kind = "str" if isinstance(label, str) else "number"
        kinds.setdefault(kind, type(label).__name__)
    if len(kinds) > 1:
        raise TypeError(
            f"y mixes labels of types {kinds['number']} and {kinds['str']} "
            "(an object array holding both numbers and strings); class labels "
            "must all be of one type. Convert them to one type first, e.g. "
            "y.astype(str)."
        )
