"""Exact Gauss-Jordan elimination over fractions, the independent solver of the Markov tests."""

from __future__ import annotations

from fractions import Fraction


def solve_first_unknown(matrix: list[list[Fraction]]) -> Fraction:
    """Solve the augmented system [A | b] (n rows, n + 1 columns) and return x_0."""
    n = len(matrix)
    for col in range(n):
        pivot = next(r for r in range(col, n) if matrix[r][col] != 0)
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        lead = matrix[col][col]
        matrix[col] = [v / lead for v in matrix[col]]
        for r in range(n):
            if r != col and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[col], strict=True)]
    return matrix[0][n]
