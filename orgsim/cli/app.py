"""`orgsim app`: the what-if page in a browser (Solara), on a loopback port."""

from __future__ import annotations

import click

from orgsim.cli.common import CONTEXT, load_one
from orgsim.cli.options import debug_option
from orgsim.scenario.errors import UsageError


@click.command("app", context_settings=CONTEXT)
@click.argument("scenario", metavar="[SCENARIO]", required=False)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port; 0 = a free one.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it loopback).")
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(0, None),
    default=0,
    show_default=True,
    metavar="W",
    help="Worker processes kept warm for runs; 0 = one per core, 1 = inside the server.",
)
@debug_option
def app_command(scenario: str | None, port: int, host: str, workers: int) -> None:
    """Start the what-if app: edit a scenario in the browser and run it against the baseline.

    Opens nothing by itself: it prints the address to open. Pick a bundled scenario (or the
    SCENARIO given), change headcount by role, hiring pace and plan, the paid budget, the focus
    order and ownership switches, and run replications in the background (progress bar,
    Cancel); results are paired differences against the unedited scenario with 95% CIs. An
    invalid value shows the message `orgsim run --set` would print. Download the edited
    scenario as YAML and the report. Needs pip install "orgsim[app]". Stop it with Ctrl-C.
    At start it checks that Solara's page scripts are cached and, if not, downloads them
    from the npm registry (for machines that cannot reach Solara's CDN), or says how.

    \b
    Examples:
      orgsim app
      orgsim app scenarios/series-a.yaml --port 8800
      orgsim app my-company.yaml --workers 2
    """
    from orgsim.app import server

    server.check_installed()
    if scenario is not None:
        load_one(scenario)  # a bad file fails here, with the CLI's message and exit 2
    if port == 0:
        port = server.free_port(host)
    server.check_port(host, port)
    from orgsim.app import assets

    assets.ensure()  # the page's scripts in Solara's cache (npm registry), or one line saying why not
    code = server.serve(scenario, host, port, workers, echo=click.echo)
    if code not in (0, -2, -15, 130):
        raise UsageError(f"the app's server stopped with exit code {code}")
