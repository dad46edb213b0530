"""One reader per CRM layout, each giving the same normalised deals table (and stage history).

The normalised deals table has one row per deal: ``deal_id, segment, source, created, closed
(NaT when open), outcome (won|lost|open), amount, currency, lost_reason, owner`` plus ``file`` and
``row`` (the 1-based data row, for messages). The stage history, when a layout has one, has
``deal_id, stage, entered``. Columns are found by the names in each layout's `FIELDS`; ``--map
COLUMN=FIELD`` points a field at another column (e.g. ``--map Loss_Reason__c=lost_reason``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from orgsim.calibrate.parse import CrmError, parse_bool, parse_dates, parse_numbers, read_csv, require_columns

__all__ = ["FIELDS", "FORMATS", "Export", "read_export"]

# field -> default column, per layout; REQUIRED fields must be found, the others are used when present
FIELDS: dict[str, dict[str, str]] = {
    "salesforce": {
        "deal_id": "Id", "amount": "Amount", "closed": "CloseDate", "created": "CreatedDate",
        "stage": "StageName", "is_closed": "IsClosed", "is_won": "IsWon", "source": "LeadSource",
        "owner": "OwnerId", "currency": "CurrencyIsoCode", "lost_reason": "Loss_Reason__c", "segment": "Segment__c",
    },
    "hubspot": {
        "deal_id": "hs_object_id", "dealname": "dealname", "stage": "dealstage", "amount": "amount",
        "closed": "closedate", "created": "createdate", "owner": "hubspot_owner_id", "is_won": "hs_is_closed_won",
        "is_closed": "hs_is_closed", "source": "hs_analytics_source", "currency": "deal_currency_code",
        "lost_reason": "closed_lost_reason", "segment": "segment",
    },
    "pipedrive": {
        "deal_id": "id", "status": "status", "amount": "value", "currency": "currency", "created": "add_time",
        "won_time": "won_time", "lost_time": "lost_time", "close_time": "close_time", "lost_reason": "lost_reason",
        "owner": "user_id", "stage": "stage_id", "source": "origin", "segment": "segment",
    },
    "generic": {
        "deal_id": "deal_id", "segment": "segment", "source": "source", "created": "created_date",
        "closed": "closed_date", "outcome": "outcome", "amount": "amount", "currency": "currency",
        "lost_reason": "lost_reason", "owner": "owner",
    },
    "sales-pipeline": {
        "deal_id": "opportunity_id", "owner": "sales_agent", "product": "product", "account": "account",
        "stage": "deal_stage", "created": "engage_date", "closed": "close_date", "amount": "close_value",
        "segment": "segment", "source": "source",
    },
}  # fmt: skip
REQUIRED: dict[str, tuple[str, ...]] = {
    "salesforce": ("deal_id", "amount", "closed", "created", "is_closed", "is_won"),
    "hubspot": ("dealname", "amount", "closed", "created", "is_won", "is_closed"),
    "pipedrive": ("deal_id", "status", "amount", "created"),
    "generic": ("deal_id", "created", "closed", "outcome", "amount"),
    "sales-pipeline": ("deal_id", "stage", "created", "closed", "amount"),
}
# the stage-history files: field -> default column (a file with all of them and no outcome column is history)
HISTORY: dict[str, dict[str, str]] = {
    "salesforce": {"deal_id": "OpportunityId", "stage": "StageName", "entered": "CreatedDate"},
    "generic": {"deal_id": "deal_id", "stage": "stage", "entered": "entered_date"},
}
FORMATS = tuple(FIELDS)
LAYOUT = {
    "salesforce": "Salesforce Opportunity",
    "hubspot": "HubSpot deals",
    "pipedrive": "Pipedrive deals",
    "generic": "generic deals",
    "sales-pipeline": "CRM Sales Opportunities sales_pipeline",
}
COLUMNS = ["deal_id", "segment", "source", "created", "closed", "outcome", "amount", "currency", "lost_reason", "owner"]


@dataclass
class Export:
    """What the files of one export hold, normalised; `counts` are the reader's data-quality counts."""

    format: str
    files: list[str]
    deals: pd.DataFrame
    history: pd.DataFrame | None = None
    counts: dict[str, int] = field(default_factory=dict)
    has_segment: bool = False


def _columns(fmt: str, mapping: Mapping[str, str], table: dict[str, str]) -> dict[str, str]:
    cols = dict(table)
    for column, fld in mapping.items():
        if fld in cols:
            cols[fld] = column
    return cols


def check_mapping(fmt: str, mapping: Mapping[str, str]) -> None:
    """--map COLUMN=FIELD names a field the layout knows."""
    known = set(FIELDS[fmt]) | set(HISTORY.get(fmt, {}))
    seen: dict[str, str] = {}
    for column, fld in mapping.items():
        if fld not in known:
            raise CrmError(
                f"--map {column}={fld}: {fld!r} is not a field of the {fmt} layout (fields: {', '.join(sorted(known))})"
            )
        if fld in seen:
            raise CrmError(f"--map {column}={fld}: field {fld!r} is already read from column {seen[fld]!r}")
        seen[fld] = column


