"""Every code example in README.md and docs/ runs, so the documentation cannot drift from the code.

Per page, in page order:
- a fenced block preceded by `<!-- file: NAME -->` is written to NAME first (a scenario the page
  then uses);
- fenced `python` blocks run in one namespace (a later block may use what an earlier one made);
- in fenced `bash`/`console` blocks, each command line that starts with `orgsim ` (or `$ orgsim `)
  runs, expecting exit 0 or the code of a `<!-- expect-exit: N -->` comment before the block; in a
  `console` block only `$ ` lines are commands, the rest is output, compared line for line (in
  any order: stdout and stderr interleave) only after `orgsim validate`, whose output holds no
  timing or random number. Parts of a
  line joined by `&&` that install packages (`pip install`) are left out; other commands (`open`,
  `jupyter`, `python -m pytest`, …) are not run;
- a block preceded by `<!-- skip-example: REASON -->` is not run.

Each page runs in its own temporary directory with links to the repository's `scenarios/`,
`tests/`, `data/`, `benchmarks/` and `notebooks/`, so examples use the paths of a clone and their
outputs (`out/…`) land somewhere disposable. `orgsim` commands run in this process through the
function of the `orgsim` console script (ORGSIM_DOCS_SUBPROCESS=1 runs each as `python -m orgsim`
in a child process instead).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINKED = ("scenarios", "tests", "data", "benchmarks", "notebooks")
# pages whose examples take longer than a few seconds in all (CI runs them; `-m "not slow"` skips)
SLOW = {
    "docs/how-to/experiments.md",
    "docs/explanation/statistics.md",
    "docs/how-to/plots-and-reports.md",
    "docs/how-to/event-log.md",
}

FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
MARK = re.compile(r"<!--\s*(file|expect-exit|skip-example)\s*:?\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    lang: str
    code: str
    line: int
    marks: dict[str, str] = field(default_factory=dict)


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text, each with the marker comments just before it."""
    out = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").split("\n")
        marks: dict[str, str] = {}
        # marker comments on the lines right above the fence (blank lines between are allowed)
        for prev in reversed(before[-3:]):
            mm = MARK.search(prev.strip())
            if mm:
                marks[mm.group(1)] = mm.group(2)
            elif prev.strip():
                break
        out.append(Block(m.group(1).lower(), m.group(2), text.count("\n", 0, m.start()) + 1, marks))
    return out


def commands(block: Block) -> list[str]:
    """The orgsim commands of a bash/console block, install steps left out."""
    out = []
    for raw in block.code.split("\n"):
        line = raw.strip()
        if block.lang == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        line = re.sub(r"\s+#.*$", "", line) if "#" in line and not line.startswith("#") else line
        for part in (p.strip() for p in line.split("&&")):
            if re.match(r"(python -m )?pip install", part):
                continue
            if part.startswith("orgsim "):
                out.append(part)
    return out


