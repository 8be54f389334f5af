"""Opening the SQLite file in WAL mode, and checkpointing it off the gevent hub.

A commit in WAL mode with ``synchronous=NORMAL`` only appends to the WAL file (no fsync), so a
committed row survives ``kill -9`` of the process. The fsyncs happen when the WAL is copied
back into the database (a checkpoint). By default SQLite checkpoints inside whichever commit
crosses 1,000 WAL pages, which stalls that request and, under gevent, every other request.
``WalCheckpointer`` turns that off and checkpoints every ``interval_s`` from an OS thread of
gevent's thread pool on its own connection; SQLite releases the GIL while it does I/O.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import gevent

log = logging.getLogger("memload.reference")


def open_database(path: Path, *, cache_kib: int = 16_384) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")
    db.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    return db


class WalCheckpointer:
    """Checkpoints the WAL of ``db`` (at ``path``) in the background until ``stop()``."""

    def __init__(self, db: sqlite3.Connection, path: Path, *, interval_s: float = 1.0) -> None:
        self._db = db
        self._checkpoint_db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._checkpoint_db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA wal_autocheckpoint=0")
        self._interval_s = interval_s
        self._greenlet = gevent.spawn(self._run)

    def _checkpoint(self) -> None:
        self._checkpoint_db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _run(self) -> None:
        pool = gevent.get_hub().threadpool
        while True:
            gevent.sleep(self._interval_s)
            try:
                pool.apply(self._checkpoint)
            except sqlite3.Error as exc:  # busy or locked: try again next time
                log.warning("WAL checkpoint failed: %s", exc)

    def stop(self) -> None:
        """Stop checkpointing in the background and hand checkpoints back to SQLite."""
        self._greenlet.kill()
        self._checkpoint_db.close()
        self._db.execute("PRAGMA wal_autocheckpoint=1000")
