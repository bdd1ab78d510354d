"""Conv1D->LSTM time-series classification that behaves like any scikit-learn estimator.

Data convention: ``X`` has shape ``(n_samples, n_channels, n_timesteps)``
(channels first, as in PyTorch, sktime and aeon); a 2D array is read as
univariate series ``(n_samples, n_timesteps)``; a list of
``(n_channels, length_i)`` arrays holds series of unequal length.
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
from .explain import explain, plot_attribution
from .export import OnnxModel, export_onnx, load_onnx
from .features import Catch22Features, StatisticalFeatures
from .networks import ARCHITECTURE_VARIANTS, ConvLSTMNetwork, make_network
from .preprocessing import PadTruncate, TimeSeriesScaler
from .windowing import SlidingWindows, make_windows

__version__ = "0.1.0"

__all__ = [
    "ARCHITECTURE_VARIANTS",
    "Catch22Features",
    "ConvLSTMClassifier",
    "ConvLSTMNetwork",
    "OnnxModel",
    "PadTruncate",
    "SlidingWindows",
    "StatisticalFeatures",
    "TimeSeriesScaler",
    "__version__",
    "explain",
    "export_onnx",
    "list_datasets",
    "load_dataset",
    "load_onnx",
    "load_ts_file",
    "load_ucr_tsv",
    "make_feature_baseline",
    "make_seed_ensemble",
    "make_network",
    "make_pattern_classification",
    "make_windows",
    "plot_attribution",
]
