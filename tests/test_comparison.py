"""Tests of the comparison (``compare`` command): registry, runs, summaries, CLI."""

from __future__ import annotations

import csv
import dataclasses
import math
import re

import numpy as np
import pytest
import torch
from conftest import AGG_ELSEWHERE
from sklearn.ensemble import VotingClassifier

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.cli import main
from sklearn_convlstm.compare import (
    ARTICLE_TRAINING,
    DEFAULT_METHODS,
    METHODS,
    Method,
    MethodOptions,
    check_split,
    default_n_jobs,
    format_accuracy,
    format_table,
    make_estimator,
    parse_methods,
    parse_seeds,
    plot_comparison,
    run_comparison,
    summarize,
    write_csv,
)
from sklearn_convlstm.compare._arms import (
    accept_trials,
    combine_fold_trials,
    finish_tuned_study,
    fit_tuned_from_trials,
    independent_trials,
    random_trials,
    refit_is,
    run_tuning_trial,
    tuning_folds,
)
from sklearn_convlstm.compare._runner import worker_processes
from sklearn_convlstm.datasets import make_pattern_classification
from sklearn_convlstm.tuning import TunedConvLSTM

torch.set_num_threads(1)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: Tiny budgets for every ConvLSTM arm: one epoch of a tiny network, 2 trials.
TINY_OPTIONS = MethodOptions(
    n_trials=2,
    cv=2,
    tuning_epochs=(1, 2),
    convlstm_params={
        "max_epochs": 1,
        "conv_channels": (4,),
        "kernel_sizes": 3,
        "lstm_hidden_size": 8,
    },
)

#: Optional module each method needs (skipped locally when absent; CI has all).
OPTIONAL_MODULE = {
    "convlstm-tuned": "optuna",
    "rf-catch22": "pycatch22",
    "minirocket": "sktime",
}


#: Enough training for every arm to learn tiny_split (2 classes, 16 test series,
#: majority class 9/16 = 0.5625): 20 epochs at lr=1e-2 for the ConvLSTM arms,
#: 5 epochs per trial for the tuned one (its first trial is the default network).
LEARNING_OPTIONS = dataclasses.replace(
    TINY_OPTIONS,
    tuning_epochs=(5, 5),
    ensemble_size=3,
    convlstm_params={**TINY_OPTIONS.convlstm_params, "max_epochs": 20, "lr": 1e-2},
)

#: Test accuracy each method must reach on tiny_split with LEARNING_OPTIONS
#: (measured: 1.0 for all but the article arms, 1.0 / 1.0 / 0.69 for those,
#: whose last-timestep readout learns this task less reliably: 0.75 / 0.75 /
#: 0.69 with 30 epochs).
MIN_ACCURACY = {
    "convlstm-default": 0.9,
    "convlstm-ensemble": 0.9,
    "convlstm-tuned": 0.9,
    "article-basic": 0.65,
    "article-stacked": 0.65,
    "article-dropout": 0.65,
    "rf-stats": 0.9,
    "rf-catch22": 0.9,
    "minirocket": 0.9,
}


@pytest.fixture(scope="module")
def tiny_split():
    X, y = make_pattern_classification(
        n_samples=48, n_timesteps=32, n_classes=2, random_state=0
    )
    return X[:32], y[:32], X[32:], y[32:]


def test_registry_names_and_defaults():
    assert list(METHODS) == [
        "convlstm-default",
        "convlstm-ensemble",
        "convlstm-tuned",
        "article-basic",
        "article-stacked",
        "article-dropout",
        "rf-stats",
        "rf-catch22",
        "minirocket",
    ]
    assert DEFAULT_METHODS == (
        "convlstm-default",
        "convlstm-tuned",
        "rf-stats",
        "rf-catch22",
        "minirocket",
    )
    for name, method in METHODS.items():
        assert method.name == name
        assert method.description


def test_article_methods_use_the_article_training():
    for variant in ("basic", "stacked", "dropout"):
        estimator = make_estimator(f"article-{variant}", seed=3)
        assert isinstance(estimator, ConvLSTMClassifier)
        params = estimator.get_params()
        assert params["variant"] == variant
        assert params["random_state"] == 3
        assert params["readout"] is None  # taken from the variant: "last"
        for name, value in ARTICLE_TRAINING.items():
            assert params[name] == value
    default = make_estimator("convlstm-default", seed=5)
    assert default.get_params() == ConvLSTMClassifier(random_state=5).get_params()


@pytest.mark.parametrize("name", list(METHODS))
def test_each_method_runs_end_to_end(name, tiny_split):
    if name in OPTIONAL_MODULE:
        pytest.importorskip(OPTIONAL_MODULE[name])
    X_train, y_train, X_test, y_test = tiny_split
    result = run_comparison(
        X_train,
        y_train,
        X_test,
        y_test,
        methods=[name],
        seeds=[0],
        options=LEARNING_OPTIONS,
        dataset="tiny",
        progress=False,
    )
    assert result.skipped == {}
    (row,) = result.rows
    assert row["dataset"] == "tiny"
    assert row["method"] == name
    assert row["seed"] == 0
    assert row["accuracy"] >= MIN_ACCURACY[name]
    assert row["fit_seconds"] > 0 and row["predict_seconds"] > 0
    assert (row["n_train"], row["n_test"]) == (32, 16)
    if name.startswith(("convlstm-default", "article")):
        assert row["details"] == "epochs=20"
    if name == "convlstm-tuned":
        assert row["details"].startswith("cv_accuracy=")
        assert "trials=2; epochs=5;" in row["details"]


