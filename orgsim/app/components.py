"""The app's Solara components: the same code runs as the `orgsim app` page and inside Jupyter.

`Lab(scenario)` is the whole app; its parts (`ScenarioPicker`, `Inputs`, `RunPanel`, `ResultsView`,
`HirePanel`, `Downloads`) take plain values and reactive variables, so a notebook can show any of
them. Every computation is in `orgsim.app.logic`; long work (replications, the hire experiment)
runs in a background thread (`solara.lab.use_task`) so the page stays responsive, with a
progress bar and a Cancel button that stops between replications.

Needs the `app` extra (``pip install "orgsim[app]"``).
"""

from __future__ import annotations

import threading
import time
import traceback
from pathlib import Path
from typing import Any

import solara
import solara.lab
import yaml

from orgsim.app import files, logic
from orgsim.experiments.runner import ReplicationError

__all__ = ["Downloads", "HirePanel", "Inputs", "Lab", "Page", "ResultsView", "RunPanel", "ScenarioPicker"]

GROUPS = {"headcount": "Headcount by role", "hiring": "Hiring", "marketing": "Marketing", "ownership": "Ownership"}


def initial_text(control: logic.Control, value: Any) -> str:
    """How a scenario value shows in its text field (parsed back by `logic.parse_input`)."""
    if control.kind == "list":
        return ", ".join(str(v) for v in value or [])
    if control.kind == "yaml":
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return "" if value is None else str(value)


def _table(df: Any, css: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=df.to_html(index=False, border=0), classes=[css])


@solara.component
def ScenarioPicker(files: dict[str, str], chosen: solara.Reactive[str]) -> None:
    """A bundled scenario (scenarios/*.yaml) or the file given to `orgsim app`."""
    solara.Select("Scenario", value=chosen, values=list(files))
    solara.Text(files.get(chosen.value, ""), style={"font-size": "small", "color": "grey"})


@solara.component
def ControlField(control: logic.Control, start: str, texts: solara.Reactive[dict], problems: list[str]) -> None:
    """One input; the CLI's message for its dotted path, when the value is invalid, right below it."""
    text = texts.value.get(control.path, start)

    def on_value(v: Any) -> None:
        new = dict(texts.value)
        if v is None or str(v) == start:
            new.pop(control.path, None)
        else:
            new[control.path] = str(v)
        texts.set(new)

    label = f"{control.label} ({control.path})"
    if control.kind == "choice":
        solara.Select(label, value=text, values=list(control.choices), on_value=on_value)
    else:
        # continuous: the value goes to the server with every change, in order. Updating on Enter
        # only raced under load: the Enter event could reach the server before the text it ends.
        solara.InputText(label, value=text, on_value=on_value, error=bool(problems), continuous_update=True)
    for line in problems:
        solara.Error(line, classes=["orgsim-field-error"], dense=True)


@solara.component
def Inputs(controls: list[logic.Control], starts: dict[str, str], texts: solara.Reactive[dict], problems: dict) -> None:
    """Every input of a scenario, grouped; invalid values show the loader's message next to them."""
    with solara.Column():
        for group, title in GROUPS.items():
            mine = [c for c in controls if c.group == group]
            if not mine:
                continue
            with solara.Details(title, expand=group in ("headcount", "hiring")):
                with solara.Column(gap="2px"):
                    for c in mine:
                        ControlField(c, starts[c.path], texts, logic.problems_for(problems, c.path))


@solara.component
def RunPanel(
    task: Any,
    progress: solara.Reactive[float],
    cancel: threading.Event,
    label: str,
    disabled: bool,
    drawing: bool = False,
) -> None:
    """The Run button, then a progress bar and Cancel while the replications run (the figures
    that follow take a second or two and are not cancelled: the numbers are already shown)."""
    with solara.Row():

        def start() -> None:
            cancel.clear()
            task()

        solara.Button(label, on_click=start, disabled=disabled or task.pending, color="primary")
        if task.pending and not drawing:
            solara.Button("Cancel", on_click=cancel.set, color="error")
    if task.pending and not drawing:
        solara.ProgressLinear(value=max(progress.value * 100, 1))
        solara.Text(f"{progress.value:.0%} of the replications done", classes=["orgsim-progress"])


def timing_words(out: dict[str, Any]) -> str:
    """How long the run took: to the numbers (replications and tables), then to the last figure."""
    plan: logic.Plan = out["plan"]
    words = (
        f"Run {out['run']}: {plan.plan.n} paired replications (seed {plan.plan.seed}) of your plan"
        f" against {plan.baseline.name}"
        f"{' (baseline reused)' if plan.baseline_cached else ''}: numbers in {out['numbers_s']:.1f} s"
    )
    if out.get("figures_s") is None:
        return words + f"; drawing the figures ({len(out['figures'])} of {len(files.FIGURES)})"
    return words + f", figures {out['figures_s']:.1f} s later."


