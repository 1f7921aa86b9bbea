"""The real server of `make run` (scripts/serve.sh: gunicorn) against hostile clients: 300 half-open
connections from one address do not stop a normal client getting /healthz."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HALF_OPEN = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as res:
        return res.status, res.read()


def wait_for_health(base: str, proc: subprocess.Popen, tries: int) -> None:
    """Wait until the server at `base` answers /healthz (every 0.2 s); fail with its output if it dies."""
    for _ in range(tries):
        with contextlib.suppress(OSError):
            if _get(base + "/healthz", timeout=5)[0] == 200:
                return
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode(errors="replace") if proc.stdout else "server died")
        time.sleep(0.2)
    raise AssertionError(f"{base} never answered /healthz")


@pytest.fixture()
def real_server(clone_db):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": clone_db(), "PORT": str(port), "WEB_WORKERS": "2", "WEB_THREADS": "4"}
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "serve.sh")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, proc, tries=300)
        yield base, port, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_half_open_connections_do_not_stop_healthz(real_server):
    base, port, _ = real_server
    held = []
    try:
        for i in range(HALF_OPEN):
            s = socket.create_connection(("127.0.0.1", port))
            if i % 2:  # half of them start a request and never finish its headers
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(s)
        for _ in range(5):
            status, body = _get(base + "/healthz", timeout=1)
            assert status == 200 and b'"ok"' in body
    finally:
        for s in held:
            s.close()


def test_the_server_runs_several_worker_processes(real_server):
    _, _, proc = real_server
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) >= 2


def test_oversized_headers_and_bodies_are_refused(real_server):
    base, port, _ = real_server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        assert s.recv(100).split(b" ")[1] in (b"400", b"431")
    req = urllib.request.Request(
        base + "/api/token",
        data=b"{" + b" " * (30 * 1024 * 1024) + b"}",
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as err:
        assert err.code in (400, 413)  # refused, not read into memory and parsed
    except urllib.error.URLError as err:  # or answered and closed before the client finished sending it
        assert isinstance(err.reason, (BrokenPipeError, ConnectionResetError)), err
    else:
        pytest.fail("a 30 MB body was accepted")


def test_sigterm_stops_the_server_gracefully(real_server):
    base, _, proc = real_server
    assert _get(base + "/healthz", timeout=5)[0] == 200
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
