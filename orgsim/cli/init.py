"""`orgsim init`: write a commented, realistic scenario from a founder's few answers.

The file is scenarios/series-a.yaml (every mechanism on, cited defaults) with the founder's ARR,
ACV by segment, headcount by role, cash and hiring pace (`orgsim.cli.init_template`). It is
self-contained (no `extends`), is loaded and checked before it is written, and is written
atomically; an existing file is replaced only with --force.
"""

from __future__ import annotations

import functools
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from orgsim.cli.common import CONTEXT, echo_err, write_file
from orgsim.cli.init_template import SEGMENTS, TEMPLATE
from orgsim.cli.options import debug_option
from orgsim.outputs.targets import STDOUT, check_file
from orgsim.scenario.errors import ScenarioError, UsageError

__all__ = ["init_command"]

ROLES = ("marketer", "sdr", "ae", "se", "implementer", "csm", "engineer", "recruiter", "finance", "admin", "manager")
# series-a's team (about 40 people) and its three segments
DEFAULT_HEADCOUNT = {
    "marketer": 3, "sdr": 4, "ae": 6, "se": 3, "implementer": 3, "csm": 2,
    "engineer": 15, "recruiter": 1, "finance": 1, "admin": 1, "manager": 2,
}  # fmt: skip
DEFAULTS: dict[str, str] = {
    "name": "my-company",
    "arr": "2M",
    "acv": "smb=8000,mid_market=35000,enterprise=150000",
    "headcount": ",".join(f"{r}={n}" for r, n in DEFAULT_HEADCOUNT.items()),
    "cash": "30M",
    "hires_per_month": "2",
}
# the roles whose only work is some segments' deals, as the template writes the segments: SEs for
# presales and implementers for delivery (mid-market and enterprise); SMB deals need neither
SPECIALISTS = {"se": ("mid_market", "enterprise"), "implementer": ("mid_market", "enterprise")}
OUTBOUND_MIX = {"smb": 0.4, "mid_market": 0.45, "enterprise": 0.15}  # series-a's
AE_PODS = {"smb": 0.3, "mid_market": 0.4, "enterprise": 0.3}  # series-a's
MARKET = {"smb": 8000, "mid_market": 2000, "enterprise": 250}  # series-a's (assumption: a vertical market)
QUESTIONS = {
    "name": "Company name",
    "arr": "Current ARR in dollars (e.g. 2M, 750k, 0)",
    "acv": "ACV by segment you sell to (smb, mid_market, enterprise)",
    "headcount": "Headcount by role (roles left out keep series-a's, less specialists your segments do not need)",
    "cash": "Cash in the bank in dollars",
    "hires_per_month": "Hires per month",
}
_MONEY = re.compile(r"^\$?\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kKmMbB]?)$")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def parse_money(option: str, text: str) -> float:
    """Dollars from '2000000', '2M', '750k', '$1,200,000' (UsageError naming the option otherwise)."""
    m = _MONEY.match(text.strip())
    if not m:
        raise UsageError(f"{option} {text!r}: expected an amount in dollars such as 2000000, 2M or 750k")
    return (
        float(m.group(1).replace(",", "").replace("_", "")) * {"": 1, "k": 1e3, "m": 1e6, "b": 1e9}[m.group(2).lower()]
    )


def parse_pairs(option: str, text: str, names: tuple[str, ...], what: str) -> dict[str, float]:
    """'a=1,b=2' into {a: 1, b: 2}: names among `names`, values `what` (UsageError naming the option)."""
    out: dict[str, float] = {}
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in names:
            raise UsageError(f"{option} {part!r}: expected NAME=VALUE with NAME one of {', '.join(names)}")
        if key in out:
            raise UsageError(f"{option}: {key} is given twice")
        out[key] = parse_money(f"{option} {key}", value) if what == "dollars" else _count(option, key, value)
    if not out:
        raise UsageError(f"{option}: expected NAME=VALUE pairs such as {DEFAULTS[option[2:].replace('-', '_')]}")
    return out


