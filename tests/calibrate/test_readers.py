"""Each CRM reader on its fixture (tests/fixtures/crm/<format>/, from generate.py): the normalised
rows, the outcomes counted, the stage history, and the layout's own rules (an open HubSpot deal's
closedate ignored, Pipedrive's deleted deals and sales_pipeline's unengaged prospects counted)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orgsim.calibrate.quality import parse_segments, prepare, stage_order
from orgsim.calibrate.readers import read_export

F = Path(__file__).resolve().parents[1] / "fixtures" / "crm"
FILES = {
    "generic": [F / "generic" / "deals.csv", F / "generic" / "stages.csv"],
    "salesforce": [F / "salesforce" / "Opportunity.csv", F / "salesforce" / "OpportunityHistory.csv"],
    "hubspot": [F / "hubspot" / "deals.csv"],
    "pipedrive": [F / "pipedrive" / "deals.csv"],
    "sales-pipeline": [F / "sales-pipeline" / "sales_pipeline.csv"],
}
# rows read, outcomes, reader counts, stage-history rows, whether a segment column exists
KNOWN = {
    "generic": (414, {"lost": 247, "won": 123, "open": 44}, {}, 1208, True),
    "salesforce": (60, {"lost": 35, "won": 20, "open": 5}, {}, 231, False),
    "hubspot": (60, {"lost": 31, "won": 21, "open": 8}, {"open_closedate_ignored": 8}, 214, False),
    "pipedrive": (60, {"lost": 39, "won": 13, "deleted": 4, "open": 4}, {"deleted": 4}, None, False),
    "sales-pipeline": (60, {"lost": 42, "won": 12, "not_engaged": 3, "open": 3}, {"not_engaged": 3}, None, False),
}


@pytest.mark.parametrize("fmt", list(FILES))
def test_reader_counts(fmt):
    e = read_export(fmt, FILES[fmt])
    rows, outcomes, counts, history, has_segment = KNOWN[fmt]
    assert len(e.deals) == rows
    assert e.deals["outcome"].value_counts().to_dict() == outcomes
    assert e.counts == counts
    assert (None if e.history is None else len(e.history)) == history
    assert e.has_segment is has_segment
    assert list(e.deals.columns[:10]) == [
        "deal_id", "segment", "source", "created", "closed", "outcome", "amount", "currency", "lost_reason", "owner",
    ]  # fmt: skip
    decided = e.deals["outcome"].isin(["won", "lost"])
    assert e.deals.loc[decided, "closed"].notna().all()
    assert e.deals.loc[e.deals["outcome"] == "open", "closed"].isna().all()  # expected close dates are not events


def test_salesforce_first_row_normalised():
    row = read_export("salesforce", FILES["salesforce"]).deals.iloc[0].to_dict()
    assert row | {"file": ""} == {
        "deal_id": "0065g0000000TIuAAM", "segment": "", "source": "Partner", "created": pd.Timestamp("2023-02-09"),
        "closed": pd.Timestamp("2023-02-26"), "outcome": "lost", "amount": 4560.0, "currency": "", "lost_reason": "",
        "owner": "0055g0000000VMdAAM", "file": "", "row": 1,
    }  # fmt: skip
    assert len(row["deal_id"]) == 18


def test_hubspot_stage_history_from_date_entered_columns():
    e = read_export("hubspot", FILES["hubspot"])
    assert e.history is not None
    assert stage_order(e.history) == [
        "appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "contractsent", "closedlost", "closedwon",
    ]  # fmt: skip
    first = e.deals.iloc[0]
    assert (
        first["deal_id"] == "14872635097" and first["lost_reason"] == "Went dark" and first["source"] == "PAID_SEARCH"
    )


def test_pipedrive_deleted_are_counted_and_dropped():
    e = read_export("pipedrive", FILES["pipedrive"])
    prep = prepare(e, None, "smb")
    assert prep.counts["deleted"] == 4 and len(prep.deals) == 56
    assert any(w["key"] == "deleted" and w["count"] == 4 for w in prep.warnings())


def test_map_points_a_field_at_another_column(tmp_path):
    src = (F / "generic" / "deals.csv").read_text().replace("segment,", "Region,", 1)
    p = tmp_path / "deals.csv"
    p.write_text(src)
    e = read_export("generic", [p], {"Region": "segment"})
    assert e.has_segment and set(e.deals["segment"]) == {"smb", "mid_market", "enterprise"}


def test_prepare_cuts_at_as_of_and_counts():
    e = read_export("generic", FILES["generic"])
    prep = prepare(e, pd.Timestamp("2024-06-30"), None)
    assert prep.counts["duplicates"] == 1 and prep.counts["created_after_as_of"] == 1
    assert len(prep.deals) == 412 and prep.segment_rule == "the segment column"
    early = prepare(e, pd.Timestamp("2023-12-31"), None)  # deals decided later are open then
    assert early.counts["closed_after_as_of"] > 0
    assert (early.deals["days"] >= 0).all() and early.deals["closed"].max() <= pd.Timestamp("2023-12-31")


def test_amount_bands():
    assert parse_segments("smb:<15000,mid_market:<100000,enterprise") == [
        ("smb", 15000.0), ("mid_market", 100000.0), ("enterprise", None),
    ]  # fmt: skip
    prep = prepare(read_export("salesforce", FILES["salesforce"]), None, "smb:<15000,rest")
    small = prep.deals.loc[prep.deals["segment"] == "smb", "amount"]
    assert (small < 15000).all() and (prep.deals.loc[prep.deals["segment"] == "rest", "amount"] >= 15000).all()


def test_an_as_of_long_after_the_data_is_a_data_quality_warning():
    e = read_export("generic", FILES["generic"])
    data_end = prepare(e, None, None).as_of  # the latest date in the data
    near = prepare(e, data_end + pd.Timedelta(days=30), None)
    assert near.counts["as_of_after_data"] == 0  # an export taken a month after the last change: fine
    late = prepare(e, data_end + pd.Timedelta(days=400), None)
    n_open = int((late.deals["event"] == 0).sum())
    assert late.counts["as_of_after_data"] == n_open > 0
    (w,) = [w for w in late.warnings() if w["key"] == "as_of_after_data"]
    assert w["message"].startswith(f"{n_open} open deals taken as still open up to --as-of, 400 days after")
    assert f"({data_end:%Y-%m-%d})" in w["message"]


def test_hubspot_without_record_ids_says_that_deals_of_one_name_became_one(tmp_path):
    src = pd.read_csv(F / "hubspot" / "deals.csv", dtype=str, keep_default_na=False)
    with_ids = prepare(read_export("hubspot", [F / "hubspot" / "deals.csv"]), None, None)
    assert with_ids.counts.get("dealname_repeats", 0) == 0  # ids present: names are not keys
    no_ids = src.drop(columns=["hs_object_id"])
    no_ids.loc[5, "dealname"] = no_ids.loc[3, "dealname"]  # two deals, one name
    p = tmp_path / "deals.csv"
    no_ids.to_csv(p, index=False)
    prep = prepare(read_export("hubspot", [p]), None, None)
    assert prep.counts["dealname_repeats"] == 1 and prep.counts["duplicates"] == 1
    assert len(prep.deals) == len(with_ids.deals) - 1
    (w,) = [w for w in prep.warnings() if w["key"] == "dealname_repeats"]
    assert w["message"].startswith("1 HubSpot deals share a dealname") and '--map "Record ID=deal_id"' in w["message"]
