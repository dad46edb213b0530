"""CRM layouts: a `Deals` snapshot rendered as the files each CRM exports (docs/how-to/export-crm.md).

The columns are those `orgsim calibrate` reads (issue 16, docs/reference/interfaces.md), in that
order. Where a layout has no column for the customer segment, the segment goes into one it has
(`SEGMENT_COLUMN`), so that calibrate can take it with `--map COLUMN=segment`. Lead sources keep
orgsim's names (paid, content, outbound, referral) rather than a CRM's picklist values.

Dates: Salesforce and HubSpot datetimes as their APIs export them (``2026-04-06T09:39:54.000Z``,
UTC), Salesforce ``CloseDate`` as a date; Pipedrive ``YYYY-MM-DD HH:MM:SS``; generic and
sales-pipeline ISO dates (``YYYY-MM-DD``). Flags are ``true``/``false``. Amounts (USD) only where
the model has one: the ACV of a won deal (see `orgsim.crm.export`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import numpy as np
import pandas as pd

from orgsim.crm.export import Deals
from orgsim.scenario.errors import UsageError

__all__ = ["COLUMNS", "FILES", "FORMATS", "SEGMENT_COLUMN", "render", "salesforce_checksum", "salesforce_id"]

# HubSpot default sales pipeline stage ids, for orgsim's stages
HS_STAGES = {
    "created": "appointmentscheduled",
    "assigned": "qualifiedtobuy",
    "sales_work": "presentationscheduled",
    "presales_work": "decisionmakerboughtin",
    "buyer_ready": "contractsent",
    "won": "closedwon",
    "lost": "closedlost",
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "Opportunity.csv": (
        "Id", "AccountId", "Amount", "CloseDate", "CreatedDate", "StageName",
        "IsClosed", "IsWon", "LeadSource", "OwnerId", "Type",
    ),
    "OpportunityHistory.csv": ("OpportunityId", "StageName", "CreatedDate", "Amount", "CloseDate"),
    "hubspot/deals.csv": (
        "dealname", "dealstage", "pipeline", "amount", "closedate", "createdate",
        "hubspot_owner_id", "hs_is_closed_won", "hs_is_closed", "hs_analytics_source",
    ) + tuple(f"hs_date_{when}_{stage}" for stage in HS_STAGES.values() for when in ("entered", "exited")),
    "pipedrive/deals.csv": (
        "id", "stage_id", "status", "value", "currency", "add_time",
        "won_time", "lost_time", "close_time", "lost_reason", "user_id", "pipeline_id",
    ),
    "generic/deals.csv": ("deal_id", "segment", "source", "created_date", "closed_date", "outcome", "amount"),
    "stage_history.csv": ("deal_id", "stage", "entered_date"),
    "sales_pipeline.csv": (
        "opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date", "close_value",
    ),
}  # fmt: skip
# the files of each format (name in the output directory -> key of COLUMNS)
FILES: dict[str, dict[str, str]] = {
    "salesforce": {"Opportunity.csv": "Opportunity.csv", "OpportunityHistory.csv": "OpportunityHistory.csv"},
    "hubspot": {"deals.csv": "hubspot/deals.csv"},
    "pipedrive": {"deals.csv": "pipedrive/deals.csv"},
    "generic": {"deals.csv": "generic/deals.csv", "stage_history.csv": "stage_history.csv"},
    "sales-pipeline": {"sales_pipeline.csv": "sales_pipeline.csv"},
}
FORMATS = tuple(FILES)
SEGMENT_COLUMN = {
    "salesforce": "Type",
    "hubspot": "pipeline",
    "pipedrive": "pipeline_id",
    "generic": "segment",
    "sales-pipeline": "product",
}
# orgsim's stages as each CRM's stage names (Salesforce's and HubSpot's default sales pipelines)
SF_STAGES = {
    "created": "Prospecting",
    "assigned": "Qualification",
    "sales_work": "Needs Analysis",
    "presales_work": "Proposal/Price Quote",
    "buyer_ready": "Negotiation/Review",
    "won": "Closed Won",
    "lost": "Closed Lost",
}
PD_STAGES = {"created": 1, "assigned": 2, "sales_work": 3, "presales_work": 4, "buyer_ready": 5}
LOST_REASONS = {"lost": "Decided against", "no_decision": "No decision"}
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def salesforce_id(prefix: str, n: int) -> str:
    """An 18-character Salesforce Id: key prefix (e.g. ``006``, Opportunity), a number, the case checksum."""
    digits = ""
    while True:
        n, r = divmod(n, 62)
        digits = _B62[r] + digits
        if n == 0:
            break
    body = (prefix + "5g" + digits.rjust(10, "0"))[:15]
    return body + salesforce_checksum(body)


def salesforce_checksum(body: str) -> str:
    """The 3 characters that make a 15-character Id case-insensitive: per 5-character chunk, which are capitals."""
    return "".join(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[sum(1 << i for i, ch in enumerate(body[k : k + 5]) if "A" <= ch <= "Z")]
        for k in (0, 5, 10)
    )


def render(snap: Deals, fmt: str, provenance: dict | None = None) -> dict[str, str]:
    """The files of `fmt` for a snapshot (name -> CSV text), and manifest.json saying what they are.

    `provenance` (e.g. the event log file, or the scenario file and seed) is added to the manifest.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise UsageError(f"--format {fmt}: unknown; expected one of {', '.join(FORMATS)}")
    tables = writer(snap)
    files = {}
    for name, table in tables.items():
        assert tuple(table.columns) == COLUMNS[FILES[fmt][name]], name
        buf = io.StringIO()
        table.to_csv(buf, index=False, lineterminator="\n")
        files[name] = buf.getvalue()
    manifest = {
        "what": "orgsim export-crm: simulated deals as a CRM export",
        "format": fmt,
        "scenario": snap.scenario,
        "replication": snap.replication,
        "as_of": snap.as_of.isoformat(),
        "segment_column": SEGMENT_COLUMN[fmt],
        "counts": snap.counts(),
        **(provenance or {}),
        "files": sorted([*files, "manifest.json"]),
    }
    files["manifest.json"] = json.dumps(manifest, indent=2) + "\n"
    return files


