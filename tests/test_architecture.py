"""The house rules that a move or a new module could quietly break (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from geo_app import vocab
from geo_app.domain.workflow import actions, states

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT / "geo_app" / "domain"


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_domain_imports_without_flask():
    code = """
import sys, pkgutil, importlib
sys.modules["flask"] = None          # any `import flask` now fails
import geo_app.domain as d
names = [m.name for m in pkgutil.walk_packages(d.__path__, "geo_app.domain.")]
for name in names:
    importlib.import_module(name)
print(len(names))
"""
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 40  # every module was walked, not an empty package


def test_domain_is_grouped_into_packages():
    loose = sorted(p.name for p in DOMAIN.glob("*.py") if p.name != "__init__.py")
    assert loose == ["errors.py"]
    for package in (p for p in DOMAIN.rglob("*") if p.is_dir() and p.name != "__pycache__"):
        init = package / "__init__.py"
        assert init.exists(), package
        assert ast.get_docstring(ast.parse(init.read_text())), f"{init} says what it owns"


def test_no_place_is_written_into_the_code():
    allowed = {ROOT / "geo_app" / "config.py"}
    offenders = [p for p in (ROOT / "geo_app").rglob("*.py") if p not in allowed and "Asia/Shanghai" in p.read_text()]
    offenders += [p for p in (ROOT / "layers").rglob("*.py") if "Asia/Shanghai" in p.read_text()]
    assert offenders == []


def test_status_sets_are_not_retyped_in_sql():
    # `IN ('resolved', …)` is a status set typed again instead of taken from vocab
    words = "|".join(vocab.STATUSES + vocab.LANE_STATUSES)
    retyped = re.compile(rf"IN\s*\(\s*'({words})'")
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in (ROOT / "geo_app").rglob("*.py")
        if p.name != "vocab.py"
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if retyped.search(line)
    ]
    assert offenders == []


def test_bench_imports_nothing_from_tests():
    for path in (ROOT / "bench").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("tests"), path
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("tests") for a in node.names), path


def test_importing_the_test_helpers_starts_no_database():
    code = """
import os
os.environ.pop("DATABASE_URL", None)
from geo_app import localdb
def refuse(*args, **kwargs):
    raise SystemExit("a database was started at import")
localdb.start = localdb.ensure_database = refuse
import geo_app.testing, tests.conftest, bench.ingest, bench.maps, bench.analysis
"""
    done = _run(code)
    assert done.returncode == 0, done.stderr + done.stdout


def test_every_action_has_exactly_one_handler():
    assert set(actions.HANDLERS) == set(states.ACTIONS)
