"""Reading CRM CSV files strictly: every problem names the file, the column and the data row.

Rows are counted as *data rows*, 1-based, the header not counted (data row 1 is line 2 of a file
without quoted line breaks); a file that is not CSV at all is reported by its line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.scenario.errors import UsageError

__all__ = ["CrmError", "parse_bool", "parse_dates", "parse_numbers", "read_csv", "require_columns", "show"]


class CrmError(UsageError):
    """A CRM export that cannot be read: file, column, row and what was expected (exit 2)."""


def show(value: str, limit: int = 40) -> str:
    """A cell value for a message: quoted, shortened."""
    v = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(v)


def read_csv(path: Path) -> pd.DataFrame:
    """Every cell as a string ('' when empty), header names stripped; no rows is an error."""
    label = str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CrmError(f"{label}: cannot read: {e.strerror or e}") from None
    try:
        # Excel's "Unicode text" is UTF-16 with a byte-order mark; anything else must be UTF-8
        text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CrmError(
            f"{label}: line {line}: not UTF-8 text (byte 0x{raw[e.start]:02x}); export the file as UTF-8 CSV"
        ) from None
    if not text.strip():
        raise CrmError(f"{label}: empty file; expected a CSV header line and one row per deal")
    if "\x00" in text:
        raise CrmError(
            f"{label}: line {text[: text.index(chr(0))].count(chr(10)) + 1}: holds a NUL byte; not a CSV file"
        )
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=_delimiter(text), dtype=str, keep_default_na=False, na_filter=False,
            skipinitialspace=False,
        )  # fmt: skip
    except pd.errors.ParserError as e:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
        if m:
            raise CrmError(
                f"{label}: line {m.group(2)}: {m.group(3)} fields, but the header has {m.group(1)} columns"
            ) from None
        raise CrmError(f"{label}: not a CSV file ({e})") from None
    except csv.Error as e:  # pragma: no cover - pandas wraps most
        raise CrmError(f"{label}: not a CSV file ({e})") from None
    df.columns = [str(c).strip() for c in df.columns]
    dupes = sorted({c for c in df.columns if re.fullmatch(r".+\.\d+", c) and c.rsplit(".", 1)[0] in df.columns})
    if dupes:
        raise CrmError(f"{label}: column {dupes[0].rsplit('.', 1)[0]!r} appears more than once in the header")
    if df.empty:
        raise CrmError(f"{label}: no data rows (only the header line)")
    return df


def _delimiter(text: str) -> str:
    """',' unless the header line has none and is split by ';' or tabs (Excel's CSV in locales with a
    decimal comma, and its "Unicode text")."""
    header = text.lstrip().split("\n", 1)[0]
    if "," not in header:
        for sep in (";", "\t"):
            if sep in header:
                return sep
    return ","


def require_columns(label: str, df: pd.DataFrame, needed: Iterable[str], layout: str) -> None:
    """Fail naming the first missing column, the layout and the columns that were found."""
    found = list(df.columns)
    for col in needed:
        if col not in df.columns:
            shown = ", ".join(found[:12]) + (", …" if len(found) > 12 else "")
            raise CrmError(f"{label}: missing column {col!r} (needed by the {layout} layout; found: {shown})")


def _bad(label: str, col: str, i: int, value: str, expected: str) -> CrmError:
    got = f" (got {show(value)})" if value.strip() else ""
    return CrmError(f"{label}: row {i + 1}, column {col!r}: {expected}{got}")


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_dates(label: str, col: str, values: pd.Series, required: bool = False) -> pd.Series:
    """ISO dates or date-times (any time zone) -> the calendar day (datetime64, NaT when empty)."""
    s = values.str.strip()
    empty = s == ""
    if required and empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise _bad(label, col, i, "", "empty; a date is needed here")
    ok = s.str.match(_DATE) | empty
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        raise _bad(label, col, i, s.iloc[i], "not a date; expected YYYY-MM-DD or an ISO date-time")
    day = s.str.slice(0, 10)
    out = pd.to_datetime(day.where(~empty, None), format="%Y-%m-%d", errors="coerce")
    bad = out.isna() & ~empty
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _bad(label, col, i, s.iloc[i], "not a calendar date; expected YYYY-MM-DD")
    return out


def parse_numbers(label: str, col: str, values: pd.Series) -> pd.Series:
    """Plain numbers (a '.' decimal point, no thousands separators) -> float, NaN when empty."""
    s = values.str.strip()
    out = pd.to_numeric(s.where(s != "", None), errors="coerce")
    bad = out.isna() & (s != "")
    bad |= ~np.isfinite(out.fillna(0.0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _bad(label, col, i, s.iloc[i], "not a number; expected digits with a '.' decimal point")
    return out.astype(float)


_BOOLS: Mapping[str, bool] = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def parse_bool(label: str, col: str, values: pd.Series) -> pd.Series:
    """true/false, 1/0, yes/no (any case) -> bool; anything else, empty included, is an error."""
    s = values.str.strip().str.lower()
    out = s.map(_BOOLS)
    if out.isna().any():
        i = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise _bad(label, col, i, values.iloc[i], "expected true or false")
    return out.astype(bool)


def bad_value(label: str, col: str, i: int, value: str, expected: str) -> CrmError:
    """The error for one cell (row `i` counted from 0 in the data)."""
    return _bad(label, col, i, value, expected)
