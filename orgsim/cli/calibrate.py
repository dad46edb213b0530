"""`orgsim calibrate`: win rates, cycle times and deal sizes estimated from a CRM export.

Thin: `orgsim.calibrate.readers` reads the files, `quality` cleans them at the as-of date,
`estimate` fits, `fragment` writes the YAML and JSON, `report` the HTML. lifelines is optional
(``pip install "orgsim[calibrate]"``) and imported only when the command runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click

from orgsim.cli.common import CONTEXT, check_outputs, echo_err
from orgsim.cli.options import debug_option
from orgsim.outputs.targets import STDOUT
from orgsim.scenario.errors import UsageError

FORMATS = ("salesforce", "hubspot", "pipedrive", "generic", "sales-pipeline")


@click.command("calibrate", context_settings=CONTEXT)
@click.argument("exports", nargs=-1, required=True, metavar="EXPORT...", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    required=True,
    metavar="FORMAT",
    help=f"The export's layout: {', '.join(FORMATS)} (see docs/how-to/calibrate.md for the columns of each).",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The export date [default: the latest date in the data].")
@click.option("--out", "out_file", type=click.Path(path_type=Path), help="Write the scenario fragment (YAML) here.")
@click.option(
    "--json",
    "json_file",
    type=click.Path(path_type=Path),
    help="Write every estimate as JSON here ('-': stdout, with --out).",
)
@click.option("--report", "report_dir", type=click.Path(path_type=Path), help="Write report.html and PNGs here.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read FIELD from COLUMN (e.g. Loss_Reason__c=lost_reason, Region=segment); repeatable.",
)
@click.option(
    "--segments",
    metavar="BANDS",
    help="Segments from amount bands, e.g. smb:<15000,mid_market:<100000,enterprise (one NAME = one segment) "
    "[default: the segment column where the layout has one, else these bands].",
)
@click.option(
    "--extends",
    "base",
    metavar="SCENARIO",
    help="Start the fragment with `extends: SCENARIO` and check that the merged scenario is valid.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the bootstrap interval and of the jitter of tied days.",
)
@debug_option
def calibrate_command(
    exports: tuple[Path, ...],
    fmt: str,
    as_of: str | None,
    out_file: Path | None,
    json_file: Path | None,
    report_dir: Path | None,
    maps: tuple[str, ...],
    segments: str | None,
    base: str | None,
    seed: int,
) -> None:
    """Estimate win rates, sales cycles and ACV per segment from a CRM export.

    Open deals are right-censored at the as-of date: the win rate the fragment gets is the share
    of wins among the deals decided by the last well-supported day, from the Aalen-Johansen
    incidences of a win and a loss (95% bootstrap CI), shown beside the closed-deals-only rate
    (biased when won and lost deals take different times); cycle times are fitted with censoring
    and ACVs of won deals by maximum likelihood (exponential, gamma or lognormal by AIC).
    Suspicious rows are counted and reported (stderr), never dropped silently; unreadable data
    stops with the file, column and data row (1-based, header not counted). Needs
    pip install "orgsim[calibrate]".

    \b
    Examples:
      orgsim calibrate tests/fixtures/crm/generic/deals.csv --format generic
      orgsim calibrate deals.csv stages.csv --format generic --out calibrated.yaml --extends scenarios/series-a.yaml
      orgsim calibrate Opportunity.csv OpportunityHistory.csv --format salesforce --segments 'smb:<15000,enterprise'
      orgsim calibrate deals.csv --format hubspot --as-of 2024-06-30 --json cal.json --report cal-report
    """
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if importlib.util.find_spec("lifelines") is None:
        raise UsageError('calibrate needs lifelines: pip install "orgsim[calibrate]"')
    import pandas as pd

    from orgsim.calibrate.estimate import estimate, json_document
    from orgsim.calibrate.fragment import fragment_text, relative_base, validate_with_base
    from orgsim.calibrate.quality import parse_segments, prepare
    from orgsim.calibrate.readers import read_export
    from orgsim.outputs.files import dumps_json
    from orgsim.outputs.transaction import Transaction

    for export_file in exports:
        if not export_file.exists():
            raise UsageError(f"{export_file}: no such file")
        if export_file.is_dir():
            raise UsageError(f"{export_file}: is a directory; give the CSV file")
    mapping = {}
    for m in maps:
        column, sep, fld = m.partition("=")
        if not sep or not column.strip() or not fld.strip():
            raise UsageError(f"--map {m}: expected COLUMN=FIELD (e.g. Loss_Reason__c=lost_reason)")
        mapping[column.strip()] = fld.strip()
    when: pd.Timestamp | None = None
    if as_of is not None:
        parsed = pd.to_datetime(as_of, format="%Y-%m-%d", errors="coerce")
        if not isinstance(parsed, pd.Timestamp) or pd.isna(parsed):
            raise UsageError(f"--as-of {as_of}: not a date; expected YYYY-MM-DD")
        when = parsed
    if segments is not None:
        parse_segments(segments)
    json_to_stdout = json_file is not None and str(json_file) == STDOUT
    if json_to_stdout and out_file is None:
        raise UsageError("--json -: standard output gets the fragment when there is no --out; give --out FILE")
    check_outputs({"--out": out_file, "--json": json_file}, report_dir, dir_option="--report")
    if base is not None and not Path(base).is_file():
        raise UsageError(f"--extends {base}: no such file")

    export = read_export(fmt, list(exports), mapping)
    prep = prepare(export, when, segments)
    if prep.deals.empty:
        for w in prep.warnings():
            echo_err(f"warning: data quality: {w['message']}")
        raise UsageError(f"{', '.join(map(str, exports))}: no deals left to estimate from (see the warnings above)")
    cal = estimate(prep, export.history, fmt, export.files, seed)
    for w in cal.data["data_quality"]["warnings"]:
        echo_err(f"warning: data quality: {w['message']}")
    extends = relative_base(base, str(out_file) if out_file else None) if base else None
    text = fragment_text(cal, extends, out_file.stem if base and out_file else None)
    if base is not None:
        validate_with_base(cal, base)
    files: dict[str, bytes | str] = {}
    if report_dir is not None:
        from orgsim.calibrate.report import report_files

        files = report_files(cal)
    if not json_to_stdout:
        click.echo(summary_text(cal))
    if out_file is None:
        click.echo("\n" + text, nl=False)
    with Transaction() as out:  # every file or none (`orgsim.outputs.transaction`)
        out.file("--out", out_file, text)
        out.file("--json", json_file, dumps_json(json_document(cal.data)) if json_file is not None else "", dash=True)
        out.directory("--report", report_dir, files)
    if report_dir is not None:
        echo_err(f"report: {report_dir / 'report.html'}")


def _ci(x: dict | None, digits: int = 2) -> str:
    if not x:
        return "-"
    lo, hi = x["ci95"]
    return f"{x['estimate']:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"


def summary_text(cal) -> str:  # noqa: ANN001 - a Calibration; typed loosely to keep pandas out of imports
    """The terminal table: one line per segment, then how the numbers were made."""
    d = cal.data
    n = sum(s["n_deals"] for s in d["segments"].values())
    head = [
        f"calibrate: {d['format']} export, {n} deals, as of {d['as_of']} ({d['as_of_source']})",
        f"segments from {d['segment_rule']}",
        "",
    ]
    cols = [
        "segment",
        "deals",
        "open",
        "win closed-only",
        "win censoring-aware",
        "by day",
        "cycle days",
        "ACV",
        "fragment",
    ]
    rows = []
    for name, s in d["segments"].items():
        cy, acv = s.get("sales_cycle_days"), s.get("acv")
        wr = s.get("win_rate") or {}
        rows.append([
            name, str(s["n_deals"]), str(s["n_open"]), _ci(s.get("win_rate_closed_only")), _ci(s.get("win_rate")),
            f"{wr['at_days']:g}" if wr.get("at_days") is not None else "-",
            f"{cy['dist']} {cy['mean']:.1f} cv {cy['cv']:.2f}" if cy else "-",
            f"{acv['dist']} {acv['mean']:,.0f}" if acv else "-",
            "yes" if s["included"] else "no (too few)",
        ])  # fmt: skip
    widths = [max(len(r[i]) for r in [cols, *rows]) for i in range(len(cols))]
    right = {1, 2, 5}

    def line(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([*head, line(cols), *map(line, rows)])
