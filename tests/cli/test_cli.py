"""The `orgsim` command, driven as users drive it: exit codes, messages, files written.

Exit-code tests run the real entry point in a subprocess (`python -m orgsim`); a few tests that
need to inject a failure call `orgsim.cli.main` in-process.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import orgsim
from orgsim import cli
from orgsim.metrics import FUNNEL_KEYS, KPI_KEYS, ROLE_KEYS, STAGE_KEYS
from orgsim.metrics.registry import fmt
from orgsim.outputs.files import write_json_atomic

REPO = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/series-a.yaml"
SHORT = ("--set", "horizon_months=12")
STAGE_IDS = {"marketing", "sdr", "sales", "presales", "implementation", "csm"}
CONTRACT_TOP = {"scenario", "seed", "replications", "horizon_months", "kpis", "funnel", "stages", "roles"}
# Keys Results.to_dict() adds beyond the section-6 example; consumers must tolerate extras.
KNOWN_EXTRAS = {"funnel_by_source", "runtime_s", "retention", "founders", "warnings", "findings"}


def orgsim_cmd(*args: str, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "orgsim", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _reject(const: str):
    raise ValueError(f"non-standard JSON constant {const}")


def strict_load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject)


def assert_clean_failure(p: subprocess.CompletedProcess, code: int = 2) -> None:
    assert p.returncode == code, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr + p.stdout
    assert p.stderr.strip(), "the error must be explained on stderr"


def assert_stat(stat: dict) -> None:
    assert {"mean", "std", "ci95"} <= set(stat)
    assert len(stat["ci95"]) == 2
    for v in [stat["mean"], stat["std"], *stat["ci95"]]:
        assert v is None or (isinstance(v, (int, float)) and math.isfinite(v))


@pytest.fixture(scope="module")
def contract_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict, Path]:
    out = tmp_path_factory.mktemp("contract") / "out.json"
    p = orgsim_cmd("run", SCENARIO, "--replications", "3", "--seed", "1", "--json", str(out))
    return p, (strict_load(out) if out.exists() else {}), out


def run_json(tmp_path: Path, name: str, *args: str) -> dict:
    out = tmp_path / f"{name}.json"
    p = orgsim_cmd("run", SCENARIO, "-n", "3", "--quiet", *SHORT, *args, "--json", str(out))
    assert p.returncode == 0, p.stderr
    return strict_load(out)


# ---- run: the JSON contract ------------------------------------------------------------------


def test_run_json_has_exactly_the_contract_shape(contract_run):
    p, doc, out = contract_run
    assert p.returncode == 0, p.stderr
    assert CONTRACT_TOP <= set(doc) and set(doc) - CONTRACT_TOP <= KNOWN_EXTRAS
    assert (doc["scenario"], doc["seed"], doc["replications"], doc["horizon_months"]) == (
        "series-a",
        1,
        3,
        36,
    )
    assert list(doc["kpis"]) == list(KPI_KEYS)
    for k in KPI_KEYS:
        assert_stat(doc["kpis"][k])
    assert list(doc["funnel"]) == list(FUNNEL_KEYS) == ["leads", "mql", "sql", "opportunities", "won"]
    for k in FUNNEL_KEYS:
        assert_stat(doc["funnel"][k])
    assert set(doc["stages"]) == STAGE_IDS
    for stage in doc["stages"].values():
        assert (
            list(stage)
            == list(STAGE_KEYS)
            == ["arrivals", "completed", "mean_wait_hours", "p90_wait_hours", "utilization"]
        )
        for stat in stage.values():
            assert_stat(stat)
    assert doc["kpis"]["arr_end"]["mean"] > 0
    assert [f.name for f in out.parent.iterdir()] == ["out.json"], "no temporary file left behind"


def test_run_json_has_the_per_role_table(tmp_path):
    """`roles` (DESIGN section 6): per role, utilisation over every task it serves, headcount and
    backlog at the end; "are my AEs overloaded?" is roles.ae.utilization.mean."""
    out = tmp_path / "roles.json"
    p = orgsim_cmd("run", "scenarios/reference.yaml", "-n", "2", *SHORT, "--json", str(out))
    assert p.returncode == 0, p.stderr
    doc = strict_load(out)
    ae = doc["roles"]["ae"]
    assert list(ae) == list(ROLE_KEYS) == ["utilization", "headcount_end", "backlog", "meetings_booked"]
    for stat in ae.values():
        assert_stat(stat)
    assert 0 < ae["utilization"]["mean"] <= 1 and ae["headcount_end"]["mean"] >= 1
    assert doc["roles"]["sdr"]["meetings_booked"]["mean"] > 0 == ae["meetings_booked"]["mean"]
    assert doc["roles"]["engineer"]["utilization"]["mean"] is None  # no stage sends engineers tasks
    # the same AE utilisation as the sales stage's when AEs serve only sales (no ownership.qualification: ae)
    assert ae["utilization"]["mean"] == pytest.approx(doc["stages"]["sales"]["utilization"]["mean"])
    assert "Roles (mean over replications)" in p.stdout and "backlog" in p.stdout


def test_run_json_has_retention(contract_run):
    """`retention`: per segment logo renewal, GRR, NRR as statistics; cohort curves; churn reasons;
    the health-band transition matrix (docs/reference/outputs.md)."""
    p, doc, _ = contract_run
    ret = doc["retention"]
    assert set(ret) == {"by_segment", "by_cohort", "reasons", "health_transitions"}
    assert set(ret["by_segment"]) == {"smb", "mid_market", "enterprise"}
    for seg in ret["by_segment"].values():
        for k in ("logo_renewal_rate", "grr", "nrr", "churned", "contracted_arr"):
            assert_stat(seg[k])
    start = ret["by_cohort"]["start"]
    assert start["months"][0] == 0 and start["logo_retention"][0] == 1.0 and len(start["months"]) == 37
    assert "q1" in ret["by_cohort"] and set(start) == {"months", "accounts", "logo_retention", "grr", "nrr"}
    assert "health" in ret["reasons"]["churn"]
    counts = ret["health_transitions"]["counts"]
    assert len(counts) == len(ret["health_transitions"]["bands"]) == 11 and all(len(r) == 11 for r in counts)
    assert "Retention by segment" in p.stdout


def test_run_json_parses_with_a_strict_parser(contract_run):
    _, _, out = contract_run
    text = out.read_text(encoding="utf-8")
    json.loads(text, parse_constant=_reject)  # NaN, Infinity and -Infinity raise
    assert "NaN" not in text and "Infinity" not in text


NO_WINS = (
    "--set",
    "segments.smb.win_rate=0",
    "--set",
    "segments.mid_market.win_rate=0",
    "--set",
    "segments.enterprise.win_rate=0",
)


def test_undefined_kpi_is_null_and_counted(tmp_path):
    doc = run_json(tmp_path, "nowins", "-n", "2", *NO_WINS)
    assert doc["kpis"]["new_customers"]["mean"] == 0
    assert doc["kpis"]["cac"] == {"n": 0, "mean": None, "std": None, "ci95": [None, None]}
    p = orgsim_cmd("run", SCENARIO, "-n", "2", *SHORT, *NO_WINS)
    assert p.returncode == 0, p.stderr
    cac_line = next(line for line in p.stdout.splitlines() if line.startswith("cac "))
    assert cac_line.split() == ["cac", "-", "-", "0/2"]


# ---- run: determinism and overrides ----------------------------------------------------------


def test_same_seed_same_results_whatever_the_workers(tmp_path):
    a = run_json(tmp_path, "a", "--seed", "5", "--workers", "1")
    b = run_json(tmp_path, "b", "--seed", "5", "--workers", "1")
    c = run_json(tmp_path, "c", "--seed", "5", "--workers", "2")
    assert a["kpis"] == b["kpis"]
    assert a["kpis"] == c["kpis"] and a["funnel"] == c["funnel"] and a["stages"] == c["stages"]
    d = run_json(tmp_path, "d", "--seed", "6", "--workers", "1")
    assert d["kpis"] != a["kpis"]


def test_defaults_for_seed_and_replications_come_from_the_file(tmp_path):
    scen = tmp_path / "small.yaml"
    scen.write_text(f"extends: {REPO / SCENARIO}\nreplications: 2\nseed: 11\nhorizon_months: 6\n")
    out = tmp_path / "o.json"
    p = orgsim_cmd("run", str(scen), "--quiet", "--json", str(out))
    assert p.returncode == 0, p.stderr
    doc = strict_load(out)
    assert (doc["seed"], doc["replications"], doc["horizon_months"]) == (11, 2, 6)


def test_set_changes_results(tmp_path):
    base = run_json(tmp_path, "base", "--seed", "3", "-w", "1")
    more = run_json(tmp_path, "more", "--seed", "3", "-w", "1", "--set", "roles.sdr.headcount=8")
    assert more["kpis"] != base["kpis"]
    assert more["stages"]["sdr"]["utilization"]["mean"] < base["stages"]["sdr"]["utilization"]["mean"]


def test_set_unknown_path_is_bad_input():
    p = orgsim_cmd("run", SCENARIO, "--set", "roles.nope.headcount=1")
    assert_clean_failure(p)
    assert "roles.nope" in p.stderr and "unknown role 'nope'" in p.stderr
    assert p.stdout == ""


def test_set_without_equals_is_bad_input():
    p = orgsim_cmd("run", SCENARIO, "--set", "bad")
    assert_clean_failure(p)
    assert "KEY=VALUE" in p.stderr


# ---- run: files ------------------------------------------------------------------------------


def test_out_dir_writes_every_file(tmp_path):
    out_dir = tmp_path / "runs" / "a"  # parents are created
    js = tmp_path / "summary-copy.json"
    p = orgsim_cmd(
        "run", SCENARIO, "-n", "2", "-s", "4", "-w", "1", *SHORT, "--quiet", "--out", str(out_dir), "--json", str(js)
    )
    assert p.returncode == 0, p.stderr
    names = sorted(f.name for f in out_dir.iterdir() if f.suffix != ".parquet")  # Parquet only with pyarrow
    assert names == sorted(
        [
            "summary.json",
            "kpis.csv",
            "monthly.csv",
            "stages.csv",
            "funnel.csv",
            "counters.csv",
            "manifest.json",
            "plots",
            "report.html",
        ]
    )  # plots and report: tests/plots
    assert (out_dir / "summary.json").read_text() == js.read_text()

    manifest = strict_load(out_dir / "manifest.json")
    assert manifest["scenario_sha256"] == hashlib.sha256((REPO / SCENARIO).read_bytes()).hexdigest()
    assert manifest["scenario_file"] == SCENARIO
    assert manifest["orgsim_version"] == orgsim.__version__
    assert (manifest["seed"], manifest["replications"], manifest["workers"]) == (4, 2, 1)
    assert manifest["overrides"] == ["horizon_months=12"]
    assert manifest["scenario"]["horizon_months"] == 12 and manifest["scenario"]["name"] == "series-a"
    assert manifest["created_utc"].endswith("Z") and manifest["runtime_s"] >= 0

    with open(out_dir / "kpis.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and list(KPI_KEYS) == [c for c in rows[0] if c in KPI_KEYS]
    assert {"scenario", "replication", "seed"} <= set(rows[0])
    with open(out_dir / "stages.csv", newline="") as f:
        stage_rows = list(csv.DictReader(f))
    assert len(stage_rows) == 2 * len(STAGE_IDS)
    with open(out_dir / "monthly.csv", newline="") as f:
        header = next(csv.reader(f))
    assert header == ["scenario", "replication", "seed", "month", "metric", "value"]
    with open(out_dir / "funnel.csv", newline="") as f:
        assert set(FUNNEL_KEYS) <= set(next(csv.reader(f)))


def test_json_into_missing_directory_fails_before_running(tmp_path):
    p = orgsim_cmd("run", SCENARIO, "--json", str(tmp_path / "no" / "such" / "out.json"))
    assert_clean_failure(p)
    assert "does not exist" in p.stderr


def test_atomic_json_refuses_nan_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "x.json"
    write_json_atomic(target, {"a": 1})
    with pytest.raises(ValueError):
        write_json_atomic(target, {"a": float("nan")})
    assert json.loads(target.read_text()) == {"a": 1}
    assert [f.name for f in tmp_path.iterdir()] == ["x.json"]


# ---- run: terminal report --------------------------------------------------------------------


def test_terminal_summary(tmp_path):
    p = orgsim_cmd("run", SCENARIO, "-n", "2", "-s", "1", *SHORT)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.splitlines()[0].startswith("series-a: 2 replications, seed 1, 12 months,")
    for word in [
        "KPIs",
        "arr_end",
        "cac_payback_months",
        "Funnel",
        "opportunities",
        "conversion",
        "Stages",
        "implementation",
        "util",
        "<- bottleneck",
    ]:
        assert word in out, word
    assert out.count("<- bottleneck") == 1
    assert "$" in out and "%" in out and " mo" in out
    assert p.stderr == "", "no progress bar when stderr is not a terminal"


def test_one_replication_shows_no_interval(tmp_path):
    """With -n 1 the CI column says "-" (JSON null) and the caption says why, rather than "x .. x"."""
    out = tmp_path / "one.json"
    p = orgsim_cmd("run", SCENARIO, "-n", "1", *SHORT, "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert "one replication: no confidence interval" in p.stdout and "(1 replication)" in p.stdout
    arr = json.loads(out.read_text())["kpis"]["arr_end"]
    assert arr["n"] == 1 and arr["ci95"] == [None, None] and arr["mean"] > 0


def test_quiet_prints_nothing(tmp_path):
    p = orgsim_cmd("run", SCENARIO, "-n", "1", *SHORT, "--quiet")
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (17_423_250.0, "money", "$17.4M"),
        (37_879.7, "money", "$37.9k"),
        (950.0, "money", "$950"),
        (-811_000.0, "money", "-$811k"),
        (0.98994, "pct", "99.0%"),
        (20.96, "months", "21.0 mo"),
        (5.7969, "ratio", "5.80x"),
        (21197.33, "count", "21,197"),
        (439.67, "count", "439.7"),
        (None, "money", "-"),
    ],
)
def test_number_formatting(value, unit, text):
    assert fmt(value, unit) == text


# ---- bad input -------------------------------------------------------------------------------


@pytest.fixture
def bad_files(tmp_path) -> dict[str, Path]:
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("name: x\nsegments: [1, 2\n")
    typo = tmp_path / "typo.yaml"
    typo.write_text(f"extends: {REPO / SCENARIO}\nhorizon_monts: 12\n")
    return {"malformed": malformed, "typo": typo, "dir": tmp_path, "missing": tmp_path / "nope.yaml"}


@pytest.mark.parametrize(
    ("case", "extra", "message"),
    [
        ("missing", (), "file not found"),
        ("dir", (), "is a directory"),
        ("malformed", (), "invalid YAML"),
        ("typo", (), "horizon_monts (line 2): unknown key; did you mean 'horizon_months'?"),
        ("good", ("--replications", "-1"), "-1 is not in the range 1<=x<=100000"),
        ("good", ("--replications", "0"), "0 is not in the range 1<=x<=100000"),
        ("good", ("--workers", "-1"), "-1 is not in the range x>=0"),
        ("good", ("--seed", "-3"), "-3 is not in the range x>=0"),
        ("good", ("--replications", "many"), "'many' is not a valid integer"),
        ("good", ("--frobnicate",), "No such option"),
    ],
)
def test_bad_input_exits_2_without_traceback(bad_files, case, extra, message):
    path = str(REPO / SCENARIO) if case == "good" else str(bad_files[case])
    p = orgsim_cmd("run", path, *extra)
    assert_clean_failure(p)
    assert message in p.stderr
    assert p.stdout == ""


def test_missing_argument_and_unknown_command_are_usage_errors():
    assert_clean_failure(orgsim_cmd("run"))
    p = orgsim_cmd("frobnicate", SCENARIO)
    assert_clean_failure(p)
    assert "No such command" in p.stderr


def test_internal_error_exits_1_with_hint(monkeypatch, capsys):
    def boom(*a, **k):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(cli.run, "simulate", boom)
    assert cli.main(["run", str(REPO / SCENARIO), "-n", "1", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: engine exploded" in err and "--debug" in err
    assert "Traceback" not in err

    assert cli.main(["run", str(REPO / SCENARIO), "-n", "1", "--quiet", "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "engine exploded" in err


def test_interrupt_exits_130(monkeypatch, capsys):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.run, "simulate", interrupted)
    assert cli.main(["run", str(REPO / SCENARIO), "-n", "1", "--quiet"]) == 130
    assert "Aborted" in capsys.readouterr().err


# ---- validate --------------------------------------------------------------------------------


def test_validate_good_file():
    p = orgsim_cmd("validate", SCENARIO)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"OK  {SCENARIO} (series-a: 3 segments, 11 roles, horizon 36 months)"


def test_validate_several_files_one_bad(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {REPO / SCENARIO}\nhorizon_monts: 12\nroles:\n  sdr: {{headcount: -1}}\n")
    p = orgsim_cmd("validate", SCENARIO, str(bad), SCENARIO)
    assert_clean_failure(p)
    assert p.stdout.count("OK  ") == 2
    assert f"{bad}: 2 problems" in p.stderr
    assert "horizon_monts (line 2): unknown key" in p.stderr
    assert "roles.sdr.headcount (line 4): must be >= 0 (got -1)" in p.stderr
    assert "1 of 3 files have problems" in p.stderr


# ---- work no one can do: refused, or a warning on stderr ---------------------------------------

# renewals moved to AEs, no CSM ever, expansion still passes to CSMs after 6 months (issue 13)
NO_CSM = ["--set", "ownership.renewal=ae", "--set", "roles.csm.headcount=0", "--set", "hiring.plan=[]"]
NO_CSM += ["--set", "hiring.growth.mix.service={implementer: 1, csm: 0}"]
NO_CSM += ["--set", "founders=null"]  # series-a's founders would take the CSMs' work: no stall


@pytest.mark.parametrize("command", ["run", "sweep", "focus"])
def test_work_no_one_can_do_is_refused(command):
    extra = ["--vary", "roles.ae.headcount=6,7"] if command == "sweep" else []
    p = orgsim_cmd(command, SCENARIO, *NO_CSM, *extra, "-n", "2")  # refused before anything runs
    assert_clean_failure(p)
    text = (REPO / SCENARIO).read_text().splitlines()
    line = next(i for i, ln in enumerate(text, 1) if ln.lstrip().startswith("expansion_by_sales_months:"))
    assert (
        f"ownership.expansion_by_sales_months (line {line}): expansions after 6 months pass from sales to CSMs"
        in p.stderr
    )
    assert "never has a CSM (roles.csm)" in p.stderr


def test_validate_refuses_work_no_one_can_do(tmp_path):
    bad = tmp_path / "no-csm.yaml"
    bad.write_text(
        f"extends: {REPO / SCENARIO}\nownership: {{renewal: ae}}\nroles:\n  csm: {{headcount: 0}}\n"
        "hiring:\n  plan: []\n  growth:\n    mix:\n      service: {implementer: 1, csm: 0}\n"
        "founders: null\n"  # series-a's founders would take the CSMs' work
    )
    p = orgsim_cmd("validate", str(bad))
    assert_clean_failure(p)
    assert f"{bad}: 1 problem" in p.stderr
    assert "ownership.expansion_by_sales_months: expansions after 6 months pass from sales to CSMs" in p.stderr


def test_validate_warns_about_work_that_waits(tmp_path):
    later = tmp_path / "csm-later.yaml"
    later.write_text(f"extends: {REPO / SCENARIO}\nroles:\n  csm: {{headcount: 0}}\n")
    p = orgsim_cmd("validate", str(later), SCENARIO)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("OK  ") == 2
    assert p.stderr == (
        f"warning: {later}: roles.csm.headcount (line 3): is 0 at the start and the first requisition opens in "
        "month 1; until a CSM joins, the founders take renewals (ownership.renewal), expansions after 6 months "
        "(ownership.expansion_by_sales_months), within founders.business_share_max of their time\n"
    )  # series-a's founders step in on the work of a role with nobody


def test_run_warns_on_stderr_and_keeps_json_clean(tmp_path):
    out = tmp_path / "r.json"
    args = ["--set", "horizon_months=3", "--set", "roles.ae.pods={smb: 1}", "--set", "ownership.routing=round_robin"]
    p = orgsim_cmd("run", SCENARIO, "-n", "1", *args, "--json", str(out), "--quiet")
    assert p.returncode == 0, p.stderr
    assert p.stderr == (
        f"warning: {SCENARIO}: roles.ae.pods: has no effect: ownership.routing is 'round_robin'; "
        "pods need 'segment' (in overrides)\n"
    )
    assert "warning" not in p.stdout
    assert strict_load(out)["replications"] == 1


def test_compare_warns_for_each_file(tmp_path):
    p = orgsim_cmd(
        "compare", SCENARIO, SCENARIO, "-n", "2", "--set", "horizon_months=2", "--set", "roles.sdr.pods={smb: 1}", "-q"
    )
    assert p.returncode == 0, p.stderr
    assert p.stderr.count("roles.sdr.pods: has no effect: only AEs work in segment pods (in overrides)") == 2


def test_validate_needs_a_file():
    assert_clean_failure(orgsim_cmd("validate"))


# ---- help and version ------------------------------------------------------------------------


@pytest.mark.parametrize("args", [(), ("run",), ("validate",)])
def test_help_on_every_command(args):
    p = orgsim_cmd(*args, "--help")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("Usage: orgsim")
    assert "Examples:" in p.stdout


def test_version():
    p = orgsim_cmd("--version")
    assert (p.returncode, p.stdout.strip()) == (0, f"orgsim {orgsim.__version__}")
