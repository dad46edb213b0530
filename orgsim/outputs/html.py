"""HTML pieces every report shares: escaping, the stylesheet, tables, figures, number ranges.

Every piece of text that comes from data goes through `E` (html.escape) here or in the caller.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from orgsim.metrics.registry import fmt

__all__ = ["CSS", "E", "ci_range", "figure_html", "html_table", "mean_of", "paragraphs", "scroll"]

E = html.escape


CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:0;\
color:#222;background:#f6f7f9;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{margin:0 0 4px;font-size:28px} h2{margin-top:36px;border-bottom:2px solid #e3e6ea;padding-bottom:4px}
h3{margin:20px 0 8px}
.sub{color:#666;margin:0 0 16px} .lead p{font-size:17px;margin:6px 0}
.findings li{margin:6px 0} .findings li.worst{font-weight:600;color:#a33}
.sev{display:inline-block;min-width:58px;font-size:12px;text-transform:uppercase;color:#555}
.critical .sev{color:#fff;background:#a33;border-radius:3px;padding:0 4px} .warning .sev{color:#a60}
table{border-collapse:collapse;margin:8px 0 16px;font-size:14px}
th,td{padding:4px 10px;border-bottom:1px solid #e3e6ea;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f0f2f5} tr.worst td{background:#fbeaea;font-weight:600}
figure{margin:18px 0 28px} figure img{max-width:100%;height:auto;border:1px solid #e3e6ea}
figcaption{color:#555;font-size:14px;margin-top:4px}
.org{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}
.dept{border:1px solid #cfd5dc;border-top:6px solid var(--c);border-radius:6px;padding:8px 12px;min-width:170px;flex:1}
.dept h4{margin:0 0 4px;text-transform:capitalize} .dept .n{color:#555;font-size:13px;margin-bottom:4px}
.dept ul{margin:0;padding-left:18px;font-size:14px}
ul.rules li{margin:4px 0}
pre{background:#f6f7f9;padding:12px;overflow-x:auto;font-size:12px;max-height:480px}
details summary{cursor:pointer;color:#335}
footer{color:#777;font-size:13px;margin-top:32px}
"""


def html_table(
    head: list[str], rows: list[list[str]], numeric: Collection[int] = (), classes: list[str] | None = None
) -> str:
    """An HTML table; cells are escaped here."""
    th = "".join(f'<th class="num">{E(h)}</th>' if i in numeric else f"<th>{E(h)}</th>" for i, h in enumerate(head))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{E(classes[r])}"' if classes and classes[r] else ""
        tds = "".join(f'<td class="num">{E(c)}</td>' if i in numeric else f"<td>{E(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{tds}</tr>")
    return f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def mean_of(stat: Mapping[str, Any] | None) -> float | None:
    """The mean of a JSON statistic ({"mean", ...}); None when there is none."""
    v = (stat or {}).get("mean")
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def ci_range(stat: Mapping[str, Any] | None, unit: str) -> str:
    """A JSON statistic's 95% CI as "low – high" in its unit; "-" when undefined."""
    lo, hi = (stat or {}).get("ci95") or (None, None)
    if lo is None or hi is None:
        return "-"
    return f"{fmt(lo, unit)} – {fmt(hi, unit)}"


def scroll(table: str) -> str:
    """A table that scrolls sideways when it is wider than the page (many arms, KPIs or parameters)."""
    return f'<div class="scroll">{table}</div>'


def paragraphs(lines: Sequence[str]) -> str:
    """Each line as an escaped <p>."""
    return "".join(f"<p>{E(line)}</p>" for line in lines)


def figure_html(name: str, png: bytes, caption: str) -> str:
    """A PNG embedded as a data: URI, with its caption."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{E(name.replace("_", " "))}" src="data:image/png;base64,{data}">'
        f"<figcaption>{E(caption)}</figcaption></figure>"
    )
