"""Regenerate tests/regression/expected/*.json -- the only way those files should change.

    python tests/regression/refresh.py            # every scenario in scenarios/*.yaml
    python tests/regression/refresh.py no-sdr     # only the named ones (file stems)

Run it after an intended change to the model or to a scenario, read the diff of the expected
files (`git diff tests/regression/expected`) to check that only what you meant to change moved,
and commit them with the change. Expected files of scenarios that no longer exist are removed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import snapshot as snap  # noqa: E402


def main(argv: list[str]) -> int:
    files = snap.scenario_files()
    if argv:
        wanted = set(argv)
        unknown = wanted - {f.stem for f in files}
        if unknown:
            print(
                f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(f.stem for f in files)}",
                file=sys.stderr,
            )
            return 2
        files = [f for f in files if f.stem in wanted]
    for f in files:
        path = snap.write(f, snap.snapshot(f))
        print(f"wrote {path.relative_to(snap.ROOT)}")
    if not argv:
        stems = {f.stem for f in files}
        for old in sorted(snap.EXPECTED.glob("*.json")):
            if old.stem not in stems:
                old.unlink()
                print(f"removed {old.relative_to(snap.ROOT)} (no scenarios/{old.stem}.yaml)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
