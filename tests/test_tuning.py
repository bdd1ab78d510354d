"""Tuning with Optuna: search spaces, tune(), pruning, storages, plots and the CLI."""

from __future__ import annotations

import functools
import subprocess
import sys
import textwrap
import warnings
from typing import ClassVar

import numpy as np
import pytest
from conftest import AGG_ELSEWHERE, FAST_PARAMS
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.baselines import make_feature_baseline
from sklearn_convlstm.datasets import make_pattern_classification

optuna = pytest.importorskip("optuna")
optuna_integration = pytest.importorskip("optuna_integration")

from sklearn_convlstm import tuning  # noqa: E402
from sklearn_convlstm.tuning import _objective as objective  # noqa: E402

# OptunaSearchCV and Optuna's plots are marked experimental.
pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")

try:
    from sklearn_convlstm import TimeSeriesScaler
except ImportError:  # pragma: no cover - written in parallel
    from sklearn.preprocessing import FunctionTransformer as TimeSeriesScaler

#: The default ConvLSTM space with one or two epochs per fit.
TINY_SPACE = functools.partial(tuning.suggest_convlstm_params, max_epochs=(1, 2))

TWO_BLOCKS = {
    "n_conv_blocks": 2,
    "conv_channels_0": 16,
    "conv_channels_1": 32,
    "kernel_size_0": 5,
    "kernel_size_1": 3,
    "pooling": "auto",
    "batch_norm": True,
    "conv_dropout": 0.1,
    "lstm_hidden_size": 16,
    "lstm_layers": 2,
    "bidirectional": True,
    "readout": "meanmax",
    "recurrent_dropout": 0.2,
    "conv_skip": True,
    "lr": 3e-3,
    "weight_decay": 1e-2,
    "batch_size": 16,
    "max_epochs": 2,
}

FOREST = {
    "n_estimators": 10,
    "max_depth": 4,
    "max_features": "sqrt",
    "min_samples_leaf": 2,
    "class_weight": "balanced_subsample",
}


@pytest.fixture(autouse=True)
def _quiet_optuna():
    optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def series():
    """Tiny univariate pattern data: (36, 1, 24) with two classes."""
    return make_pattern_classification(36, 24, 1, 2, random_state=0)


def fast(**overrides):
    return ConvLSTMClassifier(**{**FAST_PARAMS, **overrides})


class PruneLaterTrials(optuna.pruners.BasePruner):
    """Prune every trial but the first at its first report."""

    def prune(self, study, trial):
        return trial.number >= 1


# ------------------------------------------------------------- search spaces


# Slow (10 s on 2 cores): a fresh interpreter imports torch, scikit-learn and
# skorch to show the message of a missing extra.
@pytest.mark.slow
def test_import_works_without_optuna_and_names_the_extra():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["optuna"] = None
        sys.modules["optuna_integration"] = None
        import numpy as np
        from sklearn_convlstm import tuning
        try:
            tuning.tune(None, np.zeros((4, 1, 5)), np.zeros(4))
        except ImportError as error:
            print(error)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "pip install 'sklearn-convlstm[tuning]'" in result.stdout


def test_convlstm_space_maps_blocks_to_matching_tuples(pattern_data):
    X, y = pattern_data
    params = tuning.suggest_convlstm_params(optuna.trial.FixedTrial(TWO_BLOCKS))
    assert params["conv_channels"] == (16, 32)
    assert params["kernel_sizes"] == (5, 3)
    assert params["pool_sizes"] == "auto"
    assert params["conv_skip"] is True
    # Trials train their max_epochs on the whole fold, as the refit does.
    assert "early_stopping" not in params
    clf = ConvLSTMClassifier(random_state=0).set_params(**params).fit(X, y)
    assert clf.network_params_["conv_channels"] == (16, 32)
    assert len(clf.history_) == 2


def test_sampled_convlstm_configurations_all_fit(series):
    X, y = series
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    for _ in range(4):
        params = TINY_SPACE(study.ask())
        n_blocks = len(params["conv_channels"])
        assert len(params["kernel_sizes"]) == n_blocks
        clf = ConvLSTMClassifier(random_state=0).set_params(**params).fit(X, y)
        assert clf.predict(X).shape == (36,)


