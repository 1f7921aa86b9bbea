"""Load benchmark: the real server (scripts/serve.sh: gunicorn, as `make run` serves) on a synthetic city,
driven by `wrk` with Lua scripts, on a durable cluster. For each mix (intake, public reads, staff reads):
req/s, p50/p95/p99, errors, and how the machine's CPU was shared by server, database and load generator.

Goals (issue #18; 16 clients, the generator on the same 2-core machine): intake >= 300 req/s, p99 < 100 ms;
public reads >= 1,000 req/s, p99 < 50 ms; staff reads >= 200 req/s, p99 < 200 ms (1M issues).

Run: `.venv/bin/python -m bench load`. BENCH_LOAD_ISSUES (1000000), BENCH_LOAD_SEGMENTS (100000),
BENCH_LOAD_SECONDS (20), BENCH_LOAD_CLIENTS (16), BENCH_LOAD_MIXES (intake,public,staff),
BENCH_KEEP_DB (keep the city under that name and reuse it), WEB_WORKERS / WEB_THREADS (the server's).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password"
USERS = (("bench_clerk", "clerk"), ("bench_planner", "planner"))
GOALS = {"intake": (300, 100), "public": (1000, 50), "staff": (200, 200)}  # req/s at least, p99 ms below
CATEGORIES = ("cooking_fumes", "noise", "illegal_parking", "dog_keeping", "water_renovation", "ac_dripping")

# wrk runs this in each of its threads: requests from a list (method, path, body) cycled from a random
# start, the tokens and cookies set below; done() prints the figures as one JSON line.
LUA = r"""
local reqs = {%(requests)s}
local headers = {%(headers)s}
local n = 0
function init(args) n = math.random(#reqs) end
function request()
  n = n %% #reqs + 1
  local r = reqs[n]
  return wrk.format(r[1], r[2], headers, r[3])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, ' ..
    '"errors": %%d, "status_errors": %%d}\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def _lua_str(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def build_city(issues: int, segments: int) -> str:
    """Return the name of a database holding the city (built now unless BENCH_KEEP_DB names one)."""
    from geo_app.domain.core.accounts import create_user
    from geo_app.domain.core.deployment import refresh_service_area
    from geo_app.domain.datasets.synth import synth_city
    from geo_app.extensions import db
    from geo_app.testing import create_database, database_exists, db_url, make_app, migrate_and_load

    name = os.environ.get("BENCH_KEEP_DB") or f"geo_app_bench_load_{issues}"
    if os.environ.get("BENCH_KEEP_DB") and database_exists(name):
        url = db_url(name)
        migrate_and_load(url, demo=False, profile=False)  # a city kept from an older checkout: migrate it
        print(f"  city: reusing {name}", flush=True)
    else:
        url = create_database(name)
        migrate_and_load(url, demo=False)
        t0 = time.perf_counter()
        app = make_app(url)
        with app.app_context():
            synth_city(db.session, segments, issues, seed=4)
            db.session.commit()
        print(f"  city: {issues} issues, {segments} segments built in {time.perf_counter() - t0:.0f} s", flush=True)
    app = make_app(url)
    with app.app_context():
        refresh_service_area(db.session)
        for username, role in USERS:
            if not db.session.execute(text("SELECT 1 FROM users WHERE username = :u"), {"u": username}).first():
                create_user(db.session, username, PASSWORD, role, username, None, None, None)
        db.session.commit()
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        db.engine.dispose()
    _hand_over(name)
    return name


def _hand_over(name: str) -> None:
    """Let the server connect as geo_app (rows, not tables), as `make run` does."""
    from geo_app import localauth
    from geo_app.testing import connect

    with connect("postgres", autocommit=True) as conn:
        localauth.ensure_roles(conn)
        localauth.hand_over(conn, name)
    with connect(name, autocommit=True) as conn:
        localauth.grant_app(conn)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(name: str, port: int) -> subprocess.Popen[bytes]:
    """Start scripts/serve.sh on database `name`; return once it answers /healthz."""
    from geo_app import localauth
    from geo_app.testing import server

    env = {**os.environ, "PORT": str(port), "DATABASE_URL": localauth.url("geo_app", name, int(server()["port"]))}
    env.pop("ACCESS_LOG", None)
    env.setdefault("LOG_LEVEL", "warning")
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "serve.sh")], env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL
    )
    import requests

    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)


