"""Conv1D->LSTM time-series classification and regression, as scikit-learn estimators.

Data convention: ``X`` has shape ``(n_samples, n_channels, n_timesteps)``
(channels first, as in PyTorch, sktime and aeon); a 2D array is read as
univariate series ``(n_samples, n_timesteps)``; a list of
``(n_channels, length_i)`` arrays holds series of unequal length. Data
larger than memory goes in as a memmap, an h5py dataset or a
:class:`LazySeries` (:class:`RaggedSeries` for unequal lengths on disk).
"""

from .baselines import make_feature_baseline
from .classifier import ConvLSTMClassifier
from .datasets import (
    list_datasets,
    load_dataset,
    load_ts_file,
    load_ucr_tsv,
    make_pattern_classification,
)
from .ensemble import make_seed_ensemble
from .exceptions import TrainingDivergedError, TrainingInterruptedWarning
from .explain import explain, plot_attribution
from .export import OnnxModel, export_onnx, load_onnx
from .features import Catch22Features, StatisticalFeatures
from .lazy import LazySeries, RaggedSeries
from .networks import ARCHITECTURE_VARIANTS, ConvLSTMNetwork, make_network
from .persistence import load_model, save_model
from .preprocessing import PadTruncate, TimeSeriesScaler
from .regressor import ConvLSTMRegressor
from .windowing import SlidingWindows, make_windows

__version__ = "0.1.0"

__all__ = [
    "ARCHITECTURE_VARIANTS",
    "Catch22Features",
    "ConvLSTMClassifier",
    "ConvLSTMNetwork",
    "ConvLSTMRegressor",
    "LazySeries",
    "OnnxModel",
    "PadTruncate",
    "RaggedSeries",
    "SlidingWindows",
    "StatisticalFeatures",
    "TimeSeriesScaler",
    "TrainingDivergedError",
    "TrainingInterruptedWarning",
    "__version__",
    "explain",
    "export_onnx",
    "list_datasets",
    "load_dataset",
    "load_onnx",
    "load_model",
    "load_ts_file",
    "load_ucr_tsv",
    "make_feature_baseline",
    "make_seed_ensemble",
    "make_network",
    "make_pattern_classification",
    "make_windows",
    "plot_attribution",
    "save_model",
]
