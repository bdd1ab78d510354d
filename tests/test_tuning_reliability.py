"""Tuning that survives faults: killed workers, torn journals, Ctrl-C, bad commands.

Each test reproduces one failure of issue 18 (items 1-6, 13 and 15) and fails
without its fix. The PostgreSQL cases run where ``.ci/run`` exports
``SKLEARN_CONVLSTM_TEST_POSTGRES_URL`` (always in CI).
"""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
import warnings

import numpy as np
import pytest
from skorch.callbacks import Callback

from sklearn_convlstm import ConvLSTMClassifier, TrainingInterruptedWarning
from sklearn_convlstm.baselines import make_feature_baseline
from sklearn_convlstm.cli import main

optuna = pytest.importorskip("optuna")

from conftest import FAST_PARAMS  # noqa: E402

from sklearn_convlstm import tuning  # noqa: E402
from sklearn_convlstm.tuning._database import resolve_database_url  # noqa: E402
from sklearn_convlstm.tuning._journal import check_journal_file  # noqa: E402
from sklearn_convlstm.tuning._sampler import TrialSeededTPESampler  # noqa: E402

URL_VARIABLE = "SKLEARN_CONVLSTM_TEST_POSTGRES_URL"
optuna.logging.set_verbosity(optuna.logging.WARNING)


def _postgres_url() -> str:
    url = os.environ.get(URL_VARIABLE)
    if url:
        return url
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{URL_VARIABLE} is not set, but CI is: these tests must run.")
    pytest.skip(f"no PostgreSQL server: set {URL_VARIABLE}")


def _worker_command(storage: str, study_name: str, *arguments: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sklearn_convlstm",
        "tune",
        "--dataset",
        "ItalyPowerDemand",
        "--estimator",
        "stats-forest",
        "--storage",
        storage,
        "--study-name",
        study_name,
        "--cv",
        "2",
        "--heartbeat-interval",
        "1",
        "--grace-period",
        "2",
        "--threads",
        "1",
        "--quiet",
        *arguments,
    ]


def _start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # faulthandler: a worker that hangs prints its stacks on SIGABRT
        env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"},
    )


#: Runs ``python -m sklearn_convlstm ...`` with Ctrl-C as in a terminal's
#: foreground job: a test run started in the background by a shell without job
#: control (``pytest ... &`` in a script) ignores SIGINT, a child inherits that,
#: and a worker started from it would never see the test's Ctrl-C.
_WITH_DEFAULT_SIGINT = (
    "import runpy, signal; "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('sklearn_convlstm', run_name='__main__', alter_sys=True)"
)


def _with_default_sigint(command: list[str]) -> list[str]:
    """``command`` (``python -m sklearn_convlstm ...``) with SIGINT's default."""
    assert command[1:3] == ["-m", "sklearn_convlstm"]
    return [command[0], "-c", _WITH_DEFAULT_SIGINT, *command[3:]]


def _wait_for_line(process: subprocess.Popen, prefix: str, timeout: float) -> None:
    """Read the worker's output until a line starts with ``prefix``."""
    found = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(prefix):
                found.set()
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert found.wait(timeout), f"the worker printed no {prefix!r} line"


def _check_study(study: optuna.Study, n_trials: int) -> None:
    numbers = [trial.number for trial in study.trials]
    assert sorted(numbers) == list(range(len(numbers)))  # no duplicate numbers
    states = [trial.state.name for trial in study.trials]
    assert "RUNNING" not in states and "WAITING" not in states
    assert sum(state in ("COMPLETE", "PRUNED") for state in states) == n_trials


def _kill_and_restart(storage: str, *, n_kills: int, seed: int) -> optuna.Study:
    """Kill -9 a worker at random moments ``n_kills`` times, then let one finish."""
    study_name = f"faults-{uuid.uuid4().hex[:8]}"
    rng = random.Random(seed)
    command = _worker_command(storage, study_name, "--n-trials", "4")
    for _ in range(n_kills):
        process = _start([*command, "--sampler-seed", "0"])
        try:
            _wait_for_line(process, "worker pid", timeout=60)
            time.sleep(rng.uniform(0.0, 1.5))
        finally:
            process.kill()
            process.wait(timeout=30)
    process = _start([*command, "--sampler-seed", "0"])
    try:
        output, _ = process.communicate(timeout=120)
    finally:  # a worker that hangs must not outlive the test
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == 0, output
    study = tuning.load_study(study_name, storage)
    _check_study(study, n_trials=4)
    return study


