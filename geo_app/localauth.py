"""Who may connect to the project-local cluster: SCRAM passwords, generated once and kept in var/.

- `postgres` (superuser): administration, throwaway test databases; also by peer on the Unix socket for
  the postgres OS user (who owns the data files anyway).
- `geo_owner`: owns the app's database, schema and tables; migrations and `flask` commands run as it.
- `geo_app`: what the web server connects as: reads and writes rows, cannot drop or alter a table.
Every other OS user (tried as `nobody`) has no password and gets nowhere. The password files are
var/pg-<role>.password, mode 0600, owned by whoever runs the project (root on the reference machine).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROLES = ("postgres", "geo_owner", "geo_app")
HBA = """# Written by geo_app.localauth: passwords (SCRAM) for everyone, peer for the postgres OS user.
local   all   postgres                    peer
local   all   all                         scram-sha-256
host    all   all        127.0.0.1/32     scram-sha-256
"""


def password_file(role: str) -> Path:
    """Return the file that holds `role`'s password."""
    from geo_app.localdb import PROJECT_ROOT

    return PROJECT_ROOT / "var" / f"pg-{role}.password"


def password(role: str) -> str:
    """Return `role`'s password, generating and storing it (root-only) on first use."""
    path = password_file(role)
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(24))
    os.chmod(path, 0o600)
    return path.read_text().strip()


def admin_params(port: int) -> dict[str, Any]:
    """Return psycopg connection parameters of the superuser on the local cluster."""
    return {"host": "127.0.0.1", "port": port, "user": "postgres", "password": password("postgres")}


def write_hba(pgdata: Path) -> None:
    """Replace the cluster's pg_hba.conf with password rules (the caller reloads the server)."""
    (pgdata / "pg_hba.conf").write_text(HBA)


def secure_running_cluster(port: int, pgdata: Path) -> bool:
    """Move a running cluster to password rules (one made with trust auth by an older checkout, say);
    return True when it changed anything. The superuser's password is set first, while trust still lets
    us in, then pg_hba.conf is replaced and reloaded."""
    import psycopg

    from geo_app.localdb import _as_postgres

    hba = pgdata / "pg_hba.conf"
    log = pgdata.parent / "pg.log"
    if log.exists():
        os.chmod(log, 0o600)
    if hba.read_text() == HBA:
        return False
    with psycopg.connect(**admin_params(port), dbname="postgres", autocommit=True) as conn:
        conn.execute(f"ALTER ROLE postgres PASSWORD '{password('postgres')}'")
        _as_postgres(["tee", str(hba)], input=HBA)
        conn.execute("SELECT pg_reload_conf()")
    return True


def ensure_roles(conn: Any) -> None:
    """Create (or re-password) geo_owner and geo_app on a superuser connection."""
    for role in ("geo_owner", "geo_app"):
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(f"{verb} ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password(role)}'")


def hand_over(conn: Any, dbname: str) -> None:
    """Make geo_owner own `dbname` and its schema, and give geo_app rows but not tables (superuser conn)."""
    conn.execute(f'ALTER DATABASE "{dbname}" OWNER TO geo_owner')
    conn.execute(f'REVOKE ALL ON DATABASE "{dbname}" FROM PUBLIC')
    conn.execute(f'GRANT CONNECT, TEMPORARY ON DATABASE "{dbname}" TO geo_app')


def grant_app(conn: Any) -> None:
    """In the current database: geo_owner owns the public schema and everything in it; geo_app may read and
    write rows (now and in tables the owner creates later) but not create, alter or drop."""
    conn.execute("ALTER SCHEMA public OWNER TO geo_owner")
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    conn.execute("GRANT USAGE ON SCHEMA public TO geo_app")
    for kind, rights in (("TABLES", "SELECT, INSERT, UPDATE, DELETE"), ("SEQUENCES", "USAGE, SELECT, UPDATE")):
        conn.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE geo_owner IN SCHEMA public GRANT {rights} ON {kind} TO geo_app"
        )
    rows = conn.execute(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'm', 'p') "
        "AND pg_get_userbyid(c.relowner) = 'postgres' AND c.relname <> 'spatial_ref_sys' "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))"
    ).fetchall()
    for name, _kind in rows:  # tables a superuser made before the hand-over (an older checkout)
        conn.execute(f'ALTER TABLE public."{name}" OWNER TO geo_owner')
    functions = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = 'postgres' AND NOT EXISTS "
        "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"  # PostGIS's stay its own
    ).fetchall()
    for (signature,) in functions:  # trigger functions of the rollups, made by a superuser before
        conn.execute(f"ALTER FUNCTION {signature} OWNER TO geo_owner")
    conn.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO geo_app")
    conn.execute("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO geo_app")


def url(role: str, dbname: str, port: int) -> str:
    """Return the SQLAlchemy URL of `dbname` on the local cluster as `role`."""
    return f"postgresql+psycopg://{role}:{password(role)}@127.0.0.1:{port}/{dbname}"
