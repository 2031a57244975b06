"""Engine and sessions for SQLite (embedded default) and PostgreSQL (production).

Workflow steps run in :meth:`Database.write` sessions. On SQLite those start with
``BEGIN IMMEDIATE`` so two requests cannot both read "not yet signed" and both sign; on
PostgreSQL the steps lock their rows with ``SELECT … FOR UPDATE`` (see :func:`locked`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import zlib

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def default_url(instance_dir: str) -> str:
    return "sqlite:///" + os.path.join(os.path.abspath(instance_dir), "signering.sqlite3")


def _private_sqlite_file(path: str) -> None:
    """Make the SQLite file readable by the service's user only, before SQLite opens it.

    SQLite creates a database with the process umask (usually 0644), and the database holds
    password hashes, webhook secrets and e-mail addresses. Its -wal and -shm files take the
    database file's mode when SQLite creates them; files left by an older version are narrowed.
    """
    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        try:
            mode = os.stat(name).st_mode
            if mode & 0o077:
                os.chmod(name, mode & 0o700)
        except FileNotFoundError:
            pass
        except PermissionError:
            log.warning("%s is readable by other users and is not ours to change; run chmod 600 on it", name)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")


class Database:
    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs = {"future": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
            path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
            if path and path != ":memory:" and not path.startswith("file:"):
                _private_sqlite_file(path)
        else:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
        self.engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(immediate=True), expire_on_commit=False)
        #: counts this process's committed write transactions, so a cache of a query's answer
        #: can tell that this process may have changed it (another process's writes it cannot see)
        self.commits = 0

    @contextlib.contextmanager
    def read(self):
        with self._read() as session:
            yield session

    @contextlib.contextmanager
    def write(self):
        """One transaction: committed when the block ends, rolled back on any exception."""
        with self._write() as session:
            with session.begin():
                yield session
            self.commits += 1

    @contextlib.contextmanager
    def lease(self, job: str, ident: int, *, wait: bool = False):
        """Yield True if this process may do ``job`` for ``ident`` now, False if another holds it
        (with ``wait``, wait for it instead, and always yield True).

        For work done outside any transaction (a seal's PDF work), so that several servers and
        workers on one PostgreSQL do it once instead of each doing it and all but one throwing
        it away. The lease is a session advisory lock: a process that dies loses its connection
        and with it the lease, so nothing is left to expire. SQLite is one host and serialises
        its writers anyway: there every caller gets the lease and the write decides.
        """
        if self.is_sqlite:
            yield True
            return
        params = {"job": zlib.crc32(job.encode()) & 0x7FFFFFFF, "ident": ident}
        take = "pg_advisory_lock(:job, :ident) IS NOT NULL" if wait else "pg_try_advisory_lock(:job, :ident)"
        with self.engine.connect() as conn:
            held = bool(conn.execute(text(f"SELECT {take}"), params).scalar())
            conn.commit()
            try:
                yield held
            finally:
                if held:
                    conn.execute(text("SELECT pg_advisory_unlock(:job, :ident)"), params)
                    conn.commit()

    def upgrade(self) -> None:
        """Create or migrate the schema to the newest version (Alembic)."""
        from alembic import command

        # Every app server migrates when it starts; several started at once after an update
        # would each create the same tables, and all but one crash. They take turns, and the
        # later ones find the schema at head.
        with self.lease("migrate", 0, wait=True):
            command.upgrade(alembic_config(self.url), "head")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def locked(session: Session, model, **filters):
    """Select one row for update (a row lock on PostgreSQL; SQLite holds the database lock)."""
    stmt = select(model).filter_by(**filters).with_for_update()
    return session.execute(stmt).scalar_one_or_none()
