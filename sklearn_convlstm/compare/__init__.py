"""Compare ConvLSTMClassifier with baselines on a dataset's official test split.

This is the package's main job: ``python -m sklearn_convlstm compare`` (or
``sklearn-convlstm compare``) trains every method of a list on the training
split of a dataset (by default the shipped GunPoint), once per seed, and prints
their accuracy on the official test split with their fit and predict times.

The methods (:data:`METHODS`):

======================  =======================================================
``convlstm-default``    :class:`~sklearn_convlstm.ConvLSTMClassifier` with its
                        default parameters.
``convlstm-ensemble``   :data:`ENSEMBLE_SIZE` default ConvLSTMClassifiers with
                        different seeds, probabilities averaged
                        (:func:`~sklearn_convlstm.ensemble.make_seed_ensemble`).
                        Not in the default list (five times the fit time).
``convlstm-tuned``      ConvLSTMClassifier tuned with Optuna
                        (:func:`sklearn_convlstm.tuning._tune`) by
                        cross-validation on the training split only, then refit
                        on the whole training split (:class:`TunedConvLSTM`).
``article-basic``,      The reference article's three networks as written,
``article-stacked``,    trained as the article does: Adam, lr 1e-3, 100 epochs,
``article-dropout``     batch size 16, constant learning rate, no weight decay,
                        per-series z-normalisation, no early stopping. Slow: not
                        in the default list.
``rf-stats``            :func:`~sklearn_convlstm.baselines.make_feature_baseline`
                        ``("stats")``: summary statistics and a random forest.
``rf-catch22``          ``make_feature_baseline("catch22")`` (needs pycatch22).
``minirocket``          MiniRocket features and a ridge classifier
                        (:class:`MiniRocketRidge`; needs sktime).
======================  =======================================================

Regression: ``compare --task regression`` (or ``--task auto``, the default,
on a dataset with numeric targets, such as a ``.ts`` file with
``@targetLabel true``; sktime's shipped ``Covid3Month`` and ``Tecator`` are
found by name) runs each method's regression form
(:class:`~sklearn_convlstm.ConvLSTMRegressor`, random forest regressors on
the features, MiniRocket with ``RidgeCV``) and reports RMSE and R² instead of
the accuracy; ``convlstm-tuned`` and ``convlstm-ensemble`` are classifiers
only and are skipped with a note.

Both cores, or more: ``--n-jobs N`` (default: the usable cores, at most 4)
runs the methods side by side, this process and ``N - 1`` worker processes
each with its own torch threads (``--threads``, one by default), and runs
the first trials of ``convlstm-tuned``, which do not depend on one another,
side by side too. Every piece builds its estimator from the same seed, so
the scores are those of ``--n-jobs 1``, which runs everything in one
process. The table's ``arm s`` column says how long each method took in the
run (wall clock, from its first fit to its last prediction).

Honesty rules the code follows: nothing is tuned, selected or stopped early on
the test split (tuning and early stopping only see training data); every method
gets the same seeds; a method that cannot run (missing optional package) is
reported as skipped, never silently dropped.

When the smallest class of the training split has fewer than
:data:`WEAK_REGIME_SERIES_PER_CLASS` series, the command prints a one-line hint
(:func:`regime_hint`): there the default network is known to trail MiniRocket
(see the evidence page of the documentation).

The reusable pieces, which the benchmarks use too:
:func:`make_estimator`, :func:`check_split`, :func:`run_comparison`, :func:`summarize`,
:func:`format_table`, :func:`write_csv` and :func:`plot_comparison`.

Modules: :mod:`~sklearn_convlstm.compare._methods` (the registry
:data:`METHODS` and its options), :mod:`~sklearn_convlstm.compare._runner`
(:func:`run_comparison`), :mod:`~sklearn_convlstm.compare._report` (summaries,
table, CSV, chart) and :mod:`~sklearn_convlstm.compare._command` (the command
line). The estimators live with their owners:
:class:`~sklearn_convlstm.tuning.TunedConvLSTM` in :mod:`sklearn_convlstm.tuning`,
:class:`~sklearn_convlstm.baselines.MiniRocketRidge` in
:mod:`sklearn_convlstm.baselines`.
"""

from typing import Any

from sklearn_convlstm import _deprecation
from sklearn_convlstm.compare._command import (
    add_arguments,
    options_from_args,
    run_command,
)
from sklearn_convlstm.compare._methods import (
    ARTICLE_TRAINING,
    DEFAULT_METHODS,
    ENSEMBLE_SIZE,
    METHODS,
    TUNED_ENSEMBLE_SIZE,
    Method,
    MethodOptions,
    make_estimator,
    parse_methods,
    parse_seeds,
)
from sklearn_convlstm.compare._report import (
    format_accuracy,
    format_table,
    plot_comparison,
    summarize,
    write_csv,
)
from sklearn_convlstm.compare._runner import (
    WEAK_REGIME_SERIES_PER_CLASS,
    ComparisonResult,
    check_split,
    default_n_jobs,
    describe_data,
    regime_hint,
    run_comparison,
)

__all__ = [
    "ARTICLE_TRAINING",
    "DEFAULT_METHODS",
    "ENSEMBLE_SIZE",
    "METHODS",
    "TUNED_ENSEMBLE_SIZE",
    "WEAK_REGIME_SERIES_PER_CLASS",
    "ComparisonResult",
    "Method",
    "MethodOptions",
    "add_arguments",
    "check_split",
    "default_n_jobs",
    "describe_data",
    "format_accuracy",
    "format_table",
    "make_estimator",
    "options_from_args",
    "parse_methods",
    "parse_seeds",
    "plot_comparison",
    "regime_hint",
    "run_command",
    "run_comparison",
    "summarize",
    "write_csv",
]

#: Names this package re-exported in 0.1 -> their one public home.
_MOVED = {
    "DEFAULT_CV": "sklearn_convlstm.tuning",
    "DEFAULT_TRIALS": "sklearn_convlstm.tuning",
    "DEFAULT_TUNING_EPOCHS": "sklearn_convlstm.tuning",
    "TunedConvLSTM": "sklearn_convlstm.tuning",
    "default_trial_params": "sklearn_convlstm.tuning",
    "tune_convlstm": "sklearn_convlstm.tuning",
    "MINIROCKET_ALPHAS": "sklearn_convlstm.baselines",
    "MiniRocketRidge": "sklearn_convlstm.baselines",
}


def __getattr__(name: str) -> Any:
    return _deprecation.moved_from(__name__, name, _MOVED)
