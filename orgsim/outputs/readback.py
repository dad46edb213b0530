"""Checks on the files `orgsim report DIR` reads back: they may have been edited by hand.

A report is rebuilt only from what a run or an experiment wrote; anything else in those files -
text where a number belongs, a blank month, a manifest whose scenario is not a scenario - is bad
input, reported as `UsageError` (exit 2) naming the file, the row (its line in the file) and the
column, never as an internal error.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from orgsim.scenario.errors import ScenarioError, UsageError, printable

__all__ = ["KEY_COLUMNS", "TEXT_COLUMNS", "check_manifest", "check_numbers", "read_csv_text"]

# Columns that hold names; every other column of a table orgsim writes holds numbers.
TEXT_COLUMNS = frozenset({"scenario", "metric", "stage", "arm", "kpi", "order", "status", "hires", "note", "feasible"})
# Columns that identify a row: never blank.
KEY_COLUMNS = frozenset({"replication", "month", "point", "rank", "seed"})


def read_csv_text(path: Path, source: Any) -> pd.DataFrame:
    """`pd.read_csv(source)` with every failure (a broken quote, a ragged row) as a UsageError."""
    try:
        with warnings.catch_warnings():
            # index_col=False: a row with more cells than the header is an error, not an index
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(source, index_col=False)
    except pd.errors.ParserWarning:
        raise UsageError(f"{path}: a row has more cells than the header (was the file edited?)") from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise UsageError(printable(f"{path}: cannot read it as CSV: {str(e).strip().splitlines()[-1]}")) from None


def check_numbers(df: pd.DataFrame, path: Path, skip: Iterable[str] = ()) -> pd.DataFrame:
    """Check that every number column holds numbers (blank = undefined, except in key columns).

    Returns the table with those columns as numbers. Raises UsageError naming the file, the line
    and the column of the first bad cell.
    """
    skip = set(skip) | TEXT_COLUMNS
    out = df.copy()
    for col in df.columns:
        if col in skip:
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() & (df[col].notna() | (col in KEY_COLUMNS))
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            cell = df[col].iloc[row]
            what = "is blank" if pd.isna(cell) else f"holds {str(cell)[:40]!r}"
            raise UsageError(
                printable(f"{path}: line {row + 2}, column {col!r} {what}; expected a number (was the file edited?)")
            )
        out[col] = values
    return out


def check_manifest(manifest: dict[str, Any], path: Path) -> None:
    """The parts of a manifest a report reads have their shapes; a run's scenario passes the schema."""
    for key in ("scenario", "scenarios", "settings"):
        if key in manifest and manifest[key] is not None and not isinstance(manifest[key], dict):
            raise UsageError(f"{path}: {key!r} should be a JSON object (was the file edited?)")
    sc = manifest.get("scenario")
    if sc:
        from orgsim.scenario.loader import load_scenario_dict

        try:
            load_scenario_dict(sc)
        except ScenarioError as e:
            first = e.problems[0].render() if e.problems else str(e)
            raise UsageError(f"{path}: its resolved scenario is not valid ({first}; was the file edited?)") from None
    for name, value in (manifest.get("scenarios") or {}).items():
        if not isinstance(value, dict):
            raise UsageError(printable(f"{path}: scenarios.{name} should be a JSON object (was the file edited?)"))
