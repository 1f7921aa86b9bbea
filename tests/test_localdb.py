"""The project-local cluster: durable for `make run`, without fsync only where data is throwaway."""

from pathlib import Path

import pytest

from geo_app import localdb


def test_a_durable_cluster_keeps_fsync_and_a_fast_one_drops_it():
    durable, fast = localdb.options(55432, Path("/s"), fast=False), localdb.options(55432, Path("/s"), fast=True)
    assert not any(setting in durable for setting in localdb.FAST_SETTINGS)
    assert all(f"-c {setting}" in fast for setting in localdb.FAST_SETTINGS)
    assert durable in fast and "-p 55432" in durable and "-k /s" in durable


def test_only_a_fast_cluster_wanted_durable_is_restarted():
    assert localdb.must_restart(running_fast=True, fast=False)
    assert not localdb.must_restart(running_fast=True, fast=True)
    assert not localdb.must_restart(running_fast=False, fast=True)  # never made unsafe under a running app
    assert not localdb.must_restart(running_fast=False, fast=False)


@pytest.mark.parametrize(
    ("value", "fast"), [("1", True), ("true", True), (" YES ", True), ("", False), ("0", False), ("no", False)]
)
def test_local_pg_fast_asks_for_a_fast_cluster(monkeypatch, value, fast):
    monkeypatch.setenv("LOCAL_PG_FAST", value)
    assert localdb.wants_fast() is fast
