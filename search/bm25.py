"""BM25 as FTS5 computes it (k1 1.2, b 0.75, its idf), for the postings of search/postings.py."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75


def idf(documents: int, hits: int) -> float:
    """FTS5's bm25 idf: never zero or below, so a word every document holds still counts."""
    value = math.log((0.5 + documents - hits) / (0.5 + hits)) if documents else 0.0
    return value if value > 0 else 1e-6


def contributions(
    freq: npt.NDArray[np.float64], length: npt.NDArray[np.float64], idf_: float, avgdl: float
) -> npt.NDArray[np.float64]:
    """One term's BM25 in each document: idf * f * (k1 + 1) / (f + k1 * (1 - b + b * D / avgdl))."""
    norm = K1 * (1 - B + B * length / (avgdl or 1.0))
    out: npt.NDArray[np.float64] = idf_ * (freq * (K1 + 1)) / (freq + norm)
    return out