def test_forest_space_fits_the_feature_baseline(series):
    X, y = series
    params = tuning.suggest_forest_params(optuna.trial.FixedTrial(FOREST))
    assert params["classifier__n_estimators"] == 10
    baseline = make_feature_baseline(random_state=0).set_params(**params)
    assert baseline.fit(X, y).score(X, y) > 0.5
    bare = tuning.suggest_forest_params(optuna.trial.FixedTrial(FOREST), prefix="")
    assert bare["n_estimators"] == 10


def test_default_space_follows_the_estimator():
    pipeline = Pipeline([("scale", TimeSeriesScaler()), ("net", fast())])
    assert tuning.default_param_space(fast()).keywords == {"prefix": ""}
    assert tuning.default_param_space(pipeline).keywords == {"prefix": "net__"}
    forest_space = tuning.default_param_space(make_feature_baseline())
    assert forest_space.func is tuning.suggest_forest_params
    with pytest.raises(
        ValueError, match="no default search space for TimeSeriesScaler"
    ):
        tuning.default_param_space(Pipeline([("scale", TimeSeriesScaler())]))


def test_params_from_trial_replays_the_space():
    params = tuning.params_from_trial(TWO_BLOCKS, fast())
    assert params["conv_channels"] == (16, 32)
    pipeline = Pipeline([("scale", TimeSeriesScaler()), ("net", fast())])
    assert tuning.params_from_trial(TWO_BLOCKS, pipeline)["net__kernel_sizes"] == (5, 3)


