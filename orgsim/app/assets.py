"""Solara's page assets (JavaScript, CSS, fonts) from the npm registry, for machines without a CDN.

`orgsim app` is a Solara page. The browser asks the app's server for the page's scripts
(``/_solara/cdn/...``); the server answers from a cache directory
(``solara.server.settings.assets.proxy_cache_dir``) and, on a miss, downloads the file from
``solara.settings.assets.cdn`` (jsDelivr, ``https://cdn.jsdelivr.net/npm/``, unless
SOLARA_ASSETS_CDN says otherwise). A machine that reaches the npm registry but not jsDelivr (these
developers' machines, CI) would show a page without scripts: a blank page. The files jsDelivr
serves are the files of npm packages, so the same packages are taken from the npm registry
(``https://registry.npmjs.org/``, or ``NPM_CONFIG_REGISTRY``) over HTTPS, each archive checked
against the registry's integrity hash, and unpacked where Solara looks. No npm is needed: CI used
to install Debian's npm (hundreds of packages) only to run ``npm pack``.

The packages and versions are read from the installed Solara's own page template, so a Solara
upgrade asks for the versions it needs. Present packages are skipped.

- `orgsim app` calls `ensure` at start: nothing to do, or a download (saying so on stderr), or -
  the registry unreachable, an archive that fails its check, or the cache not writable - one line
  saying the page will load its scripts from the CDN and how to fill the cache, and the app starts
  anyway.
- ``python -m orgsim.app.assets [CACHE_DIR]`` fills the cache and fails (exit 1) if it cannot:
  what CI runs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

__all__ = ["FILL_COMMAND", "cdn", "ensure", "fill", "missing", "needed", "registry"]

FILL_COMMAND = "python -m orgsim.app.assets"
PACKAGE = re.compile(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+)@(\d+\.\d+\.\d+[\w.+-]*)/")
REGISTRY = "https://registry.npmjs.org/"
TIMEOUT_S = 60  # per request
MAX_ARCHIVE_BYTES = 64 * 2**20  # the largest of Solara's packages is about 6 MB

Echo = Callable[[str], None]


class FetchError(OSError):
    """The registry answered, but not with a usable package (bad metadata, a failed integrity check)."""


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


def registry() -> str:
    """The npm registry's address: ``NPM_CONFIG_REGISTRY`` (npm's own setting) or the public registry."""
    return os.environ.get("NPM_CONFIG_REGISTRY") or os.environ.get("npm_config_registry") or REGISTRY


def _get(url: str) -> bytes:
    """The body of an HTTPS GET (raises OSError: urllib.error.URLError, TimeoutError, FetchError)."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
        body: bytes = response.read(MAX_ARCHIVE_BYTES + 1)
    if len(body) > MAX_ARCHIVE_BYTES:
        raise FetchError(f"{url} is larger than {MAX_ARCHIVE_BYTES // 2**20} MB")
    return body


def _checked(archive: bytes, dist: dict[str, str], spec: str) -> bytes:
    """The archive when it matches the registry's `integrity` (SRI, sha512) or `shasum` (sha1)."""
    integrity = dist.get("integrity", "")
    if integrity.startswith("sha512-"):
        ok = base64.b64decode(integrity.removeprefix("sha512-")) == hashlib.sha512(archive).digest()
    elif dist.get("shasum"):
        ok = hashlib.sha1(archive).hexdigest() == dist["shasum"]
    else:
        raise FetchError(f"the registry gives no integrity hash for {spec}")
    if not ok:
        raise FetchError(f"{spec}'s archive does not match the registry's integrity hash")
    return archive


def download(name: str, version: str) -> bytes:
    """The package archive (.tgz) of `name`@`version` from the registry, checked against its hash."""
    spec = f"{name}@{version}"
    url = f"{registry().rstrip('/')}/{urllib.parse.quote(name, safe='@/')}/{urllib.parse.quote(version)}"
    try:
        dist = json.loads(_get(url))["dist"]
        tarball = dist["tarball"]
    except (ValueError, KeyError, TypeError) as e:
        raise FetchError(f"the registry's answer for {spec} has no archive ({type(e).__name__})") from e
    if not isinstance(tarball, str) or urllib.parse.urlsplit(tarball).scheme not in ("https", "http"):
        raise FetchError(f"the registry's archive address for {spec} is not a web address: {tarball!r}")
    return _checked(_get(tarball), dist, spec)


def fill(cache: Path, todo: list[tuple[str, str]], echo: Echo = _stderr) -> None:
    """Download each package and unpack it as cache/NAME@VERSION.

    Raises OSError: the registry unreachable or answering with an error (urllib.error.URLError),
    a timeout, an archive that fails its integrity check (FetchError), or a cache that is not
    writable. A package is moved into place only when completely unpacked, so a failure leaves no
    half package behind.
    """
    for name, version in todo:
        archive = download(name, version)
        dest = cache / f"{name}@{version}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = Path(tempfile.mkdtemp(prefix=".orgsim-", dir=dest.parent))
        try:
            try:
                with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
                    members = [m for m in tar.getmembers() if m.name.startswith("package/") and not m.issym()]
                    members = [m for m in members if m.isfile() or m.isdir()]
                    for m in members:
                        m.name = m.name.removeprefix("package/")
                    tar.extractall(part, members=members, filter="data")
            except (tarfile.TarError, EOFError) as e:
                raise FetchError(f"{name}@{version}'s archive cannot be unpacked: {e}") from e
            if dest.exists():
                shutil.rmtree(dest)  # an incomplete earlier copy (no package.json)
            part.rename(dest)
        finally:
            shutil.rmtree(part, ignore_errors=True)
        echo(f"orgsim app: page assets {name}@{version} -> {dest}")


def _why(e: BaseException) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"the npm registry answered {e.code} {e.reason} for {e.url}"
    if isinstance(e, urllib.error.URLError):
        return f"the npm registry ({registry()}) cannot be reached: {e.reason}"
    if isinstance(e, TimeoutError):
        return f"the npm registry ({registry()}) did not answer within {TIMEOUT_S} s"
    if isinstance(e, FetchError):
        return str(e)
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
        echo(f"orgsim app: fetching the page's scripts ({names}) from the npm registry {registry()} into {cache} ...")
        fill(cache, todo, echo)
        return True
    except OSError as e:
        echo(
            f"orgsim app: {_why(e)}, so the page will load its scripts from {cdn()} through the app's server "
            f"(a blank page if that CDN is unreachable); to fill the cache, run `{FILL_COMMAND}` where the npm "
            "registry is reachable (NPM_CONFIG_REGISTRY names a mirror)"
        )
        return False


def main(argv: list[str]) -> int:
    """``python -m orgsim.app.assets [CACHE_DIR]``: fill the cache; exit 1 when that fails."""
    try:
        cache = Path(argv[0]) if argv else cache_dir()
        todo = missing(cache)
    except ImportError:
        _stderr("orgsim app: the page's scripts are Solara's, and Solara is not installed: pip install 'orgsim[app]'")
        return 1
    if not todo:
        print(f"orgsim app: page assets all present in {cache}")
        return 0
    try:
        fill(cache, todo, echo=print)
    except OSError as e:
        _stderr(f"orgsim app: cannot fill {cache}: {_why(e)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