# Slow (25-50 s per storage on 2 cores): worker processes, each importing torch,
# are started, killed with SIGKILL at random moments and restarted until the
# study has all its trials; the crash safety it proves needs real processes.
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_kill_9_at_random_moments_still_finishes_the_study(kind, tmp_path):
    storage = (
        str(tmp_path / "study.journal")
        if kind == "journal"
        else f"sqlite:///{tmp_path / 'study.db'}"
    )
    study = _kill_and_restart(storage, n_kills=2, seed=0)
    # Restarts with the same --sampler-seed never replay a configuration.
    configurations = [
        json.dumps(trial.params, sort_keys=True)
        for trial in study.trials
        if trial.state.name == "COMPLETE" and "failed_trial" not in trial.system_attrs
    ]
    assert len(configurations) == len(set(configurations))


@pytest.mark.postgres
def test_kill_9_at_random_moments_on_postgresql():
    url = _postgres_url()
    study = _kill_and_restart(url, n_kills=2, seed=1)
    optuna.delete_study(study_name=study.study_name, storage=url)


def test_an_orphaned_journal_trial_is_recovered(tmp_path):
    """A RUNNING trial whose worker died is failed and retried (issue 18.1)."""
    journal = str(tmp_path / "j.journal")
    storage = tuning.make_storage(journal, heartbeat_interval=1, grace_period=2)
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    with warnings.catch_warnings():  # "Heartbeat ... used with Study.optimize"
        warnings.simplefilter("ignore", UserWarning)
        orphan = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
    # The worker that owned it: a process of this machine that has exited.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    storage.set_trial_system_attr(
        orphan._trial_id, "sklearn_convlstm:worker", f"{os.uname().nodename}:{dead.pid}"
    )
    storage.set_trial_system_attr(
        orphan._trial_id, "sklearn_convlstm:heartbeat", time.time()
    )
    X = np.random.RandomState(0).normal(size=(30, 1, 20))
    y = np.arange(30) % 2
    study, _ = tuning.tune(
        make_feature_baseline(random_state=0, n_jobs=1),
        X,
        y,
        param_space=lambda trial: {
            "classifier__n_estimators": 5,
            "classifier__max_depth": trial.suggest_int("depth", 1, 3),
        },
        cv=2,
        n_trials=2,
        storage=journal,
        study_name="s",
        refit=False,
        verbose=0,
        heartbeat_interval=1,
        grace_period=2,
    )
    _check_study(study, n_trials=2)
    assert study.trials[orphan.number].state.name == "FAIL"


@pytest.mark.postgres
def test_workers_started_together_on_a_fresh_database_all_run():
    """Concurrent schema creation on an empty database (issue 18.2)."""
    import sqlalchemy

    url = _postgres_url()
    schema = f"fresh_{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(resolve_database_url(url))
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    fresh = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    workers: list[subprocess.Popen] = []
    try:
        workers = [
            _start(
                [
                    *_worker_command(fresh, "together", "--n-trials", "4"),
                    "--sampler-seed",
                    str(seed),
                ]
            )
            for seed in range(3)
        ]
        outputs = [process.communicate(timeout=180)[0] for process in workers]
        for process, output in zip(workers, outputs, strict=True):
            assert process.returncode == 0, output
        _check_study(tuning.load_study("together", fresh), n_trials=4)
    finally:
        for process in workers:  # a worker that hangs must not outlive the test
            process.kill()
            process.wait(timeout=30)
        with engine.begin() as connection:
            connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def test_postgresql_urls_get_an_installed_driver(monkeypatch):
    """``postgresql://`` works with psycopg2 alone (issue 18.3)."""
    from sklearn_convlstm.tuning import _database

    monkeypatch.setattr(_database, "_installed", lambda module: module == "psycopg2")
    assert (
        resolve_database_url("postgresql://u:p@host:5432/db")
        == "postgresql+psycopg2://u:p@host:5432/db"
    )
    monkeypatch.setattr(_database, "_installed", lambda module: module == "psycopg")
    assert resolve_database_url("postgresql://h/db") == "postgresql+psycopg://h/db"
    monkeypatch.setattr(_database, "_installed", lambda module: False)
    with pytest.raises(
        ImportError, match=r"pip install 'sklearn-convlstm\[postgres\]'"
    ):
        resolve_database_url("postgresql://h/db")
    with pytest.raises(ImportError, match="pip install PyMySQL"):
        resolve_database_url("mysql+pymysql://h/db")
    assert resolve_database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.postgres
