"""Conv1D->LSTM time-series classification and regression, as scikit-learn estimators.

Data convention: ``X`` has shape ``(n_samples, n_channels, n_timesteps)``
(channels first, as in PyTorch, sktime and aeon); a 2D array is read as
univariate series ``(n_samples, n_timesteps)``; a list of
``(n_channels, length_i)`` arrays holds series of unequal length. Data
larger than memory goes in as a memmap, an h5py dataset or a
:class:`LazySeries` (:class:`RaggedSeries` for unequal lengths on disk).

The top level holds the estimators, the transformers, the lazy data types,
the exceptions and saving; the rest has one public home each:
:mod:`sklearn_convlstm.nn` (the PyTorch networks),
:mod:`sklearn_convlstm.datasets`, :mod:`sklearn_convlstm.baselines`,
:mod:`sklearn_convlstm.ensemble`, :mod:`sklearn_convlstm.tuning`,
:mod:`sklearn_convlstm.compare`, :mod:`sklearn_convlstm.parallel`,
:mod:`sklearn_convlstm.export` and :mod:`sklearn_convlstm.inspection`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from sklearn_convlstm import _deprecation
from sklearn_convlstm._version import __version__

if TYPE_CHECKING:
    from sklearn_convlstm._base import BaseConvLSTM
    from sklearn_convlstm._classifier import ConvLSTMClassifier
    from sklearn_convlstm._exceptions import (
        TrainingDivergedError,
        TrainingInterruptedWarning,
    )
    from sklearn_convlstm._features import Catch22Features, StatisticalFeatures
    from sklearn_convlstm._lazy import LazySeries, RaggedSeries
    from sklearn_convlstm._persistence import load_model, save_model
    from sklearn_convlstm._preprocessing import PadTruncate, TimeSeriesScaler
    from sklearn_convlstm._regressor import ConvLSTMRegressor
    from sklearn_convlstm._windowing import SlidingWindows, make_windows

#: The module of each top-level name. Each is imported on first use (PEP 562),
#: so ``import sklearn_convlstm`` and the command line start without loading
#: PyTorch or scikit-learn until they need them.
_HOMES = {
    "BaseConvLSTM": "sklearn_convlstm._base",
    "Catch22Features": "sklearn_convlstm._features",
    "ConvLSTMClassifier": "sklearn_convlstm._classifier",
    "ConvLSTMRegressor": "sklearn_convlstm._regressor",
    "LazySeries": "sklearn_convlstm._lazy",
    "PadTruncate": "sklearn_convlstm._preprocessing",
    "RaggedSeries": "sklearn_convlstm._lazy",
    "SlidingWindows": "sklearn_convlstm._windowing",
    "StatisticalFeatures": "sklearn_convlstm._features",
    "TimeSeriesScaler": "sklearn_convlstm._preprocessing",
    "TrainingDivergedError": "sklearn_convlstm._exceptions",
    "TrainingInterruptedWarning": "sklearn_convlstm._exceptions",
    "load_model": "sklearn_convlstm._persistence",
    "make_windows": "sklearn_convlstm._windowing",
    "save_model": "sklearn_convlstm._persistence",
}

__all__ = [
    "BaseConvLSTM",
    "Catch22Features",
    "ConvLSTMClassifier",
    "ConvLSTMRegressor",
    "LazySeries",
    "PadTruncate",
    "RaggedSeries",
    "SlidingWindows",
    "StatisticalFeatures",
    "TimeSeriesScaler",
    "TrainingDivergedError",
    "TrainingInterruptedWarning",
    "__version__",
    "load_model",
    "make_windows",
    "save_model",
]

_deprecation.install()


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        return _deprecation.moved_attribute(name)
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
