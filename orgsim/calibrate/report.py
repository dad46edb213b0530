"""`calibrate --report DIR`: report.html and its PNGs, empirical against fitted.

- ``cumulative_incidence_<seg>.png``: the Aalen-Johansen steps of a win and of a loss (95% band)
  against what the fitted scenario implies, win_rate x F(t) and (1 - win_rate) x F(t) with F the
  fitted cycle: the model decides win or loss at the end of one cycle, so a gap between the curves'
  shapes shows won and lost deals taking different times.
- ``cycle_<seg>.png``: 1 - Kaplan-Meier of the time to decision (open deals censored) against the
  fitted CDF. ``acv_<seg>.png``: the empirical CDF of won deals' amounts against the fitted CDF.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from orgsim.calibrate.estimate import Calibration, SegmentFit
from orgsim.outputs.html import CSS, E, figure_html, html_table
from orgsim.outputs.plots.common import png_bytes

__all__ = ["kaplan_meier_cdf", "report_files"]


def kaplan_meier_cdf(days: np.ndarray, decided: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days and 1 - S(t), the Kaplan-Meier probability of a decision by each day (ties grouped)."""
    t, inv = np.unique(days, return_inverse=True)
    d = np.bincount(inv, weights=decided.astype(float), minlength=len(t))
    n_out = np.bincount(inv, minlength=len(t)).astype(float)
    at_risk = len(days) - np.concatenate([[0.0], np.cumsum(n_out)[:-1]])
    surv = np.cumprod(1 - np.divide(d, at_risk, out=np.zeros_like(d), where=at_risk > 0))
    return t, 1 - surv


def _incidence_png(f: SegmentFit) -> bytes:
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    top = 0.0
    for inc, label, color in ((f.won, "win", "#2a7"), (f.lost, "loss", "#c44")):
        if inc is None:
            continue
        c = inc.curve
        ax.step(c["days"], c["estimate"], where="post", color=color, label=f"{label}: Aalen-Johansen")
        ax.fill_between(c["days"], c["low"].fillna(c["estimate"]), c["high"].fillna(c["estimate"]),
                        step="post", color=color, alpha=0.15)  # fmt: skip
        top = max(top, float(c["days"].max()))
    if f.cycle is not None and f.won is not None and top > 0:
        x = np.linspace(0, top, 200)
        cdf = f.cycle.cdf(x)
        p = f.summary["win_rate"]["estimate"]
        ax.plot(x, p * cdf, "--", color="#2a7", label="win: fitted (win_rate x cycle CDF)")
        ax.plot(x, (1 - p) * cdf, "--", color="#c44", label="loss: fitted ((1 - win_rate) x cycle CDF)")
    ax.set_xlabel("days since the deal was created")
    ax.set_ylabel("cumulative incidence")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title(f"{f.name}: P(won / lost by day t), open deals censored")
    return png_bytes(fig)


def _cdf_png(title: str, xlabel: str, emp_x: np.ndarray, emp_y: np.ndarray, fit: Any) -> bytes:
    fig = Figure(figsize=(7, 3.6))
    ax = fig.add_subplot()
    ax.step(emp_x, emp_y, where="post", color="#335", label="empirical")
    if fit is not None and len(emp_x):
        x = np.linspace(0, float(np.max(emp_x)) * 1.1, 200)
        ax.plot(x, fit.cdf(x), "--", color="#e80", label=f"fitted {fit.dist} (mean {fit.mean:,.1f}, cv {fit.cv:.2f})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cumulative probability")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    ax.set_title(title)
    return png_bytes(fig)


def _ci(x: dict | None, fmtspec: str = ".3f") -> str:
    if not x:
        return "-"
    lo, hi = x["ci95"]
    return f"{x['estimate']:{fmtspec}} ({lo:{fmtspec}}–{hi:{fmtspec}})"