def test_a_plain_postgresql_url_opens():
    url = _postgres_url()
    plain = "postgresql://" + url.split("://", 1)[1]
    storage = tuning.make_storage(plain)
    assert isinstance(storage, optuna.storages.RDBStorage)


# ---------------------------------------------------------------------- Ctrl-C


class _InterruptAtEpoch(Callback):
    """Raise KeyboardInterrupt at the end of an epoch, as Ctrl-C would."""

    def __init__(self, epoch: int = 2) -> None:
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs) -> None:
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_an_interrupted_fit_warns(pattern_data):
    X, y = pattern_data
    model = ConvLSTMClassifier(
        **{**FAST_PARAMS, "max_epochs": 5}, callbacks=(_InterruptAtEpoch(2),)
    )
    with pytest.warns(TrainingInterruptedWarning, match="interrupted .* after 2 epoch"):
        model.fit(X, y)
    assert len(model.history_) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingInterruptedWarning)
        ConvLSTMClassifier(**FAST_PARAMS).fit(X, y)  # no warning without one
        # skorch's early stopping ends training with a KeyboardInterrupt too.
        stopped = ConvLSTMClassifier(
            **{**FAST_PARAMS, "max_epochs": 30},
            early_stopping=True,
            patience=1,
            lr=1e-6,
        ).fit(X, y)
        assert len(stopped.history_) < 30


def test_an_interrupted_trial_is_failed_not_complete(pattern_data, tmp_path):
    """Issue 18.4: the trial is not stored COMPLETE, and the interrupt ends tune."""
    X, y = pattern_data
    journal = str(tmp_path / "ctrl-c.journal")
    model = ConvLSTMClassifier(
        **{**FAST_PARAMS, "max_epochs": 4}, callbacks=(_InterruptAtEpoch(2),)
    )
    with pytest.raises(KeyboardInterrupt):
        tuning.tune(
            model,
            X,
            y,
            param_space=lambda trial: {"lr": trial.suggest_float("lr", 1e-3, 1e-2)},
            cv=2,
            n_trials=3,
            storage=journal,
            study_name="s",
            pruner=None,
            refit=False,
            verbose=0,
        )
    study = tuning.load_study("s", journal)
    assert [trial.state.name for trial in study.trials] == ["FAIL"]


# Slow (9-14 s): a worker process imports torch and Optuna and trains before
# it is interrupted.
@pytest.mark.slow
def test_ctrl_c_stops_a_worker_with_exit_130(tmp_path):
    journal = str(tmp_path / "w.journal")
    process = _start(
        _with_default_sigint(
            _worker_command(
                journal, "sigint", "--n-trials", "1000", "--sampler-seed", "1"
            )
        )
    )
    try:
        _wait_for_line(process, "worker pid", timeout=60)
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            # still running: its threads' stacks (PYTHONFAULTHANDLER) say where
            process.send_signal(signal.SIGABRT)
            output, _ = process.communicate(timeout=30)
            pytest.fail(f"the worker ignored SIGINT for 60 s; its stacks:\n{output}")
    finally:
        process.kill()
    assert process.returncode == 130, output
    study = tuning.load_study("sigint", journal)
    assert "RUNNING" not in {trial.state.name for trial in study.trials}
    for trial in study.trials:
        if trial.state.name == "COMPLETE":
            assert len(trial.user_attrs["fold_scores"]) == 2


