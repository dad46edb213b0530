"""The lessons in notebooks/: committed without outputs, and each runs top to bottom in a fresh kernel.

Execution (slow): every notebook is run by nbclient from a clean kernel started with *this*
interpreter (a kernelspec written to a temporary directory whose argv is `sys.executable -m
ipykernel_launcher`, so no `jupyter kernelspec install` is needed and no other installed "python3"
kernel can be picked up by mistake), with the notebooks' directory as working directory and the
parameters cell scaled down through environment variables:

    ORGSIM_NB_REPLICATIONS=3  ORGSIM_NB_HORIZON_MONTHS=24  ORGSIM_NB_WORKERS=2

(2 workers, so that a local process pool started from a Jupyter kernel is exercised too). A cell
that raises fails the test with the cell's source and traceback. Each executed copy must show a
plot inline and an HTML table; in the hiring-plan lab, a probe cell (`LAB_PROBE`) also types
into the lab's inputs and clicks its Run button from the kernel and checks what the lab shows.
The executed copies are not written back: the committed notebooks stay free of outputs, which
the fast tests check.

Run one by hand: `ORGSIM_NB_REPLICATIONS=3 jupyter execute notebooks/01-value-chain-as-queues.ipynb`
from the repository root does the same, less the checks below.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pytest

try:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError as exc:  # the test extra brings them: pip install -e ".[test]"
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip(
        f"notebook tests need nbclient, nbformat and ipykernel ({exc}); "
        'install them with: python -m pip install -e ".[test]"',
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
LESSONS = [
    "01-value-chain-as-queues.ipynb",
    "02-org-structures.ipynb",
    "03-growth-stage-focus.ipynb",
    "04-hiring-plan-lab.ipynb",
    "05-founder-decisions.ipynb",
    "06-crm-calibration.ipynb",
]
CI_PARAMETERS = {"ORGSIM_NB_REPLICATIONS": "3", "ORGSIM_NB_HORIZON_MONTHS": "24", "ORGSIM_NB_WORKERS": "2"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT_S = 300  # per cell; a whole CI run of the four lessons takes well under a minute each

ids = [p.stem for p in NOTEBOOKS]


def read(path: Path):
    return nbformat.read(path, as_version=4)


# ---- the committed files ----------------------------------------------------------------------


def test_every_lesson_is_there():
    assert [p.name for p in NOTEBOOKS] == LESSONS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_without_outputs(path):
    """Outputs are not committed, so diffs stay readable: clear them before committing
    (Jupyter Lab: Edit > Clear Outputs of All Cells; or `jupyter nbconvert --clear-output --inplace`)."""
    nb = read(path)
    nbformat.validate(nb)
    dirty = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs or an execution count; clear them"
    assert "widgets" not in nb.metadata, f"{path.name}: saved widget state in the metadata; clear it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_first_code_cell_is_the_parameters_cell(path):
    """The first code cell is tagged `parameters` (papermill's convention) and reads the CI
    overrides from the environment, with the lesson's defaults otherwise."""
    nb = read(path)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", []), f"{path.name}: first code cell is not tagged 'parameters'"
    for name, var in [("REPLICATIONS", "ORGSIM_NB_REPLICATIONS"), ("HORIZON_MONTHS", "ORGSIM_NB_HORIZON_MONTHS")]:
        assert f"{name} = " in first.source and var in first.source, f"{path.name}: {name} is not read from {var}"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


# ---- execution ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory) -> KernelSpecManager:
    """A kernelspec "python3" that runs this very interpreter, and nothing else to choose from."""
    root = tmp_path_factory.mktemp("kernels")
    spec = root / "python3"
    spec.mkdir()
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (orgsim tests)",
                "language": "python",
                "metadata": {"debugger": False},
            }
        )
    )
    return KernelSpecManager(kernel_dirs=[str(root)], ensure_native_kernel=False)


def uses_widgets(nb) -> bool:
    """The lab: a notebook that shows the app's components."""
    return any("orgsim.app.components" in c.source for c in nb.cells if c.cell_type == "code")


