"""Search spaces: default spaces of ConvLSTMClassifier and the feature forest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from .._optional import _import_optuna

if TYPE_CHECKING:  # pragma: no cover
    import optuna

ParamSpace = Callable[[Any], dict[str, Any]]


def suggest_convlstm_params(
    trial: optuna.trial.BaseTrial,
    *,
    prefix: str = "",
    max_epochs: tuple[int, int] = (20, 200),
) -> dict[str, Any]:
    """Sample parameters of :class:`~sklearn_convlstm.ConvLSTMClassifier`.

    The default search space for :func:`tune`; the module docstring lists it.
    The number of conv blocks is sampled first, then the channels and kernel
    size of each block, so ``kernel_sizes`` always has one entry per block.

    Parameters
    ----------
    trial : optuna.trial.Trial or optuna.trial.FixedTrial
        The trial that samples the values.
    prefix : str, default=""
        Prepended to every estimator parameter name, e.g. ``"classifier__"``
        when the classifier is the step ``"classifier"`` of a Pipeline. The
        Optuna parameter names do not change.
    max_epochs : tuple of (int, int), default=(20, 200)
        Range of ``max_epochs`` (sampled on a log scale). Lower it to cap the
        cost of a trial. Early stopping is left as the estimator has it
        (off by default): each trial trains its ``max_epochs``.

    Returns
    -------
    params : dict
        Estimator parameters for ``set_params``.

    See Also
    --------
    convlstm_distributions : The same space as OptunaSearchCV distributions.
    tune : Uses this space by default for ConvLSTMClassifier.

    Examples
    --------
    >>> import optuna
    >>> from sklearn_convlstm.tuning import suggest_convlstm_params
    >>> trial = optuna.trial.FixedTrial(
    ...     {"n_conv_blocks": 2, "conv_channels_0": 32, "conv_channels_1": 64,
    ...      "kernel_size_0": 7, "kernel_size_1": 5, "pooling": "auto",
    ...      "batch_norm": True, "conv_dropout": 0.1, "lstm_hidden_size": 64,
    ...      "lstm_layers": 1, "bidirectional": True, "readout": "meanmax",
    ...      "recurrent_dropout": 0.2, "conv_skip": True, "lr": 3e-3,
    ...      "weight_decay": 1e-2,
    ...      "batch_size": 16, "max_epochs": 50})
    >>> params = suggest_convlstm_params(trial)
    >>> params["conv_channels"], params["kernel_sizes"], params["pool_sizes"]
    ((32, 64), (7, 5), 'auto')
    """
    low, high = _check_epoch_range(max_epochs)
    n_blocks = trial.suggest_int("n_conv_blocks", 1, 3)
    channels = tuple(
        trial.suggest_categorical(f"conv_channels_{i}", [16, 32, 64, 128])
        for i in range(n_blocks)
    )
    kernels = tuple(
        trial.suggest_categorical(f"kernel_size_{i}", [3, 5, 7, 9])
        for i in range(n_blocks)
    )
    pooling = trial.suggest_categorical("pooling", ["auto", "none"])
    params = {
        "conv_channels": channels,
        "kernel_sizes": kernels,
        "conv_padding": "same",
        "pool_sizes": "auto" if pooling == "auto" else 1,
        "batch_norm": trial.suggest_categorical("batch_norm", [True, False]),
        "conv_dropout": trial.suggest_float("conv_dropout", 0.0, 0.5),
        "lstm_hidden_size": trial.suggest_categorical(
            "lstm_hidden_size", [16, 32, 64, 128]
        ),
        "lstm_layers": trial.suggest_int("lstm_layers", 1, 2),
        "bidirectional": trial.suggest_categorical("bidirectional", [True, False]),
        "readout": trial.suggest_categorical(
            "readout", ["last", "mean", "max", "meanmax"]
        ),
        "recurrent_dropout": trial.suggest_float("recurrent_dropout", 0.0, 0.5),
        "conv_skip": trial.suggest_categorical("conv_skip", [True, False]),
        "lr": trial.suggest_float("lr", 1e-4, 3e-2, log=True),
        "weight_decay": trial.suggest_float("weight_decay", 1e-5, 1e-1, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [8, 16, 32]),
        "max_epochs": (
            low if low == high else trial.suggest_int("max_epochs", low, high, log=True)
        ),
    }
    return {prefix + name: value for name, value in params.items()}


def convlstm_distributions(
    *, prefix: str = "", max_epochs: tuple[int, int] = (20, 200)
) -> dict[str, Any]:
    """Return the ConvLSTMClassifier search space as OptunaSearchCV distributions.

    ``OptunaSearchCV`` samples each parameter on its own from a flat
    distribution whose values must be scalars, so the conv depth and widths
    are chosen through ``variant`` (``"basic"``: one block of 32 channels,
    ``"stacked"``: 32 and 64, ``"default"``: 64, 128 and 128) and one
    ``kernel_sizes`` shared by every block, instead of the free per-block
    tuples of :func:`suggest_convlstm_params`. The other parameters have the
    same ranges. Set ``early_stopping=True`` on the estimator itself if you
    want it (``OptunaSearchCV`` only sets sampled parameters).

    Parameters
    ----------
    prefix : str, default=""
        Prepended to every parameter name (e.g. ``"classifier__"`` in a
        Pipeline).
    max_epochs : tuple of (int, int), default=(20, 200)
        Range of ``max_epochs``.

    Returns
    -------
    distributions : dict of str to optuna.distributions.BaseDistribution

    See Also
    --------
    suggest_convlstm_params : The full space as a function of a trial.

    Examples
    --------
    >>> from sklearn_convlstm.tuning import convlstm_distributions
    >>> distributions = convlstm_distributions(max_epochs=(5, 10))
    >>> distributions["variant"].choices
    ('basic', 'stacked', 'default')
    """
    optuna = _import_optuna()
    distributions = optuna.distributions
    low, high = _check_epoch_range(max_epochs)
    space = {
        "variant": distributions.CategoricalDistribution(
            ["basic", "stacked", "default"]
        ),
        "kernel_sizes": distributions.CategoricalDistribution([3, 5, 7, 9]),
        "pool_sizes": distributions.CategoricalDistribution(["auto", 1]),
        "conv_dropout": distributions.FloatDistribution(0.0, 0.5),
        "lstm_hidden_size": distributions.CategoricalDistribution([16, 32, 64, 128]),
        "lstm_layers": distributions.IntDistribution(1, 2),
        "bidirectional": distributions.CategoricalDistribution([True, False]),
        "readout": distributions.CategoricalDistribution(
            ["last", "mean", "max", "meanmax"]
        ),
        "recurrent_dropout": distributions.FloatDistribution(0.0, 0.5),
        "conv_skip": distributions.CategoricalDistribution([True, False]),
        "lr": distributions.FloatDistribution(1e-4, 3e-2, log=True),
        "weight_decay": distributions.FloatDistribution(1e-5, 1e-1, log=True),
        "batch_size": distributions.CategoricalDistribution([8, 16, 32]),
        "max_epochs": distributions.IntDistribution(low, high, log=True),
    }
    return {prefix + name: value for name, value in space.items()}


def suggest_forest_params(
    trial: optuna.trial.BaseTrial, *, prefix: str = "classifier__"
) -> dict[str, Any]:
    """Sample parameters of the random forest of a feature baseline.

    The default space for the pipelines of
    :func:`~sklearn_convlstm.baselines.make_feature_baseline`, whose forest is
    the step ``"classifier"``: ``n_estimators`` 50 to 500 (log scale),
    ``max_depth`` None, 4, 8 or 16, ``max_features`` ``"sqrt"``, ``"log2"``
    or 0.5, ``min_samples_leaf`` 1 to 8 and ``class_weight`` None or
    ``"balanced_subsample"`` (``"balanced"`` fails in scikit-learn 1.9.1 on
    labels such as the UCR archive's ``"1"``, ``"2"``).

    Parameters
    ----------
    trial : optuna.trial.Trial or optuna.trial.FixedTrial
        The trial that samples the values.
    prefix : str, default="classifier__"
        Prepended to every parameter name; ``""`` for a bare
        ``RandomForestClassifier``.

    Returns
    -------
    params : dict
        Estimator parameters for ``set_params``.

    See Also
    --------
    forest_distributions : The same space as OptunaSearchCV distributions.

    Examples
    --------
    >>> import optuna
    >>> from sklearn_convlstm.tuning import suggest_forest_params
    >>> trial = optuna.trial.FixedTrial(
    ...     {"n_estimators": 100, "max_depth": 8, "max_features": "sqrt",
    ...      "min_samples_leaf": 2, "class_weight": None})
    >>> suggest_forest_params(trial)["classifier__n_estimators"]
    100
    """
    params = {
        "n_estimators": trial.suggest_int("n_estimators", 50, 500, log=True),
        "max_depth": trial.suggest_categorical("max_depth", [None, 4, 8, 16]),
        "max_features": trial.suggest_categorical(
            "max_features", ["sqrt", "log2", 0.5]
        ),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 8),
        "class_weight": trial.suggest_categorical(
            "class_weight", [None, "balanced_subsample"]
        ),
    }
    return {prefix + name: value for name, value in params.items()}


def forest_distributions(*, prefix: str = "classifier__") -> dict[str, Any]:
    """Return the feature-baseline forest space as OptunaSearchCV distributions.

    Parameters
    ----------
    prefix : str, default="classifier__"
        Prepended to every parameter name.

    Returns
    -------
    distributions : dict of str to optuna.distributions.BaseDistribution

    See Also
    --------
    suggest_forest_params : The same space as a function of a trial.

    Examples
    --------
    >>> from sklearn_convlstm.tuning import forest_distributions
    >>> sorted(forest_distributions())[:2]
    ['classifier__class_weight', 'classifier__max_depth']
    """
    optuna = _import_optuna()
    distributions = optuna.distributions
    space = {
        "n_estimators": distributions.IntDistribution(50, 500, log=True),
        "max_depth": distributions.CategoricalDistribution([None, 4, 8, 16]),
        "max_features": distributions.CategoricalDistribution(["sqrt", "log2", 0.5]),
        "min_samples_leaf": distributions.IntDistribution(1, 8),
        "class_weight": distributions.CategoricalDistribution(
            [None, "balanced_subsample"]
        ),
    }
    return {prefix + name: value for name, value in space.items()}


def _check_epoch_range(max_epochs: tuple[int, int]) -> tuple[int, int]:
    try:
        low, high = (int(value) for value in max_epochs)
    except (TypeError, ValueError):
        low = high = 0
    if not 1 <= low <= high:
        raise ValueError(
            f"max_epochs must be a pair (low, high) of ints with 1 <= low <= high; "
            f"got {max_epochs!r}. For example max_epochs=(20, 200)."
        )
    return low, high


def _final_step(estimator: BaseEstimator) -> tuple[str, BaseEstimator]:
    """Return (parameter prefix, final estimator) of an estimator or Pipeline."""
    prefix = ""
    while isinstance(estimator, Pipeline):
        name, estimator = estimator.steps[-1]
        prefix += f"{name}__"
    return prefix, estimator


def default_param_space(estimator: BaseEstimator) -> ParamSpace:
    """Return the default search space for an estimator.

    Parameters
    ----------
    estimator : estimator
        A :class:`~sklearn_convlstm.ConvLSTMClassifier`, a
        ``RandomForestClassifier``, or a Pipeline ending in one of them (such
        as :func:`~sklearn_convlstm.baselines.make_feature_baseline`).

    Returns
    -------
    param_space : callable
        ``param_space(trial) -> dict`` of estimator parameters, with the
        Pipeline step prefix filled in.

    Raises
    ------
    ValueError
        When there is no default space for the estimator.

    Examples
    --------
    >>> from sklearn_convlstm.baselines import make_feature_baseline
    >>> from sklearn_convlstm.tuning import default_param_space
    >>> space = default_param_space(make_feature_baseline())
    >>> space.keywords
    {'prefix': 'classifier__'}
    """
    import functools

    from sklearn.ensemble import RandomForestClassifier

    from ..classifier import ConvLSTMClassifier

    prefix, final = _final_step(estimator)
    if isinstance(final, ConvLSTMClassifier):
        return functools.partial(suggest_convlstm_params, prefix=prefix)
    if isinstance(final, RandomForestClassifier):
        return functools.partial(suggest_forest_params, prefix=prefix)
    raise ValueError(
        f"There is no default search space for {type(final).__name__}; the "
        "defaults cover ConvLSTMClassifier, RandomForestClassifier and Pipelines "
        "ending in one of them. Pass param_space=, a function trial -> dict of "
        "parameters or a dict of Optuna distributions."
    )


def _space_from_distributions(distributions: Mapping[str, Any]) -> ParamSpace:
    """Turn a dict of Optuna distributions into a function of a trial."""
    optuna = _import_optuna()
    dist = optuna.distributions

    def param_space(trial: Any) -> dict[str, Any]:
        params = {}
        for name, distribution in distributions.items():
            if isinstance(distribution, dist.FloatDistribution):
                params[name] = trial.suggest_float(
                    name,
                    distribution.low,
                    distribution.high,
                    log=distribution.log,
                    step=distribution.step,
                )
            elif isinstance(distribution, dist.IntDistribution):
                params[name] = trial.suggest_int(
                    name,
                    distribution.low,
                    distribution.high,
                    log=distribution.log,
                    step=distribution.step,
                )
            elif isinstance(distribution, dist.CategoricalDistribution):
                params[name] = trial.suggest_categorical(
                    name, list(distribution.choices)
                )
            else:
                raise TypeError(
                    f"param_space[{name!r}] is a {type(distribution).__name__}; "
                    "expected an optuna FloatDistribution, IntDistribution or "
                    "CategoricalDistribution."
                )
        return params

    return param_space


def _resolve_param_space(
    param_space: ParamSpace | Mapping[str, Any] | None, estimator: BaseEstimator
) -> ParamSpace:
    if param_space is None:
        return default_param_space(estimator)
    if isinstance(param_space, Mapping):
        return _space_from_distributions(param_space)
    if callable(param_space):
        return param_space
    raise TypeError(
        f"param_space must be None, a callable trial -> dict of parameters or a "
        f"dict of Optuna distributions; got {type(param_space).__name__}."
    )


def params_from_trial(
    trial_params: Mapping[str, Any],
    estimator: BaseEstimator,
    *,
    param_space: ParamSpace | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Map a trial's Optuna parameters to estimator parameters.

    ``study.best_params`` holds the values Optuna sampled (``n_conv_blocks``,
    ``conv_channels_0``, ...); this replays the search space on them with
    :class:`optuna.trial.FixedTrial` to get the estimator parameters
    (``conv_channels=(32, 64)``, ...), in a process that never ran the trial.

    Parameters
    ----------
    trial_params : dict
        Optuna parameters, e.g. ``study.best_params`` or ``trial.params``.
    estimator : estimator
        The tuned estimator (selects the default space).
    param_space : callable or dict, default=None
        The search space used for tuning; ``None``: the default space.

    Returns
    -------
    params : dict
        Parameters for ``estimator.set_params``.

    Examples
    --------
    >>> from sklearn_convlstm.baselines import make_feature_baseline
    >>> from sklearn_convlstm.tuning import params_from_trial
    >>> baseline = make_feature_baseline()
    >>> params = params_from_trial(
    ...     {"n_estimators": 80, "max_depth": None, "max_features": "log2",
    ...      "min_samples_leaf": 1, "class_weight": None}, baseline)
    >>> baseline.set_params(**params).named_steps["classifier"].n_estimators
    80
    """
    optuna = _import_optuna()
    space = _resolve_param_space(param_space, estimator)
    return space(optuna.trial.FixedTrial(dict(trial_params)))
