"""Agreement between annotators on label sets: Cohen's kappa per label, and Krippendorff's alpha with the MASI
distance for the sets as a whole (Passonneau, 2006), which counts a set that holds the other as a partial match."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np


def masi_distance(first: Iterable[Hashable], second: Iterable[Hashable]) -> float:
    """1 - Jaccard x monotonicity: 0 for equal sets (two empty sets too), 1 for disjoint ones; monotonicity is
    1 for equal sets, 2/3 when one holds the other, 1/3 when they only overlap."""
    a, b = frozenset(first), frozenset(second)
    if a == b:
        return 0.0
    shared, union = len(a & b), len(a | b)
    if shared == 0:
        return 1.0
    monotonicity = 2 / 3 if (a <= b or b <= a) else 1 / 3
    return 1.0 - shared / union * monotonicity


def krippendorff_alpha(
    units: Mapping[Hashable, Mapping[Hashable, Iterable[Hashable]]], distance=masi_distance
) -> float | None:
    """Krippendorff's alpha over ``units`` (item -> annotator -> that annotator's label set), with ``distance``
    between two sets: 1 - observed / expected disagreement, over the items two or more annotators labelled.
    None when it is undefined (fewer than two such values, or every value alike)."""
    coded = [[frozenset(labels) for labels in by_annotator.values()] for by_annotator in units.values()]
    coded = [values for values in coded if len(values) >= 2]
    n = sum(len(values) for values in coded)
    if n < 2:
        return None
    totals: Counter = Counter(value for values in coded for value in values)
    kinds = list(totals)
    d = np.array([[distance(x, y) for y in kinds] for x in kinds])
    observed = 0.0
    for values in coded:
        counts = Counter(values)
        c = np.array([counts.get(kind, 0) for kind in kinds], dtype=float)
        observed += (c @ d @ c) / (len(values) - 1)  # pairs i != j within the unit (d is 0 on the diagonal)
    observed /= n
    t = np.array([totals[kind] for kind in kinds], dtype=float)
    expected = (t @ d @ t) / (n * (n - 1))
    if expected == 0:
        return None
    return float(1.0 - observed / expected)


def per_label_kappa(pairs: Sequence[tuple[Iterable[int], Iterable[int]]], n_labels: int) -> list[float | None]:
    """Cohen's kappa of two annotators for each label (present or not) over the items both labelled (``pairs`` of
    their sets of label indices); None for a label where chance agreement is certain (both always or never)."""
    first = np.zeros((len(pairs), n_labels), dtype=bool)
    second = np.zeros_like(first)
    for row, (a, b) in enumerate(pairs):
        first[row, list(a)] = True
        second[row, list(b)] = True
    out: list[float | None] = []
    for j in range(n_labels):
        x, y = first[:, j], second[:, j]
        if not len(pairs):
            out.append(None)
            continue
        agree = float((x == y).mean())
        chance = float(x.mean() * y.mean() + (1 - x.mean()) * (1 - y.mean()))
        out.append(None if chance >= 1 else (agree - chance) / (1 - chance))
    return out
