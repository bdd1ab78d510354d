"""Tests of the comparison (``compare`` command): registry, runs, summaries, CLI."""

from __future__ import annotations

import csv
import dataclasses
import math

import numpy as np
import pytest
import torch
from sklearn.ensemble import VotingClassifier

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.cli import main
from sklearn_convlstm.compare import (
    ARTICLE_TRAINING,
    DEFAULT_METHODS,
    METHODS,
    Method,
    MethodOptions,
    TunedConvLSTM,
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
from sklearn_convlstm.datasets import make_pattern_classification

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
        options=TINY_OPTIONS,
        dataset="tiny",
        progress=False,
    )
    assert result.skipped == {}
    (row,) = result.rows
    assert row["dataset"] == "tiny"
    assert row["method"] == name
    assert row["seed"] == 0
    assert 0.0 <= row["accuracy"] <= 1.0
    assert row["fit_seconds"] > 0 and row["predict_seconds"] > 0
    assert (row["n_train"], row["n_test"]) == (32, 16)
    if name.startswith(("convlstm-default", "article")):
        assert row["details"] == "epochs=1"
    if name == "convlstm-tuned":
        assert row["details"].startswith("cv_accuracy=")
        assert "trials=2" in row["details"]


def test_the_first_tuning_trial_is_the_default_network(tiny_split):
    optuna = pytest.importorskip("optuna")
    from sklearn_convlstm.compare import default_trial_params
    from sklearn_convlstm.tuning import suggest_convlstm_params

    X, y = tiny_split[:2]
    trial = optuna.trial.FixedTrial(default_trial_params(len(y), 3, max_epochs=1))
    params = suggest_convlstm_params(trial, max_epochs=(1, 1))
    tuned = ConvLSTMClassifier(random_state=0, **params).fit(X, y)
    default = ConvLSTMClassifier(random_state=0, max_epochs=1).fit(X, y)
    assert tuned.network_params_ == default.network_params_
    assert (tuned.lr, tuned.weight_decay) == (default.lr, default.weight_decay)


def test_tuned_method_tunes_on_the_training_split_only(tiny_split):
    pytest.importorskip("optuna")
    X_train, y_train, _, _ = tiny_split
    tuned = make_estimator("convlstm-tuned", seed=0, options=TINY_OPTIONS)
    tuned.fit(X_train, y_train)
    assert len(tuned.study_.trials) == 2
    assert tuned.best_estimator_.max_epochs in (1, 2)
    # The refit trains all epochs on the whole split, as the trials did.
    assert tuned.best_estimator_.early_stopping is False
    assert 0.0 <= tuned.best_score_ <= 1.0
    np.testing.assert_array_equal(tuned.classes_, [0, 1])
    assert tuned.predict(X_train[:3]).shape == (3,)


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
    with pytest.raises(ImportError, match="needs no_such_module_xyz, not installed"):
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
    with pytest.raises(ValueError, match="number of seeds must be at least 1; got -2"):
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
