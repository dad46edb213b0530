"""Simulated deals as a CRM would hold them: one row per opportunity from an event log, cut at an as-of date.

The event log (`orgsim.simulate(..., events=True).events`, or a file written by `orgsim run --events
FILE`) holds every event of every opportunity. A CRM export is a snapshot: at the as-of date a deal
exists if it was created by then, and it is won or lost only if that happened by then; otherwise it
is open (right-censored). `deals_from_events` builds that snapshot and `export_crm` writes it in a
CRM's layout (`orgsim.crm.formats`).

What a deal carries (`DEAL_COLUMNS`): its case id, segment, lead source, created (the "Opportunity
created" timestamp), closed (the Won / Lost timestamp; NaT while open), outcome (won, lost, open),
amount, owner (the AE of "Assigned to AE"; empty while waiting for an AE with room) and lost_reason
(`lost`, or `no_decision` when the buyer went dark). The amount is the ACV on Won; the model draws
an ACV only when a deal is won, so lost and open deals have no amount (NaN), where a real CRM would
show the seller's estimate.

Stage history (`HISTORY_COLUMNS`): the stages a deal entered, from the events that move it on, in
this order: created, assigned (an AE owns it), sales_work (the AE's first work on it), presales_work
(an SE's first work on it), buyer_ready (the buyer's calendar time is over), then won or lost. A
stage is entered only forward: an event of an earlier stage after a later one (an AE starts work
after the buyer was ready) does not move the deal back.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orgsim.scenario.errors import UsageError, printable

__all__ = [
    "DEAL_COLUMNS",
    "HISTORY_COLUMNS",
    "STAGES",
    "Deals",
    "deals_from_events",
    "export_crm",
    "parse_as_of",
    "read_events",
]

DEAL_COLUMNS = ("deal_id", "segment", "source", "created", "closed", "outcome", "amount", "owner", "lost_reason")
HISTORY_COLUMNS = ("deal_id", "stage", "entered")
# (activity, lifecycle) -> stage, in the order a deal moves through them
_LADDER = (
    ("Opportunity created", "complete", "created"),
    ("Assigned to AE", "complete", "assigned"),
    ("Sales work", "start", "sales_work"),
    ("Presales work", "start", "presales_work"),
    ("Buyer cycle complete", "complete", "buyer_ready"),
)
STAGES = tuple(s for _, _, s in _LADDER) + ("won", "lost")
_CLOSING = {"Won": "won", "Lost": "lost", "Lost (no decision)": "lost"}
NEEDED = ("replication", "case_id", "activity", "lifecycle", "timestamp", "resource", "segment", "source", "amount")


class Deals:
    """A CRM snapshot of one replication: `deals` (one row per opportunity) and `history` (stages entered).

    Attributes:
        deals: DataFrame with `DEAL_COLUMNS`, in order of creation.
        history: DataFrame with `HISTORY_COLUMNS`, by deal and time.
        as_of: the snapshot date: events after the end of this day do not exist.
        replication: the replication of the event log.
        scenario: the scenario's name, as the event log gives it.
    """

    def __init__(self, deals: pd.DataFrame, history: pd.DataFrame, as_of: _dt.date, replication: int, scenario: str):
        self.deals, self.history, self.as_of = deals, history, as_of
        self.replication, self.scenario = replication, scenario

    def counts(self) -> dict[str, int]:
        """Deals by outcome, and in all."""
        c = self.deals["outcome"].value_counts()
        return {"deals": len(self.deals), **{k: int(c.get(k, 0)) for k in ("won", "lost", "open")}}


def parse_as_of(value: str | _dt.date | None, option: str = "--as-of") -> _dt.date | None:
    """An ISO date (YYYY-MM-DD), or `UsageError` naming the option."""
    if value is None or isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(printable(f"{option} {value}: expected a date as YYYY-MM-DD")) from None


def read_events(path: str | os.PathLike) -> pd.DataFrame:
    """An event log file written by `orgsim run --events` (.csv, .csv.gz or .parquet), checked.

    Raises `UsageError` (exit 2) naming the file and, for bad cells, the column and the line.
    """
    p = Path(path)
    name = p.name.lower()
    if not p.exists():
        raise UsageError(printable(f"{p}: no such file"))
    if p.is_dir():
        raise UsageError(printable(f"{p}: is a directory; give an event log file"))
    try:
        if name.endswith(".parquet"):
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise UsageError(f"{p}: reading Parquet needs pyarrow: pip install 'orgsim[parquet]'") from None
            df = pd.read_parquet(p)
        elif name.endswith(".csv") or name.endswith(".csv.gz"):
            df = pd.read_csv(p, dtype={"case_id": str, "resource": str, "segment": str, "source": str}, index_col=False)
        else:
            raise UsageError(printable(f"{p}: expected an event log ending in .csv, .csv.gz or .parquet"))
    except UsageError:
        raise
    except pd.errors.EmptyDataError:
        raise UsageError(
            printable(f"{p}: the file is empty; expected an event log from `orgsim run --events`")
        ) from None
    except Exception as e:  # a broken CSV, gzip or Parquet file
        reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise UsageError(printable(f"{p}: cannot read it as an event log: {reason}")) from None
    return check_events(df, str(p))


def check_events(df: pd.DataFrame, where: str = "events") -> pd.DataFrame:
    """The columns deals are built from, present and parseable; timestamps as datetimes."""
    missing = [c for c in NEEDED if c not in df.columns]
    if missing:
        raise UsageError(
            printable(
                f"{where}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                "expected an event log from `orgsim run --events` (see docs/reference/outputs.md#event-log-columns)"
            )
        )
    if len(df) == 0:
        raise UsageError(printable(f"{where}: no events; expected an event log from `orgsim run --events`"))
    out = df.copy()
    for col in ("timestamp", "replication", "amount"):
        if col == "timestamp" and pd.api.types.is_datetime64_any_dtype(df[col]):
            out[col] = df[col].astype("datetime64[s]")  # whole seconds, as orgsim writes them, whatever the file
            continue
        values: pd.Series = (
            pd.to_datetime(df[col].astype(object), errors="coerce", format="ISO8601")
            if col == "timestamp"
            else pd.to_numeric(df[col], errors="coerce")
        )
        bad = values.isna() & (df[col].notna() | (col != "amount"))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            cell = df[col].iloc[row]
            what = "is blank" if pd.isna(cell) else f"holds {str(cell)[:40]!r}"
            expected = "a timestamp YYYY-MM-DD HH:MM:SS" if col == "timestamp" else "a number"
            raise UsageError(printable(f"{where}: line {row + 2}, column {col!r} {what}; expected {expected}"))
        out[col] = values.astype("datetime64[s]") if col == "timestamp" else values
    return out


def deals_from_events(
    events: pd.DataFrame, as_of: str | _dt.date | None = None, replication: int = 0, where: str = "events"
) -> Deals:
    """The CRM snapshot of one replication of an event log at `as_of` (default: the log's last day).

    Args:
        events: an event log (the columns of docs/reference/outputs.md#event-log-columns).
        as_of: the export date; events after the end of that day are cut, deals not decided by then
            are open. Default: the date of the replication's last event.
        replication: which replication of the log (a CRM holds one history).
        where: the name of the log in error messages (its file).

    Raises:
        UsageError: a missing column or bad cell, an unknown replication, an as-of date before the
            log starts.
    """
    ev = check_events(events, where)
    reps = sorted(int(r) for r in ev["replication"].unique())
    if replication not in reps:
        shown = ", ".join(map(str, reps[:10])) + (", ..." if len(reps) > 10 else "")
        raise UsageError(f"--replication {replication}: {where} has replication{'s' if len(reps) > 1 else ''} {shown}")
    ev = ev[ev["replication"] == replication]
    first, last = ev["timestamp"].min(), ev["timestamp"].max()
    day = parse_as_of(as_of) or last.date()
    if pd.Timestamp(day) + pd.Timedelta(days=1) <= first:
        raise UsageError(f"--as-of {day}: before the event log starts ({first.date()}); no deal exists yet")
    ev = ev[ev["timestamp"] < pd.Timestamp(day) + pd.Timedelta(days=1)]
    scenario = str(ev["scenario"].iloc[0]) if "scenario" in ev.columns and len(ev) else ""
    history = _history(ev)
    created = history[history["stage"] == "created"].set_index("deal_id")["entered"]
    first_rows = ev[ev["activity"].astype(str) == "Opportunity created"].drop_duplicates("case_id").set_index("case_id")
    closing = ev[ev["activity"].astype(str).isin(list(_CLOSING))].drop_duplicates("case_id").set_index("case_id")
    owners = ev[ev["activity"].astype(str) == "Assigned to AE"].drop_duplicates("case_id").set_index("case_id")
    ids = created.sort_values(kind="stable").index
    act = closing["activity"].astype(str).reindex(ids)
    deals = pd.DataFrame(
        {
            "deal_id": ids.astype(str),
            "segment": first_rows["segment"].astype(str).reindex(ids).to_numpy(),
            "source": first_rows["source"].astype(str).reindex(ids).to_numpy(),
            "created": created.reindex(ids).to_numpy(),
            "closed": closing["timestamp"].reindex(ids).to_numpy(),
            "outcome": act.map(_CLOSING).fillna("open").to_numpy(),
            "amount": closing["amount"].where(closing["activity"].astype(str) == "Won").reindex(ids).to_numpy(),
            "owner": owners["resource"].astype(str).reindex(ids).fillna("").to_numpy(),
            "lost_reason": act.map({"Lost": "lost", "Lost (no decision)": "no_decision"}).fillna("").to_numpy(),
        },
        columns=list(DEAL_COLUMNS),
    )
    deals["closed"] = pd.to_datetime(deals["closed"])
    order = {d: i for i, d in enumerate(ids)}
    history = history.assign(_o=history["deal_id"].map(order)).sort_values(["_o", "entered"], kind="stable")
    return Deals(
        deals.reset_index(drop=True), history.drop(columns="_o").reset_index(drop=True), day, replication, scenario
    )


def _history(ev: pd.DataFrame) -> pd.DataFrame:
    """The stages each deal entered, forward only, closing stages included."""
    act, life = ev["activity"].astype(str), ev["lifecycle"].astype(str)
    parts = []
    for rank, (activity, lifecycle, stage) in enumerate(_LADDER):
        rows = ev[(act == activity) & (life == lifecycle)].drop_duplicates("case_id")
        parts.append(
            pd.DataFrame(
                {"deal_id": rows["case_id"].astype(str), "stage": stage, "entered": rows["timestamp"], "_r": rank}
            )
        )
    closing = ev[act.isin(list(_CLOSING))].drop_duplicates("case_id")
    parts.append(
        pd.DataFrame(
            {
                "deal_id": closing["case_id"].astype(str),
                "stage": closing["activity"].astype(str).map(_CLOSING),
                "entered": closing["timestamp"],
                "_r": len(_LADDER),
            }
        )
    )
    h = pd.concat(parts, ignore_index=True)
    h = h[h["deal_id"].isin(set(parts[0]["deal_id"]))]  # a deal begins at "Opportunity created"
    h = h.sort_values(["deal_id", "entered", "_r"], kind="stable")
    before = h.groupby("deal_id", sort=False)["_r"].cummax().groupby(h["deal_id"], sort=False).shift(fill_value=-1)
    return h[h["_r"] > before].drop(columns="_r").reset_index(drop=True)


def export_crm(
    events: pd.DataFrame | str | os.PathLike,
    fmt: str,
    out_dir: str | os.PathLike,
    as_of: str | _dt.date | None = None,
    replication: int = 0,
    provenance: dict[str, Any] | None = None,
    option: str = "--out",
) -> Deals:
    """Write one replication's deals as a CRM export in `fmt` to `out_dir` (replaced as a whole, atomically).

    Args:
        events: an event log DataFrame or file (.csv, .csv.gz, .parquet).
        fmt: salesforce, hubspot, pipedrive, generic or sales-pipeline (`orgsim.crm.formats.FORMATS`).
        out_dir: the directory to write; created if missing, replaced as a whole if it exists.
        as_of: the export date (default: the last day of the log).
        replication: which replication of the log.
        provenance: what else manifest.json should say (the event log, or the scenario and seed).
        option: the name of `out_dir` in error messages.

    Returns:
        The snapshot that was written (`Deals`).
    """
    from orgsim.crm.formats import render
    from orgsim.outputs.files import write_dir_atomic

    where = str(events) if not isinstance(events, pd.DataFrame) else "events"
    frame = events if isinstance(events, pd.DataFrame) else read_events(events)
    snap = deals_from_events(frame, as_of, replication, where)
    if provenance is None and not isinstance(events, pd.DataFrame):
        provenance = {"events": str(events)}
    files: dict[str, Any] = render(snap, fmt, provenance)
    try:
        write_dir_atomic(Path(out_dir), files, option)
    except OSError as e:
        raise UsageError(
            printable(
                f"{option} {out_dir}: cannot write {e.filename or out_dir}: {e.strerror or e}; "
                "the directory is as it was"
            )
        ) from None
    return snap
