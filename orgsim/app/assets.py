"""Solara's page assets (JavaScript, CSS, fonts) from the npm registry, for machines without a CDN.

`orgsim app` is a Solara page. The browser asks the app's server for the page's scripts
(``/_solara/cdn/...``); the server answers from a cache directory
(``solara.server.settings.assets.proxy_cache_dir``) and, on a miss, downloads the file from
``solara.settings.assets.cdn`` (jsDelivr, ``https://cdn.jsdelivr.net/npm/``, unless
SOLARA_ASSETS_CDN says otherwise). A machine that reaches the npm registry but not jsDelivr (these
developers' machines, CI) would show a page without scripts: a blank page. The files jsDelivr
serves are the files of npm packages, so `npm pack` takes the same packages from the registry and
they are unpacked where Solara looks.

The packages and versions are read from the installed Solara's own page template, so a Solara
upgrade asks for the versions it needs. Present packages are skipped.

- `orgsim app` calls `ensure` at start: nothing to do, or `npm pack` (saying so on stderr), or -
  npm missing, failing, or the cache not writable - one line saying the page will load its scripts
  from the CDN and how to fill the cache, and the app starts anyway.
- ``python -m orgsim.app.assets [CACHE_DIR]`` fills the cache and fails (exit 1) if it cannot:
  what CI runs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["FILL_COMMAND", "cdn", "ensure", "fill", "missing", "needed"]

FILL_COMMAND = "python -m orgsim.app.assets"
PACKAGE = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")
NPM_TIMEOUT_S = 300

Echo = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def needed() -> set[tuple[str, str]]:
    """(package, version) of every npm package the installed Solara's page loads from its CDN."""
    import solara.server
    import solara.server.settings

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = set(PACKAGE.findall(template.read_text(encoding="utf-8")))
    fa = re.match(r"/?((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+)/", solara.server.settings.assets.fontawesome_path)
    if fa:
        found.add((fa.group(1), fa.group(2)))
    return found


def cache_dir() -> Path:
    import solara.server.settings

    return Path(solara.server.settings.assets.proxy_cache_dir)


def cdn() -> str:
    """Where Solara's server downloads a file the cache lacks (jsDelivr unless configured)."""
    import solara.settings

    return str(solara.settings.assets.cdn)


def missing(cache: Path, wanted: set[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """The packages not yet unpacked in `cache` (a package is there when its package.json is)."""
    wanted = needed() if wanted is None else wanted
    return sorted((n, v) for n, v in wanted if not (cache / f"{n}@{v}" / "package.json").is_file())


def fill(cache: Path, todo: list[tuple[str, str]], echo: Echo = _stderr) -> None:
    """`npm pack` each package into a temporary folder and unpack it as cache/NAME@VERSION.

    Raises FileNotFoundError (no npm), subprocess.CalledProcessError / TimeoutExpired (npm
    failed) or OSError (the cache is not writable); a package is moved into place only when
    completely unpacked, so a failure leaves no half package behind.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{n}@{v}" for n, v in todo]
        subprocess.run(
            [npm, "pack", "--silent", "--pack-destination", tmp, *specs],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=NPM_TIMEOUT_S,
        )
        for name, version in todo:
            archive = Path(tmp) / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
            dest = cache / f"{name}@{version}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = Path(tempfile.mkdtemp(prefix=".orgsim-", dir=dest.parent))
            try:
                with tarfile.open(archive) as tar:
                    members = [m for m in tar.getmembers() if m.name.startswith("package/") and not m.issym()]
                    members = [m for m in members if m.isfile() or m.isdir()]
                    for m in members:
                        m.name = m.name.removeprefix("package/")
                    tar.extractall(part, members=members, filter="data")
                if dest.exists():
                    shutil.rmtree(dest)  # an incomplete earlier copy (no package.json)
                part.rename(dest)
            finally:
                shutil.rmtree(part, ignore_errors=True)
            echo(f"orgsim app: page assets {name}@{version} -> {dest}")


def _why(e: BaseException) -> str:
    if isinstance(e, subprocess.CalledProcessError):
        last = (e.stderr or "").strip().splitlines()
        return f"npm pack failed (exit {e.returncode}{': ' + last[-1] if last else ''})"
    if isinstance(e, subprocess.TimeoutExpired):
        return f"npm pack took over {NPM_TIMEOUT_S} s"
    if isinstance(e, FileNotFoundError) and "npm" in str(e):
        return "npm is not installed"
    return f"{type(e).__name__}: {e}"


def ensure(echo: Echo = _stderr) -> bool:
    """Make sure the page's assets are in Solara's cache; True when they are.

    Never raises: when they cannot be fetched, says in one line that the page will load them
    from the CDN (through the app's server) and how to fill the cache, and returns False.
    """
    import solara.settings

    if not solara.settings.assets.proxy:
        return True  # the browser loads the scripts from the CDN itself: no cache involved
    cache = cache_dir()
    todo = missing(cache)
    if not todo:
        return True
    names = ", ".join(f"{n}@{v}" for n, v in todo)
    try:
        if shutil.which("npm") is None:
            raise FileNotFoundError("npm is not on PATH")
        echo(f"orgsim app: fetching the page's scripts from the npm registry (npm pack {names}) into {cache} ...")
        fill(cache, todo, echo)
        return True
    except (OSError, subprocess.SubprocessError) as e:
        echo(
            f"orgsim app: {_why(e)}, so the page will load its scripts from {cdn()} through the app's server "
            f"(a blank page if that CDN is unreachable); to fill the cache, install npm and run `{FILL_COMMAND}`"
        )
        return False


def main(argv: list[str]) -> int:
    """``python -m orgsim.app.assets [CACHE_DIR]``: fill the cache; exit 1 when that fails."""
    cache = Path(argv[0]) if argv else cache_dir()
    todo = missing(cache)
    if not todo:
        print(f"orgsim app: page assets all present in {cache}")
        return 0
    try:
        fill(cache, todo, echo=print)
    except (OSError, subprocess.SubprocessError) as e:
        _stderr(f"orgsim app: cannot fill {cache}: {_why(e)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
