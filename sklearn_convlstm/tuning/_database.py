"""Database URLs for Optuna's RDB storage: drivers, concurrent schema creation.

Two problems of plain ``optuna.storages.RDBStorage`` that clusters meet:

* SQLAlchemy 2.1 reads ``postgresql://`` as ``postgresql+psycopg://`` (psycopg
  3); a machine with only ``psycopg2`` then fails with "Failed to import DB
  access module". :func:`resolve_database_url` picks the installed driver and
  names the package to install when there is none.
* N workers started at once on an empty PostgreSQL database all create
  Optuna's schema, and all but one crash on a duplicate type or table
  (``pg_type_typname_nsp_index``). :func:`create_rdb_storage` serialises the
  creation with a PostgreSQL advisory lock, and retries other databases'
  duplicate-object errors.
"""

from __future__ import annotations

import random
import time
from typing import Any

from sklearn_convlstm._optional import module_available

__all__ = ["create_rdb_storage", "redact_url", "resolve_database_url"]

#: Drivers SQLAlchemy can use for ``postgresql://``, in order of preference:
#: (URL dialect, module, pip package).
_POSTGRES_DRIVERS = (
    ("postgresql+psycopg", "psycopg", "psycopg[binary]"),
    ("postgresql+psycopg2", "psycopg2", "psycopg2-binary"),
)
#: Driver modules of explicit ``dialect+driver`` URLs, with their pip package.
_DRIVER_PACKAGES = {
    "psycopg": ("psycopg", "psycopg[binary]"),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "pg8000": ("pg8000", "pg8000"),
    "asyncpg": ("asyncpg", "asyncpg"),
    "pymysql": ("pymysql", "PyMySQL"),
    "mysqldb": ("MySQLdb", "mysqlclient"),
    "mysqlconnector": ("mysql.connector", "mysql-connector-python"),
}
#: Arbitrary but fixed key of the advisory lock taken while creating the schema.
_SCHEMA_LOCK_KEY = 0x0C0F1D57


def _installed(module: str) -> bool:
    return module_available(module)


def redact_url(url: str) -> str:
    """Return the URL with its password hidden (for messages)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a parsable URL: say nothing of it
        return "<the database URL>"


def resolve_database_url(url: str) -> str:
    """Return ``url`` with a database driver that is installed.

    ``postgresql://`` gets the installed psycopg (3) or psycopg2 driver; an
    explicit ``dialect+driver`` URL is kept. A missing driver is named with
    its install command.

    Parameters
    ----------
    url : str
        A SQLAlchemy database URL.

    Returns
    -------
    url : str

    Raises
    ------
    ImportError
        When the URL's database driver is not installed.
    ValueError
        When ``url`` is not a database URL.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or not scheme:
        raise ValueError(f"{redact_url(url)!r} is not a database URL (dialect://...).")
    dialect, _, driver = scheme.partition("+")
    if dialect in ("postgresql", "postgres") and not driver:
        for name, module, _package in _POSTGRES_DRIVERS:
            if _installed(module):
                return f"{name}://{rest}"
        raise ImportError(
            "A postgresql:// storage needs a PostgreSQL driver, and neither "
            "psycopg nor psycopg2 is installed. Install one with: "
            "pip install 'sklearn-convlstm[postgres]' (or pip install "
            "psycopg2-binary)."
        )
    if driver in _DRIVER_PACKAGES:
        module, package = _DRIVER_PACKAGES[driver]
        if not _installed(module):
            raise ImportError(
                f"The storage URL asks for the {driver} database driver, which is "
                f"not installed. Install it with: pip install {package}"
            )
    return url


def create_rdb_storage(url: str, **storage_kwargs: Any) -> Any:
    """Create an :class:`optuna.storages.RDBStorage`, safely from many workers.

    Parameters
    ----------
    url : str
        Database URL (see :func:`resolve_database_url`).
    **storage_kwargs
        Passed to :class:`optuna.storages.RDBStorage`.

    Returns
    -------
    storage : optuna.storages.RDBStorage
    """
    import sqlalchemy

    storage_class = _crash_safe_rdb_storage_class()
    url = resolve_database_url(url)
    if url.startswith("postgresql"):
        engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
        try:
            with engine.connect() as connection:
                lock = sqlalchemy.text("SELECT pg_advisory_lock(:key)")
                unlock = sqlalchemy.text("SELECT pg_advisory_unlock(:key)")
                connection.execute(lock, {"key": _SCHEMA_LOCK_KEY})
                try:
                    return storage_class(url, **storage_kwargs)
                finally:
                    connection.execute(unlock, {"key": _SCHEMA_LOCK_KEY})
        finally:
            engine.dispose()
    for attempt in range(5):
        try:
            return storage_class(url, **storage_kwargs)
        except sqlalchemy.exc.IntegrityError:
            if attempt == 4:
                raise
            time.sleep(random.uniform(0.05, 0.5))
    raise AssertionError("unreachable")  # pragma: no cover


def _crash_safe_rdb_storage_class() -> type:
    """``RDBStorage`` that also recovers trials killed before their first heartbeat.

    Optuna's RDB storage only counts a running trial as stale once it has a
    heartbeat row; a worker killed between starting a trial and its first
    heartbeat leaves the trial RUNNING for ever, holding one of the study's
    ``n_trials`` slots. Here such a trial is stale once it has run for the
    grace period without any heartbeat.
    """
    import datetime

    import optuna
    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session
    from sqlalchemy import orm

    class CrashSafeRDBStorage(optuna.storages.RDBStorage):
        def _get_stale_trial_ids(self, study_id: int) -> list[int]:
            stale = list(super()._get_stale_trial_ids(study_id))
            assert self.heartbeat_interval is not None
            grace = self.grace_period or 2 * self.heartbeat_interval
            cutoff = datetime.datetime.now() - datetime.timedelta(seconds=grace)
            with _create_scoped_session(self.scoped_session, True) as session:
                running = (
                    session.query(models.TrialModel)
                    .options(orm.selectinload(models.TrialModel.heartbeats))
                    .filter(models.TrialModel.state == optuna.trial.TrialState.RUNNING)
                    .filter(models.TrialModel.study_id == study_id)
                    .all()
                )
                for trial in running:
                    started = trial.datetime_start
                    if trial.heartbeats or started is None or started >= cutoff:
                        continue
                    stale.append(trial.trial_id)
            return stale

    return CrashSafeRDBStorage
