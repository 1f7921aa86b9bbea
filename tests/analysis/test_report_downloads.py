"""The report for Excel and paper: presets and comparisons, CSV with a BOM and Chinese tables, XLSX, errors
inside the form, satisfaction figures from the 回访 recorded through the workflow."""

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import text

from geo_app.domain.analysis.reports import compare
from geo_app.domain.analysis.reports import report as reports
from geo_app.domain.core import periods
from geo_app.domain.core.validation import period_bounds
from tests.workflow.helpers import login
from tests.workflow.test_follow_up import _act, _resolved

DEMO = "start=2020-05-01&end=2020-11-06"
DEMO_PERIOD = (date(2020, 5, 1), date(2020, 11, 6))


def _tables(body: str) -> dict[str, list[list[str]]]:
    """Split a sectioned CSV into {title: rows (header first)}: a blank line, then the title, then the table."""
    rows = list(csv.reader(io.StringIO(body)))
    tables: dict[str, list[list[str]]] = {}
    current = None
    for i, row in enumerate(rows):
        if not row:
            current = None
        elif current is None and i and not rows[i - 1]:
            current = tables.setdefault(row[0], [])
        elif current is not None:
            current.append(row)
    return tables


def test_csv_has_a_bom_chinese_tables_one_content_type_and_the_demo_figures(client, session):
    session.execute(text("UPDATE teams SET name = '=HYPERLINK(\"http://evil.example\",\"x\")' WHERE code = 'T-YHNL'"))
    login(client, "planner")
    res = client.get(f"/reports?{DEMO}&format=csv")
    assert res.status_code == 200
    assert res.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]
    assert res.data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    body = res.data.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("大塘街道")  # the deployment's name heads the sheet
    tables = _tables(body)
    assert list(tables) == ["主要数据", "按类别", "按街长团队", "问题最多的街段", "按部门"]  # one table a section
    totals = {r[0]: r[1] for r in tables["主要数据"][1:]}
    assert tables["主要数据"][0][:2] == ["指标", "本期"] and "上期" in tables["主要数据"][0][2]
    assert (totals["收集问题"], totals["现场解决"], totals["街长团队解决"], totals["打通消防通道"]) == (
        "265",
        "89",
        "151",
        "5",
    )
    assert tables["按类别"][0][0] == "类别" and "油烟" in {r[0] for r in tables["按类别"][1:]}  # names, not codes
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    english = _tables(client.get(f"/reports?{DEMO}&format=csv&lang=en").data.decode("utf-8-sig"))
    assert "By category" in english and english["By category"][0][0] == "Category"
    assert "Cooking fumes" in {r[0] for r in english["By category"][1:]} or english["By category"][1][0].isascii()


def test_xlsx_round_trips_through_openpyxl_with_a_sheet_per_section(client, session):
    session.execute(text("UPDATE teams SET name = '=1+2' WHERE code = 'T-YHNL'"))
    login(client, "planner")
    res = client.get(f"/reports?{DEMO}&format=xlsx")
    assert res.status_code == 200 and res.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(res.data))
    assert book.sheetnames == ["主要数据", "按类别", "按街长团队", "问题最多的街段", "按部门"]
    totals = book["主要数据"]
    values = {row[0]: row[1] for row in totals.iter_rows(min_row=4, values_only=True) if row[0]}
    expected = reports.figures(session, *DEMO_PERIOD)
    assert values["收集问题"] == expected["issues_collected"] == 265 and isinstance(values["收集问题"], int)
    assert values["现场解决"] == 89 and values["街长团队解决"] == 151 and values["打通消防通道"] == 5
    teams = [row[0] for row in book["按街长团队"].iter_rows(values_only=True)]
    assert "'=1+2" in teams  # text, not a formula
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)


def test_a_reversed_period_or_bad_date_is_shown_in_the_form_in_chinese(client):
    login(client, "planner")
    res = client.get("/reports?start=2020-11-06&end=2020-05-01")
    body = res.get_data(as_text=True)
    assert res.status_code == 400
    assert 'class="report-filter"' in body and "结束日期早于开始日期" in body
    assert 'name="end" value="2020-05-01" class="field-error" aria-invalid="true"' in body
    bad = client.get("/reports?start=2020-13-01&end=2020-11-06")
    assert bad.status_code == 400 and "report-filter" in bad.get_data(as_text=True)
    assert 'name="start" value="2020-13-01" class="field-error"' in bad.get_data(as_text=True)
    english = client.get("/reports?start=2020-11-06&end=2020-05-01&lang=en").get_data(as_text=True)
    assert "the period ends before it starts" in english
    area = client.get(f"/reports?{DEMO}&area=NOWHERE&lang=zh").get_data(as_text=True)
    assert "未知范围或团队：NOWHERE" in area


def test_the_default_period_is_this_month_and_presets_follow_the_local_calendar(client):
    login(client, "planner")
    today = periods.local_today()
    page = client.get("/reports").get_data(as_text=True)
    assert f"{today.replace(day=1).isoformat()} – {today.isoformat()}" in page
    start = today.replace(day=1).isoformat()
    assert f'href="/exports/issues.gpkg?start={start}&amp;end={today.isoformat()}"' in page  # the list for QGIS
    last = periods.preset("last_month", today)
    page = client.get("/reports?period=last_month").get_data(as_text=True)
    assert f"{last[0].isoformat()} – {last[1].isoformat()}" in page and 'value="last_month" aria-pressed="true"' in page
    assert client.get("/reports?period=fortnight").status_code == 400


