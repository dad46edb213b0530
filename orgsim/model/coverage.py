"""CSM coverage: which live accounts sit on a CSM's book this month.

By default the largest `headcount x book_size` accounts are covered (`Success.start_of_month`).
With `roles.csm.arr_per_csm` or `customers.tech_touch`, `assign_books` decides: books fill
largest account first until either `headcount x book_size` accounts or `headcount x arr_per_csm`
of ARR is reached (the first account that does not fit ends the books); accounts of tech-touch
segments take no book slot and no ARR budget — a pooled program covers them whenever the company
has a CSM.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgsim.model.entities import Account

__all__ = ["assign_books"]


def assign_books(
    ranked: Iterable[Account],
    heads: int,
    book_size: int | None,
    arr_per_csm: float | None,
    pooled_segments: frozenset[str],
) -> tuple[list[Account], list[Account]]:
    """Set `covered` on every account (largest first in `ranked`); return (on CSM books, pooled)."""
    slots = heads * (book_size if book_size is not None else 10**9)
    budget = heads * arr_per_csm if arr_per_csm is not None else math.inf
    booked: list[Account] = []
    pooled: list[Account] = []
    full = False
    for a in ranked:
        if a.segment in pooled_segments:
            a.covered = heads > 0
            if a.covered:
                pooled.append(a)
            continue
        if not full and slots > 0 and a.arr <= budget:
            slots -= 1
            budget -= a.arr
            a.covered = True
            booked.append(a)
        else:
            full = True
            a.covered = False
    return booked, pooled
