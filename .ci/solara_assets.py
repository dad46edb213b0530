"""Fill Solara's asset cache from the npm registry, for machines that cannot reach a CDN.

`orgsim app` is a Solara page. Solara's server serves the page's JavaScript and CSS from a cache
directory (`solara.server.settings.assets.proxy_cache_dir`) and, on a miss, fetches them from a public
CDN. CI machines (and the developers' machines) reach PyPI, Debian and the npm registry but no
CDN, so this script takes the same packages from the npm registry with `npm pack` and unpacks
them where Solara looks. It reads the package versions from the installed Solara's own page
template, so a Solara upgrade fetches the versions it needs. Idempotent: present packages are
skipped. Usage: `python .ci/solara_assets.py [CACHE_DIR]`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import solara.server
import solara.server.settings

PACKAGE = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")


def needed() -> set[tuple[str, str]]:
    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = set(PACKAGE.findall(template.read_text(encoding="utf-8")))
    fa = re.match(r"/?((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+)/", solara.server.settings.assets.fontawesome_path)
    if fa:
        found.add((fa.group(1), fa.group(2)))
    return found


def main(argv: list[str]) -> int:
    cache = Path(argv[0]) if argv else Path(solara.server.settings.assets.proxy_cache_dir)
    todo = sorted((n, v) for n, v in needed() if not (cache / f"{n}@{v}" / "package.json").is_file())
    if not todo:
        print(f"solara assets: all present in {cache}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{n}@{v}" for n, v in todo]
        subprocess.run(["npm", "pack", "--silent", "--pack-destination", tmp, *specs], check=True, stdout=sys.stderr)
        for (name, version), archive in zip(todo, sorted(Path(tmp).glob("*.tgz"), key=lambda p: _key(p, todo))):
            dest = cache / f"{name}@{version}"
            dest.mkdir(parents=True, exist_ok=True)
            with tarfile.open(archive) as tar:
                members = [m for m in tar.getmembers() if m.name.startswith("package/") and (m.isfile() or m.isdir())]
                for m in members:
                    m.name = m.name.removeprefix("package/")
                tar.extractall(dest, members=members, filter="data")
            print(f"solara assets: {name}@{version} -> {dest}")
    return 0


def _key(archive: Path, todo: list[tuple[str, str]]) -> int:
    """npm names an archive scope-name-version.tgz: match it back to its package."""
    for i, (name, version) in enumerate(todo):
        if archive.name == f"{name.lstrip('@').replace('/', '-')}-{version}.tgz":
            return i
    raise SystemExit(f"unexpected archive {archive.name}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
