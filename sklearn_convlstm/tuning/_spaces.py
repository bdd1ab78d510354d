"""Search spaces: default spaces of ConvLSTMClassifier and the feature forest.

The ConvLSTMClassifier space is defined once, in :data:`CONVLSTM_SPACE` (and
:data:`N_CONV_BLOCKS`, :data:`CONV_CHANNELS`, :data:`KERNEL_SIZES` for the
per-block parameters): :func:`suggest_convlstm_params`,
:func:`convlstm_distributions`, :func:`default_trial_params` and the table in
the docstrings all read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from sklearn_convlstm._optional import import_optional

if TYPE_CHECKING:  # pragma: no cover
    import optuna

ParamSpace = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class SearchParam:
    """One parameter of a search space: its Optuna name and its values.

    Parameters
    ----------
    name : str
        Optuna parameter name (also the estimator parameter unless ``values``
        maps it).
    choices : tuple, default=()
        Categorical values; empty for a numeric range.
    low, high : float, default=0
        Numeric range (ints when ``integer``).
    log : bool, default=False
        Sample the range on a log scale.
    integer : bool, default=False
        An int range.
    estimator_values : mapping or None, default=None
        Estimator value of each Optuna choice when they differ (``pooling``).
    in_distributions : bool, default=True
        Whether :func:`convlstm_distributions` (the flat OptunaSearchCV form)
        has it.
    note : str, default=""
        Shown after the values in the docstring table.
    """

    name: str
    choices: tuple[Any, ...] = ()
    low: float = 0
    high: float = 0
    log: bool = False
    integer: bool = False
    estimator_values: Mapping[Any, Any] | None = None
    in_distributions: bool = True
    note: str = ""

    def suggest(self, trial: Any, name: str | None = None) -> Any:
        """Sample the Optuna value with ``trial`` (under ``name`` if given)."""
        name = name or self.name
        if self.choices:
            return trial.suggest_categorical(name, list(self.choices))
        if self.integer:
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(name, self.low, self.high, log=self.log)

    def distribution(self) -> Any:
        """Return the same values as an Optuna distribution."""
        distributions = import_optional("optuna", purpose="Tuning").distributions
        if self.choices:
            values = self.choices
            if self.estimator_values is not None:
                values = tuple(self.estimator_values[value] for value in values)
            return distributions.CategoricalDistribution(list(values))
        if self.integer:
            return distributions.IntDistribution(
                int(self.low), int(self.high), log=self.log
            )
        return distributions.FloatDistribution(self.low, self.high, log=self.log)

    def to_estimator(self, value: Any) -> Any:
        """Return the estimator value of an Optuna value."""
        if self.estimator_values is None:
            return value
        return self.estimator_values[value]

    def from_estimator(self, value: Any) -> Any:
        """Return the Optuna value of an estimator value (``to_estimator`` inverted)."""
        if self.estimator_values is None:
            return value
        inverse = {value: key for key, value in self.estimator_values.items()}
        return inverse[value]

    def describe(self) -> str:
        """Return the values in words, for the docstring table."""
        if self.choices:
            text = ", ".join(
                f'``"{value}"``' if isinstance(value, str) else str(value)
                for value in self.choices
            )
        else:
            low, high = _number(self.low, self.log), _number(self.high, self.log)
            text = f"{low} to {high}" + (", log scale" if self.log else "")
        return f"{text} ({self.note})" if self.note else text


#: Number of conv blocks (``len(conv_channels)``), sampled first.
N_CONV_BLOCKS = SearchParam(
    "n_conv_blocks", low=1, high=3, integer=True, note="length of ``conv_channels``"
)
#: Channels of conv block ``i`` (Optuna name ``conv_channels_{i}``).
CONV_CHANNELS = SearchParam(
    "conv_channels_{i}", choices=(16, 32, 64, 128), note="channels of block ``i``"
)
#: Kernel size of conv block ``i`` (Optuna name ``kernel_size_{i}``); the flat
#: form shares one ``kernel_sizes`` between all blocks.
KERNEL_SIZES = SearchParam(
    "kernel_size_{i}", choices=(3, 5, 7, 9), note="``kernel_sizes``, one per block"
)
#: The other ConvLSTMClassifier parameters, in sampling order. ``max_epochs``
#: (log scale) comes last; its range is an argument of the space.
CONVLSTM_SPACE: tuple[SearchParam, ...] = (
    SearchParam(
        "pooling",
        choices=("auto", "none"),
        estimator_values={"auto": "auto", "none": 1},
        note='``pool_sizes`` ``"auto"`` or 1',
    ),
    # The flat form leaves batch norm to the variant (the article's networks
    # have none).
    SearchParam("batch_norm", choices=(True, False), in_distributions=False),
    SearchParam("conv_dropout", low=0.0, high=0.5),
    SearchParam("lstm_hidden_size", choices=(16, 32, 64, 128)),
    SearchParam("lstm_layers", low=1, high=2, integer=True),
    SearchParam("bidirectional", choices=(True, False)),
    SearchParam("readout", choices=("last", "mean", "max", "meanmax")),
    SearchParam("recurrent_dropout", low=0.0, high=0.5),
    SearchParam("conv_skip", choices=(True, False)),
    SearchParam("lr", low=1e-4, high=3e-2, log=True),
    SearchParam("weight_decay", low=1e-5, high=1e-1, log=True),
    SearchParam("batch_size", choices=(8, 16, 32)),
)
#: The random forest of the feature baselines (:func:`suggest_forest_params`).
#: ``class_weight="balanced"`` is left out: it fails in scikit-learn 1.9.1 on
#: labels such as the UCR archive's ``"1"``, ``"2"``.
FOREST_SPACE: tuple[SearchParam, ...] = (
    SearchParam("n_estimators", low=50, high=500, log=True, integer=True),
    SearchParam("max_depth", choices=(None, 4, 8, 16)),
    SearchParam("max_features", choices=("sqrt", "log2", 0.5)),
    SearchParam("min_samples_leaf", low=1, high=8, integer=True),
    SearchParam("class_weight", choices=(None, "balanced_subsample")),
)
#: Estimator parameter of each mapped Optuna parameter.
_ESTIMATOR_NAMES = {"pooling": "pool_sizes"}


def convlstm_space_table() -> str:
    """Return the ConvLSTMClassifier space as a reStructuredText table.

    Returns
    -------
    table : str
        The table of the docstrings, made from :data:`CONVLSTM_SPACE`.

    Examples
    --------
    >>> print(convlstm_space_table().splitlines()[3])
    ``n_conv_blocks``                 1 to 3 (length of ``conv_channels``)
    """
    rows = [
        (f"``{param.name}``", param.describe())
        for param in (N_CONV_BLOCKS, CONV_CHANNELS, KERNEL_SIZES, *CONVLSTM_SPACE)
    ]
    rows.append(
        ("``max_epochs``", "``max_epochs`` range (default 20 to 200), log scale")
    )
    width = max(32, *(len(name) for name, _ in rows))
    rule = "=" * width + "  " + "=" * 46
    lines = [rule, f"{'Optuna parameter':<{width}}  Values (estimator parameter)", rule]
    lines += [f"{name:<{width}}  {values}" for name, values in rows]
    lines.append(rule)
    return "\n".join(lines)


def _number(value: float, log: bool) -> str:
    """Write ``1e-4`` on a log scale, else ``0.5`` or ``3``."""
    if log and value:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:g}"


def _space_param(name: str) -> SearchParam:
    return next(param for param in CONVLSTM_SPACE if param.name == name)


def suggest_convlstm_params(
    trial: optuna.trial.BaseTrial,
    *,
    prefix: str = "",
    max_epochs: tuple[int, int] = (20, 200),
) -> dict[str, Any]:
    """Sample parameters of :class:`~sklearn_convlstm.ConvLSTMClassifier`.

    The default search space for :func:`tune` (:data:`CONVLSTM_SPACE`):

    {space_table}

    Fixed: ``conv_padding="same"``. The number of conv blocks is sampled
    first, then the channels and kernel size of each block, so
    ``kernel_sizes`` always has one entry per block.

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
    n_blocks = N_CONV_BLOCKS.suggest(trial)
    channels = tuple(
        CONV_CHANNELS.suggest(trial, CONV_CHANNELS.name.format(i=i))
        for i in range(n_blocks)
    )
    kernels = tuple(
        KERNEL_SIZES.suggest(trial, KERNEL_SIZES.name.format(i=i))
        for i in range(n_blocks)
    )
    params: dict[str, Any] = {
        "conv_channels": channels,
        "kernel_sizes": kernels,
        "conv_padding": "same",
    }
    for param in CONVLSTM_SPACE:
        name = _ESTIMATOR_NAMES.get(param.name, param.name)
        params[name] = param.to_estimator(param.suggest(trial))
    params["max_epochs"] = (
        low if low == high else trial.suggest_int("max_epochs", low, high, log=True)
    )
    return {prefix + name: value for name, value in params.items()}


