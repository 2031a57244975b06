"""A fresh PostgreSQL database per test, in a throwaway cluster the test session starts itself.

The cluster is made with Debian's own server binaries (``initdb``/``pg_ctl`` from the
``postgresql`` package, which ``make test`` installs when missing) in a temporary directory, on a
free loopback port, and removed when the session ends. So the tests run on any machine, not only
where a server with trust authentication already listens on 5432. ``SIGNERING_TEST_PG_URL``
(a ``postgresql://user@host:port/db`` admin URL) points them at an existing server instead.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading

import psycopg

_lock = threading.Lock()
_admin_url: str | None = None


class ClusterUnavailable(RuntimeError):
    pass


def _server_bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return os.path.dirname(found[-1])
    on_path = shutil.which("initdb")
    if on_path:
        return os.path.dirname(os.path.realpath(on_path))
    raise ClusterUnavailable(
        "PostgreSQL's server binaries (initdb, pg_ctl) were not found. `make test` installs them "
        "(Debian package `postgresql`); or set SIGNERING_TEST_PG_URL to an existing server.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _demote():
    """initdb refuses to run as root: run the server as Debian's `postgres` user then."""
    if os.geteuid() != 0:
        return None, None
    user = pwd.getpwnam("postgres")

    def preexec():
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return preexec, user


_OWNER_FILE = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sweep_stale(bindir: str, preexec) -> None:
    """Stop and remove the clusters of test sessions that were killed before their atexit ran
    (a killed CI job, a pytest stopped with SIGTERM), so they do not pile up in the temp dir."""
    for workdir in glob.glob(os.path.join(tempfile.gettempdir(), "signering-pg-*")):
        try:
            with open(os.path.join(workdir, _OWNER_FILE)) as fh:
                owner = int(fh.read().strip())
        except (OSError, ValueError):
            continue  # a cluster still starting, or one made before owner files: not ours to judge
        if _alive(owner):
            continue
        subprocess.run([os.path.join(bindir, "pg_ctl"), "-D", os.path.join(workdir, "data"), "-m", "immediate",
                        "-w", "stop"], preexec_fn=preexec, capture_output=True, cwd=workdir)
        shutil.rmtree(workdir, ignore_errors=True)


def _start_cluster() -> str:
    bindir = _server_bindir()
    preexec, user = _demote()
    _sweep_stale(bindir, preexec)
    workdir = tempfile.mkdtemp(prefix="signering-pg-")
    if user is not None:
        os.chown(workdir, user.pw_uid, user.pw_gid)
    data, log = os.path.join(workdir, "data"), os.path.join(workdir, "server.log")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C.UTF-8"

    def run(*args: str) -> None:
        result = subprocess.run(args, preexec_fn=preexec, env=env, cwd=workdir,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise ClusterUnavailable(f"{os.path.basename(args[0])} failed: {result.stderr or result.stdout}")

    # The cluster only lives for this session on a loopback port, so trust authentication and no
    # durability (fsync off) are fine and make it fast.
    run(os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
        "-E", "UTF8", "--no-sync")
    options = (f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    run(os.path.join(bindir, "pg_ctl"), "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start")

    owner = os.getpid()
    with open(os.path.join(workdir, _OWNER_FILE), "w") as fh:
        fh.write(str(owner))

    def stop() -> None:
        if os.getpid() != owner:  # a forked child exiting must not take the session's server down
            return
        subprocess.run([os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
                       preexec_fn=preexec, env=env, cwd=workdir, capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)

    atexit.register(stop)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE test")
    return f"postgresql://postgres@127.0.0.1:{port}/test"


def admin_url() -> str:
    """The admin URL of the session's server; the throwaway cluster starts on first use."""
    global _admin_url
    with _lock:
        if _admin_url is None:
            _admin_url = os.environ.get("SIGNERING_TEST_PG_URL") or _start_cluster()
        return _admin_url


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@contextlib.contextmanager
def fresh_database(prefix: str):
    """Yield a SQLAlchemy URL of a new, empty database; drop it afterwards."""
    import secrets

    admin = admin_url()
    name = f"{prefix}_{secrets.token_hex(5)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin, name).replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