def _count(option: str, key: str, value: str) -> float:
    try:
        n = int(value.strip())
    except ValueError:
        n = -1
    if n < 0:
        raise UsageError(f"{option} {key}={value}: expected a whole number >= 0")
    return n


def starting_customers(arr: float, acv: dict[str, float]) -> dict[str, int]:
    """Customers by segment in the proportions the funnel wins them (series-a's lead_mix x win_rate),
    scaled so that customers x ACV adds up to `arr` (rounded to whole customers)."""
    weight = {s: SEGMENTS[s][0] * SEGMENTS[s][1] for s in acv}
    per_dollar = arr / sum(weight[s] * acv[s] for s in acv)
    return {s: round(weight[s] * per_dollar) for s in acv}


def _share(mix: dict[str, float], segments: list[str]) -> str:
    total = sum(mix[s] for s in segments)
    return ", ".join(f"{s}: {mix[s] / total:.3g}" for s in segments)


def pace_text(pace: float) -> str:
    """'1 hire a month', '2 hires a month', '0.5 hires a month'."""
    return f"{pace:g} hire{'' if pace == 1 else 's'} a month"


def _money_text(x: float) -> str:
    return f"{x / 1e6:.3g}M" if x >= 1e6 else f"{x / 1e3:.3g}k" if x >= 1e3 else f"{x:g}"


def _idle_specialists(acv: dict[str, float]) -> set[str]:
    """The specialists none of these segments' deals need (they would have no work)."""
    return {r for r, segs in SPECIALISTS.items() if not set(segs) & set(acv)}


def team_for(acv: dict[str, float]) -> dict[str, int]:
    """Series-a's team for a company selling to these segments, without the idle specialists."""
    idle = _idle_specialists(acv)
    return {r: 0 if r in idle else n for r, n in DEFAULT_HEADCOUNT.items()}


def _mix(acv: dict[str, float], dept: dict[str, float]) -> str:
    """A growth-plan department's mix without the idle specialists."""
    idle = _idle_specialists(acv)
    return ", ".join(f"{r}: {w:g}" for r, w in dept.items() if r not in idle)


def render(answers: dict[str, Any], command: str) -> str:
    """The scenario's text for parsed answers (name, arr, acv, headcount, cash, hires_per_month, horizon)."""
    acv: dict[str, float] = answers["acv"]
    segs = [s for s in SEGMENTS if s in acv]  # series-a's order
    customers = starting_customers(answers["arr"], acv)
    implied = sum(customers[s] * acv[s] for s in segs)
    lead_total = sum(SEGMENTS[s][0] for s in segs)
    blocks = "".join(
        SEGMENTS[s][2].substitute(lead_mix=f"{SEGMENTS[s][0] / lead_total:.3g}", acv=f"{acv[s]:.0f}") for s in segs
    )
    headcount = {**team_for(acv), **{r: int(n) for r, n in answers["headcount"].items()}}
    tech_touch = (
        "  tech_touch: {segments: [smb], care_hours_per_month: 0.2, accounts_per_task: 25}"
        "   # pooled care for SMB: a program reaching 25 accounts a task (assumptions)"
        if "smb" in segs
        else "  # tech_touch: pooled care for SMB accounts (you sell no SMB)"
    )
    # no AE today: the founders sell, and deliver what sales delivers, until AEs are hired (and
    # qualify the MQLs too when there is no SDR either)
    founder_kinds = ""
    if headcount["ae"] < 1:
        qualify = "qualification, " if headcount["sdr"] < 1 else ""
        founder_kinds = (
            f"\n  kinds: [{qualify}opportunity, delivery, onboarding, care, renewal, expansion]"
            "   # no AE yet: the founders sell and deliver"
        )
    return TEMPLATE.substitute(
        name=answers["name"],
        founder_kinds=founder_kinds,
        answers=command,
        arr_text=_money_text(answers["arr"]),
        cash_text=_money_text(answers["cash"]),
        people=sum(headcount.values()),
        hires_per_month=f"{answers['hires_per_month']:g}",
        pace_text=pace_text(answers["hires_per_month"]),
        horizon=answers["horizon"],
        cash=f"{answers['cash']:.0f}",
        customers=", ".join(f"{s}: {customers[s]}" for s in segs),
        customers_check=" + ".join(f"{customers[s]} x {acv[s]:,.0f}" for s in segs) + f" = {implied:,.0f}",
        segments=blocks,
        outbound_mix=_share(OUTBOUND_MIX, segs),
        pods=_share(AE_PODS, segs),
        market=", ".join(f"{s}: {MARKET[s]}" for s in segs),
        tech_touch=tech_touch,
        sales_mix=_mix(acv, {"sdr": 1, "ae": 2, "se": 1, "manager": 0.4}),
        service_mix=_mix(acv, {"implementer": 1, "csm": 1}),
        **{f"h_{r}": n for r, n in headcount.items()},
    )


