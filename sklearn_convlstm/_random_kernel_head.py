"""The random-kernel ridge heads of the classifier and the regressor.

:func:`fit_random_kernel_ridge` computes the pure-PyTorch
:class:`~sklearn_convlstm.nn.RandomKernelFeatures` of the training series,
fits scikit-learn's ``RidgeClassifierCV`` on them and folds the scaler and the
ridge into the :class:`~sklearn_convlstm.nn.RandomKernelRidge` module the
classifier fuses with its network. :func:`fit_random_kernel_regression` does
the same with ``RidgeCV`` for the regressor, and :func:`choose_blend` chooses
how the regressor blends its networks with that ridge (and when it predicts
the training mean instead).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import RidgeClassifierCV, RidgeCV

from sklearn_convlstm.nn import RandomKernelFeatures, RandomKernelRidge
from sklearn_convlstm.nn._random_kernels import RIDGE_ALPHAS

__all__ = [
    "BLEND_GRID",
    "PERMUTATIONS",
    "PERMUTATION_QUANTILE",
    "RANDOM_KERNEL_MAX_BYTES",
    "choose_blend",
    "fit_random_kernel_regression",
    "fit_random_kernel_ridge",
    "ridge_regression_outputs",
    "scaled_series_memory_problem",
]

#: The network's weights in the regressor's blend, and the shrinkages toward
#: the training mean, that :func:`choose_blend` chooses from.
BLEND_GRID = tuple(float(value) for value in np.linspace(0.0, 1.0, 11))
#: :func:`choose_blend` predicts the mean where the chosen blend's R² is below
#: this quantile of the same choice's R² with the targets permuted ...
PERMUTATION_QUANTILE = 0.95
#: ... over this many permutations.
PERMUTATIONS = 100
#: The random-kernel head's fit holds the scaled training series in memory, as
#: float32 padded to the longest series, wherever they are stored (also on
#: disk): at most this many bytes, or no head.
RANDOM_KERNEL_MAX_BYTES = 2 * 2**30


def scaled_series_memory_problem(lengths: np.ndarray, n_channels: int) -> str | None:
    """Say why the head's fit would hold too much memory, or return ``None``.

    The fit holds the scaled training series, padded to the longest, as
    float32: at most two channels per input channel (the log-amplitudes of
    per-series amplitude scaling), wherever the series are stored.
    """
    needed = len(lengths) * 2 * n_channels * int(np.max(lengths)) * 4
    if needed <= RANDOM_KERNEL_MAX_BYTES:
        return None
    return (
        f"its fit would hold up to {needed / 2**30:.1f} GiB of scaled "
        f"training series in memory (at most "
        f"{RANDOM_KERNEL_MAX_BYTES / 2**30:.0f} GiB)"
    )


def fit_random_kernel_ridge(
    x: torch.Tensor,
    y: np.ndarray,
    n_classes: int,
    lengths: torch.Tensor | None = None,
    *,
    n_features: int = 10_000,
    random_state: int = 0,
    class_weights: np.ndarray | None = None,
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
    class_weights : ndarray of shape (n_classes,), default=None
        One weight per class index: each series weighs its class's weight in
        the ridge's fit (``sample_weight``), as ``class_weight`` weighs the
        network's loss. None: every series weighs 1.

    Returns
    -------
    head : RandomKernelRidge
    """
    features, table, mean, scale = _standardised_features(
        x, lengths, n_features, random_state
    )
    ridge = RidgeClassifierCV(alphas=np.asarray(RIDGE_ALPHAS))
    sample_weight = None if class_weights is None else np.asarray(class_weights)[y]
    ridge.fit((table - mean) / scale, y, sample_weight=sample_weight)
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


def _standardised_features(
    x: torch.Tensor, lengths: torch.Tensor | None, n_features: int, random_state: int
) -> tuple[RandomKernelFeatures, np.ndarray, np.ndarray, np.ndarray]:
    """Draw the features from ``x``; return them, their table, its mean and scale.

    The scale is the standard deviation of each feature (1 where it is 0).
    """
    features = RandomKernelFeatures.from_training_series(
        x, lengths, n_features=n_features, random_state=random_state
    )
    with torch.no_grad():
        table = features(x.float().cpu(), lengths).double().numpy()
    mean = table.mean(axis=0)
    scale = table.std(axis=0)
    scale[scale == 0] = 1.0
    return features, table, mean, scale


