"""Issue 12's market mechanisms, each department alone: a finite market (orgsim.model.market and
marketing's thinning), content's diminishing returns in team size, and product-market fit across
the funnel (product, marketing's scoring, the SDRs' qualification)."""

from __future__ import annotations

import random
from collections import deque
from types import SimpleNamespace

import numpy as np
import pytest
from model_fakes import Next, make_pool, make_scenario, stage, two_segments, world

from orgsim.model.entities import Lead
from orgsim.model.market import Market
from orgsim.model.marketing import Marketing, monthly_rates
from orgsim.model.product import Product
from orgsim.model.sdr import SDR
from orgsim.model.stages import Results

TWO = two_segments("mid", acv=30000.0, cycle_days=30.0, win_rate=0.5)  # two segments, half the leads each
PAID = {"paid": {"budget_per_month": 40000.0, "cost_per_lead": 200.0, "mql_rate": 1.0}}  # 200 leads a month


def account(aid: int, segment: str) -> SimpleNamespace:
    return SimpleNamespace(aid=aid, segment=segment)


# ---- content: diminishing returns in team size ---------------------------------------------------


def test_content_leads_grow_as_marketers_to_the_returns_exponent():
    clock, _ = world()
    for beta, four in ((1.0, 4 * 30.0), (0.7, 30.0 * 4**0.7)):
        sc = make_scenario(lead_sources={"content": {"leads_per_marketer_month": 30.0, "returns_exponent": beta}})
        one = monthly_rates(sc, make_pool(clock, "marketer", 1), None, 0)["content"]
        assert one == 30.0  # one ramped marketer: the per-marketer figure whatever beta is
        assert monthly_rates(sc, make_pool(clock, "marketer", 4), None, 0)["content"] == pytest.approx(four)


# ---- a finite market -------------------------------------------------------------------------


def test_penetration_counts_customers_and_recent_losses():
    sc = make_scenario(
        segments=TWO,
        market={"addressable_accounts": {"smb": 10}, "saturation_exponent": 2.0, "recent_loss_months": 3},
    )
    books = [account(1, "smb"), account(2, "smb"), account(3, "mid")]
    m = Market(sc=sc, accounts=lambda: books)
    assert m.start_of_month(0) == pytest.approx([(1 - 0.2) ** 2, 1.0])  # mid is unlimited
    books.pop(0)  # lost in month 0: still counted for 3 months
    for month in (1, 2, 3):
        assert m.start_of_month(month)[0] == pytest.approx(0.8**2)
    assert m.start_of_month(4)[0] == pytest.approx(0.9**2)
    rec = Results()
    m.record(rec)
    assert list(rec.monthly) == ["penetration.smb"]
    assert rec.monthly["penetration.smb"][:6].tolist() == pytest.approx([0.2, 0.2, 0.2, 0.2, 0.1, 0.0])


def test_penetration_is_what_the_books_by_id_gave():
    """`Market.start_of_month` against the way it was computed before (a dict of the books by
    account id each month, losses found in last month's dict): random books over 40 months."""
    sc = make_scenario(
        horizon_months=40,
        segments=TWO,
        market={"addressable_accounts": {"smb": 60, "mid": 25}, "saturation_exponent": 1.5, "recent_loss_months": 4},
    )
    rng = random.Random(23)
    for _ in range(30):
        books: list = []
        m = Market(sc=sc, accounts=lambda b=books: b)  # type: ignore[misc]
        seen: dict[int, int] = {}
        lost: deque = deque()
        index = {"smb": 0, "mid": 1}
        next_aid = 0
        for month in range(40):
            for _ in range(rng.randrange(0, 4)):  # signings, and churn anywhere in the books
                next_aid += 1
                books.append(account(next_aid, rng.choice(("smb", "mid"))))
            for _ in range(rng.randrange(0, 3)):
                if books:
                    books.pop(rng.randrange(len(books)))
            if books and rng.random() < 0.3:  # the same account as a new object (only its id counts)
                i = rng.randrange(len(books))
                books[i] = account(books[i].aid, books[i].segment)
            now = {a.aid: index[a.segment] for a in books}
            lost.extend((month, seg) for aid, seg in seen.items() if aid not in now)
            seen = now
            while lost and lost[0][0] <= month - 4:
                lost.popleft()
            counts = np.bincount(list(now.values()), minlength=2).astype(float)
            counts += np.bincount([seg for _, seg in lost], minlength=2)
            penetration = np.clip(counts / np.array([60.0, 25.0]), 0.0, 1.0)
            assert m.start_of_month(month).tolist() == ((1.0 - penetration) ** 1.5).tolist()
            assert m.penetration.tolist() == penetration.tolist()


