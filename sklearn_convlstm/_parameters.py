"""Estimator parameters: checks scikit-learn's constraints cannot express, and seeds.

The entries of tuple parameters, classes and instances passed as parameters,
``class_weight`` against the training labels, the torch device, and the
package's one seed derivation (:func:`draw_seed`). The input data itself is
checked in :mod:`sklearn_convlstm._validation`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight

from sklearn_convlstm._lazy import FLOAT32_MAX, FLOAT32_TINY
from sklearn_convlstm._validation import InvalidParameterError

__all__ = [
    "SEED_BOUND",
    "check_class_weight",
    "check_instances_param",
    "check_int_entries",
    "check_subclass_param",
    "draw_seed",
    "draw_seeds",
    "resolve_device",
]


def check_class_weight(
    class_weight: dict | str | None, classes: np.ndarray, y: np.ndarray
) -> np.ndarray | None:
    """Validate ``class_weight`` and return one weight per class.

    Parameters
    ----------
    class_weight : dict, "balanced" or None
        As in scikit-learn: ``{label: weight}`` (classes left out weigh 1),
        ``"balanced"`` (``n_samples / (n_classes * class_count)``), or None.
    classes : ndarray of shape (n_classes,)
        The sorted class labels (``classes_``).
    y : ndarray of shape (n_samples,)
        The training labels the weights are computed for.

    Returns
    -------
    weights : ndarray of shape (n_classes,) or None
        ``float64`` weights in the order of ``classes``; None for None.

    Raises
    ------
    ValueError
        For a key that is not a class of ``y``, a weight that is negative, not a
        finite number, or weights that are 0 for every class: the loss would
        reward errors or be undefined, and training would silently diverge.
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        return compute_class_weight(class_weight, classes=classes, y=y)
    known = classes.tolist()
    for key, weight in class_weight.items():
        if key not in known:
            raise ValueError(
                f"class_weight names {key!r}, which is not a class of y (classes: "
                f"{known}). Use the labels exactly as in y."
            )
        if (
            not isinstance(weight, Real)
            or isinstance(weight, bool)
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise ValueError(
                f"class_weight[{key!r}] is {weight!r}; class weights must be finite "
                "numbers >= 0 (a negative weight rewards the network for "
                "misclassifying that class, and training diverges)."
            )
        if weight != 0 and not FLOAT32_TINY <= float(weight) <= FLOAT32_MAX:
            raise ValueError(
                f"class_weight[{key!r}] is {weight!r}; positive class weights must "
                f"lie in the float32 range the loss is computed in, from about "
                f"{FLOAT32_TINY:.3g} to {FLOAT32_MAX:.3g} (this one would become "
                f"{'0' if weight < FLOAT32_TINY else 'inf'}, and training would "
                "diverge). Only the ratios of the weights matter: rescale them all."
            )
    weights = np.array(
        [float(class_weight.get(label, 1.0)) for label in known], dtype=np.float64
    )
    if not weights.any():
        raise ValueError(
            f"class_weight gives every class weight 0 ({class_weight!r}); the loss "
            "would be 0/0. Give at least one class a positive weight."
        )
    return weights


def check_int_entries(estimator: Any, names: Iterable[str], *, low: int = 1) -> None:
    """Check that tuple (or list) parameters hold only ints ``>= low``.

    scikit-learn's ``_parameter_constraints`` checks a parameter's type, not
    the entries of a tuple: ``kernel_sizes=(3.5,)`` would otherwise be
    truncated by PyTorch and ``(-1,)`` fail deep inside it. Parameters that
    are not tuples or lists are left to ``_parameter_constraints``.

    Parameters
    ----------
    estimator : estimator instance
        Its parameters ``names`` are read with ``getattr``.
    names : iterable of str
        Names of the parameters to check.
    low : int, default=1
        Smallest valid entry.

    Raises
    ------
    InvalidParameterError
        (a ValueError and TypeError) naming the parameter, the value and its
        first bad entry.
    """
    for name in names:
        value = getattr(estimator, name)
        if not isinstance(value, (tuple, list)):
            continue
        for index, entry in enumerate(value):
            if (
                isinstance(entry, Integral)
                and not isinstance(entry, (bool, np.bool_))
                and int(entry) >= low
            ):
                continue
            kind = "" if type(entry) is int else f" ({type(entry).__name__})"
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must hold "
                f"only ints in the range [{low}, inf), one per conv block. Got "
                f"{value!r} instead: entry {index} is {entry!r}{kind}."
            )