def test_the_first_tuning_trial_is_the_default_network(tiny_split):
    optuna = pytest.importorskip("optuna")
    from sklearn_convlstm.tuning import default_trial_params, suggest_convlstm_params

    X, y = tiny_split[:2]
    trial = optuna.trial.FixedTrial(default_trial_params(len(y), 3, max_epochs=1))
    params = suggest_convlstm_params(trial, max_epochs=(1, 1))
    tuned = ConvLSTMClassifier(random_state=0, **params).fit(X, y)
    default = ConvLSTMClassifier(random_state=0, max_epochs=1).fit(X, y)
    assert tuned.network_params_ == default.network_params_
    assert (tuned.lr, tuned.weight_decay) == (default.lr, default.weight_decay)


def test_tuned_method_tunes_on_the_training_split_only(monkeypatch, tiny_split):
    pytest.importorskip("optuna")
    X_train, y_train, X_test, y_test = tiny_split

    def row_ids(X):
        """One id per series: its float32 bytes (what the network is given)."""
        return [np.asarray(series, dtype=np.float32).tobytes() for series in X]

    train_ids, test_ids = row_ids(X_train), row_ids(X_test)
    assert len(set(train_ids) | set(test_ids)) == 48  # all series distinct
    # Every ConvLSTMClassifier the tuner creates (clones in the trials, the
    # refit) records the series it is given, and when.
    events = []

    def recording(method_name):
        original = getattr(ConvLSTMClassifier, method_name)

        def method(self, X, *args, **kwargs):
            events.append((method_name, row_ids(X)))
            return original(self, X, *args, **kwargs)

        return method

    for method_name in ("fit", "predict", "predict_proba"):
        monkeypatch.setattr(ConvLSTMClassifier, method_name, recording(method_name))
    original_predict = TunedConvLSTM.predict
    tuned_estimators = []

    def tuned_predict(self, X):
        events.append(("tuned predict", row_ids(X)))
        tuned_estimators.append(self)
        return original_predict(self, X)

    monkeypatch.setattr(TunedConvLSTM, "predict", tuned_predict)

    result = run_comparison(
        X_train,
        y_train,
        X_test,
        y_test,
        methods=["convlstm-tuned"],
        seeds=[0],
        options=TINY_OPTIONS,
        progress=False,
    )
    boundary = events.index(("tuned predict", test_ids))
    tuning, testing = events[:boundary], events[boundary:]
    for name, ids in tuning:
        assert set(ids) <= set(train_ids), f"{name} saw a test series while tuning"
    # Tuning: 2 trials x 2 folds, each fit on one fold and scored (at epoch
    # checkpoints, for pruning, too) on the other; then the refit.
    fit_indices = [index for index, (name, _) in enumerate(tuning) if name == "fit"]
    assert len(fit_indices) == 5
    for fold in range(4):
        start, end = fit_indices[fold], fit_indices[fold + 1]
        fitted = set(tuning[start][1])
        scored = {row for _, ids in tuning[start + 1 : end] for row in ids}
        assert end > start + 1  # the fold is scored
        assert fitted.isdisjoint(scored)  # on held-out series only
        assert fitted | scored == set(train_ids)  # two folds of the split
    assert tuning[fit_indices[-1]] == ("fit", train_ids)  # the refit: all of it
    assert fit_indices[-1] == len(tuning) - 1  # nothing scored after the refit
    # The test split is only given to the refitted best, after tuning.
    assert {name for name, _ in testing} <= {"tuned predict", "predict"}
    assert all(ids == test_ids for _, ids in testing)
    (row,) = result.rows
    assert "trials=2" in row["details"]
    (tuned,) = tuned_estimators
    assert len(tuned.study_.trials) == 2
    assert tuned.best_estimator_.max_epochs in (1, 2)
    # The refit trains all epochs on the whole split, as the trials did.
    assert tuned.best_estimator_.early_stopping is False