# Appended to the lab (a copy of it) before its last cell: drives the lab's Solara components from
# the kernel, as a person would in Jupyter - types a headcount into the lab's input, clicks Run,
# waits for that run's last figure - and checks what the lab shows against the
# same functions called directly: doubling the SDRs gives exactly the example cell's table (same
# seed, same replications), and typing the reference company's value back gives the table of the
# unedited company against itself. Relies on the lab's names `rc` (the lab's render context),
# `START`, `BASE`, `SCENARIO`, `plan` (the example) and the parameters.
LAB_PROBE = """
import time as _time

import ipyvuetify as _v
import ipywidgets as _w
from solara.widgets import HTML as _HTML


def _wait(what, ok, timeout=300):  # an explicit state, polled, with a deadline
    deadline = _time.monotonic() + timeout
    while not ok():
        assert _time.monotonic() < deadline, f"the lab did not {what} within {timeout} s"
        _time.sleep(0.05)


def _type(role, value):  # what typing does: the text field's value changes (the lab takes every change)
    box = rc.find(_v.TextField, label=f"{role} (roles.{role}.headcount)").widget
    box.v_model = str(value)
    edits = lambda: rc.find(_v.Html, class_="orgsim-edits").widget.children[0]  # noqa: E731
    _wait("take the edit", lambda: (f"roles.{role}.headcount={value}" in edits()) == (value != START[role]), 30)


def _timing():
    found = rc.find(_v.Html, class_="orgsim-timing")
    return found.widget.children[0] if len(found) else ""


def _run(n):
    button = next(b for b in rc.find(_v.Btn).widgets if "Run against the baseline" in b.children)
    _wait("enable Run", lambda: not button.disabled, 30)
    button.click()
    _wait(f"finish run {n}", lambda: _timing().startswith(f"Run {n}:") and "later." in _timing())
    kpis = rc.find(_HTML, attributes={"class": "orgsim-kpis"}).widget.unsafe_innerHTML
    shown = {c for img in rc.find(_w.Image).widgets for c in img._dom_classes if c.startswith("orgsim-figure-")}
    return kpis, shown


def _html(p):
    return logic.kpi_table(p).to_html(index=False, border=0)


_type("sdr", 2 * START["sdr"])
doubled, shown = _run(1)
assert doubled == _html(plan), "the lab shows another table than the example cell for the same plan"
assert shown == {f"orgsim-figure-{k}" for k in files.FIGURES}, shown
_type("sdr", START["sdr"])  # back to the reference company: no edit left
same, _ = _run(2)
assert same != doubled
assert same == _html(logic.run_plan(BASE, BASE, REPLICATIONS, SEED, key=(SCENARIO, HORIZON_MONTHS), workers=WORKERS))
"""


def execute(path: Path, kernel_specs: KernelSpecManager):
    """Run a notebook in a fresh kernel; return the executed copy (the file is not touched)."""
    nb = read(path)
    if uses_widgets(nb):
        nb.cells.insert(len(nb.cells) - 1, nbformat.v4.new_code_cell(LAB_PROBE))
    # appended only to the copy being run: which interpreter did the kernel use?
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)"))
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=kernel_specs)
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        allow_errors=False,
        store_widget_state=True,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    env = {**os.environ, **CI_PARAMETERS, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend, as in Jupyter
    t0 = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError as err:  # the cell's source and its traceback, without terminal colours
        pytest.fail(f"{path.name}: a cell failed\n{ANSI.sub('', str(err))}", pytrace=False)
    return nb, time.perf_counter() - t0


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_runs_top_to_bottom(path, kernel_specs):
    nb, seconds = execute(path, kernel_specs)
    outs = outputs(nb)
    errors = [o for o in outs if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}"
    # the kernel ran this interpreter (a venv's, in CI), not whatever "python3" is elsewhere
    printed = nb.cells[-1].outputs[0]["text"].strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve(), f"kernel ran {printed}, not {sys.executable}"
    # plots are shown inline, as PNG images
    images = [o for o in outs if "image/png" in o.get("data", {})]
    assert images, f"{path.name}: no plot was displayed inline"
    # results render as HTML tables
    assert any("text/html" in o.get("data", {}) for o in outs), f"{path.name}: no HTML table was displayed"
    if uses_widgets(nb):
        # the lab was displayed (LAB_PROBE checked, in the kernel, what its runs showed)
        assert any(WIDGET_VIEW in o.get("data", {}) for o in outs), f"{path.name}: no widget was displayed"
    print(f"{path.name}: {seconds:.1f} s with {CI_PARAMETERS}")