def test_comparisons_are_the_figures_of_the_previous_period_and_of_last_year(session):
    june = reports.figures(session, date(2020, 6, 1), date(2020, 6, 30))
    previous, last_year = compare.comparisons(session, june)
    may = reports.figures(session, date(2020, 5, 1), date(2020, 5, 31))
    assert (previous["start"], previous["end"]) == ("2020-05-01", "2020-05-31")
    assert (last_year["start"], last_year["end"]) == ("2019-06-01", "2019-06-30")
    for key in reports.HEADLINE:
        assert previous["figures"][key]["value"] == may[key]
        assert previous["figures"][key]["change"] == june[key] - may[key]
        assert last_year["figures"][key]["value"] == 0
    assert may["issues_collected"] > 0


def test_presets_previous_and_last_year_periods():
    today = date(2024, 3, 10)
    assert periods.preset("this_month", today) == (date(2024, 3, 1), today)
    assert periods.preset("last_month", today) == (date(2024, 2, 1), date(2024, 2, 29))
    assert periods.preset("this_quarter", date(2024, 5, 20)) == (date(2024, 4, 1), date(2024, 5, 20))
    assert periods.preset("this_year", today) == (date(2024, 1, 1), today)
    assert periods.previous(date(2024, 3, 1), date(2024, 3, 31)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert periods.previous(date(2024, 3, 1), date(2024, 3, 10)) == (date(2024, 2, 1), date(2024, 2, 10))
    assert periods.previous(date(2024, 4, 1), date(2024, 6, 30)) == (date(2024, 1, 1), date(2024, 3, 31))
    assert periods.previous(date(2024, 3, 5), date(2024, 3, 11)) == (date(2024, 2, 27), date(2024, 3, 4))
    assert periods.last_year(date(2024, 2, 1), date(2024, 2, 29)) == (date(2023, 2, 1), date(2023, 2, 28))
    assert periods.last_year(date(2023, 2, 1), date(2023, 2, 28)) == (date(2022, 2, 1), date(2022, 2, 28))


def test_presets_across_a_dst_change_in_los_angeles():
    """Local days in a zone with daylight saving time: the preset's days come from the local date, and its
    bounds are local midnights whose UTC offsets differ across the change (PST -8, PDT -7)."""
    la = ZoneInfo("America/Los_Angeles")
    # 2024-04-01 06:30 UTC is still 31 March (23:30 PDT) in Los Angeles: this month is March
    today = periods.local_today(datetime(2024, 4, 1, 6, 30, tzinfo=UTC), la)
    assert today == date(2024, 3, 31)
    start, end = periods.preset("this_month", today)
    lo, hi = period_bounds(start, end, la)
    assert lo == datetime(2024, 3, 1, 8, tzinfo=UTC)  # midnight PST
    assert hi == datetime(2024, 4, 1, 7, tzinfo=UTC)  # midnight PDT: the month is an hour short
    prev = periods.previous(start, end)
    assert prev == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_bounds(*prev, la) == (datetime(2024, 2, 1, 8, tzinfo=UTC), datetime(2024, 3, 1, 8, tzinfo=UTC))
    # and in November the clocks go back: 本季度 on 2024-11-03 runs from October's midnight PDT
    q = periods.preset("this_quarter", periods.local_today(datetime(2024, 11, 3, 12, tzinfo=UTC), la))
    assert q == (date(2024, 10, 1), date(2024, 11, 3))
    assert period_bounds(*q, la) == (datetime(2024, 10, 1, 7, tzinfo=UTC), datetime(2024, 11, 4, 8, tzinfo=UTC))


def test_satisfaction_figures_match_the_follow_ups(client, session):
    today = periods.local_today()
    before = reports.figures(session, today, today)["satisfaction"]
    refs = [_resolved(client, session) for _ in range(3)]
    for ref, how in zip(refs, ("satisfied", "basic", "unsatisfied"), strict=True):
        extra = {"note": "仍有噪声"} if how == "unsatisfied" else {}
        res = _act(client, session, ref, "secretary", action="follow_up", satisfaction=how, method="phone", **extra)
        assert res.status_code == 200, res.get_json()
    session.expire_all()
    after = reports.figures(session, today, today)["satisfaction"]
    counted = dict(
        session.execute(
            text("""SELECT data->>'satisfaction', count(*) FROM issue_events
                    WHERE action = 'follow_up' AND at >= :lo AND at < :hi GROUP BY 1"""),
            dict(zip(("lo", "hi"), period_bounds(today, today), strict=True)),
        ).all()
    )
    assert {k: after[k] for k in ("satisfied", "basic", "unsatisfied")} == {
        k: counted.get(k, 0) for k in ("satisfied", "basic", "unsatisfied")
    }
    assert after["follow_ups"] == before["follow_ups"] + 3
    assert after["satisfied"] == before["satisfied"] + 1 and after["unsatisfied"] == before["unsatisfied"] + 1
    assert after["satisfaction_rate"] == round((after["satisfied"] + after["basic"]) / after["follow_ups"], 4)
    login(client, "secretary")
    page = client.get("/reports").get_data(as_text=True)
    assert f'<td data-key="follow_ups">{after["follow_ups"]}</td>' in page
    assert reports.figures(session, *DEMO_PERIOD)["satisfaction"]["follow_ups"] == 0  # the demo has none