def test_one_table_defines_the_space_its_docs_and_the_default_trial():
    from sklearn_convlstm.tuning import _spaces as spaces

    # The docstring tables are made from the table: every row is there.
    for doc in (tuning.__doc__, tuning.suggest_convlstm_params.__doc__):
        for param in spaces.CONVLSTM_SPACE:
            assert f"``{param.name}``" in doc
            assert param.describe() in doc
    assert "``lr``                            1e-4 to 3e-2, log scale" in doc
    # The default trial is a point of the space: replaying it warns about no
    # value outside the choices, and gives back the default network.
    default = tuning.default_trial_params(60, 3, max_epochs=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params = tuning.suggest_convlstm_params(
            optuna.trial.FixedTrial(default), max_epochs=(20, 50)
        )
    assert set(default) == {
        "n_conv_blocks",
        *(f"{name}_{i}" for name in ("conv_channels", "kernel_size") for i in range(3)),
        *(param.name for param in spaces.CONVLSTM_SPACE),
        "max_epochs",
    }
    assert params["conv_channels"] == (64, 128, 128)
    assert params["kernel_sizes"] == (7, 5, 3)
    assert params["pool_sizes"] == "auto"
    assert (params["lr"], params["weight_decay"]) == (
        ConvLSTMClassifier().lr,
        ConvLSTMClassifier().weight_decay,
    )
    assert (params["batch_size"], params["max_epochs"]) == (8, 50)
    # The flat form has every parameter of the table that it claims to have.
    flat = tuning.convlstm_distributions()
    for param in spaces.CONVLSTM_SPACE:
        name = spaces._ESTIMATOR_NAMES.get(param.name, param.name)
        assert (name in flat) == param.in_distributions


def test_distribution_spaces_are_optuna_distributions():
    distributions = tuning.convlstm_distributions(max_epochs=(3, 9))
    assert distributions["max_epochs"] == optuna.distributions.IntDistribution(
        3, 9, log=True
    )
    assert set(distributions["variant"].choices) == {"basic", "stacked", "default"}
    assert "classifier__n_estimators" in tuning.forest_distributions()
    with pytest.raises(ValueError, match=r"max_epochs must be a pair \(low, high\)"):
        tuning.convlstm_distributions(max_epochs=(5, 2))


# ---------------------------------------------- scikit-learn search utilities


@pytest.mark.parametrize("in_pipeline", [False, True], ids=["classifier", "pipeline"])
def test_optuna_search_cv(series, in_pipeline):
    from optuna_integration import OptunaSearchCV

    X, y = series
    if in_pipeline:
        estimator = Pipeline(
            [("scale", TimeSeriesScaler()), ("classifier", fast(scaling=None))]
        )
        prefix = "classifier__"
    else:
        estimator, prefix = fast(), ""
    search = OptunaSearchCV(
        estimator,
        tuning.convlstm_distributions(prefix=prefix, max_epochs=(1, 2)),
        cv=2,
        n_trials=2,
        random_state=0,
    )
    search.fit(X, y)
    assert len(search.trials_) == 2
    assert search.predict(X).shape == (36,)
    assert set(search.best_params_) == set(tuning.convlstm_distributions(prefix=prefix))


def test_optuna_search_cv_with_the_forest_space(series):
    from optuna_integration import OptunaSearchCV

    X, y = series
    search = OptunaSearchCV(
        make_feature_baseline(random_state=0),
        tuning.forest_distributions(),
        cv=2,
        n_trials=2,
        random_state=0,
    )
    assert search.fit(X, y).score(X, y) > 0.5


@pytest.mark.parametrize("in_pipeline", [False, True], ids=["classifier", "pipeline"])
def test_grid_search_cv(series, in_pipeline):
    X, y = series
    if in_pipeline:
        estimator = Pipeline(
            [
                ("scale", TimeSeriesScaler()),
                ("net", fast(scaling=None, lr=1e-2, head="softmax")),
            ]
        )
        name = "net__max_epochs"
    else:
        estimator, name = fast(lr=1e-2, head="softmax"), "max_epochs"
    search = GridSearchCV(estimator, {name: [1, 20]}, cv=2).fit(X, y)
    results = search.cv_results_
    assert list(results[f"param_{name}"]) == [1, 20]
    # The grid value reaches the network (alone: the ridge head would learn
    # the pattern at any epoch count): one epoch learns nothing (chance on
    # balanced folds, measured 0.5), twenty learn the pattern (measured 0.97).
    assert results["mean_test_score"][0] <= 0.6
    assert results["mean_test_score"][1] >= 0.9
    np.testing.assert_array_equal(results["rank_test_score"], [2, 1])
    assert search.best_params_ == {name: 20}
    assert search.best_score_ == results["mean_test_score"][1]
    # The refitted best classifies new series of the same kind (measured 0.975).
    X_new, y_new = make_pattern_classification(40, 24, 1, 2, random_state=1)
    assert search.predict(X_new).shape == (40,)
    assert search.score(X_new, y_new) >= 0.9


# ----------------------------------------------------------------------- tune


def test_tune_returns_the_study_and_the_refitted_best_estimator(series):
    X, y = series
    study, best = tuning.tune(
        fast(),
        X,
        y,
        param_space=TINY_SPACE,
        cv=2,
        n_trials=3,
        random_state=0,
        verbose=0,
    )
    assert len(study.trials) == 3
    assert all(trial.state.name == "COMPLETE" for trial in study.trials)
    check_is_fitted(best)
    expected = tuning.params_from_trial(
        study.best_params, fast(), param_space=TINY_SPACE
    )
    assert best.early_stopping is False
    assert {name: best.get_params()[name] for name in expected} == expected
    stored = study.best_trial.user_attrs["estimator_params"]
    assert stored["conv_channels"] == list(expected["conv_channels"])
    assert len(study.best_trial.user_attrs["fold_scores"]) == 2
    assert study.best_value == pytest.approx(
        np.mean(study.best_trial.user_attrs["fold_scores"])
    )


def test_tune_accepts_a_dict_of_distributions_and_refit_false(series):
    X, y = series
    study, best = tuning.tune(
        make_feature_baseline(random_state=0),
        X,
        y,
        param_space={
            "classifier__n_estimators": optuna.distributions.IntDistribution(5, 20),
            "classifier__max_depth": optuna.distributions.CategoricalDistribution(
                [None, 3]
            ),
        },
        cv=2,
        n_trials=2,
        refit=False,
        random_state=0,
        verbose=0,
    )
    assert best.get_params()["classifier__n_estimators"] == (
        study.best_params["n_estimators"]
        if "n_estimators" in study.best_params
        else study.best_params["classifier__n_estimators"]
    )
    with pytest.raises(Exception, match="not fitted"):
        best.predict(X)


def test_tune_resumes_a_study_from_a_journal_file(series, tmp_path):
    X, y = series
    journal = tmp_path / "studies" / "tuning.journal"
    arguments = dict(
        param_space=TINY_SPACE,
        cv=2,
        storage=journal,
        study_name="resume",
        random_state=0,
        verbose=0,
        refit=False,
    )
    first, _ = tuning.tune(fast(), X, y, n_trials=2, **arguments)
    first_params = [trial.params for trial in first.trials]
    assert journal.exists()

    second, _ = tuning.tune(fast(), X, y, n_trials=3, **arguments)
    assert len(second.trials) == 3  # one more trial, the first two kept
    assert [trial.params for trial in second.trials[:2]] == first_params
    assert tuning.load_study("resume", journal).best_value == second.best_value

    # n_trials counts the study's trials: at the target, nothing is added.
    third, _ = tuning.tune(fast(), X, y, n_trials=3, **arguments)
    assert len(third.trials) == 3


class RecordFits(Callback):
    """Record the series ids (channel 1, constant) of each fit and its valid split."""

    records: ClassVar[list] = []

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        if len(net.history) == 1:
            type(self).records.append(
                (
                    set(dataset_train.X[:, 1, 0].astype(int)),
                    set(dataset_valid.X[:, 1, 0].astype(int)),
                )
            )


def test_early_stopping_in_cv_holds_out_part_of_the_training_fold(series):
    X, y = series
    ids = np.arange(len(y))
    X_ids = np.concatenate([X, np.broadcast_to(ids[:, None, None], X.shape)], axis=1)
    splits = list(KFold(3, shuffle=True, random_state=0).split(X_ids))
    RecordFits.records = []
    tuning.tune(
        fast(scaling=None, early_stopping=True, callbacks=(RecordFits(),)),
        X_ids,
        y,
        param_space=lambda trial: {"lr": trial.suggest_float("lr", 1e-3, 1e-2)},
        cv=splits,
        n_trials=1,
        verbose=0,
        refit_early_stopping=True,  # record the refit's split too
    )
    assert len(RecordFits.records) == 4  # three folds, then the refit
    for (fit_ids, valid_ids), (train, test) in zip(
        RecordFits.records[:3], splits, strict=True
    ):
        assert valid_ids, "early stopping held out nothing"
        assert valid_ids <= set(train)
        assert not valid_ids & set(test)
        assert not valid_ids & fit_ids
        assert fit_ids | valid_ids == set(train)


def test_groups_keep_each_group_in_one_fold(series, monkeypatch):
    X, y = series
    groups = np.repeat(np.arange(12), 3)  # 12 "recordings" of 3 windows
    seen = []
    original = objective.CrossValidationObjective.__call__

    def spy(self, trial):
        seen.extend(self.splits)
        return original(self, trial)

    monkeypatch.setattr(objective.CrossValidationObjective, "__call__", spy)
    tuning.tune(
        make_feature_baseline(random_state=0),
        X,
        y,
        param_space=lambda trial: {
            "classifier__n_estimators": trial.suggest_int("n", 5, 10)
        },
        cv=3,
        groups=groups,
        n_trials=1,
        random_state=0,
        verbose=0,
    )
    assert len(seen) == 3
    tested = np.concatenate([test for _, test in seen])
    assert sorted(tested) == list(range(36))
    for train, test in seen:
        assert not set(groups[train]) & set(groups[test])


def test_epoch_pruning_reaches_the_trial_through_the_deep_copy(series):
    X, y = series
    study, _ = tuning.tune(
        # the network alone: checkpoints score it, a fused model's value adds
        # the ridge fitted after training
        fast(max_epochs=10, head="softmax"),
        X,
        y,
        param_space=lambda trial: {"lr": trial.suggest_float("lr", 1e-3, 1e-2)},
        cv=2,
        n_trials=3,
        pruner=PruneLaterTrials(),
        random_state=0,
        verbose=0,
    )
    states = [trial.state.name for trial in study.trials]
    assert states == ["COMPLETE", "PRUNED", "PRUNED"]
    # Trial 0 reported 10 checkpoints (one per epoch here) of both folds.
    first = study.trials[0]
    assert sorted(first.intermediate_values) == list(range(20))
    fold_scores = first.user_attrs["fold_scores"]
    # The running CV score: fold 1 alone, then the mean of both folds.
    assert first.intermediate_values[9] == pytest.approx(fold_scores[0])
    assert first.intermediate_values[19] == pytest.approx(first.value)
    # A pruned trial stopped at its first checkpoint.
    assert list(study.trials[1].intermediate_values) == [0]


def test_checkpoints_are_fractions_of_max_epochs(series):
    X, y = series
    study, _ = tuning.tune(
        fast(),
        X,
        y,
        param_space=lambda trial: {
            "max_epochs": trial.suggest_categorical("max_epochs", [4, 25])
        },
        cv=2,
        n_trials=2,
        pruner=optuna.pruners.NopPruner(),
        pruning="epochs",
        sampler=optuna.samplers.BruteForceSampler(seed=0),
        verbose=0,
        refit=False,
    )
    steps = {
        trial.params["max_epochs"]: sorted(trial.intermediate_values)
        for trial in study.trials
    }
    # 25 epochs: a report every 10 % (epochs 3, 5, 8, ...): steps 0-9 and 10-19.
    assert steps[25] == list(range(20))
    # 4 epochs: checkpoints 2, 5, 7, 10 of each fold.
    assert steps[4] == [1, 4, 6, 9, 11, 14, 16, 19]


def test_pruning_reports_do_not_change_the_trials(series):
    X, y = series
    values = {}
    for pruning in ("epochs", None):
        study, _ = tuning.tune(
            fast(max_epochs=4),
            X,
            y,
            param_space=lambda trial: {"lr": trial.suggest_float("lr", 1e-3, 1e-2)},
            cv=2,
            n_trials=2,
            pruner=optuna.pruners.NopPruner() if pruning else None,
            pruning=pruning,
            random_state=0,
            verbose=0,
            refit=False,
        )
        values[pruning] = [trial.value for trial in study.trials]
        reported = [len(trial.intermediate_values) for trial in study.trials]
        assert reported == ([8, 8] if pruning else [0, 0])
    assert values["epochs"] == values[None]


def test_epoch_pruning_scores_the_held_out_fold_of_a_pipeline(series):
    X, y = series
    network = fast(max_epochs=5, head="softmax")  # checkpoints score the network
    pipeline = Pipeline([("scale", TimeSeriesScaler()), ("clf", network)])
    study, _ = tuning.tune(
        pipeline,
        X,
        y,
        param_space=lambda trial: {"clf__lr": trial.suggest_float("lr", 1e-3, 1e-2)},
        cv=2,
        n_trials=1,
        random_state=0,
        verbose=0,
    )
    trial = study.trials[0]
    assert sorted(trial.intermediate_values) == [1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    assert trial.intermediate_values[19] == pytest.approx(trial.value)


def test_fold_pruning_for_any_estimator(series):
    X, y = series
    study, _ = tuning.tune(
        make_feature_baseline(random_state=0),
        X,
        y,
        param_space=lambda trial: {
            "classifier__n_estimators": trial.suggest_int("n", 5, 10)
        },
        cv=3,
        n_trials=2,
        pruner=PruneLaterTrials(),
        random_state=0,
        verbose=0,
    )
    first, second = study.trials
    assert first.state.name == "COMPLETE"
    assert list(first.intermediate_values) == [0, 1]  # not after the last fold
    assert first.intermediate_values[1] == pytest.approx(
        np.mean(first.user_attrs["fold_scores"][:2])
    )
    assert second.state.name == "PRUNED"
    assert list(second.intermediate_values) == [0]  # stopped after one fold


@pytest.mark.slow  # trains a dozen trials to show the pruner at work (3-10 s)
def test_default_pruner_prunes_weak_trials(pattern_data, tmp_path):
    X, y = pattern_data
    journal = tmp_path / "median.journal"
    study = optuna.create_study(
        storage=tuning.make_storage(journal), study_name="median", direction="maximize"
    )
    # Five trials that learn, then three that cannot (learning rate ~ 0).
    for lr in [1e-2] * 5 + [1e-9] * 3:
        study.enqueue_trial({"lr": lr})
    study, _ = tuning.tune(
        fast(max_epochs=12, lr_schedule="constant"),
        X,
        y,
        param_space=lambda trial: {
            "lr": trial.suggest_float("lr", 1e-10, 1.0, log=True)
        },
        storage=journal,
        study_name="median",
        cv=2,
        n_trials=8,
        refit=False,
        verbose=0,
    )
    states = [trial.state.name for trial in study.trials]
    assert states[:5] == ["COMPLETE"] * 5
    assert states[5:] == ["PRUNED"] * 3
    # Pruned at the first checkpoint after the warm-up, in the first fold.
    warmup = tuning.DEFAULT_WARMUP_STEPS
    assert all(max(t.intermediate_values) == warmup for t in study.trials[5:])


def test_one_line_per_trial(series, capsys):
    X, y = series
    tuning.tune(
        make_feature_baseline(random_state=0),
        X,
        y,
        param_space=lambda trial: {
            "classifier__n_estimators": trial.suggest_int("n_estimators", 5, 10)
        },
        cv=2,
        n_trials=2,
        random_state=0,
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[trial 0] COMPLETE score=")
    assert '"n_estimators": ' in lines[1]


def test_trial_budget_counts_trials_of_other_workers():
    study = optuna.create_study()
    first, second = study.ask(), study.ask()  # two running "workers"
    objective._check_trial_budget(first, 1)
    with pytest.raises(objective.TrialBudgetReached, match="n_trials=1"):
        objective._check_trial_budget(second, 1)
    study.tell(first, state=optuna.trial.TrialState.FAIL)  # its slot is free
    objective._check_trial_budget(second, 1)


def test_invalid_arguments_get_clear_errors(series):
    X, y = series
    with pytest.raises(ValueError, match="n_trials must be a positive int"):
        tuning.tune(fast(), X, y, n_trials=0)
    with pytest.raises(ValueError, match="would tune forever"):
        tuning.tune(fast(), X, y, n_trials=None)
    with pytest.raises(ValueError, match="pruning must be 'auto'"):
        tuning.tune(fast(), X, y, pruning="sometimes")
    with pytest.raises(ValueError, match="same number of samples"):
        tuning.tune(fast(), X, y[:-1])
    with pytest.raises(
        ValueError,
        match="pruning='epochs' needs a ConvLSTMClassifier or ConvLSTMRegressor",
    ):
        tuning.tune(
            make_feature_baseline(),
            X,
            y,
            param_space=lambda trial: {},
            pruning="epochs",
            cv=2,
            n_trials=1,
            verbose=0,
        )


def test_a_minimizing_study_is_refused(series, tmp_path):
    X, y = series
    journal = tmp_path / "min.journal"
    optuna.create_study(storage=tuning.make_storage(journal), study_name="min")
    with pytest.raises(ValueError, match="exists in this storage with direction min"):
        tuning.tune(
            fast(), X, y, storage=journal, study_name="min", n_trials=1, verbose=0
        )


# ----------------------------------------------------------- storage and plots


def test_make_storage(tmp_path):
    assert tuning.make_storage(None) is None
    journal = tuning.make_storage(tmp_path / "a" / "study.journal")
    assert isinstance(journal, optuna.storages.JournalStorage)
    database = tuning.make_storage(
        f"sqlite:///{tmp_path / 'study.db'}", heartbeat_interval=5, grace_period=11
    )
    assert isinstance(database, optuna.storages.RDBStorage)
    assert (database.heartbeat_interval, database.grace_period) == (5, 11)
    assert isinstance(
        database.get_heartbeat_stale_trial_callback(),
        optuna.storages.RetryHeartbeatStaleTrialCallback,
    )
    assert tuning.make_storage(database) is database
    with pytest.raises(TypeError, match="storage must be None"):
        tuning.make_storage(3)


def test_plots_are_written_as_png(series, tmp_path):
    import matplotlib
    import matplotlib.pyplot as plt

    X, y = series
    before = matplotlib.get_backend()
    # Agg under another name: an Agg canvas, as optuna needs, that
    # matplotlib.use("Agg") would still switch from
    plt.switch_backend(AGG_ELSEWHERE)
    open_figure = plt.figure()
    figures = plt.get_fignums()
    tuning.tune(
        make_feature_baseline(random_state=0),
        X,
        y,
        param_space=lambda trial: {
            "classifier__n_estimators": trial.suggest_int("n_estimators", 5, 20),
            "classifier__max_depth": trial.suggest_int("max_depth", 1, 5),
        },
        cv=2,
        n_trials=3,
        random_state=0,
        verbose=0,
        plots_dir=tmp_path / "plots",
    )
    names = sorted(path.name for path in (tmp_path / "plots").iterdir())
    assert names == [
        "intermediate_values.png",
        "optimization_history.png",
        "param_importances.png",
    ]
    for path in (tmp_path / "plots").iterdir():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the caller's backend and open figures are left as they were
    assert matplotlib.get_backend() == AGG_ELSEWHERE
    assert plt.get_fignums() == figures  # none closed, none left open
    plt.close(open_figure)
    plt.switch_backend(before)


def test_plots_a_backend_cannot_draw_are_skipped_with_the_reason(tmp_path):
    """Under the svg backend Optuna's importance plot fails; the others are saved."""
    matplotlib = pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    study = optuna.create_study(direction="maximize")
    study.optimize(
        lambda trial: trial.suggest_float("a", 0, 1) + trial.suggest_float("b", 0, 1),
        n_trials=4,
    )
    before = matplotlib.get_backend()
    plt.switch_backend("svg")
    try:
        figures = plt.get_fignums()
        with pytest.warns(UserWarning) as caught:
            written = tuning.save_plots(study, tmp_path)
        assert [path.name for path in written] == ["optimization_history.png"]
        assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        messages = [str(warning.message) for warning in caught]
        assert any(
            message.startswith("Skipped the param_importances plot of study")
            and "needs a matplotlib backend with an Agg canvas, and the current "
            "backend is 'svg'"
            in message
            for message in messages
        ), messages
        assert plt.get_fignums() == figures  # the failed plot's figure closed
    finally:
        plt.switch_backend(before)


# ------------------------------------------------------------------------ CLI


@pytest.mark.slow  # a whole tuning run through the command line (3-4 s)
def test_cli_worker_with_a_journal_file(tmp_path, capsys):
    from sklearn_convlstm.cli import main

    journal = tmp_path / "cli.journal"
    arguments = [
        "tune",
        "--dataset",
        "ItalyPowerDemand",
        "--estimator",
        "stats-forest",
        "--storage",
        str(journal),
        "--study-name",
        "cli",
        "--n-trials",
        "2",
        "--cv",
        "2",
        "--plots",
        str(tmp_path / "plots"),
    ]
    assert main(arguments) == 0
    out = capsys.readouterr().out
    assert "67 training series of ItalyPowerDemand" in out  # the TRAIN split
    assert out.count("[trial ") == 2
    assert "study 'cli': 2 complete; best trial" in out
    assert 'best parameters: {"classifier__n_estimators": ' in out
    assert (tmp_path / "plots" / "optimization_history.png").exists()

    # A second worker on the finished study adds nothing.
    assert main(arguments) == 0
    assert capsys.readouterr().out.count("[trial ") == 0
    assert len(tuning.load_study("cli", journal).trials) == 2


@pytest.mark.parametrize("keep", [False, True])
def test_refit_trains_all_epochs_on_all_data_unless_asked(series, keep):
    X, y = series
    estimator = fast(early_stopping=True, max_epochs=3, patience=1)
    _study, best = tuning.tune(
        estimator,
        X,
        y,
        param_space=TINY_SPACE,
        cv=2,
        n_trials=1,
        random_state=0,
        verbose=0,
        refit_early_stopping=keep,
    )
    assert best.early_stopping is keep
    # Without early stopping the refit sees every series and has no valid_loss.
    assert ("valid_loss" in best.history_[-1]) is keep
    n_seen = sum(b.get("train_batch_size", 0) for b in best.history_[-1, "batches"])
    assert (n_seen == len(y)) is (not keep)


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_a_waiting_worker_ends_when_the_others_finish_the_study(tmp_path):
    # The last trial runs in another worker: this one polls the study instead
    # of sleeping a whole heartbeat interval (60 s) before it looks again.
    import threading
    import time

    import optuna

    from sklearn_convlstm.tuning._tune import WAIT_POLL_SECONDS, _run_study

    storage = tuning.make_storage(
        f"sqlite:///{tmp_path / 'study.db'}", heartbeat_interval=60
    )
    study = optuna.create_study(storage=storage, study_name="s")
    held = study.ask()  # RUNNING in "another worker"
    finisher = threading.Timer(1.0, lambda: study.tell(held, 0.5))
    finisher.start()
    started = time.monotonic()

    def objective(trial):
        raise AssertionError("no trial is left for this worker")

    _run_study(
        study, objective, n_trials=1, timeout=None, callbacks=[], heartbeat_interval=60
    )
    finisher.join()
    assert time.monotonic() - started < 1.0 + 10 * WAIT_POLL_SECONDS
    assert [t.state.name for t in study.trials] == ["COMPLETE"]
