"""Check the targets ``y`` of the estimators: class labels and regression values."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

__all__ = ["check_classification_labels", "check_regression_targets"]


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
    check_classification_targets(y)
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