def _text(df: pd.DataFrame, col: str | None) -> pd.Series:
    if col is None or col not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    return df[col].str.strip()


def read_export(fmt: str, paths: Sequence[Path], mapping: Mapping[str, str] | None = None) -> Export:
    """Read every file of an export in layout `fmt` (deal files, and stage-history files where the
    layout has them: a file is history when it holds every history column and no outcome column)."""
    if fmt not in FIELDS:
        raise CrmError(f"--format: unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    mapping = dict(mapping or {})
    check_mapping(fmt, mapping)
    cols = _columns(fmt, mapping, FIELDS[fmt])
    hcols = _columns(fmt, mapping, HISTORY[fmt]) if fmt in HISTORY else None
    deals: list[pd.DataFrame] = []
    hist: list[pd.DataFrame] = []
    counts: dict[str, int] = {}
    has_segment = False
    columns: set[str] = set()
    for path in paths:
        df = read_csv(path)
        label = str(path)
        columns |= set(df.columns)
        deal_key = cols.get("outcome" if fmt == "generic" else "is_won")
        if hcols is not None and set(hcols.values()) <= set(df.columns) and deal_key not in df.columns:
            h = pd.DataFrame({"deal_id": df[hcols["deal_id"]].str.strip(), "stage": df[hcols["stage"]].str.strip()})
            h["entered"] = parse_dates(label, hcols["entered"], df[hcols["entered"]], required=True)
            hist.append(h)
            continue
        require_columns(label, df, [cols[f] for f in REQUIRED[fmt]], LAYOUT[fmt])
        out, extra_hist = READERS[fmt](label, df, cols, counts)
        _require_ids(label, out["deal_id"], cols["deal_id"] if cols["deal_id"] in df.columns else cols["dealname"])
        has_segment = has_segment or cols["segment"] in df.columns
        out["segment"] = _text(df, cols.get("segment"))
        for f in ("source", "currency", "lost_reason", "owner"):
            if f not in out:
                out[f] = _text(df, cols.get(f))
        out["file"], out["row"] = label, np.arange(1, len(df) + 1)
        deals.append(out[[*COLUMNS, "file", "row"]])
        if extra_hist is not None:
            hist.append(extra_hist)
    if not deals:
        raise CrmError(f"{', '.join(map(str, paths))}: no deal file among the files (only stage history)")
    for column, fld in mapping.items():  # asked for by name: not there is a mistake, not an optional field
        if column not in columns:
            raise CrmError(f"--map {column}={fld}: no file has a column {column!r}")
    table = pd.concat(deals, ignore_index=True)
    history = pd.concat(hist, ignore_index=True) if hist else None
    return Export(fmt, [str(p) for p in paths], table, history, counts, has_segment)


def _require_ids(label: str, ids: pd.Series, col: str) -> None:
    """Every deal has an id: rows without one cannot be told apart (they are not repeats of each other)."""
    empty = (ids == "").to_numpy()
    if empty.any():
        from orgsim.calibrate.parse import bad_value

        i = int(np.flatnonzero(empty)[0])
        raise bad_value(label, col, i, "", "empty; a deal id is needed here")


def _outcome_from_flags(label: str, df: pd.DataFrame, cols: dict[str, str]) -> pd.Series:
    won = parse_bool(label, cols["is_won"], df[cols["is_won"]])
    closed = parse_bool(label, cols["is_closed"], df[cols["is_closed"]])
    out = pd.Series(np.where(won, "won", np.where(closed, "lost", "open")), index=df.index)
    return out


def _salesforce(label: str, df: pd.DataFrame, cols: dict[str, str], counts: dict[str, int]):
    outcome = _outcome_from_flags(label, df, cols)
    closed = parse_dates(label, cols["closed"], df[cols["closed"]])
    out = pd.DataFrame({"deal_id": df[cols["deal_id"]].str.strip(), "outcome": outcome})
    out["created"] = parse_dates(label, cols["created"], df[cols["created"]], required=True)
    out["closed"] = closed.where(outcome != "open")  # an open deal's CloseDate is the expected one
    out["amount"] = parse_numbers(label, cols["amount"], df[cols["amount"]])
    return out, None


def _hubspot(label: str, df: pd.DataFrame, cols: dict[str, str], counts: dict[str, int]):
    outcome = _outcome_from_flags(label, df, cols)
    if cols["deal_id"] in df.columns:
        ids = _text(df, cols["deal_id"])
    else:  # no Record ID: deals are told apart by name, and two deals of one name look like one
        ids = df[cols["dealname"]].str.strip()
        counts["dealname_repeats"] = counts.get("dealname_repeats", 0) + int(ids.duplicated().sum())
    out = pd.DataFrame({"deal_id": ids, "outcome": outcome})
    out["created"] = parse_dates(label, cols["created"], df[cols["created"]], required=True)
    closed = parse_dates(label, cols["closed"], df[cols["closed"]])
    counts["open_closedate_ignored"] = counts.get("open_closedate_ignored", 0) + int(
        (closed.notna() & (outcome == "open")).sum()
    )
    out["closed"] = closed.where(outcome != "open")  # HubSpot's default guess for open deals, not an event
    out["amount"] = parse_numbers(label, cols["amount"], df[cols["amount"]])
    rows = []
    for prefix in ("hs_v2_date_entered_", "hs_date_entered_"):
        for col in [c for c in df.columns if c.startswith(prefix)]:
            stage = col[len(prefix) :]
            entered = parse_dates(label, col, df[col])
            keep = entered.notna()
            rows.append(pd.DataFrame({"deal_id": ids[keep], "stage": stage, "entered": entered[keep]}))
        if rows:
            break  # newer exports carry both: take the v2 columns
    hist = pd.concat(rows, ignore_index=True) if rows else None
    return out, hist


def _pipedrive(label: str, df: pd.DataFrame, cols: dict[str, str], counts: dict[str, int]):
    status = df[cols["status"]].str.strip().str.lower()
    bad = ~status.isin(["open", "won", "lost", "deleted"])
    if bad.any():
        from orgsim.calibrate.parse import bad_value

        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise bad_value(label, cols["status"], i, df[cols["status"]].iloc[i], "expected open, won, lost or deleted")
    out = pd.DataFrame({"deal_id": df[cols["deal_id"]].str.strip(), "outcome": status})
    out["created"] = parse_dates(label, cols["created"], df[cols["created"]], required=True)
    times = {
        f: parse_dates(label, cols[f], df[cols[f]]) if cols[f] in df.columns else None
        for f in ("won_time", "lost_time", "close_time")
    }
    closed = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    for f, who in (("won_time", "won"), ("lost_time", "lost")):
        if times[f] is not None:
            closed = closed.where(status != who, times[f])
    if times["close_time"] is not None:
        closed = closed.fillna(times["close_time"].where(status.isin(["won", "lost"])))
    out["closed"] = closed.where(status.isin(["won", "lost"]))
    out["amount"] = parse_numbers(label, cols["amount"], df[cols["amount"]])
    deleted = status == "deleted"
    counts["deleted"] = counts.get("deleted", 0) + int(deleted.sum())
    out.loc[deleted, "outcome"] = "deleted"  # dropped (and counted) when the table is cleaned
    return out, None


def _generic(label: str, df: pd.DataFrame, cols: dict[str, str], counts: dict[str, int]):
    outcome = df[cols["outcome"]].str.strip().str.lower()
    bad = ~outcome.isin(["won", "lost", "open"])
    if bad.any():
        from orgsim.calibrate.parse import bad_value

        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise bad_value(label, cols["outcome"], i, df[cols["outcome"]].iloc[i], "expected won, lost or open")
    out = pd.DataFrame({"deal_id": df[cols["deal_id"]].str.strip(), "outcome": outcome})
    out["created"] = parse_dates(label, cols["created"], df[cols["created"]], required=True)
    out["closed"] = parse_dates(label, cols["closed"], df[cols["closed"]])
    out["amount"] = parse_numbers(label, cols["amount"], df[cols["amount"]])
    return out, None


def _sales_pipeline(label: str, df: pd.DataFrame, cols: dict[str, str], counts: dict[str, int]):
    stage = df[cols["stage"]].str.strip()
    known = {"Prospecting": "open", "Engaging": "open", "Won": "won", "Lost": "lost"}
    bad = ~stage.isin(list(known))
    if bad.any():
        from orgsim.calibrate.parse import bad_value

        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise bad_value(label, cols["stage"], i, stage.iloc[i], "expected Prospecting, Engaging, Won or Lost")
    out = pd.DataFrame({"deal_id": df[cols["deal_id"]].str.strip(), "outcome": stage.map(known)})
    created = parse_dates(label, cols["created"], df[cols["created"]])
    # Prospecting deals were not engaged yet: no created date, so no time at risk (counted, left out)
    not_engaged = created.isna() & (stage == "Prospecting")
    counts["not_engaged"] = counts.get("not_engaged", 0) + int(not_engaged.sum())
    if (created.isna() & ~not_engaged).any():
        from orgsim.calibrate.parse import bad_value

        i = int(np.flatnonzero((created.isna() & ~not_engaged).to_numpy())[0])
        raise bad_value(label, cols["created"], i, "", "empty; only Prospecting deals may lack an engage date")
    out["created"] = created
    out.loc[not_engaged, "outcome"] = "not_engaged"
    out["closed"] = parse_dates(label, cols["closed"], df[cols["closed"]])
    out["amount"] = parse_numbers(label, cols["amount"], df[cols["amount"]])
    return out, None


READERS = {
    "salesforce": _salesforce,
    "hubspot": _hubspot,
    "pipedrive": _pipedrive,
    "generic": _generic,
    "sales-pipeline": _sales_pipeline,
}
