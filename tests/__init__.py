"""orgsim's tests. A regular package, not a namespace: `from tests.cli.test_cli import ...` must find
this directory even when an installed distribution ships its own top-level `tests` package (Ciw,
of the `bench` extra, does, and a regular package anywhere on sys.path wins over a namespace)."""