def _parse(key: str, text: str) -> Any:
    option = "--" + key.replace("_", "-")
    if key == "name":
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}", text.strip()):
            raise UsageError(f"{option} {text!r}: expected letters, digits, spaces, '.', '_' or '-' (up to 80)")
        return text.strip()
    if key in ("arr", "cash"):
        return parse_money(option, text)
    if key == "acv":
        acv = parse_pairs(option, text, tuple(SEGMENTS), "dollars")
        if any(v <= 0 for v in acv.values()):
            raise UsageError(f"{option} {text!r}: every ACV must be > 0 dollars")
        return acv
    if key == "headcount":
        return parse_pairs(option, text, ROLES, "count")  # ae=0: the founders sell (render)
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 50:
        raise UsageError(f"{option} {text!r}: expected a number of hires a month from 0 to 50")
    return rate


@click.command("init", context_settings=CONTEXT)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), default="company.yaml", required=False)
@click.option("--name", metavar="NAME", help="Company name (the scenario's name).  [default: my-company]")
@click.option("--arr", metavar="DOLLARS", help="Current ARR, e.g. 2M or 750k; 0 before revenue.  [default: 2M]")
@click.option(
    "--acv",
    metavar="SEG=DOLLARS,...",
    help="ACV of each segment you sell to (smb, mid_market, enterprise); segments left out are not sold to.  "
    "[default: smb=8000,mid_market=35000,enterprise=150000]",
)
@click.option(
    "--headcount",
    metavar="ROLE=N,...",
    help=f"People by role today ({', '.join(ROLES)}); roles left out keep series-a's (about 40 people), but "
    "no SEs or implementers when you sell only to SMB, whose deals need neither.",
)
@click.option("--cash", metavar="DOLLARS", help="Cash in the bank today.  [default: 30M, series-a's]")
@click.option("--hires-per-month", metavar="N", help="Hiring pace of the growth plan.  [default: 2]")
@click.option(
    "--horizon-months", type=click.IntRange(1, 120), default=36, show_default=True, help="Months to simulate."
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@debug_option
def init_command(file: Path, force: bool, horizon_months: int, **given: str | None) -> None:
    """Write a commented, realistic scenario FILE (default company.yaml; '-': stdout) from a few answers.

    Starts from scenarios/series-a.yaml (every mechanism on, cited defaults) and puts in your ARR,
    ACV by segment, headcount by role, cash and hiring pace. Starting customers are computed from
    ARR and ACV (split in the proportions the funnel wins them). Answers not given as options are
    asked for when stdin is a terminal; otherwise the defaults are used, and said. The file is
    self-contained, checked before it is written, and never replaces an existing file without
    --force.

    \b
    Examples:
      orgsim init
      orgsim init acme.yaml --name acme --arr 1.5M --acv smb=9000,mid_market=40000 \\
          --headcount ae=3,sdr=2,csm=1,engineer=5 --cash 8M --hires-per-month 1
      orgsim run acme.yaml
    """
    to_stdout = str(file) == STDOUT
    if file.exists() and not force and not to_stdout:
        raise UsageError(f"{file} exists; pass --force to replace it, or give another FILE")
    if file.is_dir():
        raise UsageError(f"{file}: is a directory; give a file name")
    check_file("FILE", file, dash=True)  # before any question: a directory that does not exist, a read-only one
    answers: dict[str, Any] = {"horizon": horizon_months}
    missing = [k for k in DEFAULTS if given.get(k) is None]
    for key in DEFAULTS:  # options first, so a bad one fails before any question
        if given.get(key) is not None:
            answers[key] = _parse(key, str(given[key]))
    if missing and _stdin_is_terminal():
        for key in missing:
            text = click.prompt(
                QUESTIONS[key], default=_default(key, answers), value_proc=functools.partial(_prompted, key), err=True
            )
            answers[key] = _parse(key, text)
    elif missing:
        names = ", ".join("--" + k.replace("_", "-") for k in missing)
        echo_err(f"stdin is not a terminal: using the defaults for {names}")
        for key in missing:
            answers[key] = _parse(key, _default(key, answers))
    command = _command(file, answers)
    text = render(answers, command)
    _check(file, text)
    if to_stdout:  # the scenario alone on stdout (`orgsim init - > acme.yaml`), the summary on stderr
        click.echo(text, nl=False)
    else:
        write_file("", file, text)
    customers = starting_customers(answers["arr"], answers["acv"])
    where = "the scenario to standard output" if to_stdout else str(file)
    (echo_err if to_stdout else click.echo)(
        f"Wrote {where}: {answers['name']}, {len(answers['acv'])} segment{'' if len(answers['acv']) == 1 else 's'}, "
        f"{sum(customers.values())} starting customers ({', '.join(f'{s} {n}' for s, n in customers.items())}), "
        f"${_money_text(answers['cash'])} cash, {pace_text(answers['hires_per_month'])}, "
        f"{horizon_months} months."
    )
    if not to_stdout:
        click.echo(f"Next: orgsim validate {shlex.quote(str(file))} && orgsim run {shlex.quote(str(file))}")


def _default(key: str, answers: dict[str, Any]) -> str:
    """The default answer, the team's by the segments already answered (asked before it)."""
    if key == "headcount":
        return ",".join(f"{r}={n}" for r, n in team_for(answers["acv"]).items())
    return DEFAULTS[key]


def _prompted(key: str, text: str) -> str:
    """A prompt's answer, asked again (click.BadParameter) when it does not parse."""
    try:
        _parse(key, text)
    except UsageError as e:
        raise click.BadParameter(str(e)) from None
    return text


def _command(file: Path, answers: dict[str, Any]) -> str:
    """The `orgsim init` command that writes this file again (from the parsed answers)."""
    pairs = {k: ",".join(f"{s}={v:g}" for s, v in answers[k].items()) for k in ("acv", "headcount")}
    values = {
        "name": answers["name"],
        "arr": f"{answers['arr']:.0f}",
        "acv": pairs["acv"],
        "headcount": pairs["headcount"],
        "cash": f"{answers['cash']:.0f}",
        "hires-per-month": f"{answers['hires_per_month']:g}",
        "horizon-months": str(answers["horizon"]),
    }
    return " ".join(["orgsim init", shlex.quote(file.name), *(f"--{k} {shlex.quote(v)}" for k, v in values.items())])


def _check(file: Path, text: str) -> None:
    """Load the text as `run` would before writing it: a problem here is a bug, not a half-written file."""
    import tempfile

    from orgsim.scenario.errors import Problem, printable
    from orgsim.scenario.loader import load_scenario

    found: list[Problem] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / file.name
        path.write_text(text, encoding="utf-8")
        try:
            load_scenario(path, warnings=found)
        except ScenarioError as e:
            lines = "\n".join(f"  {p.render()}" for p in e.problems)
            raise UsageError(
                f"the scenario for these answers is not valid, so {file} was not written:\n{lines}"
            ) from None
    for w in found:
        echo_err(f"warning: {printable(str(file))}: {w.render()}")
