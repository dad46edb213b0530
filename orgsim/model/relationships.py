"""Ownership through relationships (issue 13 item 4; `customers.relationship`, off when null).

Each account keeps a relationship strength (0..1) with sales (the key person's relationship with
the AEs) and one with its CSM. Strength decays without contact, halving every
``half_life_months``: s(t) = s(t0) x 2^(-(t - t0) / half-life), evaluated lazily (nothing runs
per account per day). Each owner task done on the account is a contact:
``s <- s + gain_per_touch x (1 - s)``. Sales starts at ``start`` at signing, cut to
``handoff_factor x start`` when another team delivers the deal (the seller hands the customer
over at signing); the CSM starts from ``handoff_factor x`` the sales strength at its first contact
(before it, a CSM-owned decision sees that value: the handoff notes are all it has). Renewal and
expansion probabilities p of the owner with strength s become
``1 / (1 + exp(-(logit(p) + weight x (s - reference))))``: an AE who has not touched the account
since the sale renews less than a CSM who cares for it monthly. A healthy account refers at
``1 + (relationship_boost - 1) x s_sales`` times ``per_healthy_account_year``; with
``ownership.referral_relationship: sales`` AEs keep it up by a key-person touch task every
``key_person_touch_months``. No random draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from math import exp, log
from typing import TYPE_CHECKING

from orgsim.scenario import MONTH_DAYS, Scenario

if TYPE_CHECKING:
    import simpy

    from orgsim.model.entities import Account
    from orgsim.model.pools import Pool, Task
    from orgsim.model.stages import StageStats

__all__ = ["Relationships", "logit_shift", "steady_strength"]

_EPS = 1e-9


def logit_shift(p: float, shift: float) -> float:
    """p moved by `shift` on the log-odds scale (p at 0 or 1 stays there, up to 1e-9)."""
    p = min(max(p, _EPS), 1 - _EPS)
    z = math.log(p / (1 - p)) + shift
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def steady_strength(half_life_months: float, gain: float, every_months: float = 1.0) -> float:
    """The strength a relationship settles at, just after a touch, with one touch every
    `every_months`: s = d (s + g (1 - s)) one period before, d = 2^(-every / half-life), so
    s* = d g / (1 - d (1 - g)), and just after the touch s* + g (1 - s*)."""
    d = 0.5 ** (every_months / half_life_months)
    s = d * gain / (1 - d * (1 - gain))
    return s + gain * (1 - s)


class Relationships:
    """The relationship strengths of the accounts with sales and with their CSM.

    Args:
        sc: the scenario (reads ``customers.relationship``, ``ownership``, the segments'
            ``delivered_by`` and ``effort_hours.delivery``, ``lead_sources.referral``).
        env: the replication's environment (its ``now``, days).
        aes: the AE pool and the sales stage (key-person touches).
        pods: whether AEs work their segment's accounts in pods.
    """

    def __init__(self, sc: Scenario, env: simpy.Environment, aes: tuple[Pool, StageStats], pods: bool):
        r = sc.customers.relationship
        assert r is not None
        self.r = r
        self.env = env
        self.aes, self.sales_stage = aes
        self.pods = pods
        self.decay = math.log(2.0) / (r.half_life_months * MONTH_DAYS)  # per day
        self.gain, self.handoff = r.gain_per_touch, r.handoff_factor  # (read at every touch)
        # a deal delivered by another team than sales is handed over at signing
        self.handed_over = {
            n: s.delivered_by != "sales" and s.effort_hours.delivery is not None for n, s in sc.segments.items()
        }
        self.renewal_by_sales = sc.ownership.renewal == "ae"
        self.window = sc.ownership.expansion_by_sales_months * MONTH_DAYS  # sales owns expansion
        self.key_person = sc.ownership.referral_relationship == "sales"
        self.key_every = r.key_person_touch_months * MONTH_DAYS
        self.boost = sc.lead_sources.referral.relationship_boost
        # customers on the books at the start have had monthly care: their CSM is at steady state
        self.csm_at_start = steady_strength(r.half_life_months, r.gain_per_touch)
        self.key_person_touches = 0
        self._touch_pending: set[int] = set()  # accounts whose key-person touch still waits for an AE

    # ---- strengths ----------------------------------------------------------------------------

    def sales(self, acc: Account, now: float) -> float:
        """The sales (key-person) strength of the account now."""
        return acc.rel_sales * math.exp(-self.decay * (now - acc.rel_sales_t))

    def csm(self, acc: Account, now: float) -> float:
        """The CSM's strength now (before its first contact: handoff_factor x the sales strength)."""
        if acc.rel_csm < 0:
            return self.r.handoff_factor * self.sales(acc, now)
        return acc.rel_csm * math.exp(-self.decay * (now - acc.rel_csm_t))

    def signed(self, acc: Account) -> None:
        """A new account: the seller's strength at signing (start customers: decayed since their
        signing; their CSM at the steady strength of monthly care)."""
        r = self.r
        acc.rel_sales = r.start * (r.handoff_factor if self.handed_over[acc.segment] else 1.0)
        acc.rel_sales_t = acc.first_start
        acc.rel_key_t = acc.first_start
        if acc.first_start < 0:
            acc.rel_csm, acc.rel_csm_t = self.csm_at_start, 0.0

    def touch(self, acc: Account, by_sales: bool) -> None:
        """An owner task on the account was done: a contact. (`sales` and `csm` inlined: a CSM's
        monthly care touches every covered account.)"""
        now = self.env.now
        g = self.gain
        if by_sales:
            s = acc.rel_sales * exp(-self.decay * (now - acc.rel_sales_t))
            acc.rel_sales = s + g * (1 - s)
            acc.rel_sales_t = acc.rel_key_t = now  # (the key person reached now: `start_of_month`)
        else:
            c = acc.rel_csm
            if c < 0:
                s = self.handoff * (acc.rel_sales * exp(-self.decay * (now - acc.rel_sales_t)))
            else:
                s = c * exp(-self.decay * (now - acc.rel_csm_t))
            acc.rel_csm = s + g * (1 - s)
            acc.rel_csm_t = now

    def touch_csm_all(self, accounts: list[Account]) -> None:
        """`touch(a, by_sales=False)` for each of `accounts` in order (a pooled program's task
        reaches many accounts at once): the same operations, one call."""
        now = self.env.now
        g, d, handoff = self.gain, self.decay, self.handoff
        for acc in accounts:
            c = acc.rel_csm
            if c < 0:
                s = handoff * (acc.rel_sales * exp(-d * (now - acc.rel_sales_t)))
            else:
                s = c * exp(-d * (now - acc.rel_csm_t))
            acc.rel_csm = s + g * (1 - s)
            acc.rel_csm_t = now

    # ---- what the strengths change ---------------------------------------------------------------

    def renewal_shift(self, acc: Account) -> float:
        """Log-odds added to the renewal probability by the renewal owner's strength."""
        now = self.env.now
        s = self.sales(acc, now) if self.renewal_by_sales else self.csm(acc, now)
        return self.r.renewal_weight * (s - self.r.reference)

    def expansion_chance(self, a: Account, p: float, now: float) -> float:
        """The account's expansion chance this month: p x health shaped by the strength of its
        expansion owner (sales within expansion_by_sales_months of the first contract)."""
        # `sales`, `csm` and `logit_shift` inlined (the same operations, in order)
        if now - a.first_start < self.window or a.rel_csm < 0:
            s = a.rel_sales * exp(-self.decay * (now - a.rel_sales_t))
            if now - a.first_start >= self.window:
                s = self.r.handoff_factor * s
        else:
            s = a.rel_csm * exp(-self.decay * (now - a.rel_csm_t))
        x = min(max(p * a.health, _EPS), 1 - _EPS)
        z = log(x / (1 - x)) + self.r.expansion_weight * (s - self.r.reference)
        return 1.0 / (1.0 + exp(-z)) if z > -700 else 0.0

    def expansion_chances(self, accounts: list[Account], p: float) -> list[float]:
        """Each account's `expansion_chance` this month."""
        now = self.env.now
        return [self.expansion_chance(a, p, now) for a in accounts]

    def expanding(
        self, accounts: list[Account], u: list[float], p: float, by_segment: dict[str, float] | None = None
    ) -> Iterator[Account]:
        """The live accounts not already expanding whose uniform in `u` (one per account) falls
        below their `expansion_chance`, in order.

        Most uniforms are far above any chance: with q = p x health (clipped as in the chance)
        and the strength s in 0..1 (start, gain and handoff are probabilities),
        chance = q e^d / (1 - q + q e^d) <= q e^dmax / (1 - q), with dmax the largest shift
        weight x (s - reference) can take. A uniform at or above that bound (raised by 1e-9, far
        beyond rounding) cannot be below the chance, so its chance is not computed; every other
        one is, exactly as before. Health is at most 1, so every account's bound is at most the
        bound of q = p (each step, rounding included, is monotone in q): a uniform at or above
        that is passed over before the account is read. With `by_segment` (each segment's p), `p`
        is the largest of them, so the bound still holds for every account.
        """
        now = self.env.now
        r = self.r
        grow = exp(max(r.expansion_weight * (1.0 - r.reference), r.expansion_weight * -r.reference)) * (1.0 + 1e-9)
        lo, hi = _EPS, 1 - _EPS
        chance = self.expansion_chance
        q_top = min(max(p, lo), hi)
        top = q_top * grow / (1 - q_top)
        for a, x in zip(accounts, u):
            if x < top and a.live and not a.expanding:
                pa = p if by_segment is None else by_segment[a.segment]
                q = min(max(pa * a.health, lo), hi)
                if x < q * grow / (1 - q) and x < chance(a, pa, now):
                    yield a

    def referring(self, accounts: list[Account], threshold: float, now: float) -> float:
        """Healthy accounts weighted by 1 + (relationship_boost - 1) x their sales strength."""
        b, decay = self.boost - 1.0, self.decay
        return sum(  # (a list, not a generator: the same terms, summed alike, in less time)
            [1.0 + b * (a.rel_sales * exp(-decay * (now - a.rel_sales_t))) for a in accounts if a.health >= threshold]
        )

    # ---- key-person touches -------------------------------------------------------------------

    def start_of_month(self, accounts: list[Account]) -> None:
        """With sales keeping the key-person relationship: a touch task for every live account
        whose key person the AEs last reached key_person_touch_months ago or more, and whose last
        touch is not still waiting for an AE (busy AEs do not pile up touches)."""
        if not self.key_person:
            return
        now = self.env.now
        hours = self.r.key_person_touch_hours
        due, pending = self.key_every - 1e-9, self._touch_pending
        for a in accounts:  # (rel_key_t: the later of the last touch by sales and the last task set)
            if a.live and now - a.rel_key_t >= due:
                if a.aid in pending:
                    continue
                pending.add(a.aid)
                a.rel_key_t = now
                pod = a.segment if self.pods else None
                self.aes.submit(self.sales_stage, hours, self._touched, a, pod=pod, kind="key_person")

    def _touched(self, task: Task) -> None:
        acc: Account = task.ctx
        self._touch_pending.discard(acc.aid)
        if acc.active:
            self.key_person_touches += 1
            self.touch(acc, True)  # (by sales; positional: every key-person touch)
