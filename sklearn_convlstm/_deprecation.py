"""Old import paths of names that moved in 0.2: they work until 0.3, with a warning.

Two kinds of old path are served:

* names that left the top level (``from sklearn_convlstm import explain``):
  the package's ``__getattr__`` calls :func:`moved_attribute`;
* modules that were renamed or moved into a subpackage
  (``sklearn_convlstm.networks``, ``sklearn_convlstm.cluster``, ...): a
  finder on ``sys.meta_path`` (:class:`OldModuleFinder`) serves each as a
  small module whose attributes come from the new homes, each access
  warning with the path to use instead.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import Any

__all__ = [
    "MOVED_MODULES",
    "MOVED_NAMES",
    "RENAMED",
    "OldModuleFinder",
    "moved_attribute",
    "moved_from",
]

#: Names that left the top level in 0.2 -> their one public path.
MOVED_NAMES = {
    "ARCHITECTURE_VARIANTS": "sklearn_convlstm.nn",
    "ConvLSTMNetwork": "sklearn_convlstm.nn",
    "make_network": "sklearn_convlstm.nn",
    "OnnxModel": "sklearn_convlstm.export",
    "export_onnx": "sklearn_convlstm.export",
    "load_onnx": "sklearn_convlstm.export",
    "explain": "sklearn_convlstm.inspection",
    "plot_attribution": "sklearn_convlstm.inspection",
    "list_datasets": "sklearn_convlstm.datasets",
    "load_dataset": "sklearn_convlstm.datasets",
    "load_ts_file": "sklearn_convlstm.datasets",
    "load_ucr_tsv": "sklearn_convlstm.datasets",
    "make_pattern_classification": "sklearn_convlstm.datasets",
    "make_feature_baseline": "sklearn_convlstm.baselines",
    "make_seed_ensemble": "sklearn_convlstm.ensemble",
}

#: Modules of 0.1 -> where their names live now (public homes first).
MOVED_MODULES = {
    "sklearn_convlstm.classifier": ("sklearn_convlstm", "sklearn_convlstm._classifier"),
    "sklearn_convlstm.regressor": ("sklearn_convlstm", "sklearn_convlstm._regressor"),
    "sklearn_convlstm.preprocessing": (
        "sklearn_convlstm",
        "sklearn_convlstm._preprocessing",
    ),
    "sklearn_convlstm.windowing": ("sklearn_convlstm", "sklearn_convlstm._windowing"),
    "sklearn_convlstm.features": ("sklearn_convlstm", "sklearn_convlstm._features"),
    "sklearn_convlstm.lazy": ("sklearn_convlstm", "sklearn_convlstm._lazy"),
    "sklearn_convlstm.persistence": (
        "sklearn_convlstm",
        "sklearn_convlstm._persistence",
    ),
    "sklearn_convlstm.exceptions": ("sklearn_convlstm",),
    "sklearn_convlstm.networks": (
        "sklearn_convlstm.nn",
        "sklearn_convlstm.nn._networks",
    ),
    "sklearn_convlstm.input_layers": (
        "sklearn_convlstm.nn",
        "sklearn_convlstm.nn._input_layers",
    ),
    "sklearn_convlstm.random_kernels": (
        "sklearn_convlstm.nn",
        "sklearn_convlstm.nn._random_kernels",
    ),
    **{
        f"sklearn_convlstm.compare.{name}": (
            "sklearn_convlstm.compare",
            f"sklearn_convlstm.compare._{name}",
        )
        for name in ("command", "methods", "report", "runner")
    },
    **{
        f"sklearn_convlstm.tuning.{name}": (
            "sklearn_convlstm.tuning",
            f"sklearn_convlstm.tuning._{name}",
        )
        for name in ("estimator", "objective", "report", "spaces", "storage", "command")
    },
    "sklearn_convlstm.explain": ("sklearn_convlstm.inspection",),
    "sklearn_convlstm.distributed": ("sklearn_convlstm.parallel",),
    "sklearn_convlstm.cluster": ("sklearn_convlstm.parallel",),
}

#: Private names that pickles of 0.1 models refer to, by their old module.
_PICKLED_NAMES = {
    "_AutocastNeuralNetClassifier": "sklearn_convlstm._engine.nets",
    "_AutocastNeuralNetRegressor": "sklearn_convlstm._engine.nets",
}

#: Public names renamed in 0.2 (one spelling, scikit-learn's: -ize) -> new name.
RENAMED = {"z_normalise": "z_normalize"}

REMOVED_IN = "0.3"


def _warn(old: str, new: str, stacklevel: int) -> None:
    warnings.warn(
        f"{old} has moved: import it from {new} instead. The old path keeps "
        f"working until sklearn_convlstm {REMOVED_IN}.",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def moved_attribute(name: str) -> Any:
    """Return a name that left the top level, warning with its new path.

    Parameters
    ----------
    name : str
        The attribute asked of ``sklearn_convlstm``.

    Returns
    -------
    value : object

    Raises
    ------
    AttributeError
        If ``name`` never was a top-level name.
    """
    home = MOVED_NAMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sklearn_convlstm' has no attribute {name!r}")
    # frames: _warn, moved_attribute, the package's __getattr__, the caller
    _warn(f"sklearn_convlstm.{name}", f"{home} ({home}.{name})", stacklevel=4)
    return getattr(importlib.import_module(home), name)


def moved_from(package: str, name: str, moved: dict[str, str]) -> Any:
    """Return a name that ``package`` no longer re-exports, warning with its home.

    For a subpackage's module ``__getattr__``.

    Parameters
    ----------
    package : str
        The subpackage asked (``"sklearn_convlstm.compare"``).
    name : str
        The attribute asked.
    moved : dict
        Names it re-exported before -> their one public module.

    Returns
    -------
    value : object

    Raises
    ------
    AttributeError
        If ``name`` is not one of ``moved``.
    """
    home = moved.get(name)
    if home is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    _warn(f"{package}.{name}", home, stacklevel=4)
    return getattr(importlib.import_module(home), name)


class _OldModule(types.ModuleType):
    """A 0.1 module path: every attribute comes from the new homes, with a warning."""

    def __init__(self, name: str, homes: tuple[str, ...]) -> None:
        super().__init__(name, f"Deprecated alias of {homes[0]}.")
        self.__homes = homes

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        homes = self.__homes
        if attribute in RENAMED:
            home = homes[0]
            _warn(f"{self.__name__}.{attribute}", f"{home}.{RENAMED[attribute]}", 3)
            return getattr(importlib.import_module(home), RENAMED[attribute])
        if attribute in _PICKLED_NAMES:
            homes = (_PICKLED_NAMES[attribute],)
        for home in homes:
            module = importlib.import_module(home)
            if hasattr(module, attribute):
                _warn(f"{self.__name__}.{attribute}", home, stacklevel=3)
                return getattr(module, attribute)
        raise AttributeError(
            f"module {self.__name__!r} (moved to {homes[0]}) has no attribute "
            f"{attribute!r}"
        )


class _OldExplainModule(_OldModule):
    """``sklearn_convlstm.explain``: in 0.1 both a module and a top-level function.

    Once the old module path is imported, the package's attribute ``explain``
    is this module, so it also forwards calls to
    :func:`sklearn_convlstm.inspection.explain`.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        _warn(
            "sklearn_convlstm.explain",
            "sklearn_convlstm.inspection (sklearn_convlstm.inspection.explain)",
            stacklevel=3,
        )
        return importlib.import_module("sklearn_convlstm.inspection").explain(
            *args, **kwargs
        )


class OldModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serve the module paths of 0.1 listed in :data:`MOVED_MODULES`."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        """Return a spec for an old module path, ``None`` for any other."""
        if fullname not in MOVED_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        """Make the alias module of ``spec.name``."""
        if spec.name == "sklearn_convlstm.explain":
            return _OldExplainModule(spec.name, MOVED_MODULES[spec.name])
        return _OldModule(spec.name, MOVED_MODULES[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: attributes are looked up on access."""


def install() -> None:
    """Put :class:`OldModuleFinder` on ``sys.meta_path`` once."""
    if not any(isinstance(finder, OldModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(OldModuleFinder())
