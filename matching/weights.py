"""Weights of the score components: a deployment default, overridable per request.

A deployment sets ``MATCH_WEIGHTS`` (a mapping of component name to weight) in its
configuration; a request may override any of them with a ``weights`` object. Names are the
components declared in ``matching.scoring.COMPONENTS``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULTS: dict[str, float] = {
    "need_fit": 3.0,
    "distance": 2.0,
    "capacity": 2.0,
    "open": 1.5,
    "language": 1.0,
    "freshness": 0.5,
    "follow_through": 1.0,
    "audience": 0.5,
    "stated": 0.5,
}


class WeightsError(ValueError):
    """A weight that is not a component or not a finite number >= 0."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Weights(Mapping[str, float]):
    pairs: tuple[tuple[str, float], ...]

    @classmethod
    def default(cls) -> Weights:
        return cls(tuple(DEFAULTS.items()))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, prefix: str = "weights") -> Weights:
        return cls.default().with_overrides(data, prefix)

    def with_overrides(self, data: Mapping[str, Any] | None, prefix: str = "weights") -> Weights:
        if not data:
            return self
        if not isinstance(data, Mapping):
            raise WeightsError(prefix, f"{prefix} must be an object of component: weight")
        merged = dict(self.pairs)
        for name, raw in data.items():
            where = f"{prefix}.{name}"
            if name not in DEFAULTS:
                known = ", ".join(DEFAULTS)
                raise WeightsError(where, f"{where} is not a score component (known: {known})")
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
                raise WeightsError(where, f"{where} must be a number")
            if raw < 0:
                raise WeightsError(where, f"{where} must be 0 or more")
            merged[name] = float(raw)
        if not any(merged.values()):
            raise WeightsError(prefix, f"{prefix}: at least one weight must be above 0")
        return Weights(tuple(merged.items()))

    def __getitem__(self, key: str) -> float:
        for name, value in self.pairs:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)