def _cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick  # + children's
    return total


def _tree(root: int) -> list[int]:
    """Return `root` and its descendants (the server's master and workers; the postmaster and backends)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _postmaster() -> int:
    from geo_app import localdb

    return int((localdb.data_dir() / "postmaster.pid").read_text().split()[0])


def _machine_cpu() -> float:
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields[:8]) if i not in (3, 4))  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def sessions(base: str) -> dict[str, dict[str, str]]:
    """Return each user's Authorization header and session cookie."""
    import requests

    out = {}
    for username, _ in USERS:
        token = requests.post(f"{base}/api/token", json={"username": username, "password": PASSWORD}).json()["token"]
        web = requests.Session()
        page = web.get(f"{base}/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf, "no CSRF token on /login"
        web.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf[1]})
        cookie = "; ".join(f"{k}={v}" for k, v in web.cookies.items())
        out[username] = {"Authorization": f"Bearer {token}", "Cookie": cookie}
    return out


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def mixes(name: str, auth: dict[str, dict[str, str]]) -> dict[str, tuple[list[tuple[str, str, str]], dict[str, str]]]:
    """Return, per mix, its requests (method, path, body) and headers."""
    from geo_app.testing import connect

    rng = random.Random(18)
    with connect(name) as conn:
        points = conn.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(geom, random()) p FROM street_segments "
            "TABLESAMPLE SYSTEM (5) LIMIT 3000) q"
        ).fetchall()
        refs = [r[0] for r in conn.execute("SELECT ref FROM issues TABLESAMPLE SYSTEM (1) LIMIT 500").fetchall()]
        west, south, east, north = conn.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(geom) e FROM street_segments) q"
        ).fetchone()
    intake = [
        (
            "POST",
            "/api/issues",
            json.dumps(
                {
                    "category": rng.choice(CATEGORIES),
                    "description": f"负载测试 {k}",
                    "lon": lon + rng.uniform(-0.0001, 0.0001),
                    "lat": lat + rng.uniform(-0.0001, 0.0001),
                    "channel": "phone",
                    "reporter_name": "测试",
                    "reporter_phone": "13800000000",
                },
                ensure_ascii=False,
            ),
        )
        for k, (lon, lat) in enumerate(points)
    ]
    public, staff = [], []
    for _ in range(600):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        z = rng.randint(12, 18)
        x, y = _tile(lon, lat, z)
        public.append(("GET", f"/tiles/public/{z}/{x}/{y}.pbf", ""))
        d = rng.choice((0.002, 0.005, 0.01))
        bbox = f"{lon - d:.5f},{lat - d:.5f},{lon + d:.5f},{lat + d:.5f}"
        public.append(("GET", f"/api/public/issues?bbox={bbox}", ""))
        if rng.random() < 0.1:
            public.append(("GET", "/maps/public", ""))
        staff.append(("GET", f"/tiles/issues/{z}/{x}/{y}.pbf", ""))
        staff.append(("GET", f"/api/issues?bbox={bbox}&per_page=50", ""))
    statuses = ("open", "reported", "in_progress", "closed", "")
    for k in range(300):
        cat = rng.choice(CATEGORIES)
        staff.append(("GET", f"/api/issues?status={rng.choice(statuses)}&category={cat}&per_page=50", ""))
        staff.append(("GET", f"/work?page={1 + k % 5}", ""))
        staff.append(("GET", "/work?overdue=1", ""))
        staff.append(("GET", f"/issues/{rng.choice(refs)}", ""))
    rng.shuffle(public)
    rng.shuffle(staff)
    json_type = {"Content-Type": "application/json"}
    return {
        "intake": (intake, {"Authorization": auth["bench_clerk"]["Authorization"], **json_type}),
        "public": (public, {}),
        "staff": (staff, auth["bench_planner"]),
    }