# ------------------------------------------------------------- journal files


def _journal_with_trials(path, n_trials=3) -> None:
    storage = tuning.make_storage(str(path))
    study = optuna.create_study(storage=storage, study_name="s")
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=n_trials)


def test_a_torn_last_journal_line_is_moved_aside(tmp_path):
    """Issue 18.5: the next worker repairs instead of appending after it."""
    path = tmp_path / "torn.journal"
    _journal_with_trials(path)
    data = path.read_bytes()
    path.write_bytes(data[:-40])  # a writer killed in the middle of a record
    with pytest.warns(UserWarning, match=r"torn\.journal ended with a torn record"):
        storage = tuning.make_storage(str(path))
    study = optuna.load_study(study_name="s", storage=storage)
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2)
    reloaded = tuning.load_study("s", str(path))  # no "Expecting ':'" error
    assert len(reloaded.trials) == len(study.trials)
    assert [p.name for p in tmp_path.glob("torn.journal.torn-*")] != []
    assert check_journal_file(path) > 0


def test_a_damaged_journal_line_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "bad.journal"
    _journal_with_trials(path)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2][:10] + b"#" + lines[2][11:]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(ValueError, match=r"bad\.journal is damaged at line 3"):
        tuning.make_storage(str(path))
    path.write_bytes(b'{"op_code": 0}\n\xff\xfe\n')
    with pytest.raises(ValueError, match=r"damaged at line 2 .*utf-8"):
        tuning.make_storage(str(path))


# ------------------------------------------------------------------- sampler


def test_same_sampler_seed_does_not_replay_after_a_restart(tmp_path):
    """Issue 18.6: a restarted worker with the same seed draws new configurations."""
    storage = f"sqlite:///{tmp_path / 'replay.db'}"
    for _restart in range(2):
        study = optuna.create_study(
            storage=storage,
            study_name="s",
            load_if_exists=True,
            sampler=TrialSeededTPESampler(seed=0),
        )
        study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2)
    values = [trial.params["x"] for trial in study.trials]
    assert len(set(values)) == 4
    # ... and the same study grown in the same order draws the same values.
    again = optuna.create_study(sampler=TrialSeededTPESampler(seed=0))
    again.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=4)
    assert [trial.params["x"] for trial in again.trials] == values


# ---------------------------------------------------------- commands and files


