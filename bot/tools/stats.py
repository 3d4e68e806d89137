"""Percentiles of measured timings, one definition for `bot eval`, `bot load` and `bot bench`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def percentile(values: Iterable[float], pct: float, empty: float = float("nan")) -> float:
    """The `pct`-th percentile (0-100) of `values`: the observation nearest to it (numpy's "nearest").

    That is the value at rank round(pct / 100 * (n - 1)) in sorted order, ties to the even rank;
    `empty` when there are no values.
    """
    values = list(values)
    if not values:
        return empty
    return float(np.percentile(values, pct, method="nearest"))