def run_mix(
    base: str, requests_: list[tuple[str, str, str]], headers: dict[str, str], seconds: int, clients: int, server: int
) -> dict[str, float]:
    """Drive the server with wrk for `seconds`; return its figures and the CPU each party used."""
    lua = LUA % {
        "requests": ",".join("{" + ",".join(_lua_str(v) for v in r) + "}" for r in requests_),
        "headers": ",".join(f"[{_lua_str(k)}]={_lua_str(v)}" for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    db_pids = _tree(_postmaster())
    server_pids = _tree(server)
    before = (_cpu_seconds(server_pids), _cpu_seconds(db_pids), _machine_cpu(), time.monotonic())
    proc = subprocess.run(
        ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s", "-s", f.name, base],
        capture_output=True,
        text=True,
    )
    Path(f.name).unlink()
    wrk_cpu = _children_cpu()
    after = (_cpu_seconds(_tree(server)), _cpu_seconds(_tree(_postmaster())), _machine_cpu(), time.monotonic())
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"wrk said: {proc.stdout}\n{proc.stderr}")
    figures = json.loads(line)
    wall = after[3] - before[3]
    figures.update(
        rps=figures["requests"] / figures["seconds"],
        server=(after[0] - before[0]) / wall,
        database=(after[1] - before[1]) / wall,
        generator=(wrk_cpu - run_mix.wrk_cpu) / wall,
        machine=(after[2] - before[2]) / wall,
    )
    run_mix.wrk_cpu = wrk_cpu
    return figures


run_mix.wrk_cpu = 0.0  # type: ignore[attr-defined]


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def main() -> None:
    from geo_app import localdb

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (scripts/bootstrap.sh installs it for tests)")
    issues = int(os.environ.get("BENCH_LOAD_ISSUES", "1000000"))
    segments = int(os.environ.get("BENCH_LOAD_SEGMENTS", "100000"))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "20"))
    clients = int(os.environ.get("BENCH_LOAD_CLIENTS", "16"))
    wanted = os.environ.get("BENCH_LOAD_MIXES", "intake,public,staff").split(",")
    os.environ.setdefault("LOCAL_PG_FAST", "1")  # building the city; the load runs on a durable cluster below
    name = build_city(issues, segments)
    if not os.environ.get("DATABASE_URL"):
        localdb.start(fast=False)  # durable, as `make run` (left as it is if other clients use it)
        durable = not localdb.runs_fast()
    else:
        durable = True
    port = _free_port()
    server = start_server(name, port)
    base = f"http://127.0.0.1:{port}"
    workers, threads = os.environ.get("WEB_WORKERS", str(os.cpu_count())), os.environ.get("WEB_THREADS", "8")
    try:
        plan = mixes(name, sessions(base))
        print(
            f"  {issues} issues, {segments} segments; {clients} clients for {seconds} s per mix; server "
            f"{workers} workers x {threads} threads; cluster {'durable' if durable else 'FAST (not durable)'}; "
            f"{os.cpu_count()} cores",
            flush=True,
        )
        print(
            "  mix       req/s   p50 ms  p95 ms  p99 ms  errors  | CPU (cores): server  database  wrk  machine"
            "  | CPU ms/req: server  database  wrk  -> ceiling req/s"
        )
        for mix in wanted:
            run_mix(base, *plan[mix][:1], plan[mix][1], 3, clients, server.pid)  # warm-up
            r = run_mix(base, plan[mix][0], plan[mix][1], seconds, clients, server.pid)
            goal_rps, goal_p99 = GOALS[mix]
            flag = (
                "" if r["rps"] >= goal_rps and r["p99"] < goal_p99 else f"  (goal {goal_rps} req/s, p99 < {goal_p99})"
            )
            # CPU per request does not depend (much) on who else uses the machine: with it, the rate these
            # processes could reach with the machine's cores to themselves
            per = {k: 1000 * r[k] / max(r["rps"], 1e-9) for k in ("server", "database", "generator")}
            ceiling = (os.cpu_count() or 1) * 1000 / max(sum(per.values()), 1e-9)
            print(
                f"  {mix:8} {r['rps']:7.1f} {r['p50']:8.1f} {r['p95']:7.1f} {r['p99']:7.1f} "
                f"{int(r['errors'] + r['status_errors']):7d}  | {r['server']:17.2f} {r['database']:9.2f} "
                f"{r['generator']:4.2f} {r['machine']:8.2f}  | {per['server']:16.1f} {per['database']:9.1f} "
                f"{per['generator']:4.1f}  -> {ceiling:6.0f}{flag}",
                flush=True,
            )
    finally:
        stop_server(server)
