"""Distributions in a scenario: `Dist`, a distribution of a non-negative quantity, as data.

The model draws from them with `orgsim.distributions` (samplers on named random streams); here
they are only validated and know their analytic mean and variance.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import model_validator

from orgsim.scenario.base import Model, NonNeg

__all__ = ["Dist", "fixed"]

T = TypeVar("T")


def _given(x: T | None) -> T:
    """A parameter `Dist._parameters` has checked is there (for the type checker: not None)."""
    if x is None:
        raise ValueError("a distribution parameter is missing")  # unreachable after validation
    return x


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


class Dist(Model):
    """A distribution of a non-negative quantity.

    A bare number in YAML means ``{dist: fixed, value: number}``. Parameters by kind:
    fixed (value or mean), exponential (mean), gamma and lognormal (mean, cv),
    uniform (low, high), triangular (low, mode, high), empirical (values, optional weights).
    """

    dist: Literal["fixed", "exponential", "gamma", "lognormal", "uniform", "triangular", "empirical"]
    value: NonNeg | None = None
    mean: NonNeg | None = None
    cv: NonNeg | None = None
    low: NonNeg | None = None
    mode: NonNeg | None = None
    high: NonNeg | None = None
    values: list[NonNeg] | None = None
    weights: list[NonNeg] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data: Any) -> Any:
        if isinstance(data, bool):
            return data  # let the field validation reject it with a clear message
        if isinstance(data, (int, float)):
            return {"dist": "fixed", "value": data}
        return data

    @model_validator(mode="after")
    def _parameters(self) -> Dist:
        need: dict[str, tuple[str, ...]] = {
            "fixed": (),
            "exponential": ("mean",),
            "gamma": ("mean", "cv"),
            "lognormal": ("mean", "cv"),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "empirical": ("values",),
        }
        allowed = {
            "fixed": {"value", "mean"},
            "exponential": {"mean"},
            "gamma": {"mean", "cv"},
            "lognormal": {"mean", "cv"},
            "uniform": {"low", "high"},
            "triangular": {"low", "mode", "high"},
            "empirical": {"values", "weights"},
        }[self.dist]
        given = {
            k
            for k in ("value", "mean", "cv", "low", "mode", "high", "values", "weights")
            if getattr(self, k) is not None
        }
        missing = [k for k in need[self.dist] if getattr(self, k) is None]
        if self.dist == "fixed" and self.value is None and self.mean is None:
            missing = ["value"]
        if missing:
            raise ValueError(f"{_article(self.dist)} {self.dist} distribution needs {', '.join(missing)}")
        extra = sorted(given - allowed)
        if extra:
            raise ValueError(
                f"{_article(self.dist)} {self.dist} distribution does not take {', '.join(extra)} "
                f"(it takes {', '.join(sorted(allowed))})"
            )
        if self.dist in ("gamma", "lognormal") and self.cv == 0:
            raise ValueError(f"a {self.dist} distribution needs cv > 0 (use dist: fixed for no variation)")
        if self.dist == "uniform" and _given(self.low) > _given(self.high):
            raise ValueError(f"uniform needs low <= high (got low={self.low}, high={self.high})")
        if self.dist == "triangular" and not (
            _given(self.low) <= _given(self.mode) <= _given(self.high) and _given(self.low) < _given(self.high)
        ):
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high (got {self.low}, {self.mode}, {self.high})"
            )
        if self.dist == "empirical":
            if not self.values:
                raise ValueError("an empirical distribution needs at least one value")
            if self.weights is not None:
                if len(self.weights) != len(self.values):
                    raise ValueError(
                        f"weights must have one entry per value "
                        f"({len(self.values)} values, {len(self.weights)} weights)"
                    )
                if sum(self.weights) <= 0:
                    raise ValueError("weights must not all be zero")
        return self

    @property
    def expected(self) -> float:
        """The analytic mean."""
        if self.dist == "fixed":
            return float(self.value if self.value is not None else _given(self.mean))
        if self.dist in ("exponential", "gamma", "lognormal"):
            return float(_given(self.mean))
        if self.dist == "uniform":
            return (_given(self.low) + _given(self.high)) / 2
        if self.dist == "triangular":
            return (_given(self.low) + _given(self.mode) + _given(self.high)) / 3
        values = _given(self.values)
        w = self.weights or [1.0] * len(values)
        return sum(v * x for v, x in zip(values, w)) / sum(w)

    @property
    def variance(self) -> float:
        """The analytic variance."""
        m = self.expected
        if self.dist == "fixed":
            return 0.0
        if self.dist == "exponential":
            return m * m
        if self.dist in ("gamma", "lognormal"):
            return (_given(self.cv) * m) ** 2
        if self.dist == "uniform":
            return (_given(self.high) - _given(self.low)) ** 2 / 12
        if self.dist == "triangular":
            a, c, b = _given(self.low), _given(self.mode), _given(self.high)
            return (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        values = _given(self.values)
        w = self.weights or [1.0] * len(values)
        s = sum(w)
        return sum(x * (v - m) ** 2 for v, x in zip(values, w)) / s


def fixed(value: float) -> Dist:
    """A constant: ``{dist: fixed, value: value}``."""
    return Dist(dist="fixed", value=value)
