"""Errors orgsim raises on purpose.

`ScenarioError` is the one users see: it carries every problem found in a scenario, one
`Problem` per line (file, dotted path, line where YAML gives one, what is wrong). The CLI prints
`str(error)` and exits 2; nothing else is needed to present it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# C0/C1 control characters (but newline and tab) and the bidirectional overrides that can make
# text display as something else ("Trojan Source"); see `printable`.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text safe to print on a terminal: control characters shown as escapes (``\\x1b``).

    Everything orgsim echoes that came from a scenario or a file passes through this, so a
    scenario cannot set the terminal's title, clear the screen or reorder text.
    """
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def unprintable(text: str) -> str | None:
    """The first character `printable` would escape, as ``U+001B`` for ESC; None when there is none."""
    m = _UNPRINTABLE.search(text)
    return f"U+{ord(m.group()):04X}" if m else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    Attributes:
        path: dotted field path, e.g. ``roles.sdr.headcount`` ("" for the whole file).
        message: what is wrong and what was expected, e.g. ``must be >= 0 (got -1)``.
        line: 1-based line in the YAML file where the value stands, when known.
    """

    path: str
    message: str
    line: int | None = None

    def render(self) -> str:
        where = self.path or "(file)"
        at = f" (line {self.line})" if self.line else ""
        return printable(f"{where}{at}: {self.message}")


class OrgsimError(Exception):
    """Base class for errors orgsim raises deliberately."""


class ScenarioError(OrgsimError, ValueError):
    """An invalid scenario: every problem found, one per line.

    Args:
        source: the file (or other label) the scenario came from.
        problems: the problems found; at least one.
    """

    def __init__(self, source: str, problems: list[Problem]):
        self.source = str(source)
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        n = len(self.problems)
        head = printable(f"{self.source}: {n} problem{'s' if n != 1 else ''}")
        return "\n".join([head] + ["  " + p.render() for p in self.problems])

    def __str__(self) -> str:
        return self._text()


class UsageError(OrgsimError):
    """A command used wrongly (bad option value, missing file) - exit code 2."""