def shown(block: Block) -> dict[str, list[str]]:
    """The output a `console` block shows after each `$ orgsim validate` command, by command."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in block.code.split("\n"):
        if raw.startswith("$ "):
            cmd = raw[2:].strip()
            current = out.setdefault(cmd, []) if cmd.startswith("orgsim validate ") else None
        elif current is not None and raw.strip():
            current.append(raw.rstrip())
    return out


def runnable(path: Path) -> bool:
    return any(
        "skip-example" not in b.marks and (b.lang == "python" or b.lang in ("bash", "console") and commands(b))
        for b in blocks(path.read_text(encoding="utf-8"))
    )


def _rel(p: Path) -> str:
    return p.relative_to(ROOT).as_posix()


PAGES = [p for p in pages() if runnable(p)]


def _param(p: Path):
    marks = [pytest.mark.slow] if _rel(p) in SLOW else []
    return pytest.param(p, id=_rel(p), marks=marks)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _console_script():
    """The function behind the `orgsim` console script ([project.scripts]), or None."""
    if os.environ.get("ORGSIM_DOCS_SUBPROCESS"):
        return None
    try:
        return importlib.metadata.entry_points(group="console_scripts")["orgsim"].load()
    except (KeyError, ImportError):
        return None


def _orgsim(cmd: str, cwd: Path) -> Ran:
    """Run an `orgsim ...` command line: in this process through the console script's function
    (each new Python process would cost ~1.5 s of imports), or with ORGSIM_DOCS_SUBPROCESS=1 as
    `python -m orgsim` in a child process."""
    argv = shlex.split(cmd)[1:]
    main = _console_script()
    if main is None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "COLUMNS": "120",
        }
        r = subprocess.run(
            [sys.executable, "-m", "orgsim", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
        )
        return Ran(r.returncode, r.stdout, r.stderr)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:  # a console script may also exit
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return Ran(int(code or 0), out.getvalue(), err.getvalue())


@pytest.mark.parametrize("page", [_param(p) for p in PAGES])
def test_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LINKED:
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT))
    import matplotlib

    matplotlib.use("Agg")
    text = page.read_text(encoding="utf-8")
    found = blocks(text)
    for b in found:
        if "file" in b.marks:
            (tmp_path / b.marks["file"]).write_text(b.code, encoding="utf-8")
    namespace: dict = {"__name__": "__docs_example__"}
    ran = 0
    for b in found:
        where = f"{_rel(page)}:{b.line}"
        if "skip-example" in b.marks or "file" in b.marks:
            continue
        if b.lang == "python":
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(b.code, where, "exec"), namespace)
            except Exception as e:  # pragma: no cover - the failure message is the point
                pytest.fail(f"{where}: python example failed: {type(e).__name__}: {e}")
            ran += 1
        elif b.lang in ("bash", "console"):
            expect = int(b.marks.get("expect-exit", "0") or 0)
            for cmd in commands(b):
                r = _orgsim(cmd, tmp_path)
                assert r.returncode == expect, (
                    f"{where}: `{cmd}` exited {r.returncode}, expected {expect}\n"
                    f"stdout:\n{r.stdout[-2000:]}\nstderr:\n{r.stderr[-2000:]}"
                )
                assert "Traceback" not in r.stderr, f"{where}: `{cmd}` printed a traceback:\n{r.stderr[-2000:]}"
                if b.lang == "console" and cmd in shown(b):
                    got = [line.rstrip() for line in (r.stdout + r.stderr).splitlines() if line.strip()]
                    assert sorted(got) == sorted(shown(b)[cmd]), f"{where}: `{cmd}` printed\n" + "\n".join(got)
                ran += 1
    assert ran, f"{_rel(page)}: no example ran"


def test_every_page_with_code_is_covered() -> None:
    """A page whose only examples are skipped must say why; no marker hides a whole page silently."""
    for p in pages():
        for b in blocks(p.read_text(encoding="utf-8")):
            if "skip-example" in b.marks:
                assert b.marks["skip-example"], f"{_rel(p)}:{b.line}: skip-example needs a reason"


def test_readme_is_short_and_keeps_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert (
        "python -m pip install -e . && orgsim run scenarios/series-a.yaml --replications 30 --seed 1 --out out/series-a"
    ) in text
    command = 'python -m pip install -e ".[test]" && python -m pytest -q -n auto'
    assert command + "\n" in text
    assert command.split(" && ")[1] + "\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")  # CI runs it


def test_no_page_points_outside_the_repository() -> None:
    """No page names a file a clone lacks (the design and benchmark data now live in the repo)."""
    for p in pages():
        text = p.read_text(encoding="utf-8")
        for bad in ("shared/", "DESIGN.md", "STYLE.md"):
            assert bad not in text, f"{_rel(p)} mentions {bad!r}"
    assert (ROOT / "data" / "benchmarks.yaml").is_file()


def test_scenario_reference_covers_every_key() -> None:
    """The generator has words for every scenario key and KPI, and every cited source exists."""
    sys.path.insert(0, str(ROOT / "docs" / "_gen"))
    try:
        import hooks
    finally:
        sys.path.pop(0)
    import yaml

    words = yaml.safe_load((ROOT / "docs" / "_gen" / "scenario_keys.yaml").read_text(encoding="utf-8"))
    keys = [p for p, _, _ in hooks.scenario_fields()]
    assert not [k for k in keys if k not in words], "scenario keys without words in docs/_gen/scenario_keys.yaml"
    assert not [k for k in words if k not in keys], "words for keys the schema does not have"
    ids = {b["id"] for b in hooks.benchmarks()}
    cited = {w["source"] for w in words.values() if w.get("source") not in (None, "assumption")}
    assert cited <= ids, f"sources not in data/benchmarks.yaml: {sorted(cited - ids)}"
    import orgsim

    kpi_words = yaml.safe_load((ROOT / "docs" / "_gen" / "kpis.yaml").read_text(encoding="utf-8"))
    assert set(kpi_words) == set(orgsim.KPI_KEYS)


def test_readme_links_resolve() -> None:
    """The README's relative links (to docs pages and files) exist in a clone."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((?!https?:)([^)#\s]+)", text):
        assert (ROOT / target).exists(), f"README.md links to {target}, which a clone does not have"


def test_the_readme_company_validates_and_sells(tmp_path: Path) -> None:
    """The quickstart's scenario is written from scratch (no `extends:`), loads, and wins customers."""
    import orgsim

    (b,) = [
        b for b in blocks((ROOT / "README.md").read_text(encoding="utf-8")) if b.marks.get("file") == "my-company.yaml"
    ]
    assert "extends" not in b.code
    path = tmp_path / "my-company.yaml"
    path.write_text(b.code, encoding="utf-8")
    res = orgsim.simulate(orgsim.load_scenario(str(path)), replications=2, seed=1)
    assert (res.kpis["new_customers"] > 0).all()
    assert (res.kpis["arr_end"] > 0).all()
