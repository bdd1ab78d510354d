"""A journal-file study storage that survives killed workers and torn writes.

Optuna's :class:`~optuna.storages.JournalStorage` has no heartbeat, so a trial
whose worker was killed stays RUNNING for ever, and its file backend appends
after a torn last line (a worker killed while writing), which corrupts the
file for every later reader. :class:`CrashSafeJournalStorage` adds both:

* heartbeats through Optuna's own machinery (:class:`BaseHeartbeat`): a
  running trial records a timestamp every ``heartbeat_interval`` seconds, and
  a trial whose heartbeat is older than ``grace_period`` seconds, or whose
  worker process on this machine no longer exists, is stale: Optuna's
  ``fail_stale_trials`` marks it failed and the retry callback queues its
  parameters again;
* a backend that checks the file before use and before every append: a torn
  last line is moved aside (to ``<file>.torn-<time>``) with a warning, and a
  damaged line anywhere else is refused with an error naming the file, the
  line and what to do.
"""

from __future__ import annotations

import json
import os
import socket
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from optuna.storages import JournalStorage
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.storages.journal import JournalFileBackend
from optuna.storages.journal._file import get_lock_file
from optuna.trial import TrialState

__all__ = ["CrashSafeJournalBackend", "CrashSafeJournalStorage", "check_journal_file"]

#: Trial system attribute holding the time (seconds since the epoch) of the
#: trial's last heartbeat.
HEARTBEAT_ATTR = "sklearn_convlstm:heartbeat"
#: Trial system attribute naming the worker running the trial ("host:pid").
WORKER_ATTR = "sklearn_convlstm:worker"

_HOST = socket.gethostname()


def check_journal_file(path: str | os.PathLike, *, repair: bool = True) -> int:
    """Check a journal file line by line; move a torn last line aside.

    Parameters
    ----------
    path : str or path-like
        The journal file.
    repair : bool, default=True
        Move a torn last line (no line end: a writer died mid-write) to
        ``<path>.torn-<time>`` and truncate the file before it, with a
        warning. ``False``: raise instead.

    Returns
    -------
    n_records : int
        Complete records in the file.

    Raises
    ------
    ValueError
        When a line other than a torn last one is not a JSON record (the file
        is damaged: it names the file and the line), or the file is not UTF-8.
    """
    path = Path(path)
    if not path.exists():
        return 0
    data = path.read_bytes()
    n_records = 0
    start = 0
    line_number = 0
    while start < len(data):
        end = data.find(b"\n", start)
        line_number += 1
        if end == -1:  # torn last line
            torn = data[start:]
            if not repair:
                raise ValueError(
                    f"The journal file {path} ends with a torn record (line "
                    f"{line_number}, {len(torn)} bytes without a line end): a "
                    "worker was stopped while writing it. Repair it with "
                    "check_journal_file(path, repair=True) or remove that line."
                )
            _move_torn_tail(path, start, torn, line_number)
            break
        line = data[start:end]
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(
                f"The journal file {path} is damaged at line {line_number} "
                f"(byte {start}): {error}. Optuna cannot read the study past it. "
                "Restore the file from a backup, or delete that line and every "
                "line after it to keep the trials recorded before it."
            ) from None
        if not isinstance(record, dict) or "op_code" not in record:
            raise ValueError(
                f"The journal file {path} holds something other than an Optuna "
                f"journal record at line {line_number}; is it a journal file?"
            )
        n_records += 1
        start = end + 1
    return n_records


def _move_torn_tail(path: Path, start: int, torn: bytes, line_number: int) -> None:
    aside = path.with_name(f"{path.name}.torn-{time.strftime('%Y%m%dT%H%M%S')}")
    aside.write_bytes(torn)
    with open(path, "r+b") as file:
        file.truncate(start)
        file.flush()
        os.fsync(file.fileno())
    warnings.warn(
        f"The journal file {path} ended with a torn record (line {line_number}, "
        f"{len(torn)} bytes without a line end: a worker was stopped while "
        f"writing it). It was moved to {aside} and the file truncated before it; "
        "the trial it belonged to is recovered as a stale trial.",
        UserWarning,
        stacklevel=3,
    )


