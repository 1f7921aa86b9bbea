"""The report as an Excel workbook (openpyxl): one sheet a section, the heading on each, numbers as numbers."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from geo_app.domain.analysis.reports.formats import cell
from geo_app.domain.analysis.reports.sheets import Sheet

_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet's name
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet_name(title: str, taken: set[str]) -> str:
    name = _SHEET_NAME_BAD.sub(" ", title)[:31] or "Sheet"
    base, k = name, 2
    while name in taken:
        name = f"{base[:28]} {k}"
        k += 1
    taken.add(name)
    return name


def as_xlsx(tables: list[Sheet], heading: list[str]) -> bytes:
    """Return the workbook's bytes: each table on its own sheet under the heading lines, headers in bold.

    Text goes through formats.cell like the CSV's: openpyxl would store a string starting with "=" as a formula.
    """
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for table in tables:
        ws = book.create_sheet(_sheet_name(table.title, taken))
        for line in heading:
            ws.append([cell(line)])
        ws.append([])
        ws.append([cell(h) for h in table.headers])
        header_row = ws.max_row
        for c in ws[header_row]:
            c.font = Font(bold=True)
        for row in table.rows:
            ws.append([cell(v) for v in row])
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        for i, header in enumerate(table.headers, start=1):
            values = [str(header)] + [str(r[i - 1]) for r in table.rows if r[i - 1] is not None]
            ws.column_dimensions[get_column_letter(i)].width = min(48, 4 + max(len(v) for v in values) * 1.6)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
