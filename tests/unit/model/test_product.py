"""Product alone: engineers build maturity; maturity scales win rates."""

from __future__ import annotations

import pytest
from model_fakes import make_pool, make_scenario, world

from orgsim.model.product import Product


def test_maturity_closes_its_gap_by_engineer_months():
    clock, _ = world()
    sc = make_scenario(product={"maturity_start": 0.5, "engineer_months_to_mature": 60.0, "win_rate_effect": 0.4})
    p = Product(sc=sc, engineers=make_pool(clock, "engineer", 6))
    assert p.win_factor() == pytest.approx(1.0 - 0.4 * 0.5)
    p.end_of_month()  # 6 engineers of 60 engineer-months: a tenth of the gap
    assert p.maturity == pytest.approx(0.55)
    p.end_of_month()
    assert p.maturity == pytest.approx(0.595)


def test_without_engineers_maturity_stays():
    sc = make_scenario(product={"maturity_start": 0.3})
    p = Product(sc=sc, engineers=None)
    p.end_of_month()
    assert p.maturity == 0.3


def test_fit_kept_is_fit_factor_as_maturity_moves():
    """`Product.fit` (read for every MQL and deal) is `fit_factor()` of the maturity now."""
    clock, _ = world()
    sc = make_scenario(
        product={"maturity_start": 0.1, "engineer_months_to_mature": 30.0, "fit": {"threshold": 0.6, "floor": 0.3}}
    )
    p = Product(sc=sc, engineers=make_pool(clock, "engineer", 4))
    seen = set()
    for _ in range(40):
        assert p.fit == p.fit_factor() == 0.3 + 0.7 * min(1.0, p.maturity / 0.6)
        seen.add(p.fit)
        p.end_of_month()
    assert len(seen) > 5 and 1.0 in seen  # it moved, up to full fit