@solara.component
def ResultsView(out: dict[str, Any]) -> None:
    """ARR and cash fans (with cash-out month and probability), paired differences, funnel,
    bottlenecks and per-role utilisation, each against the baseline. The numbers show as soon as
    the replications are done; each figure as soon as it is drawn (the two fans first)."""
    # solara.Markdown would load mermaid from a CDN: plain text and HTML only
    solara.Text(timing_words(out), classes=["orgsim-timing"])
    _table(out["kpis"], "orgsim-kpis")
    solara.Text(out["cash_words"], classes=["orgsim-cash"])
    figs = out["figures"]

    def image(key: str) -> None:
        if key in figs:
            solara.Image(figs[key], width="100%", classes=[f"orgsim-figure-{key}"])
        else:
            solara.Text("drawing ...", classes=["orgsim-drawing"])

    # one after the other (solara.lab.Tabs squeezes an image into its tab bar with Vuetify 3)
    with solara.Column(classes=["orgsim-results"]):
        for title, key in [("ARR", "arr"), ("Cash", "cash"), ("Paired differences (95% CI)", "differences")]:
            solara.HTML(tag="h3", unsafe_innerHTML=title)
            image(key)
        solara.HTML(tag="h3", unsafe_innerHTML="Funnel")
        _table(out["funnel"], "orgsim-funnel")
        image("funnel")
        solara.HTML(tag="h3", unsafe_innerHTML="Bottlenecks: mean wait in each stage, hours")
        _table(out["stages"], "orgsim-stages")
        image("bottlenecks")
        solara.HTML(tag="h3", unsafe_innerHTML="Utilisation of each role")
        _table(out["roles"], "orgsim-roles")


def failure_message(err: BaseException, path: str, overrides: list[str]) -> str:
    """What the page says when a run fails: the reproduce command of each failed replication."""
    if isinstance(err, ReplicationError):
        from orgsim.outputs.text import reproduce_command

        lines = [str(err), "Reproduce with:"]
        lines += [
            "    " + reproduce_command(path, f["seed"], f["replication"], overrides, f.get("params"))
            for f in err.failures[:5]
        ]
        return "\n".join(lines)
    return f"internal error: {type(err).__name__}: {err}"


@solara.component
def HirePanel(scenario: Any, replications: int, workers: int | None) -> None:
    """ "Who should I hire next?": the `hire` experiment for the edited scenario, one hire, small precision."""
    progress = solara.use_reactive(0.0)

    def ask() -> str:
        words, table = logic.who_to_hire(scenario, replications, workers, lambda d, t: progress.set(d / max(t, 1)))
        return words + "\n\n" + table.to_html(index=False, border=0)

    task = solara.lab.use_task(ask, dependencies=None, raise_error=False)
    solara.Button("Who should I hire next?", on_click=task, disabled=scenario is None or task.pending)
    if task.pending:
        solara.ProgressLinear(value=max(progress.value * 100, 1))
    elif task.error:
        solara.Error(f"{type(task.exception).__name__}: {task.exception}")
    elif task.finished and task.value:
        head, _, table = task.value.partition("\n\n")
        solara.Success(head, classes=["orgsim-hire"])
        solara.HTML(tag="div", unsafe_innerHTML=table)


@solara.component
def Downloads(scenario: Any, path: str, plan: logic.Plan | None) -> None:
    """The edited scenario as YAML (loads and validates on its own) and report.html of the last run."""
    if scenario is not None:
        name = Path(path).stem + "-edited.yaml"
        yaml_text: Any = lambda: files.scenario_yaml(scenario, path)  # noqa: E731  (made when clicked)
        solara.FileDownload(yaml_text, filename=name, label="Download scenario (YAML)")
    if plan is not None:
        report: Any = lambda: files.report_html(plan.plan, path)  # noqa: E731  (made when clicked)
        solara.FileDownload(report, filename="report.html", label="Download report (HTML)")