def check_subclass_param(
    estimator: Any, name: str, base: type, *, expected: str
) -> None:
    """Check that class parameter ``name`` is a string or a subclass of ``base``.

    Strings are left to ``_parameter_constraints`` (a ``StrOptions``); this
    checks what it cannot: that a class passed instead derives from ``base``.

    Parameters
    ----------
    estimator : estimator instance
        Its parameter ``name`` is read with ``getattr``.
    name : str
        Parameter name.
    base : type
        Required base class.
    expected : str
        What the message says is expected, e.g. ``"one of 'adam', 'sgd' or a
        subclass of torch.optim.Optimizer"``.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, the value and what was expected.
    """
    value = getattr(estimator, name)
    if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
        _check_step_without_closure(estimator, name, value, expected=expected)
    if isinstance(value, str) or (isinstance(value, type) and issubclass(value, base)):
        return
    raise InvalidParameterError(
        f"The {name!r} parameter of {type(estimator).__name__} must be {expected}. "
        f"Got {value!r} instead."
    )


def _check_step_without_closure(
    estimator: Any, name: str, optimizer: type, *, expected: str
) -> None:
    """Refuse an optimizer whose ``step`` needs a closure (LBFGS and the like).

    skorch's training loop calls ``optimizer.step()`` without arguments after
    each backward pass; an optimizer that re-evaluates the loss itself needs
    ``step(closure)`` and fails inside skorch.
    """
    try:
        parameters = inspect.signature(getattr(optimizer, "step")).parameters  # noqa: B009
    except (TypeError, ValueError):  # no signature to read: let it through
        return
    closure = parameters.get("closure")
    if closure is not None and closure.default is inspect.Parameter.empty:
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be "
            f"{expected}. Got {optimizer.__name__}, whose step() needs a closure "
            "that re-evaluates the loss; this estimator's training loop takes one "
            "step per batch without a closure. Use an optimizer whose step() "
            "takes no arguments, such as 'adamw', 'adam' or 'sgd'."
        )


def check_instances_param(
    estimator: Any, name: str, base: type, *, expected: str
) -> None:
    """Check that every entry of the tuple parameter ``name`` is a ``base`` instance.

    Parameters
    ----------
    estimator : estimator instance
        Its parameter ``name`` is read with ``getattr``.
    name : str
        Parameter name (a tuple, list or None).
    base : type
        Class every entry must be an instance of.
    expected : str
        What the message says is expected, e.g. ``"a tuple of skorch
        callbacks"``.

    Raises
    ------
    InvalidParameterError
        Naming the parameter and the first entry of another type.
    """
    value = getattr(estimator, name)
    for index, entry in enumerate(value or ()):
        if not isinstance(entry, base):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must be "
                f"{expected}. Got {value!r} instead: entry {index} is an object "
                f"of type {type(entry).__name__}."
            )


def resolve_device(device: str) -> str:
    """Return the torch device to train on; ``"auto"`` picks CUDA when available.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` (Apple GPUs, where
        PyTorch has it) or ``"auto"``.

    Returns
    -------
    device : str

    Raises
    ------
    ValueError
        For a string torch does not parse, a device type this package does not
        run on (``"meta"``, ...), or a device that is not available here.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device_type = torch.device(device).type
    except RuntimeError as error:
        raise ValueError(
            f"device={device!r} is not a valid torch device; use 'cpu', 'cuda', "
            "'cuda:N' or 'auto'."
        ) from error
    if device_type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='cpu' or device='auto'."
        )
    if device_type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device={device!r} was requested but MPS is not available on this "
            "machine (it needs an Apple GPU and a PyTorch built for it); use "
            "device='cpu' or device='auto'."
        )
    if device_type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"device={device!r} is not supported: use 'cpu', 'cuda', 'cuda:N' or "
            "'auto' (or 'mps' on Apple GPUs). The network trains and predicts on "
            "real data, which a device of type "
            f"{device_type!r} does not hold."
        )
    return device


#: Seeds are drawn in ``[0, SEED_BOUND)``: torch, NumPy and sktime accept them.
SEED_BOUND = int(np.iinfo(np.int32).max)


def draw_seed(random_state: Any) -> int:
    """Draw one int seed from ``random_state``: the package's one derivation.

    ``check_random_state(random_state).randint(SEED_BOUND)``: an int gives the
    same seed every time, a RandomState instance advances, ``None`` draws
    from NumPy's global generator.

    Parameters
    ----------
    random_state : int, RandomState instance or None

    Returns
    -------
    seed : int

    Examples
    --------
    >>> draw_seed(0) == draw_seed(0), 0 <= draw_seed(None) < SEED_BOUND
    (True, True)
    """
    return int(check_random_state(random_state).randint(SEED_BOUND))


def draw_seeds(random_state: Any, n_seeds: int) -> list[int]:
    """Draw ``n_seeds`` int seeds from ``random_state`` in one call.

    Parameters
    ----------
    random_state : int, RandomState instance or None
    n_seeds : int

    Returns
    -------
    seeds : list of int
        ``check_random_state(random_state).randint(SEED_BOUND, size=n_seeds)``.

    Examples
    --------
    >>> draw_seeds(0, 3)[0] == draw_seed(0)
    True
    """
    rng = check_random_state(random_state)
    return [int(seed) for seed in rng.randint(SEED_BOUND, size=n_seeds)]
