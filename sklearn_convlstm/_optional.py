"""Optional dependencies: import them, or fail naming the extra to install.

The one place that knows which extra of ``setup.cfg`` installs which optional
module, and the one message format for a missing one::

    Tuning needs the optional package optuna; install it with: pip install
    'sklearn-convlstm[tuning]'

Modules needing an optional package import it inside the function that uses
it, through :func:`import_optional`, so that importing the package never
needs it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import warnings
from collections.abc import Iterator, Sequence
from types import ModuleType

#: The extra of ``sklearn-convlstm`` (setup.cfg) that installs each optional module.
EXTRAS = {
    "optuna": "tuning",
    "optuna_integration": "tuning",
    "sqlalchemy": "tuning",
    "psycopg2": "postgres",
    "matplotlib": "plot",
    "pycatch22": "catch22",
    "sktime": "sktime",
    "numba": "sktime",
    "onnx": "export",
    "onnxruntime": "export",
    "accelerate": "distributed",
    "dask": "distributed",
    "distributed": "distributed",
}


def missing_message(
    purpose: str, modules: Sequence[str], *, extra: str | None = None
) -> str:
    """Return the message for optional modules that are not installed.

    Parameters
    ----------
    purpose : str
        What needs them, the subject of the sentence (``"Tuning"``,
        ``"method 'minirocket'"``).
    modules : sequence of str
        The missing modules.
    extra : str or None, default=None
        The extra that installs them; ``None``: looked up in :data:`EXTRAS`.

    Returns
    -------
    message : str

    Examples
    --------
    >>> missing_message("MiniRocketRidge", ["sktime"])
    "MiniRocketRidge needs the optional package sktime; install it with: pip install 'sklearn-convlstm[sktime]'"
    >>> missing_message("method 'x'", ["numba", "sktime"])
    "method 'x' needs the optional packages numba, sktime; install them with: pip install 'sklearn-convlstm[sktime]'"
    """  # noqa: E501
    extras = (
        [extra]
        if extra is not None
        else sorted({EXTRAS[module] for module in modules if module in EXTRAS})
    )
    names = ", ".join(modules)
    noun, pronoun = ("package", "it") if len(modules) == 1 else ("packages", "them")
    if extras:
        command = f"pip install 'sklearn-convlstm[{','.join(extras)}]'"
    else:  # not one of ours: the module name is the best guess of the package
        command = f"pip install {' '.join(modules)}"
    return (
        f"{purpose} needs the optional {noun} {names}; install {pronoun} with: "
        f"{command}"
    )


def import_optional(
    name: str, *, extra: str | None = None, purpose: str | None = None
) -> ModuleType:
    """Import an optional module, or raise an ImportError naming the extra.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"optuna"`` or ``"matplotlib.pyplot"`` (the
        message names its top-level package).
    extra : str or None, default=None
        The extra that installs it; ``None``: looked up in :data:`EXTRAS`.
    purpose : str or None, default=None
        What needs it, for the message (default: ``"This feature"``).

    Returns
    -------
    module : module

    Raises
    ------
    ImportError
        When the module cannot be imported; the message says what to install.

    Examples
    --------
    >>> import_optional("math").sqrt(4.0)
    2.0
    >>> import_optional("no_such_module_xyz", extra="plot", purpose="Plotting")
    Traceback (most recent call last):
    ...
    ImportError: Plotting needs the optional package no_such_module_xyz; install it with: pip install 'sklearn-convlstm[plot]'
    """  # noqa: E501
    try:
        return importlib.import_module(name)
    except ImportError as error:
        package = name.partition(".")[0]
        raise ImportError(
            missing_message(purpose or "This feature", [package], extra=extra)
        ) from error


def module_available(name: str) -> bool:
    """Whether ``name`` can be imported, without importing it.

    Parameters
    ----------
    name : str
        Module name.

    Returns
    -------
    available : bool

    Examples
    --------
    >>> module_available("math"), module_available("no_such_module_xyz")
    (True, False)
    """
    if name in sys.modules:  # some packages (optuna_integration) lose __spec__
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@contextlib.contextmanager
def quiet_optuna_warnings() -> Iterator[None]:
    """Silence Optuna's ExperimentalWarning/FutureWarning for the features we use."""
    optuna = import_optional("optuna", purpose="Tuning")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")
        yield