@solara.component
def Lab(
    scenario: str | None = None,
    workers: int | None = None,
    replications: int = 10,
    horizon: int = 0,
    seed: int | None = None,
) -> None:
    """The whole app: pick a scenario, edit it, run it against the baseline, download it.

    `replications` and `horizon` (months; 0 = the scenario's) are where the page starts (both are
    inputs on the page); `seed` defaults to the scenario's."""
    scenario_files = solara.use_memo(lambda: logic.bundled_scenarios(scenario), [scenario])
    first = (
        Path(scenario).stem
        if scenario
        else ("series-a" if "series-a" in scenario_files else next(iter(scenario_files), ""))
    )
    chosen = solara.use_reactive(first)
    texts: solara.Reactive[dict[str, str]] = solara.use_reactive({})
    reps = solara.use_reactive(replications)
    progress = solara.use_reactive(0.0)
    cancel = solara.use_memo(threading.Event, [])
    path = scenario_files.get(chosen.value, "")
    solara.use_effect(lambda: texts.set({}), [path])  # a new scenario starts unedited

    base, base_err = solara.use_memo(lambda: logic.load_edited(path, {}), [path])
    controls = solara.use_memo(lambda: logic.controls(base) if base else [], [base])
    starts = {c.path: initial_text(c, logic.current_value(base, c.path)) for c in controls} if base else {}
    by_path = {c.path: c for c in controls}
    edits = {k: logic.parse_input(by_path[k], v) for k, v in texts.value.items() if k in by_path}
    months = solara.use_reactive(horizon)
    h = months.value or (base.horizon_months if base else 36)
    edited, err = solara.use_memo(lambda: logic.load_edited(path, edits, {"horizon_months": h}), [path, texts.value, h])
    problems = logic.field_problems(err)
    overrides = [f"{k}={v}" for k, v in texts.value.items()]

    shown: solara.Reactive[dict[str, Any] | None] = solara.use_reactive(None)  # the run on the page
    runs = solara.use_memo(lambda: [0], [])  # runs started in this page (numbers the timing line)

    def run() -> dict[str, Any]:
        # Whatever happens is a result to show, never an exception for the server to log.
        shown.set(None)
        runs[0] += 1
        try:
            return simulate_and_summarise()
        except logic.Cancelled:
            return {"cancelled": True}
        except Exception as exc:
            tb = "".join(traceback.format_exception(exc))
            return {"error": failure_message(exc, path, overrides), "traceback": tb}

    def simulate_and_summarise() -> dict[str, Any]:
        assert edited is not None and base is not None
        t0 = time.perf_counter()
        base_h, _ = logic.load_edited(path, {}, {"horizon_months": h})
        assert base_h is not None
        plan = logic.run_plan(
            base_h,
            edited,
            reps.value,
            base.seed if seed is None else seed,
            key=(path, h),
            workers=workers,
            progress=lambda d, t: progress.set(d / max(t, 1)),
            cancel=cancel,
        )
        out: dict[str, Any] = {
            "plan": plan,
            "run": runs[0],
            "kpis": logic.kpi_table(plan),
            "funnel": logic.funnel_table(plan),
            "stages": logic.stage_table(plan),
            "roles": logic.role_table(plan),
            "cash_words": logic.cash_out_words(plan),
            "figures": {},
            "numbers_s": time.perf_counter() - t0,
            "figures_s": None,
        }
        shown.set(out)  # the numbers now; each figure as it is drawn (1-2 s for the five)
        t1 = time.perf_counter()
        for key in files.FIGURES:
            out = {**out, "figures": {**out["figures"], key: files.figure(plan, key)}}
            shown.set(out)
        out = {**out, "figures_s": time.perf_counter() - t1}
        plan.seconds = time.perf_counter() - t0
        shown.set(out)
        return out

    task = solara.lab.use_task(run, dependencies=None, raise_error=False)
    outcome = task.value if task.finished and not task.error else None
    last = shown.value

    with solara.Columns([1, 2]):
        with solara.Column():
            solara.HTML(tag="h2", unsafe_innerHTML="orgsim what-if")
            ScenarioPicker(scenario_files, chosen)
            if base_err is not None:
                solara.Error(str(base_err), classes=["orgsim-scenario-error"])
            solara.SliderInt("Replications", value=reps, min=2, max=200)
            solara.InputInt("Horizon, months (0 = the scenario's)", value=months, continuous_update=True)
            Inputs(controls, starts, texts, problems)
            if err is not None:
                solara.Error(str(err), classes=["orgsim-error"])
        with solara.Column():
            drawing = last is not None and last["figures_s"] is None
            RunPanel(task, progress, cancel, "Run against the baseline", disabled=edited is None, drawing=drawing)
            # what Run will simulate, as the server has it (and as --set would write it)
            solara.Text(
                f"Next run: {reps.value} replications of {h} months; edits: {'; '.join(overrides) or 'none'}",
                classes=["orgsim-edits"],
            )
            if outcome and outcome.get("cancelled"):
                solara.Warning("Cancelled: no result from this run.", classes=["orgsim-cancelled"])
            elif outcome and "error" in outcome:
                solara.Error(outcome["error"], classes=["orgsim-run-error"])
                solara.Details("Traceback", children=[solara.Preformatted(outcome["traceback"])])
            elif task.error:
                solara.Error(f"internal error: {task.exception}", classes=["orgsim-run-error"])
            if last is not None:
                ResultsView(last)
            Downloads(edited, path, last["plan"] if last else None)
            HirePanel(edited, reps.value, workers)


@solara.component
def Page() -> None:
    """The `orgsim app` page: the scenario named by ORGSIM_APP_SCENARIO, else series-a."""
    import os

    workers = os.environ.get("ORGSIM_APP_WORKERS")
    Lab(os.environ.get("ORGSIM_APP_SCENARIO") or None, int(workers) if workers else None)
