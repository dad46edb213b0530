"""Functional departments with effects (issue 14, item 3): finance collects, admin spans, managers span.

Three optional blocks under `company:` and one key under `hiring:`; each is off (null) by default,
and then the company runs exactly as before (functional roles are pure cost). With a block on:

- `company.collections`: finance people each handle `invoices_per_finance_month` invoices coming due
  a month; the share u of invoices beyond that capacity is collected `overload_dso_days` x u days
  late, and a share `bad_debt_base + bad_debt_overload x u` of the month's receivables is written off.
- `company.admin_span`: one admin (HR/people operations) per `people_per_admin` people; the share u of
  people beyond that span stretches every new requisition's time to hire by `1 + time_to_hire_overload x u`.
- `company.management`: one manager per `span` reports of the roles it `manages`; the share u of
  reports beyond that span cuts those roles' task hours by `overload_productivity_loss x u`.
- `hiring.founder_hires_per_month`: with no recruiter on staff, the founders close at most this many
  hires a month (one after another); null = they close every hire at once, at no cost (as before).

Equations and sources: docs/explanation/model/functional.md. Figures marked [id] come from
`data/benchmarks.yaml`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from orgsim.scenario.base import Model, NonNeg, Pos, Prob

if TYPE_CHECKING:
    from orgsim.scenario.schema import Scenario

__all__ = ["AdminSpan", "Collections", "Management", "functional_problems", "uncovered_share"]


def uncovered_share(load: float, capacity: float) -> float:
    """u = max(0, 1 - capacity / load): the share of the load beyond capacity (0 when load is 0)."""
    if load <= 0:
        return 0.0
    return max(0.0, 1.0 - capacity / load)


class Collections(Model):
    """Finance collects (YAML `company.collections`)."""

    finance_role: str = "finance"
    """The role whose people collect receivables (must be a role of the scenario; headcount 0 = no finance)."""
    invoices_per_finance_month: Pos = 300.0
    """Invoices coming due that one finance person chases a month. Assumption, no public figure."""
    overload_dso_days: NonNeg = 30.0
    """Extra days to collect at u = 1 (no finance at all); DSO = terms + this x u. Assumption, no public figure."""
    bad_debt_base: Prob = 0.0
    """Share of receivables written off even when finance keeps up. Assumption, no public figure."""
    bad_debt_overload: Prob = 0.05
    """Further share written off at u = 1; bad debt share = base + this x u. Assumption, no public figure."""


class AdminSpan(Model):
    """HR/admin span of control (YAML `company.admin_span`)."""

    admin_role: str = "admin"
    """The role of HR/people-operations staff (must be a role of the scenario)."""
    people_per_admin: Pos = 50.0
    """People on staff one admin supports. Assumption, no public figure."""
    time_to_hire_overload: NonNeg = 0.5
    """Time to hire is multiplied by 1 + this x u at u = share of people beyond the span. Assumption."""


class Management(Model):
    """First-line managers' span of control (YAML `company.management`)."""

    manager_role: str = "manager"
    """The role of first-line managers (must be a role of the scenario; they do no tasks)."""
    manages: list[str] = Field(default_factory=lambda: ["sdr", "ae"], min_length=1)
    """Roles reporting to these managers; their task hours fall when the span is exceeded."""
    span: Pos = 8.0
    """Reports one manager leads without loss [ae_manager_span: 6-8; sdr_manager_span: 8.1]."""
    overload_productivity_loss: Prob = 0.2
    """Share of task hours lost at u = 1 (no manager); hours x (1 - this x u). Assumption, no public figure."""


def functional_problems(sc: Scenario, out: list[tuple[str, str]]) -> None:
    """The roles the blocks name must be roles of the scenario."""
    c = sc.company
    named: list[tuple[str, str]] = []
    if c.collections is not None:
        named.append(("company.collections.finance_role", c.collections.finance_role))
    if c.admin_span is not None:
        named.append(("company.admin_span.admin_role", c.admin_span.admin_role))
    if c.management is not None:
        named.append(("company.management.manager_role", c.management.manager_role))
        named += [(f"company.management.manages[{i}]", r) for i, r in enumerate(c.management.manages)]
    for path, role in named:
        if role not in sc.roles:
            out.append((path, f"no role {role!r} in roles (roles: {', '.join(sc.roles)}); add it (headcount 0 = none)"))
    m = c.management
    if m is not None and m.manager_role in m.manages:
        out.append(("company.management.manages", f"{m.manager_role!r} cannot manage itself"))