def fit_random_kernel_regression(
    x: torch.Tensor,
    y: np.ndarray,
    lengths: torch.Tensor | None = None,
    *,
    n_features: int = 10_000,
    random_state: int = 0,
) -> RandomKernelRidge:
    """Fit random-kernel features and a ridge regression on training series.

    As :func:`fit_random_kernel_ridge`, with scikit-learn's ``RidgeCV``
    (penalty among :data:`RIDGE_ALPHAS` by leave-one-out): one output per
    target, in the targets' units.

    Parameters
    ----------
    x : Tensor of shape (n_series, n_channels, n_timesteps)
    y : ndarray of shape (n_series, n_outputs)
    lengths : Tensor of shape (n_series,), default=None
    n_features : int, default=10000
    random_state : int, default=0

    Returns
    -------
    head : RandomKernelRidge
    """
    features, table, mean, scale = _standardised_features(
        x, lengths, n_features, random_state
    )
    y = np.asarray(y, dtype=np.float64).reshape(len(table), -1)
    ridge = RidgeCV(alphas=np.asarray(RIDGE_ALPHAS)).fit((table - mean) / scale, y)
    coef = np.atleast_2d(ridge.coef_) / scale
    head = RandomKernelRidge(features, y.shape[1])
    with torch.no_grad():
        head.linear.weight.copy_(torch.from_numpy(coef))
        head.linear.bias.copy_(
            torch.from_numpy(np.atleast_1d(ridge.intercept_) - coef @ mean)
        )
    head.alpha_ = float(ridge.alpha_)
    return head.eval()


def ridge_regression_outputs(
    head: RandomKernelRidge, x: torch.Tensor, lengths: torch.Tensor | None = None
) -> np.ndarray:
    """Return the ridge's predictions in float64, shape (n_series, n_outputs).

    The features are exact (:class:`~sklearn_convlstm.nn.RandomKernelFeatures`)
    and the linear map is applied in float64, so a series' prediction does not
    depend on the other series of its batch.
    """
    with torch.no_grad():
        features = head.features(x.float().cpu(), lengths).double()
        return torch.nn.functional.linear(
            features, head.linear.weight.double(), head.linear.bias.double()
        ).numpy()


def choose_blend(
    y: np.ndarray, network: np.ndarray, ridge: np.ndarray, mean: np.ndarray, seed: int
) -> tuple[float, float, float, float]:
    """Choose the network's weight and the shrinkage of least squared error on ``y``.

    The prediction is ``mean + shrinkage * (w * network + (1 - w) * ridge -
    mean)``, both from :data:`BLEND_GRID`; ties go to the larger weight, then
    the larger shrinkage. ``mean`` holds, per series, the mean it shrinks
    toward. Where the chosen prediction's R² on ``y`` (against ``mean``) is
    below the :data:`PERMUTATION_QUANTILE` quantile of the best R² with ``y``
    permuted (:data:`PERMUTATIONS` permutations drawn with ``seed``), the
    shrinkage is 0: the prediction is the mean.

    Parameters
    ----------
    y, network, ridge, mean : ndarray of shape (n_series,)
        Targets; out-of-sample predictions of the network and of the ridge;
        the mean each series shrinks toward.
    seed : int
        Seed of the permutations.

    Returns
    -------
    weight, shrinkage, r2, chance_r2 : float
        The choice, the chosen blend's R² and the threshold it was held to.
    """
    pairs = [(w, s) for w in BLEND_GRID[::-1] for s in BLEND_GRID[::-1]]
    predictions = np.stack(
        [mean + s * (w * network + (1.0 - w) * ridge - mean) for w, s in pairs]
    )

    def best_r2(targets: np.ndarray) -> tuple[float, int]:
        errors = np.mean((predictions - targets) ** 2, axis=1)
        best = 0
        for index in range(1, len(pairs)):  # the first of the least errors
            if errors[index] < errors[best] - 1e-12:
                best = index
        spread = float(np.mean((mean - targets) ** 2))
        return (0.0 if spread == 0.0 else 1.0 - errors[best] / spread), best

    r2, best = best_r2(y)
    rng = np.random.RandomState(seed)
    chance = float(
        np.quantile(
            [best_r2(rng.permutation(y))[0] for _ in range(PERMUTATIONS)],
            PERMUTATION_QUANTILE,
        )
    )
    weight, shrinkage = pairs[best]
    return weight, (0.0 if r2 < chance else shrinkage), float(r2), chance