class CrashSafeJournalBackend(JournalFileBackend):
    """Optuna's journal file backend that never appends after a torn line.

    The file is checked when opened (:func:`check_journal_file`); before each
    append, under the journal's lock, a file that does not end with a line
    end (a writer died mid-write) has its torn tail moved aside first.
    New files are created readable and writable by their owner only.
    """

    def __init__(self, file_path: str, lock_obj: Any = None) -> None:
        if not os.path.exists(file_path):
            descriptor = os.open(file_path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(descriptor)
        super().__init__(file_path, lock_obj)
        with get_lock_file(self._lock):
            check_journal_file(file_path)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Append records, first moving aside a torn last line if there is one."""
        with get_lock_file(self._lock):
            size = os.path.getsize(self._file_path)
            if size:
                with open(self._file_path, "rb") as file:
                    file.seek(size - 1)
                    torn = file.read(1) != b"\n"
                if torn:
                    check_journal_file(self._file_path)
            text = "\n".join(json.dumps(log, separators=(",", ":")) for log in logs)
            with open(self._file_path, "ab") as file:
                file.write((text + "\n").encode("utf-8"))
                file.flush()
                os.fsync(file.fileno())


class CrashSafeJournalStorage(JournalStorage, BaseHeartbeat):
    """Optuna's journal storage with heartbeats and stale-trial recovery.

    Parameters
    ----------
    file_path : str
        The journal file (created, owner-only, if missing).
    heartbeat_interval : int or None, default=60
        Seconds between a running trial's heartbeats; ``None`` disables them.
    grace_period : int or None, default=None
        Seconds without a heartbeat after which a running trial is stale;
        ``None``: twice ``heartbeat_interval``. A trial whose worker ran on
        this machine and has exited is stale at once.
    heartbeat_stale_trial_callback : callable or None, default=None
        Called for each trial failed as stale, e.g.
        :class:`optuna.storages.RetryHeartbeatStaleTrialCallback`.
    """

    def __init__(
        self,
        file_path: str,
        *,
        heartbeat_interval: int | None = 60,
        grace_period: int | None = None,
        heartbeat_stale_trial_callback: Callable | None = None,
    ) -> None:
        super().__init__(CrashSafeJournalBackend(file_path))
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.heartbeat_stale_trial_callback = heartbeat_stale_trial_callback

    def record_heartbeat(self, trial_id: int) -> None:
        """Record that the trial's worker is alive (and which worker it is)."""
        trial = self.get_trial(trial_id)
        if trial.state != TrialState.RUNNING:
            return
        try:
            if WORKER_ATTR not in trial.system_attrs:
                self.set_trial_system_attr(
                    trial_id, WORKER_ATTR, f"{_HOST}:{os.getpid()}"
                )
            self.set_trial_system_attr(trial_id, HEARTBEAT_ATTR, time.time())
        except Exception:  # the trial finished meanwhile: nothing to record
            return

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        grace = self.grace_period
        if grace is None:
            grace = 2 * (self.heartbeat_interval or 0)
        now = time.time()
        stale = []
        for trial in self.get_all_trials(
            study_id, deepcopy=False, states=(TrialState.RUNNING,)
        ):
            beat = trial.system_attrs.get(HEARTBEAT_ATTR)
            if beat is None:  # killed before its first heartbeat
                start = trial.datetime_start
                beat = start.timestamp() if start is not None else now
            worker = trial.system_attrs.get(WORKER_ATTR, "")
            if _worker_gone(worker) or now - float(beat) > grace:
                stale.append(trial._trial_id)
        return stale

    def get_heartbeat_interval(self) -> int | None:
        """Seconds between heartbeats, or None when they are off."""
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> Callable | None:
        """Return the callback run for each trial failed as stale."""
        return self.heartbeat_stale_trial_callback


def _worker_gone(worker: str) -> bool:
    """Whether ``"host:pid"`` names a process of this machine that has exited."""
    host, _, pid = worker.rpartition(":")
    if host != _HOST or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