if suggest_convlstm_params.__doc__:  # None under python -OO
    suggest_convlstm_params.__doc__ = suggest_convlstm_params.__doc__.replace(
        "{space_table}", convlstm_space_table().replace("\n", "\n    ")
    )


def default_trial_params(n_samples: int, cv: int, *, max_epochs: int) -> dict[str, Any]:
    """Optuna parameters of the default search space that match the defaults.

    The network of ``ConvLSTMClassifier(variant="default")`` and the default
    ``lr`` and ``weight_decay``, written with the names of
    :func:`suggest_convlstm_params` (the inverse of the space: each value
    of :data:`CONVLSTM_SPACE` read back from the defaults). ``batch_size`` is
    what ``batch_size="auto"`` gives a training fold, rounded to the nearest
    choice of the space (8, 16, 32); ``max_epochs`` is the top of the
    searched range.

    Parameters
    ----------
    n_samples : int
        Number of training series given to the tuner.
    cv : int
        Number of cross-validation folds.
    max_epochs : int
        Epoch budget of the trial.

    Returns
    -------
    params : dict
        For ``study.enqueue_trial``.

    Examples
    --------
    >>> from sklearn_convlstm.tuning import default_trial_params
    >>> params = default_trial_params(50, 3, max_epochs=40)
    >>> params["n_conv_blocks"], params["kernel_size_0"], params["batch_size"]
    (3, 7, 8)
    """
    from sklearn_convlstm._base import auto_batch_size
    from sklearn_convlstm._classifier import ConvLSTMClassifier
    from sklearn_convlstm.nn import ARCHITECTURE_VARIANTS

    network = ARCHITECTURE_VARIANTS["default"]
    defaults = {**ConvLSTMClassifier().get_params(), **network}
    params: dict[str, Any] = {N_CONV_BLOCKS.name: len(network["conv_channels"])}
    for index, (channels, kernel) in enumerate(
        zip(network["conv_channels"], network["kernel_sizes"], strict=True)
    ):
        params[CONV_CHANNELS.name.format(i=index)] = channels
        params[KERNEL_SIZES.name.format(i=index)] = kernel
    for param in CONVLSTM_SPACE:
        value = defaults[_ESTIMATOR_NAMES.get(param.name, param.name)]
        params[param.name] = param.from_estimator(value)
    # batch_size="auto" on a training fold, as the nearest choice of the space.
    n_fit = int(n_samples * (cv - 1) / cv)
    params["batch_size"] = min(
        _space_param("batch_size").choices,
        key=lambda size: abs(size - auto_batch_size(n_fit)),
    )
    params["max_epochs"] = int(max_epochs)
    return params


