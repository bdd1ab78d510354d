"""The random-kernel ridge head of the classifier: fitted with scikit-learn.

:func:`fit_random_kernel_ridge` computes the pure-PyTorch
:class:`~sklearn_convlstm.nn.RandomKernelFeatures` of the training series,
fits scikit-learn's ``RidgeClassifierCV`` on them and folds the scaler and the
ridge into the :class:`~sklearn_convlstm.nn.RandomKernelRidge` module the
classifier fuses with its network.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import RidgeClassifierCV

from sklearn_convlstm.nn import RandomKernelFeatures, RandomKernelRidge
from sklearn_convlstm.nn._random_kernels import RIDGE_ALPHAS

__all__ = ["fit_random_kernel_ridge"]


def fit_random_kernel_ridge(
    x: torch.Tensor,
    y: np.ndarray,
    n_classes: int,
    lengths: torch.Tensor | None = None,
    *,
    n_features: int = 10_000,
    random_state: int = 0,
) -> RandomKernelRidge:
    """Fit random-kernel features and a ridge classifier on training series.

    The features are standardised and ``RidgeClassifierCV`` chooses the
    penalty among :data:`RIDGE_ALPHAS` by leave-one-out; the scaler and the
    ridge are folded into one ``nn.Linear`` with one output per class (for
    two classes, ``-d`` and ``+d`` of the ridge's single decision value).

    Parameters
    ----------
    x : Tensor of shape (n_series, n_channels, n_timesteps)
    y : ndarray of int of shape (n_series,)
        Class indices in ``range(n_classes)``.
    n_classes : int
    lengths : Tensor of shape (n_series,), default=None
    n_features : int, default=10000
    random_state : int, default=0

    Returns
    -------
    head : RandomKernelRidge
    """
    features = RandomKernelFeatures.from_training_series(
        x, lengths, n_features=n_features, random_state=random_state
    )
    with torch.no_grad():
        table = features(x.float().cpu(), lengths).double().numpy()
    mean = table.mean(axis=0)
    scale = table.std(axis=0)
    scale[scale == 0] = 1.0
    ridge = RidgeClassifierCV(alphas=np.asarray(RIDGE_ALPHAS))
    ridge.fit((table - mean) / scale, y)
    coef = np.zeros((n_classes, table.shape[1]))
    intercept = np.zeros(n_classes)
    fitted = ridge.classes_.astype(np.int64)
    # binary: one decision value (coef_ of shape (n_features,) or (1, ...))
    ridge_coef = np.atleast_2d(ridge.coef_)
    ridge_intercept = np.atleast_1d(ridge.intercept_)
    if len(fitted) == 2 and ridge_coef.shape[0] == 1:
        coef[fitted[1]], intercept[fitted[1]] = ridge_coef[0], ridge_intercept[0]
        coef[fitted[0]], intercept[fitted[0]] = -ridge_coef[0], -ridge_intercept[0]
    else:
        coef[fitted], intercept[fitted] = ridge_coef, ridge_intercept
    head = RandomKernelRidge(features, n_classes)
    with torch.no_grad():
        head.linear.weight.copy_(torch.from_numpy(coef / scale))
        head.linear.bias.copy_(torch.from_numpy(intercept - (coef / scale) @ mean))
    head.alpha_ = float(ridge.alpha_)
    return head
