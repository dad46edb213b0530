"""Solara's page assets: what `orgsim app` does at start when the cache lacks them (no network:
the npm registry and the cache are replaced by fakes)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import urllib.error
from pathlib import Path

import pytest

pytest.importorskip("solara")

from orgsim.app import assets  # noqa: E402

WANTED = {("requirejs", "2.3.6"), ("@widgetti/solara-vuetify-app", "10.1.1")}
REG = "https://registry.example/"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "cache_dir", lambda: tmp_path / "cdn")
    monkeypatch.setattr(assets, "needed", lambda: set(WANTED))
    monkeypatch.setattr("solara.settings.assets.proxy", True)
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", REG)
    return tmp_path / "cdn"


def _tgz(name: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for member, text in (("package/package.json", f'{{"name": "{name}"}}'), ("package/dist/main.js", "x")):
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def fake_registry(calls: list[str], corrupt: bool = False, status: int | None = None):
    """A registry that knows every WANTED package: version metadata, then the archive."""
    files: dict[str, bytes] = {}
    for name, version in WANTED:
        archive = _tgz(name)
        tarball = f"{REG}{name}/-/{name.rpartition('/')[2]}-{version}.tgz"
        sri = "sha512-" + base64.b64encode(hashlib.sha512(archive).digest()).decode()
        files[f"{REG}{name}/{version}"] = json.dumps({"dist": {"tarball": tarball, "integrity": sri}}).encode()
        files[tarball] = archive + (b"tampered" if corrupt else b"")

    def get(url: str) -> bytes:
        calls.append(url)
        if status is not None:
            raise urllib.error.HTTPError(url, status, "Not Found", {}, None)  # type: ignore[arg-type]
        return files[url]

    return get


def test_the_packages_are_read_from_the_installed_solaras_page():
    import solara.server

    found = dict(assets.needed())
    template = (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text()
    assert "requirejs" in found and "font-awesome" in found
    assert any(name.startswith("@widgetti/") for name in found)
    for name, version in found.items():
        if name != "font-awesome":  # its path is a setting, not in the template
            assert f"{name}@{version}/" in template


def test_nothing_to_do_when_the_cache_is_full(cache, monkeypatch):
    for n, v in WANTED:
        (cache / f"{n}@{v}").mkdir(parents=True)
        (cache / f"{n}@{v}" / "package.json").write_text("{}")
    monkeypatch.setattr(assets, "_get", lambda url: pytest.fail("downloaded with a full cache"))
    lines: list[str] = []
    assert assets.ensure(lines.append) is True
    assert lines == []


def test_the_registry_fills_the_missing_packages_and_says_so(cache, monkeypatch):
    (cache / "requirejs@2.3.6").mkdir(parents=True)
    (cache / "requirejs@2.3.6" / "package.json").write_text("{}")
    calls: list[str] = []
    monkeypatch.setattr(assets, "_get", fake_registry(calls))
    lines: list[str] = []
    assert assets.ensure(lines.append) is True
    assert calls == [  # only the missing package: its metadata, then its archive
        f"{REG}@widgetti/solara-vuetify-app/10.1.1",
        f"{REG}@widgetti/solara-vuetify-app/-/solara-vuetify-app-10.1.1.tgz",
    ]
    unpacked = cache / "@widgetti" / "solara-vuetify-app@10.1.1"
    assert (unpacked / "dist" / "main.js").read_text() == "x"
    assert "@widgetti/solara-vuetify-app@10.1.1" in lines[0] and REG in lines[0]
    assert assets.missing(cache) == []
    assert [p.name for p in (cache / "@widgetti").iterdir()] == ["solara-vuetify-app@10.1.1"]  # no temporary left


def test_an_unreachable_registry_gives_one_line_naming_the_cdn_and_the_fix(cache, monkeypatch):
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "https://registry.invalid/")
    monkeypatch.setattr(assets.urllib.request, "urlopen", _unreachable)
    lines: list[str] = []
    assert assets.ensure(lines.append) is False
    assert len(lines) == 2, lines  # what it tries, then one line: why, where the scripts come from, the fix
    assert "npm registry (https://registry.invalid/) cannot be reached" in lines[1]
    assert "https://cdn.jsdelivr.net/npm/" in lines[1] and "python -m orgsim.app.assets" in lines[1]
    assert not cache.exists() or not any(cache.rglob("package.json"))


def _unreachable(url, timeout):
    raise urllib.error.URLError("Name or service not known")


@pytest.mark.parametrize("failure", ["tampered", "404"])
def test_a_failed_download_leaves_nothing_half_written(cache, monkeypatch, failure):
    calls: list[str] = []
    get = fake_registry(calls, corrupt=failure == "tampered", status=404 if failure == "404" else None)
    monkeypatch.setattr(assets, "_get", get)
    lines: list[str] = []
    assert assets.ensure(lines.append) is False
    why = "does not match the registry's integrity hash" if failure == "tampered" else "answered 404 Not Found"
    assert why in lines[-1], lines
    assert not cache.exists() or not any(cache.rglob("package.json"))
    assert assets.main([]) == 1  # CI's command fails instead


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (b'{"error": "version not found"}', "has no archive"),
        (b'{"dist": {"tarball": "file:///etc/passwd", "shasum": "0"}}', "is not a web address"),
    ],
)
def test_metadata_without_a_usable_archive_is_a_clear_failure(cache, monkeypatch, answer, why):
    monkeypatch.setattr(assets, "_get", lambda url: answer if url.startswith(REG) else pytest.fail(url))
    lines: list[str] = []
    assert assets.ensure(lines.append) is False
    assert why in lines[-1]


def test_no_cache_needed_when_the_browser_loads_from_the_cdn(cache, monkeypatch):
    monkeypatch.setattr("solara.settings.assets.proxy", False)
    monkeypatch.setattr(assets, "missing", lambda *a: pytest.fail("looked at the cache"))
    assert assets.ensure(lambda line: pytest.fail(line)) is True


def test_orgsim_app_checks_the_assets_before_starting_the_server(monkeypatch):
    from orgsim.app import server
    from orgsim.cli import main

    order: list[str] = []
    monkeypatch.setattr(assets, "ensure", lambda *a, **k: order.append("assets") or False)
    monkeypatch.setattr(server, "serve", lambda *a, **k: order.append("serve") or 0)
    assert main(["app", "--port", "0"]) == 0
    assert order == ["assets", "serve"]


def test_without_solara_the_fill_command_says_what_to_install(monkeypatch, capsys):
    def no_solara():
        raise ModuleNotFoundError("No module named 'solara'")

    monkeypatch.setattr(assets, "needed", no_solara)
    assert assets.main(["/nonexistent/cache"]) == 1
    assert "pip install 'orgsim[app]'" in capsys.readouterr().err