def convlstm_distributions(
    *, prefix: str = "", max_epochs: tuple[int, int] = (20, 200)
) -> dict[str, Any]:
    """Return the ConvLSTMClassifier search space as OptunaSearchCV distributions.

    ``OptunaSearchCV`` samples each parameter on its own from a flat
    distribution whose values must be scalars, so the conv depth and widths
    are chosen through ``variant`` (``"basic"``: one block of 32 channels,
    ``"stacked"``: 32 and 64, ``"default"``: 64, 128 and 128) and one
    ``kernel_sizes`` shared by every block, instead of the free per-block
    tuples of :func:`suggest_convlstm_params`; ``batch_norm`` is left to the
    variant. The other parameters have the same ranges. Set
    ``early_stopping=True`` on the estimator itself if you want it
    (``OptunaSearchCV`` only sets sampled parameters).

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
    optuna = import_optional("optuna", purpose="Tuning")
    low, high = _check_epoch_range(max_epochs)
    space = {
        "variant": optuna.distributions.CategoricalDistribution(
            ["basic", "stacked", "default"]
        ),
        "kernel_sizes": optuna.distributions.CategoricalDistribution(
            list(KERNEL_SIZES.choices)
        ),
    }
    for param in CONVLSTM_SPACE:
        if param.in_distributions:
            space[_ESTIMATOR_NAMES.get(param.name, param.name)] = param.distribution()
    space["max_epochs"] = optuna.distributions.IntDistribution(low, high, log=True)
    return {prefix + name: value for name, value in space.items()}


def suggest_forest_params(
    trial: optuna.trial.BaseTrial,
    *,
    prefix: str = "classifier__",
    task: str = "classification",
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
    task : {"classification", "regression"}, default="classification"
        ``"regression"`` (a ``RandomForestRegressor``) leaves ``class_weight``
        out.

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
    params = {param.name: param.suggest(trial) for param in _forest_space(task)}
    return {prefix + name: value for name, value in params.items()}


def _forest_space(task: str) -> tuple[SearchParam, ...]:
    if task == "regression":
        return tuple(param for param in FOREST_SPACE if param.name != "class_weight")
    return FOREST_SPACE


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
    space = {param.name: param.distribution() for param in FOREST_SPACE}
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


def final_step(estimator: BaseEstimator) -> tuple[str, BaseEstimator]:
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
        A :class:`~sklearn_convlstm.ConvLSTMClassifier` or
        :class:`~sklearn_convlstm.ConvLSTMRegressor` (the same space), a
        ``RandomForestClassifier`` or ``RandomForestRegressor``, or a
        Pipeline ending in one of them (such as
        :func:`~sklearn_convlstm.baselines.make_feature_baseline`).

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

    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    from sklearn_convlstm._base import BaseConvLSTM

    prefix, final = final_step(estimator)
    if isinstance(final, BaseConvLSTM):
        return functools.partial(suggest_convlstm_params, prefix=prefix)
    if isinstance(final, RandomForestClassifier):
        return functools.partial(suggest_forest_params, prefix=prefix)
    if isinstance(final, RandomForestRegressor):
        return functools.partial(
            suggest_forest_params, prefix=prefix, task="regression"
        )
    raise ValueError(
        f"There is no default search space for {type(final).__name__}; the "
        "defaults cover ConvLSTMClassifier, ConvLSTMRegressor, "
        "RandomForestClassifier, RandomForestRegressor and Pipelines ending in "
        "one of them. Pass param_space=, a function trial -> dict of "
        "parameters or a dict of Optuna distributions."
    )


def _space_from_distributions(distributions: Mapping[str, Any]) -> ParamSpace:
    """Turn a dict of Optuna distributions into a function of a trial."""
    optuna = import_optional("optuna", purpose="Tuning")
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


def resolve_param_space(
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
    optuna = import_optional("optuna", purpose="Tuning")
    space = resolve_param_space(param_space, estimator)
    return space(optuna.trial.FixedTrial(dict(trial_params)))