def test_tuned_method_can_refit_a_seed_ensemble_of_the_best(tiny_split):
    pytest.importorskip("optuna")
    X_train, y_train, X_test, _ = tiny_split
    options = dataclasses.replace(TINY_OPTIONS, tuned_ensemble_size=2)
    tuned = make_estimator("convlstm-tuned", seed=0, options=options).fit(
        X_train, y_train
    )
    ensemble = tuned.best_estimator_
    assert isinstance(ensemble, VotingClassifier)
    first, second = ensemble.estimators_
    # Two copies of the best configuration that differ in their seed only.
    assert first.lr == tuned.best_params_["lr"]
    assert first.max_epochs == tuned.best_params_["max_epochs"]
    assert first.early_stopping is False
    params = [member.get_params() for member in (first, second)]
    assert params[0].pop("random_state") != params[1].pop("random_state")
    assert params[0] == params[1]
    np.testing.assert_allclose(
        tuned.predict_proba(X_test),
        (first.predict_proba(X_test) + second.predict_proba(X_test)) / 2,
    )
    with pytest.raises(ValueError, match="n_ensemble must be a positive int"):
        TunedConvLSTM(n_ensemble=0).fit(X_train, y_train)


def test_minirocket_handles_unequal_lengths_and_channels():
    pytest.importorskip("sktime")
    X, y = make_pattern_classification(
        n_samples=30, n_timesteps=30, n_channels=2, min_length=20, random_state=0
    )
    estimator = make_estimator("minirocket", seed=0).set_params(num_kernels=84)
    torch.set_num_threads(1)
    estimator.fit(X[:20], y[:20])
    assert torch.get_num_threads() == 1  # numba's OpenMP layer must not reset it
    assert estimator.padder_.length_ == max(s.shape[1] for s in X[:20])
    assert type(estimator.transformer_).__name__ == "MiniRocketMultivariate"
    assert estimator.predict(X[20:]).shape == (10,)
    assert torch.get_num_threads() == 1


def test_minirocket_pads_short_series_and_needs_two_classes():
    pytest.importorskip("sktime")
    X = np.random.RandomState(0).normal(size=(20, 1, 5))
    y = np.arange(20) % 2
    estimator = make_estimator("minirocket", seed=0).set_params(num_kernels=84)
    # sktime's MiniRocket refuses series shorter than its 9-step kernels: they
    # are zero-padded to 9, as its message advises.
    estimator.fit(X, y)
    assert estimator.padder_.length_ == 9
    assert estimator.n_features_in_ == 1  # one channel
    assert estimator.predict(X[:3]).shape == (3,)
    with pytest.raises(
        ValueError,
        match=r"^y has only 1 class \(0\); a classifier needs at least 2 classes",
    ):
        estimator.fit(X, np.zeros(20, dtype=int))


def test_tuned_method_rejects_bad_input_before_any_trial(tiny_split):
    pytest.importorskip("optuna")
    X_train, y_train, _, _ = tiny_split
    tuned = make_estimator("convlstm-tuned", seed=0, options=TINY_OPTIONS)
    with pytest.raises(
        ValueError,
        match=r"^X and y have inconsistent numbers of samples: X has 32 series "
        r"but y has 31 labels",
    ):
        tuned.fit(X_train, y_train[:-1])
    assert not hasattr(tuned, "study_")
    with pytest.raises(ValueError, match=r"got a 1D array of shape \(32,\)"):
        tuned.fit(X_train[:, 0, 0], y_train)


def test_run_comparison_gives_test_data_to_predict_only(monkeypatch, tiny_split):
    X_train, y_train, X_test, y_test = tiny_split
    calls = []

    class Recorder:
        def __init__(self, seed):
            self.seed = seed

        def fit(self, X, y):
            calls.append(("fit", self.seed, len(X), list(y)))
            return self

        def predict(self, X):
            calls.append(("predict", self.seed, len(X)))
            return np.zeros(len(X), dtype=int)

    monkeypatch.setitem(
        METHODS, "recorder", Method("recorder", "test", lambda seed, _: Recorder(seed))
    )
    result = run_comparison(
        X_train,
        y_train,
        X_test,
        y_test,
        methods=["recorder"],
        seeds=[4, 7],
        progress=False,
    )
    assert calls == [
        ("fit", 4, 32, list(y_train)),
        ("predict", 4, 16),
        ("fit", 7, 32, list(y_train)),
        ("predict", 7, 16),
    ]
    assert [row["accuracy"] for row in result.rows] == [np.mean(y_test == 0)] * 2


def test_missing_requirement_skips_with_a_note(monkeypatch, tiny_split):
    monkeypatch.setitem(
        METHODS,
        "needs-missing",
        Method(
            "needs-missing",
            "test",
            lambda seed, _: None,
            requires=("no_such_module_xyz",),
        ),
    )
    notes = []
    result = run_comparison(
        *tiny_split,
        methods=["needs-missing", "rf-stats"],
        seeds=[0],
        progress=False,
        log=notes.append,
    )
    assert [row["method"] for row in result.rows] == ["rf-stats"]
    assert list(result.skipped) == ["needs-missing"]
    assert "no_such_module_xyz" in result.skipped["needs-missing"]
    assert notes == [f"skipping {result.skipped['needs-missing']}"]
    with pytest.raises(
        ImportError,
        match=r"^method 'needs-missing' needs the optional package no_such_module_xyz; "
        r"install it with: pip install no_such_module_xyz$",
    ):
        make_estimator("needs-missing", seed=0)


