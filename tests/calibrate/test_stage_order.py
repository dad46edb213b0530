"""Stage order inferred from stage histories, when many deals skip a stage (presales)."""

from __future__ import annotations

import pandas as pd

from orgsim.calibrate.quality import _out_of_order, stage_order


def _history(paths: list[list[str]]) -> pd.DataFrame:
    rows = []
    for i, path in enumerate(paths):
        for k, stage in enumerate(path):
            rows.append(
                {"deal_id": f"d{i}", "stage": stage, "entered": pd.Timestamp("2026-01-01") + pd.Timedelta(days=k)}
            )
    return pd.DataFrame(rows)


def test_a_stage_most_deals_skip_keeps_its_place_and_forward_deals_are_not_flagged():
    with_se = ["created", "sales_work", "presales_work", "buyer_ready", "won"]
    without = ["created", "sales_work", "buyer_ready", "lost"]
    h = _history([with_se] * 3 + [without] * 7)
    assert stage_order(h)[:4] == ["created", "sales_work", "presales_work", "buyer_ready"]
    assert set(stage_order(h)[4:]) == {"won", "lost"}
    assert _out_of_order(h) == 0


def test_a_deal_that_goes_back_is_counted():
    forward = ["created", "sales_work", "presales_work", "buyer_ready", "won"]
    back = ["created", "presales_work", "sales_work", "buyer_ready", "lost"]
    assert _out_of_order(_history([forward] * 5 + [back])) == 1
