"""Conv1D->LSTM time-series classification that behaves like any scikit-learn estimator.

Data convention: ``X`` has shape ``(n_samples, n_channels, n_timesteps)``
(channels first, as in PyTorch, sktime and aeon); a 2D array is read as
univariate series ``(n_samples, n_timesteps)``; a list of
``(n_channels, length_i)`` arrays holds series of unequal length.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
