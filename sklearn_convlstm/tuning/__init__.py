"""Hyperparameter tuning with Optuna: search spaces, a tuner and a worker command.

Optuna is optional (``pip install 'sklearn-convlstm[tuning]'``): this package
imports it inside the functions that need it, so ``import
sklearn_convlstm.tuning`` works without it.

Modules, one job each: :mod:`~sklearn_convlstm.tuning._spaces` (search
spaces), :mod:`~sklearn_convlstm.tuning._storage` (where a study lives),
:mod:`~sklearn_convlstm.tuning._objective` (the cross-validated objective and
its pruning), :mod:`~sklearn_convlstm.tuning._report` (progress lines, plots),
:mod:`~sklearn_convlstm.tuning._tune` (:func:`tune`),
:mod:`~sklearn_convlstm.tuning._estimator` (:class:`TunedConvLSTM`, the
estimator that tunes itself in ``fit``) and
:mod:`~sklearn_convlstm.tuning._command` (the worker command).

Search spaces
-------------
Each default search space exists in two forms: a function of an Optuna
``trial`` that returns estimator parameters (:func:`suggest_convlstm_params`,
:func:`suggest_forest_params`; used by :func:`tune`, conditional parameters
allowed), and a dict of Optuna distributions for
``optuna_integration.OptunaSearchCV`` (:func:`convlstm_distributions`,
:func:`forest_distributions`; flat, one independent distribution per
parameter). Pass your own function or dict to :func:`tune` as
``param_space``.

The default space of :class:`~sklearn_convlstm.ConvLSTMClassifier`
(:func:`suggest_convlstm_params`; defined once, in
:data:`~sklearn_convlstm.tuning._spaces.CONVLSTM_SPACE`, from which this table
is made):

{space_table}

Fixed: ``conv_padding="same"``. Early stopping is not part of the space (and
off by default in the estimator): each trial trains its sampled ``max_epochs``
on the whole training fold, exactly as the refit of the best configuration
trains on all the data, so the cross-validated score measures what is
refitted.

Pruning
-------
With a ConvLSTMClassifier (alone or last in a Pipeline), :func:`tune` scores
the network on the held-out fold at :data:`REPORTS_PER_FOLD` checkpoints of
its training (10 %, 20 %, ... of ``max_epochs``) and reports the running
cross-validated score (finished folds plus the current one) to the pruner
(by default :func:`default_pruner`: keep the top quarter).
Steps count those checkpoints: step ``k * REPORTS_PER_FOLD + c - 1`` is
checkpoint ``c`` of fold ``k``, so trials with different ``max_epochs`` are
compared at the same fraction of their training (their learning-rate
schedules are then at the same phase). Scoring in eval mode draws no random
numbers: a trial trains exactly as it would without pruning. Other
estimators report after each fold.

Distributed tuning
------------------
Many processes, on one machine or many, can work on one study: give them the
same ``storage`` and ``study_name`` (:func:`tune`, or the worker command
``python -m sklearn_convlstm tune``). ``storage`` is ``None`` (in memory, one
process), a file path (Optuna's journal file: no server, any number of
processes on one machine or on a shared file system) or a SQLAlchemy URL
(``postgresql+psycopg2://user:password@host/db``, the documented choice for
several machines; ``sqlite:///tuning.db`` for one process). With a URL, a
worker that dies (SIGKILL, lost machine) stops sending heartbeats; after
``grace_period`` seconds the next worker marks its running trial failed and
queues it again with the same parameters.
"""

from sklearn_convlstm.tuning._estimator import (
    DEFAULT_CV,
    DEFAULT_TRIALS,
    DEFAULT_TUNING_EPOCHS,
    TunedConvLSTM,
    tune_convlstm,
)
from sklearn_convlstm.tuning._objective import (
    DEFAULT_WARMUP_STEPS,
    REPORTS_PER_FOLD,
    default_pruner,
)
from sklearn_convlstm.tuning._report import save_plots
from sklearn_convlstm.tuning._spaces import (
    ParamSpace,
    convlstm_distributions,
    convlstm_space_table,
    default_param_space,
    default_trial_params,
    forest_distributions,
    params_from_trial,
    suggest_convlstm_params,
    suggest_forest_params,
)
from sklearn_convlstm.tuning._storage import load_study, make_storage
from sklearn_convlstm.tuning._tune import TuningResult, tune

__all__ = [
    "DEFAULT_CV",
    "DEFAULT_TRIALS",
    "DEFAULT_TUNING_EPOCHS",
    "DEFAULT_WARMUP_STEPS",
    "REPORTS_PER_FOLD",
    "ParamSpace",
    "TunedConvLSTM",
    "TuningResult",
    "convlstm_distributions",
    "default_param_space",
    "default_pruner",
    "default_trial_params",
    "forest_distributions",
    "load_study",
    "make_storage",
    "params_from_trial",
    "save_plots",
    "suggest_convlstm_params",
    "suggest_forest_params",
    "tune",
    "tune_convlstm",
]

if __doc__:  # None under python -OO
    __doc__ = __doc__.replace("{space_table}", convlstm_space_table())
