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

from typing import Any

from sklearn_convlstm import _deprecation
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
from sklearn_convlstm._version import __version__
from sklearn_convlstm._windowing import SlidingWindows, make_windows

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
    return _deprecation.moved_attribute(name)


def __dir__() -> list[str]:
    return sorted(__all__)
