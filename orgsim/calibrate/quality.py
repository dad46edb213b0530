"""Cleaning a normalised export at an as-of date, with every suspicious row counted.

Nothing is dropped silently: each rule below counts the rows it touches, and the counts become the
data-quality warnings of the terminal, the JSON (`data_quality`) and the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from orgsim.calibrate.parse import CrmError
from orgsim.calibrate.readers import Export

__all__ = ["DEFAULT_BANDS", "Prepared", "parse_segments", "prepare"]

DEFAULT_BANDS = "smb:<15000,mid_market:<100000,enterprise"
# an --as-of this many days after the data's last date is worth a word: open deals age to it
LATE_AS_OF_DAYS = 30
_WHAT = {
    "deleted": "deleted deals (Pipedrive status deleted) dropped",
    "not_engaged": "Prospecting deals without an engage date (not yet opportunities) left out",
    "duplicates": "rows repeating an earlier deal id dropped (the first row is kept)",
    "created_after_as_of": "deals created after the as-of date (in the future) left out",
    "closed_after_as_of": "deals closed after the as-of date counted as open at the as-of date",
    "decided_without_close_date": "won or lost deals without a close date left out",
    "closed_before_created": "deals closed before they were created left out",
    "open_with_close_date": "open deals with a close date (the date ignored)",
    "missing_amount": "deals without an amount (no ACV, no amount band)",
    "negative_amount": "deals with a negative amount (treated as missing)",
    "no_segment": "deals without a segment (no segment value or no amount for a band) left out",
    "mixed_currencies": "currencies mixed in the amounts (not converted)",
    "stages_out_of_order": "deals whose stage history goes back to an earlier stage",
    "open_closedate_ignored": "open HubSpot deals whose closedate (a default guess) was ignored",
    "history_without_deal": "stage-history rows naming no deal of the deal files left out",
    "as_of_after_data": "open deals taken as still open up to --as-of",
    "dealname_repeats": (
        "HubSpot deals share a dealname with an earlier deal and count as repeats of it: the file has no "
        'hs_object_id column (the Record ID; `--map "Record ID=deal_id"` reads it under that name), so deals '
        "are told apart by name"
    ),
}


@dataclass
class Prepared:
    """Deals at the as-of date: `days` to decision or to as-of, `event` 1 won, 2 lost, 0 open."""

    deals: pd.DataFrame
    as_of: pd.Timestamp
    as_of_source: str
    segment_rule: str
    counts: dict[str, int] = field(default_factory=dict)
    currencies: list[str] = field(default_factory=list)
    data_end: pd.Timestamp | None = None  # the latest date in the data

    def warnings(self) -> list[dict]:
        out = []
        for key, n in self.counts.items():
            if n and key in _WHAT:
                extra = ""
                if key == "mixed_currencies":
                    extra = f" ({', '.join(self.currencies)})"
                elif key == "as_of_after_data" and self.data_end is not None:
                    extra = (
                        f", {(self.as_of - self.data_end).days} days after the data's last date "
                        f"({self.data_end:%Y-%m-%d}): if the export was taken earlier, give that date as --as-of "
                        "(otherwise they look older than they are to the win-rate and cycle estimates)"
                    )
                out.append({"key": key, "count": int(n), "message": f"{n} {_WHAT[key]}{extra}"})
        return out


def parse_segments(text: str) -> list[tuple[str, float | None]]:
    """`smb:<15000,mid_market:<100000,enterprise` -> [(smb, 15000), (mid_market, 100000), (enterprise, None)]."""
    bands: list[tuple[str, float | None]] = []
    parts = [p.strip() for p in text.split(",")]
    for k, part in enumerate(parts):
        m = re.fullmatch(r"([a-z][a-z0-9_]*)(?::<\s*([0-9]+(?:\.[0-9]+)?))?", part)
        if not m:
            raise CrmError(f"--segments {text}: {part!r} is not NAME:<AMOUNT or NAME (e.g. {DEFAULT_BANDS})")
        upper = float(m.group(2)) if m.group(2) else None
        if upper is None and k != len(parts) - 1:
            raise CrmError(f"--segments {text}: only the last band may be open-ended (got {part!r} before others)")
        if upper is not None and bands and bands[-1][1] is not None and upper <= (bands[-1][1] or 0):
            raise CrmError(f"--segments {text}: band limits must increase (got {part!r})")
        bands.append((m.group(1), upper))
    return bands


def _band(amount: pd.Series, bands: list[tuple[str, float | None]]) -> pd.Series:
    if len(bands) == 1 and bands[0][1] is None:  # one segment: every deal, with an amount or not
        return pd.Series(bands[0][0], index=amount.index, dtype=object)
    out = pd.Series("", index=amount.index, dtype=object)
    done = amount.isna() | (amount < 0)
    for name, upper in bands:
        hit = ~done & ((amount < upper) if upper is not None else True)
        out[hit] = name
        done |= hit
    return out


def prepare(export: Export, as_of: pd.Timestamp | None, segments: str | None) -> Prepared:
    """Drop, cut and segment the deals of `export` at `as_of` (default: the latest date in the data)."""
    d = export.deals.copy()
    counts = dict(export.counts)
    d = d[~d["outcome"].isin(["deleted", "not_engaged"])]
    dup = d["deal_id"].duplicated()
    counts["duplicates"] = int(dup.sum())
    d = d[~dup].copy()
    dates = [d["created"].max(), d["closed"].max()]
    if export.history is not None and len(export.history):
        dates.append(export.history["entered"].max())
    known = [x for x in dates if pd.notna(x)]
    data_end = pd.Timestamp(max(known)) if known else None
    if as_of is None:
        if data_end is None:
            raise CrmError("no deal has a date: nothing to take the as-of date from; give --as-of")
        as_of = data_end
        source = "the latest date in the data"
    else:
        source = "--as-of"
    future = d["created"] > as_of
    counts["created_after_as_of"] = int(future.sum())
    d = d[~future].copy()
    decided = d["outcome"].isin(["won", "lost"])
    later = decided & (d["closed"] > as_of)
    counts["closed_after_as_of"] = int(later.sum())
    d.loc[later, "outcome"] = "open"
    d.loc[later, "closed"] = pd.NaT
    decided = d["outcome"].isin(["won", "lost"])
    counts["open_with_close_date"] = int((~decided & d["closed"].notna()).sum())
    d.loc[~decided, "closed"] = pd.NaT
    no_date = decided & d["closed"].isna()
    counts["decided_without_close_date"] = int(no_date.sum())
    before = decided & (d["closed"] < d["created"])
    counts["closed_before_created"] = int(before.sum())
    d = d[~no_date & ~before].copy()
    counts["missing_amount"] = int(d["amount"].isna().sum())
    counts["negative_amount"] = int((d["amount"] < 0).sum())
    currencies = sorted(c for c in d["currency"].unique() if c)
    counts["mixed_currencies"] = len(currencies) if len(currencies) > 1 else 0
    if segments is None and export.has_segment:
        rule = "the segment column"
        d["segment"] = d["segment"].str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
    else:
        spec = segments or DEFAULT_BANDS
        rule = f"amount bands {spec}"
        d["segment"] = _band(d["amount"], parse_segments(spec))
    counts["no_segment"] = int((d["segment"] == "").sum())
    d = d[d["segment"] != ""].copy()
    end = d["closed"].fillna(as_of)
    d["days"] = (end - d["created"]).dt.days.astype(float)
    d["event"] = d["outcome"].map({"won": 1, "lost": 2, "open": 0}).astype(int)
    history = export.history
    if history is not None:
        counts["history_without_deal"] = int((~history["deal_id"].isin(export.deals["deal_id"])).sum())
    counts["stages_out_of_order"] = _out_of_order(history[history["entered"] <= as_of]) if history is not None else 0
    late = data_end is not None and (as_of - data_end).days > LATE_AS_OF_DAYS
    counts["as_of_after_data"] = int((d["event"] == 0).sum()) if late else 0
    return Prepared(d.reset_index(drop=True), pd.Timestamp(as_of), source, rule, counts, currencies, data_end)


def stage_order(history: pd.DataFrame) -> list[str]:
    """Stages in their usual order, the terminal ones (never followed by another stage, e.g. closed
    won / closed lost) last. Pairwise: a stage comes before another when, among the deals that entered
    both, more entered it first; stages are ranked by how many others they precede less how many
    precede them (a Copeland score), then by their median rank. Pairwise, a stage that many deals
    skip (presales) keeps its place, which a median rank alone does not give."""
    h = history.sort_values(["deal_id", "entered"], kind="stable")
    rank = h.groupby("deal_id").cumcount()
    followed = h["deal_id"].eq(h["deal_id"].shift(-1))
    terminal = ~followed.groupby(h["stage"]).any()
    median = rank.groupby(h["stage"]).median()
    first = pd.DataFrame({"deal": h["deal_id"], "stage": h["stage"], "rank": rank}).drop_duplicates(["deal", "stage"])
    wide = first.pivot(index="deal", columns="stage", values="rank")
    stages = list(median.index)
    wins = dict.fromkeys(stages, 0)
    for i, a in enumerate(stages):
        for b in stages[i + 1 :]:
            both = wide[[a, b]].dropna()
            before = int((both[a] < both[b]).sum())
            after = int((both[a] > both[b]).sum())
            if before != after:  # net wins: +1 for the stage entered first, -1 for the other
                first_, second = (a, b) if before > after else (b, a)
                wins[first_] += 1
                wins[second] -= 1
    key = pd.DataFrame(
        {"terminal": terminal.reindex(median.index), "wins": pd.Series(wins), "median": median}
    ).sort_values(["terminal", "wins", "median"], ascending=[True, False, True], kind="stable")
    return list(key.index)


def terminal_stages(history: pd.DataFrame) -> set[str]:
    """Stages no deal ever leaves (closed won, closed lost)."""
    h = history.sort_values(["deal_id", "entered"], kind="stable")
    followed = h["deal_id"].eq(h["deal_id"].shift(-1))
    return {str(s) for s, f in followed.groupby(h["stage"]).any().items() if not f}


def _out_of_order(history: pd.DataFrame) -> int:
    if history is None or history.empty:
        return 0
    pos = {s: i for i, s in enumerate(stage_order(history))}
    h = history.sort_values(["deal_id", "entered"], kind="stable")
    p = h["stage"].map(pos)
    back = (p.groupby(h["deal_id"]).diff() < 0).groupby(h["deal_id"]).any()
    return int(back.sum())


def stage_conversion(history: pd.DataFrame, outcomes: pd.Series) -> list[dict]:
    """Per stage in order: deals that entered it, how many went further (to a later stage that is not
    terminal, or won), how many are still open there, and the conversion among the decided ones.
    Terminal stages (closed won / lost) are listed with no conversion."""
    order = stage_order(history)
    terminal = terminal_stages(history)
    pos = {s: i for i, s in enumerate(order)}
    h = history.assign(pos=history["stage"].map(pos))
    last = h[~h["stage"].isin(terminal)].groupby("deal_id")["pos"].max()
    rows = []
    for s in order:
        entered = pd.Index(h.loc[h["stage"] == s, "deal_id"].unique())
        n = len(entered)
        if s in terminal:
            rows.append({"stage": s, "entered": n, "advanced": None, "still_open_here": None, "conversion": None})
            continue
        reach, outcome = last.reindex(entered), outcomes.reindex(entered)
        advanced = int(((reach > pos[s]) | (outcome == "won")).sum())
        open_here = int(((reach == pos[s]) & (outcome == "open")).sum())
        decided = n - open_here
        rows.append({"stage": s, "entered": n, "advanced": advanced, "still_open_here": open_here,
                     "conversion": round(advanced / decided, 4) if decided else None})  # fmt: skip
    return rows
