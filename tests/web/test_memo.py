"""Rarely changing page facts are computed once per PAGE_MEMO_SECONDS per app (geo_app.web.memo)."""

from __future__ import annotations

from geo_app.web.memo import remembered


def test_a_fact_is_computed_once_within_its_period_and_again_after(app):
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    with app.app_context():
        saved = app.config["PAGE_MEMO_SECONDS"]
        try:
            app.config["PAGE_MEMO_SECONDS"] = 60
            assert remembered("test-fact", compute) == 1
            assert remembered("test-fact", compute) == 1  # remembered: not computed again
            app.config["PAGE_MEMO_SECONDS"] = 0
            assert remembered("test-fact", compute) == 2  # period over: computed again
        finally:
            app.config["PAGE_MEMO_SECONDS"] = saved
            app.extensions.get("page_memo", {}).pop("test-fact", None)
    assert len(calls) == 2
