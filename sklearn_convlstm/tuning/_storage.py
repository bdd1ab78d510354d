"""Study storage: journal files, database URLs and crash recovery."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sklearn_convlstm._optional import import_optional, quiet_optuna_warnings

if TYPE_CHECKING:  # pragma: no cover
    import optuna


def make_storage(
    storage: Any = None,
    *,
    heartbeat_interval: int | None = 60,
    grace_period: int | None = None,
    max_retry: int | None = 3,
) -> Any:
    """Build the Optuna storage of a study from a path, a URL or a storage.

    Parameters
    ----------
    storage : None, str, path-like or optuna.storages.BaseStorage, default=None
        * ``None``: in memory (one process; lost when it exits).
        * A SQLAlchemy URL (contains ``"://"``): an
          :class:`optuna.storages.RDBStorage` with heartbeats, for any number
          of machines. PostgreSQL is the documented choice
          (``postgresql+psycopg2://user:password@host:5432/db``);
          ``sqlite:///file.db`` works for one process.
        * Any other string or path: Optuna's journal file, created if
          missing: no server, any number of processes on one machine or on a
          shared file system. It gets heartbeats too (a trial whose worker
          was killed is recovered), a torn last record left by a killed
          writer is moved aside with a warning, and a damaged file is refused
          with an error naming the line.

        Files (journal, SQLite) are created readable by their owner only; a
        SQLite file that cannot be written (a read-only file or directory, or
        ``mode=ro`` in its URI) is refused with a ``PermissionError`` whose
        message starts with ``storage is read-only``.
        ``postgresql://`` uses whichever of psycopg or psycopg2 is installed;
        a missing driver is named with its install command.
        * An Optuna storage object: used as is.
    heartbeat_interval : int or None, default=60
        Seconds between the heartbeats a running trial sends (``None``
        disables heartbeats and crash recovery).
    grace_period : int or None, default=None
        Seconds without a heartbeat after which a running trial counts as
        crashed and is marked failed; ``None``: twice ``heartbeat_interval``.
    max_retry : int or None, default=3
        Times a crashed trial is queued again with the same parameters
        (:class:`optuna.storages.RetryHeartbeatStaleTrialCallback`); ``None``:
        no limit, 0: never.

    Returns
    -------
    storage : optuna.storages.BaseStorage or None

    Examples
    --------
    >>> from sklearn_convlstm.tuning import make_storage
    >>> make_storage(None) is None
    True
    >>> storage = make_storage("sqlite:///:memory:", heartbeat_interval=10)
    >>> storage.heartbeat_interval, storage.grace_period
    (10, None)
    """
    optuna = import_optional("optuna", purpose="Tuning")
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if not isinstance(storage, (str, os.PathLike)):
        raise TypeError(
            f"storage must be None, a database URL, a journal file path or an "
            f"Optuna storage; got {type(storage).__name__}."
        )
    text = os.fspath(storage)
    callback = None
    if heartbeat_interval is not None and max_retry != 0:
        with quiet_optuna_warnings():
            callback = optuna.storages.RetryHeartbeatStaleTrialCallback(
                max_retry=max_retry
            )
    if "://" in text:
        from sklearn_convlstm.tuning._database import create_rdb_storage

        if text.startswith("sqlite:///"):
            database, read_only = _sqlite_database(text)
            if database is not None and not read_only:
                _create_private_file(database)
            _check_sqlite_writable(text, database, read_only)
        engine_kwargs = {} if text.startswith("sqlite") else {"pool_pre_ping": True}
        with quiet_optuna_warnings():
            return create_rdb_storage(
                text,
                engine_kwargs=engine_kwargs,
                heartbeat_interval=heartbeat_interval,
                grace_period=grace_period,
                heartbeat_stale_trial_callback=callback,
            )
    from sklearn_convlstm.tuning._journal import CrashSafeJournalStorage

    path = Path(text).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    with quiet_optuna_warnings():
        return CrashSafeJournalStorage(
            str(path),
            heartbeat_interval=heartbeat_interval,
            grace_period=grace_period,
            heartbeat_stale_trial_callback=callback,
        )


def _sqlite_database(url: str) -> tuple[Path | None, bool]:
    """Return the file of a ``sqlite:///`` URL and whether it opens read-only.

    ``sqlite:///file:PATH?mode=ro&uri=true`` (SQLite's URI form) names its
    file after ``file:`` and before the query; ``mode=ro`` and ``immutable=1``
    open it read-only. An in-memory database has no file (None).
    """
    rest = url[len("sqlite:///") :]
    path, _, query = rest.partition("?")
    options = dict(item.partition("=")[::2] for item in query.split("&") if "=" in item)
    read_only = options.get("mode") == "ro" or options.get("immutable") == "1"
    if path.startswith("file:"):
        path = path[len("file:") :]
    if not path or path == ":memory:" or options.get("mode") == "memory":
        return None, read_only
    return Path(path).expanduser(), read_only


def _check_sqlite_writable(url: str, database: Path | None, read_only: bool) -> None:
    """Raise PermissionError if a study could not be written to this SQLite file.

    Optuna opens a read-only database without complaint and fails on the
    first write with a long traceback; this names the cause up front. SQLite
    also writes a journal file next to the database, so its directory must be
    writable too.
    """
    if read_only:
        raise PermissionError(
            f"storage is read-only: {url} opens the database in read-only mode "
            "(mode=ro or immutable=1), and tuning writes its trials there. "
            "Remove that option or pass another --storage."
        )
    if database is None:
        return
    if database.exists() and not os.access(database, os.W_OK):
        raise PermissionError(
            f"storage is read-only: the SQLite file {str(database)!r} is not "
            "writable, and tuning writes its trials there. Make it writable "
            "(chmod u+w) or pass another --storage."
        )
    directory = database.parent
    if directory.exists() and not os.access(directory, os.W_OK):
        raise PermissionError(
            f"storage is read-only: the directory {str(directory)!r} of the "
            "SQLite file is not writable, and SQLite writes its journal file "
            "there. Make it writable or pass another --storage."
        )


def _create_private_file(path: Path) -> None:
    """Create ``path`` readable and writable by its owner only, if missing."""
    if not path.name or path.name == ":memory:" or path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def load_study(
    study_name: str, storage: Any, *, pruner: Any = None, sampler: Any = None
) -> optuna.Study:
    """Load an existing study, e.g. to read its best parameters in a new process.

    Parameters
    ----------
    study_name : str
        Name given to :func:`tune` or the worker command.
    storage : str, path-like or optuna.storages.BaseStorage
        The same storage (URL or journal file path) the workers used.
    pruner, sampler : optional
        Passed to :func:`optuna.load_study`.

    Returns
    -------
    study : optuna.Study

    Examples
    --------
    A study that workers share through a journal file:

    >>> import pathlib, tempfile
    >>> import optuna
    >>> from sklearn_convlstm.tuning import load_study, make_storage
    >>> journal = pathlib.Path(tempfile.mkdtemp()) / "gunpoint.journal"
    >>> storage = make_storage(journal)
    >>> study = optuna.create_study(study_name="gunpoint", storage=storage)
    >>> study.enqueue_trial({"x": 2.0})
    >>> study.optimize(lambda trial: trial.suggest_float("x", 0, 5) ** 2, n_trials=1)
    >>> load_study("gunpoint", journal).best_params
    {'x': 2.0}

    Through a database (skipped here: it needs a running PostgreSQL server):

    >>> url = "postgresql+psycopg2://user:password@host/db"
    >>> load_study("gunpoint", url).best_params  # doctest: +SKIP
    {'x': 2.0}
    """
    optuna = import_optional("optuna", purpose="Tuning")
    return optuna.load_study(
        study_name=study_name,
        storage=make_storage(storage),
        pruner=pruner,
        sampler=sampler,
    )


def storage_heartbeat_interval(storage: Any) -> int | None:
    """Heartbeat interval of a storage with heartbeats (RDBStorage), else None."""
    get_interval = getattr(storage, "get_heartbeat_interval", None)
    return get_interval() if get_interval is not None else None
