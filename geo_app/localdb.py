"""The project-local PostGIS cluster, used whenever DATABASE_URL is unset.

PostgreSQL refuses to run as root, so every server command goes through
`runuser -u postgres` when we are root. The cluster lives under `var/pg` (git-ignored)
with its own port and socket directory; it is created on first use and reused after.
If the postgres user cannot reach the project directory (a checkout under /root, say),
the data directory moves to /var/lib/geo-app/<hash> and `var/pg` becomes a link to it.

The cluster is durable unless started `fast` (the tests and benchmarks do, and LOCAL_PG_FAST=1 asks for it):
without fsync, synchronous commit and full-page writes, several times quicker to create databases and load
data, and liable to lose or corrupt them in a crash. A cluster running fast is restarted durable when a
command wants it durable (`make run` does) and nobody else is connected to it; with other clients (a
colleague's tests, a benchmark, a server) it is left running with a warning. A durable one is never switched
to fast. Nothing here runs at import or app creation: the app starts the cluster on its first connection.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from geo_app import localauth

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DEFAULT_PORT = int(os.environ.get("LOCAL_PG_PORT", "55432"))
DEFAULT_DB = "geo_app"
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class LocalDbError(RuntimeError):
    """The local cluster could not be created or started."""


def _as_postgres(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    cmd = list(args)
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _reachable_by_postgres(path: Path) -> bool:
    if os.geteuid() != 0:
        return True
    return _as_postgres(["test", "-x", str(path)]).returncode == 0


def data_dir() -> Path:
    """Return the cluster's data directory, choosing a reachable place on first use."""
    var = PROJECT_ROOT / "var"
    var.mkdir(exist_ok=True)
    link = var / "pg"
    if link.exists() or link.is_symlink():
        return link.resolve()
    if _reachable_by_postgres(var):
        return link
    digest = hashlib.sha1(str(PROJECT_ROOT).encode()).hexdigest()[:10]
    target = Path("/var/lib/geo-app") / digest / "pg"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(target.parent.parent, 0o755)
    os.chmod(target.parent, 0o755)
    link.symlink_to(target)
    return target


def socket_dir() -> Path:
    """Return the directory holding the cluster's Unix socket (beside the data directory)."""
    return data_dir().parent / "pgsock"


def _chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def init_cluster() -> None:
    """Create the cluster with password (SCRAM) auth if it does not exist yet (see geo_app.localauth)."""
    pgdata = data_dir()
    if (pgdata / "PG_VERSION").exists():
        return
    if not (PG_BIN / "initdb").exists():
        raise LocalDbError(f"{PG_BIN}/initdb not found: install postgresql-15-postgis-3 (make run does)")
    pgdata.mkdir(parents=True, exist_ok=True)
    _chown_postgres(pgdata)
    os.chmod(pgdata, 0o700)
    pwfile = pgdata.parent / ".initdb-password"  # read by initdb as the postgres user, removed right after
    pwfile.write_text(localauth.password("postgres"))
    os.chmod(pwfile, 0o600)
    _chown_postgres(pwfile)
    try:
        res = _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
    finally:
        pwfile.unlink(missing_ok=True)
    if res.returncode != 0:
        raise LocalDbError(f"initdb failed: {res.stderr.strip()}")
    _as_postgres(["tee", str(pgdata / "pg_hba.conf")], input=localauth.HBA)
    log.info("initialised local cluster in %s", pgdata)


def is_running(port: int = DEFAULT_PORT) -> bool:
    """Return True when the local cluster accepts connections."""
    res = subprocess.run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"], capture_output=True)
    return res.returncode == 0


def wants_fast() -> bool:
    """Return True when LOCAL_PG_FAST asks for a cluster without durability (tests, benchmarks)."""
    return os.environ.get("LOCAL_PG_FAST", "").strip().lower() in ("1", "true", "yes")


def options(port: int, sock: Path, fast: bool) -> str:
    """Return the server options of the cluster (`fast`: the FAST_SETTINGS too)."""
    opts = [f"-p {port}", f"-k {sock}", "-c listen_addresses=127.0.0.1"] + [f"-c {s}" for s in tuning()]
    return " ".join(opts + ([f"-c {setting}" for setting in FAST_SETTINGS] if fast else []))


