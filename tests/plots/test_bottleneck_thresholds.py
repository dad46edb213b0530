"""A stage is called the bottleneck only above both a wait and a utilisation threshold, the same
rule on the terminal, in the plots and in report.html; `orgsim report` takes both as options."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from orgsim.cli import main
from orgsim.outputs.plots.common import worst_stage
from orgsim.outputs.text import BOTTLENECK_UTILISATION, BOTTLENECK_WAIT_HOURS, bottleneck, is_bottleneck, longest_wait


def _doc(stages: dict[str, tuple[float, float]]) -> dict:
    return {"stages": {n: {"mean_wait_hours": {"mean": w}, "utilization": {"mean": u}} for n, (w, u) in stages.items()}}


def test_both_thresholds_are_needed():
    assert (BOTTLENECK_WAIT_HOURS, BOTTLENECK_UTILISATION) == (4.0, 0.85)
    assert is_bottleneck(4.0, 0.85) and not is_bottleneck(3.9, 0.99) and not is_bottleneck(500, 0.84)
    # sales waits longest but its people are 72% busy; presales waits less at 95%: presales is the bottleneck
    doc = _doc({"sales": (423.0, 0.72), "presales": (188.0, 0.95), "csm": (0.6, 0.27)})
    assert (bottleneck(doc), longest_wait(doc)) == ("presales", "sales")
    assert bottleneck(_doc({"sales": (423.0, 0.72), "csm": (2.0, 0.99)})) is None
    rows = pd.DataFrame(
        [(s, w, u) for s, (w, u) in {"sales": (423.0, 0.72), "presales": (188.0, 0.95)}.items()],
        columns=["stage", "mean_wait_hours", "utilization"],
    )
    assert worst_stage(rows) == "sales"  # the plots draw the longest wait in red, labelled by the rule


def test_the_plot_labels_the_longest_wait_by_the_rule(run_dir: Path):
    from orgsim.outputs import plots

    monthly, stages = (pd.read_csv(run_dir / f"{n}.csv") for n in ("monthly", "stages"))
    summary = json.loads((run_dir / "summary.json").read_text())
    longest = longest_wait(summary)
    fig = plots.bottlenecks(monthly, stages)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    word = "bottleneck" if bottleneck(summary) == longest else "longest wait"
    assert f"{longest} ({word})" in labels and sum("(" in x for x in labels) == 1


def test_report_options_match_the_defaults_and_move_the_bottleneck(run_dir: Path, tmp_path: Path, capsys):
    from orgsim.cli.report import report

    defaults = {p.name: p.default for p in report.params}
    assert (defaults["bottleneck_wait_hours"], defaults["bottleneck_utilisation"]) == (4.0, 0.85)
    d = tmp_path / "run"
    shutil.copytree(run_dir, d)
    summary = json.loads((d / "summary.json").read_text())
    longest = longest_wait(summary)
    assert longest is not None
    assert main(["report", str(d), "--bottleneck-wait-hours", "0", "--bottleneck-utilisation", "0"]) == 0
    html = (d / "report.html").read_text(encoding="utf-8")
    assert f"{longest.capitalize()} is the bottleneck" in html
    assert "waits at least 0 hours on average and its people are busy at least 0% of their time" in html
    assert main(["report", str(d), "--bottleneck-utilisation", "1"]) == 0
    html = (d / "report.html").read_text(encoding="utf-8")
    assert " is the bottleneck" not in html and f"Work waits longest at {longest}" in html


@pytest.mark.parametrize("option, value", [("--bottleneck-utilisation", "1.5"), ("--bottleneck-wait-hours", "-1")])
def test_bad_thresholds_exit_2_naming_the_option(option: str, value: str, run_dir: Path, capsys):
    assert main(["report", str(run_dir), option, value]) == 2
    assert option in capsys.readouterr().err