def test_parse_methods():
    assert parse_methods("rf-stats, minirocket,rf-stats") == ("rf-stats", "minirocket")
    assert parse_methods(["convlstm-default"]) == ("convlstm-default",)
    with pytest.raises(
        ValueError,
        match=r"^Unknown method 'nope'; choose from: convlstm-default, "
        r"convlstm-ensemble, convlstm-tuned, article-basic, .*, minirocket\.$",
    ):
        parse_methods("rf-stats,nope")
    with pytest.raises(ValueError, match="No method given"):
        parse_methods(" , ")
    with pytest.raises(ValueError, match="Unknown method 'nope'"):
        make_estimator("nope", seed=0)


def test_parse_seeds():
    assert parse_seeds("3") == (0, 1, 2)
    assert parse_seeds("1") == (0,)
    assert parse_seeds("0,1,2") == (0, 1, 2)
    assert parse_seeds("7,") == (7,)
    assert parse_seeds(2) == (0, 1)
    assert parse_seeds([5, 3]) == (5, 3)
    with pytest.raises(ValueError, match="seeds must be integers; got 'a,b'"):
        parse_seeds("a,b")
    assert parse_seeds("0") == (0,)
    with pytest.raises(
        ValueError, match="number of seeds must be between 1 and 1000; got -2"
    ):
        parse_seeds("-2")
    with pytest.raises(ValueError, match="distinct non-negative"):
        parse_seeds("1,1")


ROWS = [
    {"dataset": "A", "method": "m1", "seed": 0, "accuracy": 0.9,
     "fit_seconds": 1.0, "predict_seconds": 0.1},
    {"dataset": "A", "method": "m2", "seed": 0, "accuracy": 0.5,
     "fit_seconds": 10.0, "predict_seconds": 1.0},
    {"dataset": "A", "method": "m1", "seed": 1, "accuracy": 0.8,
     "fit_seconds": 2.0, "predict_seconds": 0.2},
    {"dataset": "A", "method": "m1", "seed": 2, "accuracy": 1.0,
     "fit_seconds": 6.0, "predict_seconds": 0.3},
    {"dataset": "B", "method": "m1", "seed": 0, "accuracy": 0.25,
     "fit_seconds": 3.0, "predict_seconds": 0.5},
]  # fmt: skip


def test_summarize_mean_and_sample_std_over_seeds():
    summary = summarize(ROWS)
    assert [(row["dataset"], row["method"]) for row in summary] == [
        ("A", "m1"),
        ("A", "m2"),
        ("B", "m1"),
    ]
    m1 = summary[0]
    assert m1["n_seeds"] == 3
    assert m1["seeds"] == "0,1,2"
    assert m1["accuracy_mean"] == pytest.approx(0.9)
    # sample std (ddof=1) of 0.9, 0.8, 1.0: sqrt((0.01 + 0.01) / 2) = 0.1
    assert m1["accuracy_std"] == pytest.approx(0.1)
    assert m1["fit_seconds_mean"] == pytest.approx(3.0)
    assert m1["predict_seconds_mean"] == pytest.approx(0.2)
    assert summary[1]["n_seeds"] == 1
    assert math.isnan(summary[1]["accuracy_std"])
    assert summary[2]["accuracy_mean"] == 0.25


def test_format_accuracy():
    assert format_accuracy(0.96666, 0.01234) == "0.967 ± 0.012"
    assert format_accuracy(0.9, math.nan) == "0.900"
    assert format_accuracy(math.nan) == "-"


def test_format_table_one_and_several_datasets():
    summary = summarize(ROWS)
    assert format_table(summary[:2]) == (
        "method  accuracy       fit s  predict s  seeds\n"
        "------  -------------  -----  ---------  -----\n"
        "m1      0.900 ± 0.100   3.00       0.20      3\n"
        "m2      0.500           10.0       1.00      1"
    )
    lines = format_table(summary).splitlines()
    assert lines[0].split() == "dataset method accuracy fit s predict s seeds".split()
    assert lines[-1].split() == ["B", "m1", "0.250", "3.00", "0.50", "1"]


def test_write_csv_and_plot(tmp_path):
    path = write_csv(ROWS, tmp_path / "sub" / "rows.csv")
    with path.open() as file:
        read = list(csv.DictReader(file))
    assert len(read) == 5
    assert read[0]["method"] == "m1" and float(read[0]["accuracy"]) == 0.9
    for summary, name in ((summarize(ROWS), "many.png"), (summarize(ROWS[:2]), "one")):
        png = plot_comparison(summary, tmp_path / name, title="t")
        assert png.read_bytes()[:8] == PNG_MAGIC


def test_plot_leaves_the_callers_backend_and_figures_alone(tmp_path):
    import matplotlib
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    # Agg under another name: an Agg canvas, as optuna needs, that
    # matplotlib.use("Agg") would still switch from
    plt.switch_backend(AGG_ELSEWHERE)
    try:
        open_figure = plt.figure()
        figures = plt.get_fignums()
        plot_comparison(summarize(ROWS), tmp_path / "plot.png")
        # matplotlib.use("Agg") would have switched the backend and closed it
        assert matplotlib.get_backend() == AGG_ELSEWHERE
        assert plt.fignum_exists(open_figure.number)
        assert plt.get_fignums() == figures  # nothing left open
    finally:
        plt.close(open_figure)
        plt.switch_backend(before)


