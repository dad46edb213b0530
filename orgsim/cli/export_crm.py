"""`orgsim export-crm`: simulated deals written as a CRM export (docs/how-to/export-crm.md)."""

from __future__ import annotations

from pathlib import Path

import click

from orgsim.cli.common import CONTEXT, EXIT_INTERNAL, check_outputs, echo_err, failure_text, load_one, remember
from orgsim.cli.options import debug_option
from orgsim.scenario.errors import UsageError

# orgsim.crm.formats.FORMATS, repeated so that `orgsim --help` imports no pandas (a test checks they agree)
FORMATS = ("salesforce", "hubspot", "pipedrive", "generic", "sales-pipeline")


@click.command("export-crm", context_settings=CONTEXT)
@click.argument("events", metavar="EVENTS", required=False, type=click.Path(dir_okay=True, path_type=Path))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="The CRM layout: salesforce (Opportunity.csv, OpportunityHistory.csv), hubspot (deals.csv), "
    "pipedrive (deals.csv), generic (deals.csv, stage_history.csv) or sales-pipeline (sales_pipeline.csv).",
)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    metavar="DIR",
    help="Write the export and manifest.json to DIR (created if missing; replaced as a whole).",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    metavar="DATE",
    help="The export date (YYYY-MM-DD): events after that day do not exist and deals not decided "
    "by then are open. [default: the last day of the log]",
)
@click.option(
    "--replication",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="K",
    help="Which replication of the log to export (a CRM holds one history).",
)
@click.option(
    "--scenario",
    default=None,
    metavar="SCENARIO",
    help="Simulate SCENARIO (one replication) instead of reading EVENTS.",
)
@click.option(
    "-s",
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    metavar="S",
    help="With --scenario: the seed [default: the scenario's].",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="With --scenario: override one value by its dotted path; VALUE is read as YAML. Repeatable.",
)
@debug_option
def export_crm_command(
    events: Path | None,
    fmt: str,
    out_dir: Path,
    as_of: str | None,
    replication: int,
    scenario: str | None,
    seed: int | None,
    overrides: tuple[str, ...],
) -> None:
    """Write simulated deals as a CRM export, to check `orgsim calibrate` by a round trip.

    Reads EVENTS, an event log from `orgsim run --events FILE` (.csv, .csv.gz or .parquet), or
    simulates one replication of --scenario, and writes one row per opportunity of replication K
    as the CRM's export files: created, closed (won or lost; empty while open at --as-of), outcome,
    amount (the ACV of won deals; the model has none for lost or open deals), owner (the AE),
    lead source, segment, and the stages it went through where the format has them. A
    manifest.json records the format, as-of date, counts and the column carrying the segment.

    \b
    Examples:
      orgsim run scenarios/reference.yaml -n 1 --quiet --events events.csv
      orgsim export-crm events.csv --format salesforce --out crm/sf --as-of 2027-06-30
      orgsim export-crm events.csv --format generic --out crm/generic
      orgsim export-crm --scenario scenarios/reference.yaml --seed 1 --format hubspot --out crm/hs
    """
    if events is not None and scenario is not None:
        raise UsageError("give an event log (EVENTS) or --scenario SCENARIO, not both")
    if events is None and scenario is None:
        raise UsageError("give an event log (EVENTS) or --scenario SCENARIO")
    if scenario is None and (seed is not None or overrides):
        raise UsageError("--seed and --set go with --scenario (an event log has its own)")
    check_outputs({}, out_dir)
    from orgsim.crm.export import export_crm, parse_as_of

    day = parse_as_of(as_of)
    if scenario is not None:
        from orgsim.experiments import simulate

        sc = load_one(scenario, overrides)
        remember({sc.name: scenario}, overrides)
        used_seed = sc.seed if seed is None else seed
        res = simulate(sc, replications=1, seed=used_seed, workers=1, first_replication=replication, events=True)
        if res.failures:
            echo_err(failure_text(res.failures, 1, stopped=True))
            raise click.exceptions.Exit(EXIT_INTERNAL)
        source = {"scenario_file": scenario, "seed": used_seed, "overrides": list(overrides)}
        assert res.events is not None, "simulate(events=True) keeps the log"
        snap = export_crm(res.events, fmt, out_dir, day, replication, provenance=source)
    else:
        assert events is not None
        snap = export_crm(events, fmt, out_dir, day, replication)
    c = snap.counts()
    click.echo(
        f"wrote {c['deals']:,} deals ({c['won']:,} won, {c['lost']:,} lost, {c['open']:,} open at {snap.as_of}) "
        f"of replication {snap.replication} as {fmt} to {out_dir}"
    )
