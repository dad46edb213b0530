"""Names shared by every layer: the stages of the value chain and the lead sources.

This module imports nothing from orgsim, so the scenario schema, the model, the metrics and the
outputs can all take their names from here (one definition each).
"""

from __future__ import annotations

__all__ = ["SOURCES", "STAGES"]

# the value chain, in the order a lead meets it (docs/reference/kpis.md: stage ids)
STAGES = ("marketing", "sdr", "sales", "presales", "implementation", "csm")

# where leads come from
SOURCES = ("paid", "content", "outbound", "referral")
