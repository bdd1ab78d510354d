"""Optional dependencies: import them, or fail naming the extra to install."""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

_INSTALL_HINT = "pip install 'sklearn-convlstm[tuning]'"


def _import_optuna() -> Any:
    """Import optuna, or fail with a message naming the extra to install."""
    try:
        import optuna
    except ImportError as error:
        raise ImportError(
            "Tuning needs the optional dependency optuna, which is not installed. "
            f"Install it with: {_INSTALL_HINT}"
        ) from error
    return optuna


@contextlib.contextmanager
def _quiet_optuna_warnings() -> Iterator[None]:
    """Silence Optuna's ExperimentalWarning/FutureWarning for the features we use."""
    optuna = _import_optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")
        yield


def _module_available(name: str) -> bool:
    if name in sys.modules:  # some packages (optuna_integration) lose __spec__
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _missing_message(name: str, missing: Sequence[str]) -> str:
    extras = {
        "pycatch22": "catch22",
        "sktime": "sktime",
        "numba": "sktime",
        "optuna": "tuning",
        "optuna_integration": "tuning",
    }
    needed = sorted({extras[module] for module in missing if module in extras})
    hint = (
        f"install it with: pip install 'sklearn-convlstm[{','.join(needed)}]'"
        if needed
        else "update sklearn-convlstm"
    )
    return f"method {name!r} needs {', '.join(missing)}, not installed; {hint}."
