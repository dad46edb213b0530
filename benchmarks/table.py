"""The one markdown table every benchmark prints, and the line that says where it ran."""

from __future__ import annotations

import datetime
import os
import platform
from importlib import metadata

COLUMNS = ("benchmark", "case", "measure", "value", "target", "met")


def machine() -> str:
    """Date, CPU, cores, load and the versions that matter, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    versions = []
    for pkg in ("simpy", "numpy", "ciw"):
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            pass
    return (
        f"{datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} CPUs{load}; "
        f"Python {platform.python_version()}, {', '.join(versions)}"
    )


def _cell(row: dict, key: str) -> str:
    v = row.get(key)
    if key == "met":
        return "" if v is None else ("yes" if v else "**no**")
    return "" if v is None else str(v)


def print_table(rows: list[dict]) -> None:
    print(f"_{machine()}_\n")
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join("---" for _ in COLUMNS) + "|")
    for r in rows:
        print("| " + " | ".join(_cell(r, k).replace("|", "/") for k in COLUMNS) + " |")