def test_cli_compare_on_shipped_gunpoint(tmp_path, capsys):
    exit_code = main(
        [
            "compare",
            "--methods",
            "rf-stats",
            "--seeds",
            "1",
            "--no-progress",
            "--threads",
            "2",
            "--out",
            str(tmp_path),
        ]
    )
    assert exit_code == 0
    assert torch.get_num_threads() == 1  # --threads only holds during the run
    out = capsys.readouterr().out
    assert out.startswith(
        "GunPoint: 50 train / 150 test series, 1 channel, length 150, 2 classes; "
        "accuracy on the official test split; seeds 0; torch threads 2\n"
    )
    table_line = next(line for line in out.splitlines() if line.startswith("rf-stats"))
    accuracy = float(table_line.split()[1])
    assert 0.7 < accuracy <= 1.0
    with (tmp_path / "comparison.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert [(row["method"], row["seed"]) for row in rows] == [("rf-stats", "0")]
    assert float(rows[0]["accuracy"]) == accuracy
    with (tmp_path / "comparison_summary.csv").open() as file:
        (summary,) = list(csv.DictReader(file))
    assert summary["method"] == "rf-stats" and summary["n_seeds"] == "1"
    assert (tmp_path / "comparison.png").read_bytes()[:8] == PNG_MAGIC


def test_cli_unknown_method_lists_the_choices(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["compare", "--methods", "rf-stats,nope"])
    assert raised.value.code == 2
    error = capsys.readouterr().err
    assert "Unknown method 'nope'; choose from: convlstm-default, convlstm-" in error
    assert "minirocket" in error


def test_cli_unknown_dataset_fails_cleanly(capsys):
    assert main(["compare", "--dataset", "NoSuchDataset", "--methods", "rf-stats"]) == 2
    assert "Unknown dataset 'NoSuchDataset'" in capsys.readouterr().err


# ------------------------------------------------------------------ regression


@pytest.fixture(scope="module")
def regression_split():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 1, 30))
    level = rng.uniform(-2, 2, size=50)
    X[:, 0, 5:20] += level[:, None]
    y = 3.0 * level + 0.5
    return X[:35], y[:35], X[35:], y[35:]


def test_regression_comparison_reports_rmse_and_r2(regression_split):
    from sklearn_convlstm.compare._runner import infer_task

    X_train, y_train, X_test, y_test = regression_split
    assert infer_task(y_train) == "regression"
    notes = []
    result = run_comparison(
        X_train,
        y_train,
        X_test,
        y_test,
        methods=["rf-stats", "convlstm-tuned"],
        seeds=[0, 1],
        options=MethodOptions(task="regression"),
        progress=False,
        log=notes.append,
    )
    assert [row["method"] for row in result.rows] == ["rf-stats", "rf-stats"]
    row = result.rows[0]
    assert "accuracy" not in row
    predicted = (
        make_estimator("rf-stats", 0, MethodOptions(task="regression"))
        .fit(X_train, y_train)
        .predict(X_test)
    )
    assert row["rmse"] == pytest.approx(np.sqrt(np.mean((predicted - y_test) ** 2)))
    assert row["r2"] > 0.5
    assert "has no regression form" in result.skipped["convlstm-tuned"]
    table = format_table(summarize(result.rows))
    assert table.splitlines()[0].split()[:3] == ["method", "RMSE", "R²"]


def test_regression_methods_build_regressors():
    from sklearn.base import is_regressor

    options = MethodOptions(task="regression", convlstm_params={"max_epochs": 1})
    for name in ("convlstm-default", "rf-stats", "minirocket"):
        assert is_regressor(make_estimator(name, 0, options)), name
    with pytest.raises(ValueError, match="'convlstm-ensemble' has no regression"):
        make_estimator("convlstm-ensemble", 0, options)
    with pytest.raises(ValueError, match="task must be one of classification, reg"):
        MethodOptions(task="ranking")


def _write_ts(path, X, y):
    lines = ["@problemName Toy", "@univariate true", "@targetLabel true", "@data"]
    for x, target in zip(X, y, strict=True):
        lines.append(",".join(f"{v:.5f}" for v in x[0]) + f":{target:.5f}")
    path.write_text("\n".join(lines) + "\n")


