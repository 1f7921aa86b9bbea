"""Column-wise text checks give, value for value, what Python's re and str give one value at a time."""

import re

import numpy as np
import pandas as pd

from geo_app.domain.importers.issues import dates, rows
from geo_app.domain.importers.issues.textscan import TextColumn, ends_with_offset, looks_like_ref, strip_all

ALPHABET = list("AZaz09-+:<>/!?j J\t\n\x00\x07\x7f\u3000\u00a0٣ÄſK") + ["javascript", "<script", "Z", "+08:00", "+0800"]


def _values(seed: int, n: int = 6000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = [
        "",
        " ",
        "DT-2020-00123",
        "DT-2020-00123 ",
        "\u3000x\u3000",
        "2021-03-01T09:20:00+08:00",
        "2021-03-01 09:20Z",
        "2021-03-01T09:20:00+0800",
        "2021-03-01T09:20:00-08:0",
        "2021-03-01T09:20:00+٠٨:٠٠",
        "A-2020-12345",
        "ABCDEFGHIJK-2020-12345",
        "DT-٢٠٢٠-00123",
        "< a",
        "JavaScript :x",
        "a\x00b",
    ]
    for _ in range(n):
        out.append("".join(rng.choice(ALPHABET, size=rng.integers(0, 12))))
        out.append(
            "".join(rng.choice(list("ABZ"), size=rng.integers(1, 12)))
            + "-"
            + "".join(rng.choice(list("0123456789-"), size=rng.integers(3, 14)))
        )
    return np.array(out, dtype=object)


def test_checks_agree_with_re_value_by_value():
    values = _values(5)
    column = TextColumn(values)
    assert (column.search(rows._TAG, "<jJ") == [rows._TAG.search(v) is not None for v in values]).all()
    control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    assert (column.has_any(rows._CONTROL) == [control.search(v) is not None for v in values]).all()
    phone = re.compile(r"[0-9+\- ()]*")
    assert (column.has_other_than(rows._PHONE) == [phone.fullmatch(v) is None for v in values]).all()
    ref = rows.REF_PATTERN
    assert (looks_like_ref(column, ref) == [ref.fullmatch(v) is not None for v in values]).all()
    stripped = np.array([v.strip() for v in values], dtype=object)
    assert (
        ends_with_offset(TextColumn(stripped), dates._TZ_END) == [dates._TZ_END.search(v) is not None for v in stripped]
    ).all()
    got = strip_all(pd.DataFrame({"x": values}), ["x"])["x"].values
    assert (got == stripped).all()
    assert sum(v != s for v, s in zip(values, stripped, strict=True)) > 100
