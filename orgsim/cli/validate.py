"""`orgsim validate`: check scenario files without running them."""

from __future__ import annotations

import click

from orgsim.cli.common import CONTEXT, EXIT_USAGE, load_one
from orgsim.cli.options import debug_option
from orgsim.scenario.errors import ScenarioError


@click.command(context_settings=CONTEXT)
@click.argument("scenarios", nargs=-1, required=True, metavar="SCENARIO...")
@debug_option
def validate(scenarios: tuple[str, ...]) -> None:
    """Check scenario files without running them.

    Loads each file as `run` would (extends, schema, cross-field rules) and prints one line per
    good file, or every problem found in a bad one, each with its field path and line. Exits 0
    when all files are valid and 2 when any is not.

    \b
    Examples:
      orgsim validate scenarios/series-a.yaml
      orgsim validate scenarios/*.yaml
    """
    bad = 0
    for path in scenarios:
        try:
            sc = load_one(path)
        except ScenarioError as e:
            bad += 1
            click.echo(str(e), err=True)
            continue
        click.echo(
            f"OK  {path} ({sc.name}: {len(sc.segments)} segments, {len(sc.roles)} roles, "
            f"horizon {sc.horizon_months} months)"
        )
    if bad:
        if len(scenarios) > 1:
            click.echo(f"{bad} of {len(scenarios)} files have problems", err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