def tuning(memory: int | None = None) -> list[str]:
    """Return the cluster's settings for this machine (`memory`: its RAM in bytes, read when None).

    - max_connections: the server's pools (gunicorn.conf.py: workers × (threads + overflow)), the flask
      commands, tests and benchmarks, with room to spare; each idle connection costs a few MB.
    - shared_buffers: 1/16 of RAM within 256 MB-2 GB (the machine also runs the app and, in development,
      other clusters; the OS page cache holds the rest: effective_cache_size).
    - jit off: the app's statements are short; JIT compiling a plan over a million rows cost more than the
      query it sped up (tens of ms on a list page).
    - WAL of a durable server: commits wait for one fdatasync (about 1 ms here) that concurrent commits share
      (group commit: commit_delay waits 50 µs for company when 5 others are committing); checkpoints every
      15 min or 4 GB of WAL, compressed full-page images, so that a checkpoint does not flood the disk.
    - random_page_cost 1.1: the data lives on SSD (or in cache); index scans are not 4× dearer than reads.
    """
    if memory is None:
        try:
            memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError):
            memory = 4 << 30
    mb = memory >> 20
    shared = min(max(mb // 16, 256), 2048)
    return [
        "max_connections=200",
        f"shared_buffers={shared}MB",
        f"effective_cache_size={max(mb // 2, shared)}MB",
        "work_mem=64MB",
        "maintenance_work_mem=512MB",
        "jit=off",
        "random_page_cost=1.1",
        "wal_buffers=16MB",
        "wal_compression=on",
        "checkpoint_timeout=15min",
        "max_wal_size=4GB",
        "commit_delay=50",
        "commit_siblings=5",
    ]


def runs_fast(port: int = DEFAULT_PORT) -> bool:
    """Return True when the running cluster has fsync off."""
    import psycopg  # local import: keeps `import geo_app` cheap

    localauth.secure_running_cluster(port, data_dir())  # a cluster made with trust auth by an older checkout
    with psycopg.connect(**localauth.admin_params(port), dbname="postgres", autocommit=True) as conn:
        row = conn.execute("SHOW fsync").fetchone()
        assert row is not None  # SHOW always returns one row
        fsync: str = row[0]
        return fsync == "off"


def other_clients(port: int = DEFAULT_PORT) -> int:
    """Return how many other client connections the running cluster has (tests, servers, benchmarks)."""
    import psycopg  # local import: keeps `import geo_app` cheap

    with psycopg.connect(**localauth.admin_params(port), dbname="postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()
        assert row is not None  # count(*) always returns one row
        return int(row[0])


def must_restart(running_fast: bool, fast: bool, others: int = 0) -> bool:
    """A running cluster is restarted only to make it durable, never to make it fast, and never while
    another process is connected to it (a restart would cut that process off)."""
    return running_fast and not fast and others == 0


def start(port: int = DEFAULT_PORT, fast: bool | None = None) -> None:
    """Start the cluster (creating it first) unless it already runs; durable unless `fast` (default:
    LOCAL_PG_FAST). A cluster running fast when a durable one is wanted is restarted."""
    fast = wants_fast() if fast is None else fast
    if is_running(port):
        running_fast = runs_fast(port)
        if not (running_fast and not fast):
            return
        others = other_clients(port)
        if not must_restart(running_fast, fast, others):
            log.warning(
                "the local cluster runs without fsync (started for tests) and %d other connection(s) use it: "
                "left as it is; data written now is not crash-safe (stop it when they are done, then start again)",
                others,
            )
            return
        log.warning("the local cluster runs without fsync (started for tests): restarting it durable")
        stop()
    init_cluster()
    pgdata, sock = data_dir(), socket_dir()
    sock.mkdir(exist_ok=True)
    _chown_postgres(sock)
    logfile = pgdata.parent / "pg.log"
    logfile.touch()
    _chown_postgres(logfile)
    os.chmod(logfile, 0o600)  # the log may quote statements and their data: the postgres user's only
    res = _as_postgres(
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(pgdata),
            "-l",
            str(logfile),
            "-o",
            options(port, sock, fast),
            "-w",
            "-t",
            "60",
            "start",
        ]
    )
    if res.returncode != 0 and not is_running(port):
        tail = logfile.read_text(errors="replace")[-2000:]
        raise LocalDbError(f"pg_ctl start failed: {res.stderr.strip()}\n{tail}")
    for _ in range(50):
        if is_running(port):
            localauth.secure_running_cluster(port, pgdata)
            return
        time.sleep(0.2)
    raise LocalDbError("local cluster did not become ready")


def stop() -> None:
    """Stop the cluster if it runs."""
    pgdata = data_dir()
    if (pgdata / "postmaster.pid").exists():
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "stop"])


def url(dbname: str = DEFAULT_DB, port: int = DEFAULT_PORT, role: str = "geo_owner") -> str:
    """Return the SQLAlchemy URL of a database on the local cluster, as `role` (default: the owner)."""
    return localauth.url(role, dbname, port)


def ensure_database(dbname: str = DEFAULT_DB, port: int = DEFAULT_PORT, role: str = "geo_owner") -> str:
    """Start the cluster, create `dbname` with PostGIS and its roles if missing, and return its URL as `role`.

    geo_owner owns the database and its tables (migrations and `flask` commands use it); geo_app, which
    the web server uses (LOCAL_PG_ROLE=geo_app in scripts/serve.sh), reads and writes rows only."""
    import psycopg  # local import: keeps `import geo_app` cheap

    start(port)
    with psycopg.connect(**localauth.admin_params(port), dbname="postgres", autocommit=True) as conn:
        localauth.ensure_roles(conn)
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        localauth.hand_over(conn, dbname)
    with psycopg.connect(**localauth.admin_params(port), dbname=dbname, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        localauth.grant_app(conn)
    return url(dbname, port, role)