def _run_cli(arguments, capsys) -> tuple[int, str]:
    try:
        code = main(arguments)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dataset", "/nonexistent/Nothing"], "error: "),
        (["--dataset", "GunPoint", "--threads", "0"], "expected an integer >= 1"),
        (
            [
                "--dataset",
                "GunPoint",
                "--storage",
                "postgresql://u:secret@127.0.0.1:9/x",
            ],
            "error: cannot open the storage postgresql",
        ),
        (
            ["--dataset", "GunPoint", "--storage", "/proc/nowhere/s.journal"],
            "error: cannot open the storage '/proc/nowhere/s.journal'",
        ),
        (["--dataset", "GunPoint", "--plots", "/proc/version"], "error: --plots"),
    ],
)
def test_tune_usage_errors_exit_2_with_one_line(arguments, message, capsys):
    code, err = _run_cli(["tune", *arguments], capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and "secret" not in err
    if not err.startswith("usage:"):
        assert len(err.strip().splitlines()) == 1


def test_compare_checks_out_before_running_and_refuses_huge_seed_counts(capsys):
    code, err = _run_cli(["compare", "--out", "/proc/version/x"], capsys)
    assert code == 2 and err.startswith("error: --out '/proc/version/x' is not")
    code, err = _run_cli(["compare", "--seeds", "100000000000"], capsys)
    assert code == 2 and "between 1 and 1000" in err


def test_storage_from_the_environment_and_private_files(tmp_path, monkeypatch, capsys):
    """Issue 18.15: no password on the command line; files readable by the owner."""
    journal = tmp_path / "env.journal"
    monkeypatch.setenv("SKLEARN_CONVLSTM_STORAGE", str(journal))
    code = main(
        [
            "tune",
            "--dataset",
            "ItalyPowerDemand",
            "--estimator",
            "stats-forest",
            "--n-trials",
            "1",
            "--cv",
            "2",
            "--quiet",
        ]
    )
    assert code == 0
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    database = tmp_path / "s.db"
    tuning.make_storage(f"sqlite:///{database}")
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_a_diverging_trial_is_failed_and_tuning_goes_on(pattern_data):
    X, y = pattern_data
    study, _ = tuning.tune(
        ConvLSTMClassifier(**{**FAST_PARAMS, "max_epochs": 6}),
        X,
        y,
        param_space=lambda trial: {
            "lr": 1e8 if trial.number == 0 else trial.suggest_float("lr", 1e-3, 1e-2)
        },
        cv=2,
        n_trials=1,
        pruner=None,
        refit=False,
        verbose=0,
    )
    assert [trial.state.name for trial in study.trials] == ["FAIL", "COMPLETE"]


def _read_only_sqlite(tmp_path, how: str) -> str:
    """A SQLite study database that cannot be written, and its URL."""
    database = tmp_path / "ro.db"
    optuna.create_study(storage=f"sqlite:///{database}", study_name="existing")
    if how == "file mode":
        database.chmod(0o444)
        tmp_path.chmod(0o555)  # no journal file beside it either
        return f"sqlite:///{database}"
    # Root writes a 0o444 file anyway: SQLite's read-only open mode instead.
    return f"sqlite:///file:{database}?mode=ro&uri=true"


def _one_forest_trial(url: str) -> list[str]:
    """``tune`` arguments of one quick forest trial on ``url``."""
    return [
        "tune",
        "--dataset",
        "ItalyPowerDemand",
        "--estimator",
        "stats-forest",
        "--n-trials",
        "1",
        "--cv",
        "2",
        "--storage",
        url,
        "--quiet",
    ]


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(
            "file mode",
            marks=pytest.mark.skipif(
                hasattr(os, "geteuid") and os.geteuid() == 0,
                reason="root writes read-only files",
            ),
        ),
        "uri mode=ro",
    ],
)
def test_a_read_only_sqlite_storage_is_a_usage_error(tmp_path, how, capsys):
    """Issue 27.17: was exit 1 with a 100-line StorageInternalError traceback."""
    url = _read_only_sqlite(tmp_path, how)
    try:
        code, err = _run_cli(
            _one_forest_trial(url),
            capsys,
        )
    finally:
        tmp_path.chmod(0o755)
    assert code == 2
    assert err.startswith("error: storage is read-only: ")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    # Nothing created next to it (no file named after the URI's query).
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ro.db"]
    with pytest.raises(PermissionError, match=r"^storage is read-only: "):
        tuning.make_storage(url)


def test_a_storage_that_refuses_writes_later_is_a_usage_error(
    tmp_path, monkeypatch, capsys
):
    """The same message when the database refuses its first write during tuning."""
    from sklearn_convlstm.tuning import _command

    url = _read_only_sqlite(tmp_path, "uri mode=ro")
    monkeypatch.setattr(
        _command, "make_storage", lambda *a, **k: optuna.storages.RDBStorage(url)
    )
    code, err = _run_cli(
        _one_forest_trial(url),
        capsys,
    )
    assert code == 2
    assert err.startswith("error: storage is read-only: ")
    assert "attempt to write a readonly database" in err
    assert len(err.strip().splitlines()) == 1


def test_an_unwritable_sqlite_file_or_directory_is_named(tmp_path, monkeypatch):
    """What a non-root user gets for a 0o444 file (root may write any file)."""
    from sklearn_convlstm.tuning import _storage

    database = tmp_path / "study.db"
    optuna.create_study(storage=f"sqlite:///{database}", study_name="existing")
    for unwritable, message in (
        (database, r"the SQLite file '.*study\.db' is not writable"),
        (tmp_path, r"the directory '.*' of the SQLite file is not writable"),
    ):
        monkeypatch.setattr(
            _storage.os, "access", lambda path, mode, bad=unwritable: path != bad
        )
        with pytest.raises(PermissionError, match=r"^storage is read-only: " + message):
            tuning.make_storage(f"sqlite:///{database}")
