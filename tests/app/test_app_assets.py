"""Solara's page assets: what `orgsim app` does at start when the cache lacks them (no network:
npm and the cache are replaced by fakes)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

import pytest

pytest.importorskip("solara")

from orgsim.app import assets  # noqa: E402

WANTED = {("requirejs", "2.3.6"), ("@widgetti/solara-vuetify-app", "10.1.1")}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "cache_dir", lambda: tmp_path / "cdn")
    monkeypatch.setattr(assets, "needed", lambda: set(WANTED))
    monkeypatch.setattr("solara.settings.assets.proxy", True)
    return tmp_path / "cdn"


def _tgz(path: Path, name: str) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for member, text in (("package/package.json", f'{{"name": "{name}"}}'), ("package/dist/main.js", "x")):
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def fake_npm(calls: list[list[str]], fail: bool = False):
    def run(cmd, **kw):
        calls.append(cmd)
        if fail:
            raise subprocess.CalledProcessError(1, cmd, stderr="npm error code E404\nnpm error 404 Not Found")
        dest = Path(cmd[cmd.index("--pack-destination") + 1])
        for spec in cmd[cmd.index("--pack-destination") + 2 :]:
            name, _, version = spec.rpartition("@")
            _tgz(dest / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz", name)
        return subprocess.CompletedProcess(cmd, 0)

    return run


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
    monkeypatch.setattr(assets.subprocess, "run", lambda *a, **k: pytest.fail("npm ran with a full cache"))
    lines: list[str] = []
    assert assets.ensure(lines.append) is True
    assert lines == []


def test_npm_fills_the_missing_packages_and_says_so(cache, monkeypatch):
    (cache / "requirejs@2.3.6").mkdir(parents=True)
    (cache / "requirejs@2.3.6" / "package.json").write_text("{}")
    calls: list[list[str]] = []
    monkeypatch.setattr(assets.shutil, "which", lambda name: "/usr/bin/npm" if name == "npm" else None)
    monkeypatch.setattr(assets.subprocess, "run", fake_npm(calls))
    lines: list[str] = []
    assert assets.ensure(lines.append) is True
    assert calls[0][:2] == ["/usr/bin/npm", "pack"] and calls[0][-1] == "@widgetti/solara-vuetify-app@10.1.1"
    assert len(calls) == 1  # only the missing package
    unpacked = cache / "@widgetti" / "solara-vuetify-app@10.1.1"
    assert (unpacked / "dist" / "main.js").read_text() == "x"
    assert "npm pack @widgetti/solara-vuetify-app@10.1.1" in lines[0]
    assert assets.missing(cache) == []
    assert [p.name for p in (cache / "@widgetti").iterdir()] == ["solara-vuetify-app@10.1.1"]  # no temporary left


def test_without_npm_one_line_names_the_cdn_and_the_fix(cache, monkeypatch):
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    monkeypatch.setattr(assets.subprocess, "run", lambda *a, **k: pytest.fail("ran npm that is not there"))
    lines: list[str] = []
    assert assets.ensure(lines.append) is False
    assert len(lines) == 1, lines  # one line: why, where the scripts will come from, how to fill the cache
    assert "npm is not installed" in lines[0] and "https://cdn.jsdelivr.net/npm/" in lines[0]
    assert "python -m orgsim.app.assets" in lines[0]
    assert not cache.exists() or not any(cache.rglob("package.json"))


def test_a_failing_npm_leaves_nothing_half_written(cache, monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(assets.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(assets.subprocess, "run", fake_npm(calls, fail=True))
    lines: list[str] = []
    assert assets.ensure(lines.append) is False
    assert "npm pack failed (exit 1: npm error 404 Not Found)" in lines[-1]
    assert not cache.exists() or not any(cache.rglob("*"))
    assert assets.main([]) == 1  # CI's command fails instead


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
