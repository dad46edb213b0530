"""Each CRM layout: the columns of issue 16, date formats, open deals, counts (orgsim.crm.formats)."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from orgsim.crm import deals_from_events
from orgsim.crm.formats import FORMATS, render, salesforce_checksum, salesforce_id

# the columns as issue 16 (and docs/reference/interfaces.md) lists them, typed here independently
HS_STAGE_IDS = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin"]
HS_STAGE_IDS += ["contractsent", "closedwon", "closedlost"]
ISSUE_COLUMNS = {
    ("salesforce", "Opportunity.csv"): "Id, AccountId, Amount, CloseDate, CreatedDate, StageName, IsClosed, IsWon, "
    "LeadSource, OwnerId, Type",
    ("salesforce", "OpportunityHistory.csv"): "OpportunityId, StageName, CreatedDate, Amount, CloseDate",
    ("hubspot", "deals.csv"): "dealname, dealstage, pipeline, amount, closedate, createdate, hubspot_owner_id, "
    "hs_is_closed_won, hs_is_closed, hs_analytics_source, "
    + ", ".join(f"hs_date_{w}_{s}" for s in HS_STAGE_IDS for w in ("entered", "exited")),
    # pipeline_id (a Pipedrive deal field) carries the segment
    ("pipedrive", "deals.csv"): "id, stage_id, status, value, currency, add_time, won_time, lost_time, close_time, "
    "lost_reason, user_id, pipeline_id",
    ("generic", "deals.csv"): "deal_id, segment, source, created_date, closed_date, outcome, amount",
    ("generic", "stage_history.csv"): "deal_id, stage, entered_date",
    ("sales-pipeline", "sales_pipeline.csv"): "opportunity_id, sales_agent, product, account, deal_stage, "
    "engage_date, close_date, close_value",
}
ISO_Z = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z"
DATE = r"\d{4}-\d\d-\d\d"
SPACE = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"


@pytest.fixture(scope="module")
def snap(events, as_of):
    return deals_from_events(events, as_of=as_of)


@pytest.fixture(scope="module")
def files(snap):
    return {fmt: render(snap, fmt) for fmt in FORMATS}


def _table(files, fmt, name) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(files[fmt][name]), dtype=str, keep_default_na=False)


def _matches(col: pd.Series, pattern: str) -> bool:
    return bool(col[col != ""].str.fullmatch(pattern).all()) and (col != "").any()


@pytest.mark.parametrize("fmt, name", list(ISSUE_COLUMNS))
def test_columns_are_exactly_the_issues(files, fmt, name):
    assert list(_table(files, fmt, name).columns) == ISSUE_COLUMNS[fmt, name].split(", ")


def test_every_format_has_one_row_per_deal_and_a_manifest(files, snap, as_of):
    counts = snap.counts()
    main = {"salesforce": "Opportunity.csv", "sales-pipeline": "sales_pipeline.csv"}
    for fmt in FORMATS:
        assert len(_table(files, fmt, main.get(fmt, "deals.csv"))) == counts["deals"]
        manifest = json.loads(files[fmt]["manifest.json"])
        assert manifest["counts"] == counts and manifest["as_of"] == as_of and manifest["format"] == fmt
        assert sorted(manifest["files"]) == sorted(files[fmt])
    assert counts["open"] > 20 and counts["won"] > 10 and counts["lost"] > 10


def test_salesforce(files, snap):
    opp = _table(files, "salesforce", "Opportunity.csv")
    assert opp["Id"].str.fullmatch(r"006[0-9A-Za-z]{15}").all() and opp["Id"].is_unique
    assert opp["OwnerId"].str.fullmatch(r"005[0-9A-Za-z]{15}").all()
    assert _matches(opp["CreatedDate"], ISO_Z) and opp["CloseDate"].str.fullmatch(DATE).all()
    outcome = snap.deals["outcome"]
    assert (opp["IsClosed"] == (outcome != "open").map({True: "true", False: "false"})).all()
    assert (opp["IsWon"] == (outcome == "won").map({True: "true", False: "false"})).all()
    assert (opp.loc[outcome == "won", "StageName"] == "Closed Won").all()
    assert (opp.loc[outcome == "lost", "StageName"] == "Closed Lost").all()
    assert not opp.loc[outcome == "open", "StageName"].str.startswith("Closed").any()
    # an open deal has no close event, but Salesforce still shows a (guessed) CloseDate
    assert snap.deals.loc[outcome == "open", "closed"].isna().all()
    assert (opp.loc[outcome == "open", "CloseDate"] != "").all()
    assert (opp["Type"] == snap.deals["segment"]).all()
    assert (opp.loc[outcome == "won", "Amount"] != "").all() and (opp.loc[outcome != "won", "Amount"] == "").all()
    hist = _table(files, "salesforce", "OpportunityHistory.csv")
    assert set(hist["OpportunityId"]) == set(opp["Id"]) and len(hist) == len(snap.history)
    assert _matches(hist["CreatedDate"], ISO_Z)


def test_salesforce_ids_carry_the_case_checksum():
    assert salesforce_id("006", 1) == "0065g0000000001AAA"
    assert salesforce_id("006", 61) == "0065g000000000zAAA"
    assert salesforce_id("006", 10) == "0065g000000000AAAQ"  # 'A' in the 15th place: bit 4 of the third chunk
    assert salesforce_id("006", 36) == "0065g000000000aAAA"  # lower case sets no bit
    assert salesforce_checksum("001A0000006Vm9r") == "IAC"  # a documented 15 -> 18 character example


def test_hubspot(files, snap):
    deals = _table(files, "hubspot", "deals.csv")
    outcome, created = snap.deals["outcome"], snap.deals["created"]
    assert _matches(deals["createdate"], ISO_Z) and _matches(deals["closedate"], ISO_Z)
    assert (deals["hs_is_closed"] == (outcome != "open").map({True: "true", False: "false"})).all()
    assert (deals["hs_is_closed_won"] == (outcome == "won").map({True: "true", False: "false"})).all()
    # an open deal's closedate is HubSpot's default: the end of the month it was created in
    month_end = created.dt.to_period("M").dt.end_time.dt.strftime("%Y-%m-%dT00:00:00.000Z")
    assert (deals.loc[outcome == "open", "closedate"] == month_end[outcome == "open"]).all()
    assert (deals.loc[outcome == "won", "dealstage"] == "closedwon").all()
    assert (deals.loc[outcome == "open", "hs_date_entered_closedwon"] == "").all()
    assert (deals["hs_date_entered_appointmentscheduled"] == deals["createdate"]).all()
    closed = deals.loc[outcome == "won"]
    assert (closed["hs_date_entered_closedwon"] == closed["closedate"]).all()
    assert (deals["pipeline"] == snap.deals["segment"]).all()


def test_pipedrive(files, snap):
    deals = _table(files, "pipedrive", "deals.csv")
    outcome = snap.deals["outcome"]
    assert (deals["status"] == outcome).all() and set(deals["status"]) <= {"open", "won", "lost"}
    assert _matches(deals["add_time"], SPACE) and _matches(deals["close_time"], SPACE)
    assert (deals.loc[outcome == "won", "won_time"] == deals.loc[outcome == "won", "close_time"]).all()
    assert (deals.loc[outcome == "lost", "lost_time"] == deals.loc[outcome == "lost", "close_time"]).all()
    assert (deals.loc[outcome == "open", ["won_time", "lost_time", "close_time"]] == "").all().all()
    assert (deals["currency"] == "USD").all() and (deals["pipeline_id"] == snap.deals["segment"]).all()


def test_generic_and_its_stage_history(files, snap):
    deals = _table(files, "generic", "deals.csv")
    assert deals["created_date"].str.fullmatch(DATE).all()
    assert ((deals["closed_date"] == "") == (deals["outcome"] == "open")).all()
    assert (deals["outcome"] == snap.deals["outcome"]).all() and (deals["deal_id"] == snap.deals["deal_id"]).all()
    won = pd.to_numeric(deals.loc[deals["outcome"] == "won", "amount"])
    assert won.to_numpy() == pytest.approx(
        snap.deals.loc[snap.deals["outcome"] == "won", "amount"].to_numpy(), abs=0.006
    )
    hist = _table(files, "generic", "stage_history.csv")
    assert hist["entered_date"].str.fullmatch(DATE).all() and set(hist["deal_id"]) == set(deals["deal_id"])


def test_sales_pipeline(files, snap):
    sp = _table(files, "sales-pipeline", "sales_pipeline.csv")
    outcome = snap.deals["outcome"]
    assert set(sp["deal_stage"]) <= {"Prospecting", "Engaging", "Won", "Lost"}
    assert ((sp["deal_stage"] == "Won") == (outcome == "won")).all()
    assert (sp.loc[outcome == "lost", "close_value"] == "0").all()  # as in the public data set
    assert (sp.loc[outcome == "open", ["close_date", "close_value"]] == "").all().all()
    assert (sp.loc[sp["deal_stage"] == "Prospecting", "engage_date"] == "").all()
    assert _matches(sp["engage_date"], DATE) and (sp["product"] == snap.deals["segment"]).all()


def test_unknown_format_is_refused(snap):
    from orgsim.scenario.errors import UsageError

    with pytest.raises(UsageError, match=re.escape("--format csv: unknown; expected one of salesforce, hubspot")):
        render(snap, "csv")
