"""The learned part of scoring: L2-regularised logistic regression over named 0/1 features.

Pure functions on numpy arrays, no I/O. Every feature is an indicator ("Occupation: Working
Professional", "Time on site: 10-30 min"), so each weight reads as "this factor moves the
odds of conversion by so much", and a lead's reasons are simply its active features'
weights. Fitting is Newton's method (iteratively reweighted least squares): with a few
hundred features each step solves one small linear system, so a refit over tens of
thousands of outcomes takes well under a second and needs no tuning of a learning rate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LogisticModel:
    """Intercept plus one weight per feature name (log-odds)."""

    intercept: float
    weights: Mapping[str, float]

    def logit_parts(self, active: Iterable[str]) -> dict[str, float]:
        """Each active, known feature's contribution to the log-odds."""
        return {name: self.weights[name] for name in active if name in self.weights}

    def probability(self, active: Iterable[str]) -> float:
        return sigmoid(self.intercept + sum(self.logit_parts(active).values()))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def vocabulary(rows: Sequence[Iterable[str]], *, min_count: int) -> list[str]:
    """Features seen at least ``min_count`` times; rarer ones cannot be estimated anyway."""
    counts: dict[str, int] = {}
    for row in rows:
        for name in set(row):
            counts[name] = counts.get(name, 0) + 1
    return sorted(name for name, n in counts.items() if n >= min_count)


def design_matrix(rows: Sequence[Iterable[str]], names: Sequence[str]) -> FloatArray:
    index = {name: i for i, name in enumerate(names)}
    x = np.zeros((len(rows), len(names)), dtype=np.float64)
    for r, row in enumerate(rows):
        for name in row:
            i = index.get(name)
            if i is not None:
                x[r, i] = 1.0
    return x


def fit(
    rows: Sequence[Iterable[str]],
    labels: Sequence[int],
    *,
    l2: float = 1.0,
    min_count: int = 5,
    max_iterations: int = 50,
) -> LogisticModel:
    """Maximise the penalised likelihood; the intercept is not penalised.

    ``l2`` is the prior's precision on each weight: it keeps rare factors near zero until
    outcomes support them and makes the problem well-posed for collinear indicators.
    """
    y = np.asarray(labels, dtype=np.float64)
    if len(y) == 0:
        raise ValueError("no outcomes to learn from")
    names = vocabulary(rows, min_count=min_count)
    x = np.hstack([np.ones((len(y), 1)), design_matrix(rows, names)])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 1e-6
    base = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
    w = np.zeros(x.shape[1])
    w[0] = math.log(base / (1 - base))
    for _ in range(max_iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x.T * (p * (1 - p))) @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return LogisticModel(
        intercept=float(w[0]), weights={n: float(v) for n, v in zip(names, w[1:], strict=True)}
    )


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Probability that a random positive outranks a random negative (ties count half)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_scores = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    rank_sum = float(ranks[y == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


@dataclass(frozen=True)
class CalibrationBin:
    """Leads whose predicted probability fell in [lower, upper) and how many converted."""

    lower: float
    upper: float
    count: int
    predicted: float | None
    observed: float | None


def calibration(
    probabilities: Sequence[float], labels: Sequence[int], *, bins: int = 10
) -> list[CalibrationBin]:
    """Mean prediction against observed conversion rate in equal-width probability bins."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    result = []
    for b in range(bins):
        lower, upper = b / bins, (b + 1) / bins
        inside = (p >= lower) & ((p < upper) if b < bins - 1 else (p <= upper))
        n = int(inside.sum())
        result.append(
            CalibrationBin(
                lower=round(lower, 4),
                upper=round(upper, 4),
                count=n,
                predicted=round(float(p[inside].mean()), 4) if n else None,
                observed=round(float(y[inside].mean()), 4) if n else None,
            )
        )
    return result