def test_compare_command_detects_regression(regression_split, tmp_path, capsys):
    X_train, y_train, X_test, y_test = regression_split
    _write_ts(tmp_path / "Toy_TRAIN.ts", X_train, y_train)
    _write_ts(tmp_path / "Toy_TEST.ts", X_test, y_test)
    out = tmp_path / "out"
    argv = ["compare", "--dataset", str(tmp_path / "Toy"), "--methods", "rf-stats"]
    assert main([*argv, "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "numeric targets in [" in printed
    assert "regression: RMSE and R² on the official test split" in printed
    with open(out / "comparison.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert {"rmse", "r2"} <= set(rows[0]) and "accuracy" not in rows[0]


# ------------------------------------------- bad data: refused before training


def _write_classification_ts(path, X, labels):
    lines = ["@problemName Toy", "@classLabel true a b", "@data"]
    for series, label in zip(X, labels, strict=True):
        channels = (",".join(repr(float(v)) for v in channel) for channel in series)
        lines.append(":".join(channels) + f":{label}")
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if anything is fitted."""

    def refuse(*args, **kwargs):
        raise AssertionError("a method was fitted on data check_split refuses")

    monkeypatch.setattr("sklearn_convlstm.compare._runner.fit_and_score", refuse)
    monkeypatch.setattr(
        "sklearn_convlstm.compare._runner.run_arms_in_processes", refuse
    )


BAD_SPLITS = {
    "test length": (
        lambda X: (X, X[:, :, :15]),
        None,
        r"X_test has series of 15 timesteps, but the training series all have "
        r"20, and convlstm-default predict only series of the training length",
    ),
    "test channels": (
        lambda X: (X, np.concatenate([X, X], axis=1)),
        None,
        r"X_test has 2 channel\(s\) but X_train has 1; the test series must",
    ),
    "one class": (
        lambda X: (X, X),
        ["a"] * 12,
        r"y_train has only 1 class \('a'\); a classification needs training "
        r"series of at least 2 classes",
    ),
    "infinity": (
        lambda X: (np.where(np.arange(20) == 5, np.inf, X), X),
        None,
        r"X_train contains infinity",
    ),
    "beyond float32": (
        lambda X: (X, np.where(np.arange(20) == 5, 1e300, X)),
        None,
        r"X_test has values up to 1e\+300, beyond the float32 range",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SPLITS))
def test_compare_refuses_bad_splits_before_training(
    case, tmp_path, capsys, no_training
):
    make, train_labels, message = BAD_SPLITS[case]
    X = np.random.RandomState(0).normal(size=(12, 1, 20))
    labels = np.repeat(["a", "b"], 6)
    X_train, X_test = make(X)
    _write_classification_ts(
        tmp_path / "Bad_TRAIN.ts",
        X_train,
        labels if train_labels is None else train_labels,
    )
    _write_classification_ts(tmp_path / "Bad_TEST.ts", X_test, labels)
    argv = ["compare", "--dataset", str(tmp_path / "Bad"), "--no-progress"]
    assert main([*argv, "--methods", "convlstm-default,rf-stats"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"error: {tmp_path / 'Bad'}: ")
    assert re.search(message, line), line


def test_check_split_allows_other_test_lengths_for_feature_methods():
    X = np.random.RandomState(0).normal(size=(12, 1, 20))
    y = np.repeat(["a", "b"], 6)
    check_split(X, y, X[:, :, :15], y, methods=["rf-stats", "minirocket"])
    with pytest.raises(ValueError, match=r"y_test has 11 targets but X_test has 12"):
        check_split(X, y, X, y[:11], methods=["rf-stats"])
    with pytest.raises(ValueError, match=r"y_train holds 1 target\(s\) that are NaN"):
        check_split(X, np.r_[np.nan, np.ones(11)], X, np.ones(12), task="regression")


def test_compare_names_the_file_and_line_of_a_bad_regression_target(tmp_path, capsys):
    X = np.random.RandomState(0).normal(size=(6, 1, 10))
    targets = np.arange(6.0)
    _write_ts(tmp_path / "Reg_TRAIN.ts", X, targets)
    _write_ts(tmp_path / "Reg_TEST.ts", X, targets)
    path = tmp_path / "Reg_TRAIN.ts"
    lines = path.read_text().splitlines()
    lines[7] = lines[7].rsplit(":", 1)[0] + ":x"  # the 4th case, file line 8
    path.write_text("\n".join(lines) + "\n")
    argv = ["compare", "--dataset", str(tmp_path / "Reg"), "--no-progress"]
    assert main([*argv, "--methods", "rf-stats"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"error: {path}, line 8: the target 'x' (last field) is not a number; "
        "a file with @targetLabel true needs a numeric target at the end of "
        "each case."
    )


# ------------------------------------------------------------ arms in parallel

#: A tuned arm with more trials than run apart (5), so that its last piece
#: runs trials that the pruner judges against the trials run apart.
SPLIT_OPTIONS = dataclasses.replace(TINY_OPTIONS, n_trials=7, tuning_epochs=(2, 4))


def _trial_summary(study):
    return [
        (t.number, t.state.name, t.value, t.params, t.intermediate_values)
        for t in study.trials
    ]


@pytest.mark.slow  # whole trials apart (cv not an int); folds apart: quick tier
def test_tuned_arm_in_pieces_is_the_tuned_arm_in_one_fit(tiny_split):
    pytest.importorskip("optuna")
    X_train, y_train, X_test, _ = tiny_split
    whole = make_estimator("convlstm-tuned", 0, SPLIT_OPTIONS).fit(X_train, y_train)
    pieces = make_estimator("convlstm-tuned", 0, SPLIT_OPTIONS)
    assert independent_trials(pieces) == 5
    # Run apart in any order (here backwards), then put back in order.
    trials = [run_tuning_trial(pieces, X_train, y_train, n) for n in range(4, -1, -1)]
    fit_tuned_from_trials(pieces, X_train, y_train, trials[::-1])
    assert _trial_summary(pieces.study_) == _trial_summary(whole.study_)
    states = [t.state.name for t in whole.study_.trials]
    assert states[:5] == ["COMPLETE"] * 5 and "PRUNED" in states[5:]
    assert pieces.best_params_ == whole.best_params_
    np.testing.assert_array_equal(
        pieces.predict_proba(X_test), whole.predict_proba(X_test)
    )
    assert pieces.n_features_in_ == whole.n_features_in_


#: The tuned arm's max_epochs fixed at the default arm's: its trial 0 is the
#: default arm's configuration, which then wins or not depending on the seed.
#: The network alone (head="softmax"): with the ridge head every trial scores
#: 1.0 on these folds and the default (trial 0) always wins the tie.
REUSE_OPTIONS = MethodOptions(
    n_trials=2,
    cv=2,
    tuning_epochs=(3, 3),
    convlstm_params={"max_epochs": 3, "head": "softmax"},
)

#: Trials past the sampler's random ones (10): the last piece runs 10 and 11.
SPECULATIVE_OPTIONS = dataclasses.replace(SPLIT_OPTIONS, n_trials=12)


@pytest.mark.parametrize(
    "seed",
    [0, pytest.param(1, marks=pytest.mark.slow)],  # seed 1: no trial > 5 completes
)
def test_tuned_arm_fold_by_fold_is_the_tuned_arm_in_one_fit(tiny_split, seed):
    pytest.importorskip("optuna")
    X_train, y_train, X_test, _ = tiny_split
    whole = make_estimator("convlstm-tuned", seed, SPECULATIVE_OPTIONS)
    whole.fit(X_train, y_train)
    pieces = make_estimator("convlstm-tuned", seed, SPECULATIVE_OPTIONS)
    n_first, n_random = independent_trials(pieces), random_trials(pieces)
    assert (n_first, n_random, tuning_folds(pieces)) == (5, 10, 2)
    # Each fold of each independent trial alone (folds backwards), put together.
    first = [
        combine_fold_trials(
            pieces,
            [run_tuning_trial(pieces, X_train, y_train, n, f) for f in (1, 0)][::-1],
        )
        for n in range(n_first)
    ]
    # The random trials, each alone on the independent ones.
    following = [
        run_tuning_trial(pieces, X_train, y_train, n, prior=first)
        for n in range(n_first, n_random)
    ]
    trials = finish_tuned_study(
        pieces, X_train, y_train, accept_trials(first, following)
    )
    assert _trial_summary_with_attrs(trials) == _trial_summary_with_attrs(
        whole.study_.trials
    )
    assert len(trials) == 12 and trials[0].intermediate_values  # epoch reports
    fit_tuned_from_trials(pieces, X_train, y_train, trials)
    np.testing.assert_array_equal(
        pieces.predict_proba(X_test), whole.predict_proba(X_test)
    )


def _trial_summary_with_attrs(trials):
    return [
        (t.number, t.state.name, t.value, t.params, t.intermediate_values, t.user_attrs)
        for t in trials
    ]


def _frozen(number, state):
    import optuna

    state = getattr(optuna.trial.TrialState, state)
    value = 0.5 if state.name == "COMPLETE" else None
    trial = optuna.trial.create_trial(state=state, value=value)
    trial.number = number
    return trial


def test_random_trials_are_accepted_until_one_completes():
    pytest.importorskip("optuna")
    first = [_frozen(n, "COMPLETE") for n in range(5)]
    pruned, done = _frozen(5, "PRUNED"), _frozen(6, "COMPLETE")
    later = _frozen(7, "PRUNED")
    # trial 7 ran without trial 6 completed before it: not the study's trial 7
    assert accept_trials(first, [pruned, done, later]) == [*first, pruned, done]
    assert accept_trials(first, [pruned, None, later]) == [*first, pruned]
    assert accept_trials(first, [pruned, later]) == [*first, pruned, later]


def test_default_arm_is_the_tuned_refit_when_the_default_wins(tiny_split):
    pytest.importorskip("optuna")
    X_train, y_train, X_test, _ = tiny_split
    options = REUSE_OPTIONS
    winners = {}
    for seed in range(6):
        if {0, 1} <= set(winners.values()):
            break
        tuned = make_estimator("convlstm-tuned", seed, options)
        trials = [run_tuning_trial(tuned, X_train, y_train, n) for n in range(2)]
        trials = finish_tuned_study(tuned, X_train, y_train, trials)
        best = max(trials, key=lambda trial: trial.value).number
        default = make_estimator("convlstm-default", seed, options)
        winners[seed] = best
        assert refit_is(tuned, X_train, trials, default) == (best == 0)
        if best != 0:
            with pytest.raises(ValueError, match="refitted is not the model"):
                fit_tuned_from_trials(tuned, X_train, y_train, trials, refitted=default)
            continue
        whole = make_estimator("convlstm-tuned", seed, options).fit(X_train, y_train)
        default.fit(X_train, y_train)
        fit_tuned_from_trials(tuned, X_train, y_train, trials, refitted=default)
        assert tuned.best_estimator_ is default
        np.testing.assert_array_equal(
            tuned.predict_proba(X_test), whole.predict_proba(X_test)
        )
    assert {0, 1} <= set(winners.values())  # both outcomes are checked


def test_which_tuned_arms_run_in_pieces():
    pytest.importorskip("optuna")
    assert independent_trials(TunedConvLSTM(n_trials=10, random_state=0)) == 5
    assert independent_trials(TunedConvLSTM(n_trials=3, random_state=0)) == 3
    assert independent_trials(TunedConvLSTM(n_trials=1, random_state=0)) == 0
    # A timeout or no seed: the trials depend on the machine or the moment.
    assert independent_trials(TunedConvLSTM(timeout=60.0, random_state=0)) == 0
    assert independent_trials(TunedConvLSTM(random_state=None)) == 0
    assert independent_trials(make_estimator("rf-stats", 0)) == 0


@pytest.mark.slow  # starts a worker process (a fresh interpreter importing torch)
@pytest.mark.parametrize(
    "options",
    [SPLIT_OPTIONS, REUSE_OPTIONS],
    ids=["pruned-trials", "default-refit-or-not"],
)
def test_arms_in_parallel_processes_score_as_in_one_process(tiny_split, options):
    pytest.importorskip("optuna")
    methods = ["convlstm-default", "convlstm-tuned", "rf-stats"]
    runs = {
        n_jobs: run_comparison(
            *tiny_split,
            methods=methods,
            seeds=[0, 1],
            options=options,
            progress=False,
            n_jobs=n_jobs,
        )
        for n_jobs in (1, 2)
    }

    def scores(result):
        return [
            (row["method"], row["seed"], row["accuracy"], row["details"])
            for row in result.rows
        ]

    assert scores(runs[2]) == scores(runs[1])
    assert [row["method"] for row in runs[2].rows] == [
        name for name in methods for _ in (0, 1)
    ]
    for row in runs[2].rows:
        assert 0 <= row["start_seconds"] < row["end_seconds"]
        assert row["fit_seconds"] > 0
    header = format_table(summarize(runs[2].rows)).splitlines()[0]
    assert header.split() == [
        *("method", "accuracy", "fit", "s", "predict", "s", "arm", "s", "seeds")
    ]


def test_worker_processes_counts_the_pieces():
    pytest.importorskip("optuna")
    seeds = [0, 1]
    # 2 seeds x (5 trials x 2 folds run apart + the last piece) + 2 default arms.
    both = ["convlstm-tuned", "convlstm-default"]
    assert worker_processes(both, seeds, SPLIT_OPTIONS, 64) == 24
    assert worker_processes(both, seeds, SPLIT_OPTIONS, 2) == 2
    assert worker_processes(both, seeds, SPLIT_OPTIONS, 1) == 0
    assert worker_processes(["rf-stats"], [0], SPLIT_OPTIONS, 4) == 0  # one piece
    regression = MethodOptions(task="regression")
    assert worker_processes(["convlstm-tuned"], seeds, regression, 4) == 0


def test_summary_arm_seconds_span_the_seeds():
    rows = [
        {**row, "start_seconds": start, "end_seconds": end}
        for row, (start, end) in zip(
            [ROWS[0], ROWS[2]], [(1.0, 4.0), (2.0, 9.5)], strict=True
        )
    ]
    (summary,) = summarize(rows)
    assert summary["arm_seconds"] == 8.5
    assert "arm_seconds" not in summarize(ROWS)[0]
    table = format_table(summarize(rows)).splitlines()
    assert table[0].split()[-3:] == ["arm", "s", "seeds"]
    assert table[2].split()[-2:] == ["8.50", "2"]


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_cli_n_jobs_must_be_a_positive_integer(value, capsys):
    with pytest.raises(SystemExit) as raised:
        main(["compare", "--n-jobs", value])
    assert raised.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "sklearn-convlstm compare: error: argument --n-jobs: expected an integer "
        f">= 1; got {value!r}."
    )


def test_run_comparison_checks_n_jobs_and_threads(tiny_split):
    with pytest.raises(ValueError, match=r"^n_jobs must be an int >= 1; got 0\.$"):
        run_comparison(*tiny_split, methods=["rf-stats"], n_jobs=0, progress=False)
    with pytest.raises(TypeError, match=r"^threads must be an int >= 1; got 1\.5\.$"):
        run_comparison(*tiny_split, methods=["rf-stats"], threads=1.5, progress=False)
    assert 1 <= default_n_jobs() <= 4