def report_files(cal: Calibration) -> dict[str, bytes | str]:
    """report.html and the PNGs it embeds (also written beside it)."""
    d = cal.data
    files: dict[str, bytes | str] = {}
    rows = []
    for name, s in d["segments"].items():
        cy, acv = s.get("sales_cycle_days"), s.get("acv")
        rows.append([
            name, str(s["n_deals"]), str(s["n_open"]), _ci(s.get("win_rate_closed_only")), _ci(s.get("win_rate")),
            f"{cy['dist']} mean {cy['mean']:.1f} cv {cy['cv']:.2f}" if cy else "-",
            f"{acv['dist']} mean {acv['mean']:,.0f} cv {acv['cv']:.2f}" if acv else "-",
            "yes" if s["included"] else f"no: {s.get('left_out', '')}",
        ])  # fmt: skip
    head = ["segment", "deals", "open", "win rate, closed only", "win rate, censoring-aware", "cycle days", "ACV"]
    parts = [
        f"<h1>Calibration from a {E(d['format'])} export</h1>",
        f"<p class='sub'>{E(', '.join(d['files']))} · as of {E(d['as_of'])} ({E(d['as_of_source'])}) · "
        f"segments from {E(d['segment_rule'])} · seed {d['seed']}</p>",
        "<h2>Estimates</h2>",
        html_table([*head, "in fragment"], rows, numeric={1, 2}),
        "<p>Win rate, censoring-aware: F<sub>won</sub>(t) / (F<sub>won</sub>(t) + F<sub>lost</sub>(t)), the "
        "Aalen–Johansen cumulative incidences of a win and a loss (open deals right-censored at the as-of date) at "
        f"the last day t on which at least {d['min_at_risk']} deals were undecided; 95% bootstrap interval. "
        "Closed only: won ÷ decided with its Wilson interval, biased when won and lost deals take different "
        "times.</p>",
        "<h2>Data quality</h2>",
    ]
    warns = d["data_quality"]["warnings"]
    parts.append(
        html_table(["check", "count", "what"], [[w["key"], str(w["count"]), w["message"]] for w in warns], numeric={1})
        if warns
        else "<p>No problem found: no duplicates, negative or missing amounts, future dates, stages out of "
        "order or mixed currencies, and every segment is large enough.</p>"
    )
    if d.get("stages"):
        parts.append("<h2>Stage-to-stage conversion</h2>")
        srows = [[r["stage"], str(r["entered"]), "-" if r["advanced"] is None else str(r["advanced"]),
                  "-" if r["still_open_here"] is None else str(r["still_open_here"]),
                  "-" if r["conversion"] is None else f"{r['conversion']:.3f}"] for r in d["stages"]]  # fmt: skip
        parts.append(
            html_table(["stage", "entered", "went further", "still open there", "conversion"], srows, {1, 2, 3, 4})
        )
    for name, f in cal.segments.items():
        parts.append(f"<h2>Segment {E(name)}</h2>")
        pngs = {}
        if f.won is not None or f.lost is not None:
            pngs[f"cumulative_incidence_{name}"] = (
                _incidence_png(f),
                "Empirical (steps, 95% band) against fitted (dashed).",
            )
        if len(f.days):
            t, cdf = kaplan_meier_cdf(f.days, f.decided)
            pngs[f"cycle_{name}"] = (
                _cdf_png(f"{name}: time to decision", "days", t, cdf, f.cycle),
                "1 − Kaplan–Meier of the time to decision (open deals censored) against the fitted distribution.",
            )
        amounts = np.sort(f.amounts[np.isfinite(f.amounts) & (f.amounts > 0)])
        if len(amounts):
            y = np.arange(1, len(amounts) + 1) / len(amounts)
            pngs[f"acv_{name}"] = (
                _cdf_png(f"{name}: ACV of won deals", "amount", amounts, y, f.acv),
                "Empirical CDF of won deals' amounts against the fitted distribution.",
            )
        for key, (png, caption) in pngs.items():
            files[f"{key}.png"] = png
            parts.append(figure_html(key, png, caption))
    body = "\n".join(parts)
    files["report.html"] = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>orgsim calibrate</title>"
        f"<style>{CSS}</style></head><body><main>{body}<footer>orgsim calibrate</footer></main></body></html>\n"
    )
    return files