def build_marketing(market: dict | None, books: list, fit: dict | None = None, maturity: float = 1.0):
    clock, streams = world()
    sc = make_scenario(
        segments=TWO,
        lead_sources=PAID,
        product={"maturity_start": maturity, "fit": fit},
        **({"market": market} if market else {}),
    )
    sdrs = Next(clock, lambda lead: lead.segment)
    mk = Marketing(
        clock=clock,
        sc=sc,
        streams=streams,
        stage=stage("marketing", None),
        marketers=None,
        sdrs=None,
        healthy_accounts=lambda: 0,
        next=sdrs,
        product=Product(sc=sc, engineers=None),
        market=Market(sc=sc, accounts=lambda: books) if Market.on(sc) else None,
    )
    return clock, streams, mk, sdrs


def test_a_saturated_segment_yields_no_leads_and_the_other_is_untouched():
    runs = {}
    for name, market in (("unlimited", None), ("finite", {"addressable_accounts": {"smb": 2}})):
        clock, streams, mk, sdrs = build_marketing(market, [account(1, "smb"), account(2, "smb")])
        used: list[str] = []
        monthly = streams.monthly
        streams.monthly = lambda name, month, used=used, monthly=monthly: used.append(name) or monthly(name, month)  # type: ignore[method-assign]
        mk.start_of_month(0)
        clock.env.run()
        runs[name] = [seg for _, seg, _ in sdrs.log]
        assert used == (["arrivals.paid", "market.paid"] if market else ["arrivals.paid"])  # off: no draws
    assert runs["finite"] == [s for s in runs["unlimited"] if s == "mid"]  # the same mid leads, in order
    assert "smb" in runs["unlimited"]


def test_a_half_penetrated_segment_keeps_about_half_its_leads():
    books = [account(i, "smb") for i in range(50)]
    kept = total = 0
    for month in range(12):
        clock, _, mk, _ = build_marketing({"addressable_accounts": {"smb": 100}}, books)
        mk.start_of_month(month)
        clock.env.run()
        kept += mk.funnel["leads.paid"]
        total += 200
    # mid keeps all (about 100 a month), smb half of its 100: about 150 of 200
    assert kept / total == pytest.approx(0.75, abs=0.03)


# ---- product-market fit ----------------------------------------------------------------------


def test_fit_factor_rises_linearly_to_one_at_the_threshold():
    for maturity, factor in ((0.0, 0.4), (0.25, 0.7), (0.5, 1.0), (0.9, 1.0)):
        sc = make_scenario(
            product={"maturity_start": maturity, "win_rate_effect": 0.0, "fit": {"threshold": 0.5, "floor": 0.4}}
        )
        p = Product(sc=sc, engineers=None)
        assert p.fit_factor() == pytest.approx(factor)
        assert p.win_factor() == pytest.approx(factor)
    off = Product(sc=make_scenario(product={"maturity_start": 0.2, "win_rate_effect": 0.5}), engineers=None)
    assert off.fit_factor() == 1.0 and off.win_factor() == 1.0 - 0.5 * 0.8


def test_fit_scales_marketing_scoring():
    clock, _, mk, _ = build_marketing(None, [], fit={"threshold": 0.8, "floor": 0.0}, maturity=0.2)
    mk.start_of_month(0)
    clock.env.run()
    leads, mqls = mk.funnel["leads.paid"], mk.funnel["mql.paid"]
    assert mqls / leads == pytest.approx(0.25, abs=0.08)  # mql_rate 1 x fit 0.25


def test_fit_scales_qualification():
    clock, streams = world()
    sc = make_scenario(
        roles={"sdr": {"department": "sales", "headcount": 1}},
        product={"maturity_start": 0.0, "fit": {"threshold": 0.5, "floor": 0.0}},
    )
    pool = make_pool(clock, "sdr", 1)
    sales = Next(clock)
    sdr = SDR(
        sc=sc, streams=streams, pool=pool, stage=stage("sdr", pool), next=sales, product=Product(sc=sc, engineers=None)
    )
    for i in range(20):
        x = Lead("paid", "smb", 0.0)
        x.lid = i
        sdr.accept(x)
    clock.env.run()
    assert sales.log == [] and sdr.funnel["lost.qualification"] == 20  # mql_to_sql 1 x fit 0


def test_penetration_is_clipped_to_one():
    sc = make_scenario(market={"addressable_accounts": {"smb": 1}})
    m = Market(sc=sc, accounts=lambda: [account(i, "smb") for i in range(3)])
    assert m.start_of_month(0).tolist() == [0.0]
    assert np.all(m.penetration == 1.0)