# ---- helpers ---------------------------------------------------------------------------------


def _iso(ts: pd.Series) -> pd.Series:
    """Datetimes as the Salesforce and HubSpot APIs export them (UTC, milliseconds); blank for NaT."""
    return ts.dt.strftime("%Y-%m-%dT%H:%M:%S.000Z").fillna("")


def _date(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y-%m-%d").fillna("")


def _space(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")


def _money(x: pd.Series, decimals: int = 2) -> pd.Series:
    return x.round(decimals).map(lambda v: "" if pd.isna(v) else (f"{v:.{decimals}f}" if decimals else f"{v:.0f}"))


def _flag(x: pd.Series) -> pd.Series:
    return x.map({True: "true", False: "false"})


def _current(snap: Deals) -> pd.Series:
    """Each deal's stage at as-of (its last stage entered)."""
    return (
        snap.history.groupby("deal_id", sort=False)["stage"]
        .last()
        .reindex(snap.deals["deal_id"])
        .reset_index(drop=True)
    )


def _last_open(snap: Deals) -> pd.Series:
    """Each deal's last stage before closing (its current stage if open)."""
    h = snap.history[~snap.history["stage"].isin(["won", "lost"])]
    return h.groupby("deal_id", sort=False)["stage"].last().reindex(snap.deals["deal_id"]).reset_index(drop=True)


def _owner_numbers(owner: pd.Series) -> pd.Series:
    """1, 2, ... for each owner in order of their number (ae-2 before ae-10); NaN without an owner."""
    names = sorted(
        {o for o in owner if o},
        key=lambda o: (o.split("-")[0], int(o.rsplit("-", 1)[-1]) if o.rsplit("-", 1)[-1].isdigit() else 0, o),
    )
    return owner.map({o: i + 1 for i, o in enumerate(names)})


# ---- writers ---------------------------------------------------------------------------------


def _salesforce(snap: Deals) -> dict[str, pd.DataFrame]:
    d = snap.deals
    n = range(1, len(d) + 1)
    ids = pd.Series([salesforce_id("006", i) for i in n])
    by_deal = dict(zip(d["deal_id"], ids))
    owner = _owner_numbers(d["owner"]).map(
        lambda k: salesforce_id("005", int(k)) if pd.notna(k) else salesforce_id("00G", 1)
    )
    closed = d["outcome"] != "open"
    # an open deal's CloseDate is the seller's guess: here the end of the quarter it was created in,
    # which may already be past at as-of (a stale forecast date, as in real CRMs)
    guess = d["created"].dt.to_period("Q").dt.end_time.dt.normalize()
    close = d["closed"].where(closed, guess)
    stage = _current(snap).map(SF_STAGES)
    opp = pd.DataFrame(
        {
            "Id": ids,
            "AccountId": [salesforce_id("001", i) for i in n],
            "Amount": _money(d["amount"]),
            "CloseDate": _date(close),
            "CreatedDate": _iso(d["created"]),
            "StageName": stage,
            "IsClosed": _flag(closed),
            "IsWon": _flag(d["outcome"] == "won"),
            "LeadSource": d["source"],
            "OwnerId": owner,
            "Type": d["segment"],
        }
    )
    h = snap.history.merge(d[["deal_id", "amount", "outcome"]], on="deal_id", how="left")
    h_guess = dict(zip(d["deal_id"], guess))
    final = h["stage"].isin(["won", "lost"])
    hist = pd.DataFrame(
        {
            "OpportunityId": h["deal_id"].map(by_deal),
            "StageName": h["stage"].map(SF_STAGES),
            "CreatedDate": _iso(h["entered"]),
            "Amount": _money(h["amount"].where(h["stage"] == "won")),
            # the close date the opportunity showed after this change: the guess until it closed
            "CloseDate": _date(h["entered"].where(final, h["deal_id"].map(h_guess))),
        }
    )
    return {"Opportunity.csv": opp, "OpportunityHistory.csv": hist}


def _hubspot(snap: Deals) -> dict[str, pd.DataFrame]:
    d = snap.deals
    closed = d["outcome"] != "open"
    # HubSpot's default: an open deal's closedate is the end of the month it was created in
    guess = d["created"].dt.to_period("M").dt.end_time.dt.normalize()
    deals = pd.DataFrame(
        {
            "dealname": d["deal_id"],
            "dealstage": _current(snap).map(HS_STAGES),
            "pipeline": d["segment"],
            "amount": _money(d["amount"]),
            "closedate": _iso(d["closed"].where(closed, guess)),
            "createdate": _iso(d["created"]),
            "hubspot_owner_id": _owner_numbers(d["owner"]).map(lambda k: "" if pd.isna(k) else str(40000000 + int(k))),
            "hs_is_closed_won": _flag(d["outcome"] == "won"),
            "hs_is_closed": _flag(closed),
            "hs_analytics_source": d["source"],
        }
    )
    h = snap.history.copy()
    h["exited"] = h.groupby("deal_id", sort=False)["entered"].shift(-1)
    for key, stage in HS_STAGES.items():
        rows = h[h["stage"] == key].set_index("deal_id")
        deals[f"hs_date_entered_{stage}"] = _iso(rows["entered"].reindex(d["deal_id"]).reset_index(drop=True))
        deals[f"hs_date_exited_{stage}"] = _iso(rows["exited"].reindex(d["deal_id"]).reset_index(drop=True))
    return {"deals.csv": deals}


def _pipedrive(snap: Deals) -> dict[str, pd.DataFrame]:
    d = snap.deals
    won, lost = d["outcome"] == "won", d["outcome"] == "lost"
    deals = pd.DataFrame(
        {
            "id": np.arange(1, len(d) + 1),
            "stage_id": _last_open(snap).map(PD_STAGES),
            "status": d["outcome"],
            "value": _money(d["amount"]),
            "currency": "USD",
            "add_time": _space(d["created"]),
            "won_time": _space(d["closed"].where(won)),
            "lost_time": _space(d["closed"].where(lost)),
            "close_time": _space(d["closed"]),
            "lost_reason": d["lost_reason"].map(LOST_REASONS).fillna(""),
            "user_id": _owner_numbers(d["owner"]).map(lambda k: "" if pd.isna(k) else str(9000000 + int(k))),
            "pipeline_id": d["segment"],
        }
    )
    return {"deals.csv": deals}


def _generic(snap: Deals) -> dict[str, pd.DataFrame]:
    d = snap.deals
    deals = pd.DataFrame(
        {
            "deal_id": d["deal_id"],
            "segment": d["segment"],
            "source": d["source"],
            "created_date": _date(d["created"]),
            "closed_date": _date(d["closed"]),
            "outcome": d["outcome"],
            "amount": _money(d["amount"]),
        }
    )
    h = snap.history
    hist = pd.DataFrame({"deal_id": h["deal_id"], "stage": h["stage"], "entered_date": _date(h["entered"])})
    return {"deals.csv": deals, "stage_history.csv": hist}


def _sales_pipeline(snap: Deals) -> dict[str, pd.DataFrame]:
    d = snap.deals
    h = snap.history
    engaged = h[h["stage"] == "assigned"].set_index("deal_id")["entered"].reindex(d["deal_id"]).reset_index(drop=True)
    # the public data set's stages: Prospecting has no agent engaged yet (no engage_date), Engaging is open
    stage = np.where(
        d["outcome"] == "won",
        "Won",
        np.where(d["outcome"] == "lost", "Lost", np.where(engaged.notna(), "Engaging", "Prospecting")),
    )
    value = d["amount"].where(d["outcome"] == "won", np.where(d["outcome"] == "lost", 0.0, np.nan))
    sp = pd.DataFrame(
        {
            "opportunity_id": [f"{i:08X}" for i in range(1, len(d) + 1)],
            "sales_agent": d["owner"],
            "product": d["segment"],
            "account": [f"Account {i}" for i in range(1, len(d) + 1)],
            "deal_stage": stage,
            "engage_date": _date(engaged),
            "close_date": _date(d["closed"]),
            "close_value": _money(value, 0),
        }
    )
    return {"sales_pipeline.csv": sp}


_WRITERS: dict[str, Callable[[Deals], dict[str, pd.DataFrame]]] = {
    "salesforce": _salesforce,
    "hubspot": _hubspot,
    "pipedrive": _pipedrive,
    "generic": _generic,
    "sales-pipeline": _sales_pipeline,
}
