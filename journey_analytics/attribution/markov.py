"""Markov-chain attribution with exact removal effects (orders 1 to 3 and beyond).

Model (after Anderl, Becker, von Wangenheim & Schumann, "Mapping the customer
journey: Lessons learned from graph-based online attribution modeling", IJRM 2016):

* **States.**  For order ``k`` a transient state is the tuple of the last ``k``
  channels seen.  Paths shorter than ``k`` are padded on the left with the
  ``start`` symbol, so after the first touch of ``A > B`` the order-2 state is
  ``(start, A)`` and after the second ``(A, B)``; the initial state is
  ``(start, ..., start)``, written ``start``.  Padding is therefore equivalent to
  using the (shorter) history itself as the state.
* **Repeats are kept** by default: ``A > A > B`` walks ``start -> A -> A -> B`` (a
  self-loop on ``A`` at order 1).  Pass ``collapse_repeats=True`` to merge runs of the
  same channel first.  At order 1 a self-loop never changes an absorption
  probability, so the option only matters for orders >= 2.
* **Transitions** are counted over all journeys: a path row contributes
  ``conversions + non_conversions`` to each step of its walk, ``conversions`` to the
  final ``state -> conversion`` step and ``non_conversions`` to ``state -> null``.
  Transition probabilities are the maximum-likelihood estimates (row-normalised
  counts).
* **Conversion probability** is the absorption probability into ``conversion`` when
  starting in ``start``, solved exactly as the linear system
  ``(I - Q) x = r`` (``Q`` transient-to-transient block, ``r`` one-step conversion
  probabilities) with a dense LU solve (``numpy.linalg.solve``) for small chains and a sparse LU
  (``scipy.sparse.linalg.splu``) otherwise.  No simulation is involved.
* **Removal effect** of channel ``c``: every transient state whose history contains
  ``c`` is redirected to ``null`` (removed from the system), the system is solved
  again and ``RE_c = 1 - P_without_c / P``.
* **Attribution of conversions**: ``conversions_c = total_conversions * RE_c / sum(RE)``.
* **Value removal effects** (the default split of revenue, as ChannelAttribution's
  ``markov_model(..., var_value=...)`` and practitioners compute it).  The value of a
  conversion is attached to the last transient state before it:
  ``value_s`` = revenue / conversions of the converting paths whose walk ends in ``s``
  (0 where none converts).  The chain's expected value per journey is
  ``E = sum_s N[start, s] * r_s * value_s`` with ``N = (I - Q)^-1`` the fundamental
  matrix (expected visits), ``r_s`` the one-step conversion probability; it is the
  solution of the same linear system with right-hand side ``r * value``, so both
  right-hand sides share one factorisation.  Removing channel ``c`` redirects its
  states to ``null`` as above, and ``VRE_c = 1 - E_without_c / E``;
  ``revenue_c = total_revenue * VRE_c / sum(VRE)``.  With ``revenue_split=
  "conversion"`` revenue follows the conversion removal effects instead (the split
  used before value removal effects existed; it equals the value split whenever every
  conversion has the same value).

Property (tested): because each path is a walk from ``start`` to an absorbing state
and the estimates are row-normalised counts, the visit frequencies observed in the
data solve the chain's visit equations, so ``P(conversion)`` equals the observed
rate ``total_conversions / total_journeys`` -- for every order, not only order 1 --
and ``E`` equals ``total_revenue / total_journeys``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from journey_analytics.attribution.core import (
    AttributionResult,
    PathSummary,
    load_path_summary,
    share_out,
)

Solver = Literal["auto", "dense", "sparse"]
RevenueSplit = Literal["value", "conversion"]
REVENUE_SPLITS: tuple[str, ...] = ("value", "conversion")
DENSE_STATE_LIMIT = 400
LOOKUP_TABLE_LIMIT = 1 << 22


@dataclass(frozen=True)
class MarkovChain:
    """A fitted absorbing Markov chain over channel histories.

    Attributes:
        order: history length ``k``.
        n_channels: number of channels ``m``; a state's history is stored as ``k``
            base ``m + 1`` digits where 0 means ``start`` and ``c + 1`` channel ``c``.
        state_keys: integer key of each transient state; index 0 is ``start``.
        transient: ``Q`` as CSR, transition probabilities among transient states.
        to_conversion: one-step probability of ``state -> conversion``.
        to_null: one-step probability of ``state -> null``.
        conversion_value: mean value of the conversions that follow each state
            (revenue / conversions of the paths ending there; 0 where none converts).
    """

    order: int
    n_channels: int
    state_keys: np.ndarray
    transient: scipy.sparse.csr_matrix
    to_conversion: np.ndarray
    to_null: np.ndarray
    conversion_value: np.ndarray | None = None

    @property
    def n_states(self) -> int:
        """Number of transient states, ``start`` included."""
        return int(self.state_keys.shape[0])

    def state_digits(self) -> np.ndarray:
        """``(n_states, order)`` history digits (0 = start, c + 1 = channel c)."""
        base = self.n_channels + 1
        powers = base ** np.arange(self.order, dtype=np.int64)
        return (self.state_keys[:, None] // powers[None, :]) % base

    def states_containing(self, channel: int) -> np.ndarray:
        """Boolean mask of the states whose history contains ``channel``."""
        return (self.state_digits() == channel + 1).any(axis=1)


def collapse_consecutive_repeats(summary: PathSummary) -> PathSummary:
    """Merge runs of the same channel (``A > A > B`` becomes ``A > B``).

    Paths that become identical are not merged; the chain does not need it.
    """
    codes = summary.codes
    keep = codes >= 0
    keep[:, 1:] &= codes[:, 1:] != codes[:, :-1]
    lengths = keep.sum(axis=1)
    packed = np.full((summary.n_paths, int(lengths.max(initial=0))), -1, dtype=np.int32)
    cols = np.cumsum(keep, axis=1) - 1
    rows = np.broadcast_to(np.arange(summary.n_paths)[:, None], codes.shape)
    packed[rows[keep], cols[keep]] = codes[keep]
    return PathSummary(
        summary.channels,
        packed,
        lengths.astype(np.int64),
        summary.conversions,
        summary.non_conversions,
        summary.revenue,
    )


def _walk_edges(
    summary: PathSummary, order: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Raw state keys of every step of every walk.

    Returns ``(from_key, to_key, weight)`` of the transient-to-transient steps and
    ``final_key``, the last state of each path.
    """
    base = np.int64(summary.n_channels + 1)
    modulus = base**order
    key = np.zeros(summary.n_paths, dtype=np.int64)
    weight = summary.conversions + summary.non_conversions
    froms, tos, weights = [], [], []
    for step in range(summary.codes.shape[1]):
        active = summary.lengths > step
        if not active.any():
            break
        new_key = (key[active] * base + summary.codes[active, step] + 1) % modulus
        froms.append(key[active])
        tos.append(new_key)
        weights.append(weight[active])
        key[active] = new_key
    if not froms:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), key
    return np.concatenate(froms), np.concatenate(tos), np.concatenate(weights), key


def _compact_states(modulus: int, *raw: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Sorted distinct state keys (``start`` = 0 first) and each input as indices."""
    if modulus <= LOOKUP_TABLE_LIMIT:  # direct-address table: O(n), no sorting
        seen = np.zeros(modulus, dtype=bool)
        seen[0] = True
        for array in raw:
            seen[array] = True
        keys = np.flatnonzero(seen)
        index = np.cumsum(seen) - 1
        return keys, [index[array] for array in raw]
    keys = np.unique(np.concatenate([np.zeros(1, dtype=np.int64), *raw]))
    return keys, [np.searchsorted(keys, array) for array in raw]


def _count_matrix(
    src: np.ndarray, dst: np.ndarray, weight: np.ndarray, n: int
) -> scipy.sparse.csr_matrix:
    """Summed transition counts as CSR (dense bincount when ``n * n`` is small)."""
    if n * n <= LOOKUP_TABLE_LIMIT:
        dense = np.bincount(src * n + dst, weights=weight, minlength=n * n).reshape(n, n)
        return scipy.sparse.csr_matrix(dense)
    counts = scipy.sparse.coo_matrix((weight, (src, dst)), shape=(n, n)).tocsr()
    counts.sum_duplicates()
    return counts


def fit_markov_chain(
    data: object, *, order: int = 1, collapse_repeats: bool = False
) -> MarkovChain:
    """Estimate the order-``k`` absorbing chain from a path summary (see module doc)."""
    if order < 1:
        raise ValueError("order must be >= 1")
    summary = load_path_summary(data)
    if collapse_repeats:
        summary = collapse_consecutive_repeats(summary)
    used = (summary.conversions + summary.non_conversions) > 0
    summary = PathSummary(
        summary.channels,
        summary.codes[used],
        summary.lengths[used],
        summary.conversions[used],
        summary.non_conversions[used],
        summary.revenue[used],
    )
    from_key, to_key, weight, final_key = _walk_edges(summary, order)
    modulus = (summary.n_channels + 1) ** order
    keys, (src, dst, final) = _compact_states(modulus, from_key, to_key, final_key)
    n = keys.shape[0]
    counts = _count_matrix(src, dst, weight, n)
    conv = np.bincount(final, weights=summary.conversions, minlength=n)
    null = np.bincount(final, weights=summary.non_conversions, minlength=n)
    value = np.bincount(final, weights=summary.revenue, minlength=n)
    value = np.divide(value, conv, out=np.zeros(n), where=conv > 0)
    out_total = np.asarray(counts.sum(axis=1)).ravel() + conv + null
    scale = np.divide(1.0, out_total, out=np.zeros(n), where=out_total > 0)
    transient = scipy.sparse.diags(scale) @ counts
    return MarkovChain(
        order, summary.n_channels, keys, transient.tocsr(), conv * scale, null * scale, value
    )


def _solve_from_start(
    chain: MarkovChain, rhs: np.ndarray, keep: np.ndarray | None, solver: Solver
) -> np.ndarray:
    """``x[start]`` of ``(I - Q_keep) x = rhs_keep`` for each column of ``rhs``."""
    if keep is None:
        keep = np.ones(chain.n_states, dtype=bool)
    if not keep[0]:
        return np.zeros(rhs.shape[1])
    index = np.flatnonzero(keep)
    q = chain.transient[index][:, index]
    system = scipy.sparse.identity(index.shape[0], format="csc") - q.tocsc()
    use_dense = solver == "dense" or (solver == "auto" and index.shape[0] <= DENSE_STATE_LIMIT)
    if use_dense:
        x = np.linalg.solve(system.toarray(), rhs[index])
    else:
        x = scipy.sparse.linalg.splu(system).solve(np.ascontiguousarray(rhs[index]))
    return np.asarray(x[0], dtype=float).reshape(-1)


def absorption_probability(
    chain: MarkovChain, keep: np.ndarray | None = None, *, solver: Solver = "auto"
) -> float:
    """P(absorbed in ``conversion`` | start in ``start``).

    Args:
        chain: the fitted chain.
        keep: boolean mask of transient states to keep; the others are redirected to
            ``null`` (``start`` must be kept).  ``None`` keeps all states.
        solver: ``"dense"``, ``"sparse"`` or ``"auto"`` (dense up to
            ``DENSE_STATE_LIMIT`` states).
    """
    return float(_solve_from_start(chain, chain.to_conversion[:, None], keep, solver)[0])


def expected_value(
    chain: MarkovChain, keep: np.ndarray | None = None, *, solver: Solver = "auto"
) -> float:
    """Expected conversion value per journey, ``sum_s N[start, s] r_s value_s``."""
    if chain.conversion_value is None:
        raise ValueError("the chain carries no conversion values")
    rhs = (chain.to_conversion * chain.conversion_value)[:, None]
    return float(_solve_from_start(chain, rhs, keep, solver)[0])


def _effects(base: float, removed: np.ndarray) -> np.ndarray:
    if base <= 0.0:
        return np.zeros_like(removed)
    return 1.0 - removed / base


def removal_effects_with_value(
    chain: MarkovChain, *, solver: Solver = "auto"
) -> tuple[float, np.ndarray, float, np.ndarray]:
    """Conversion and value removal effects from one solve per channel.

    Returns:
        ``(P(conversion), removal effects, E(value), value removal effects)``.
    """
    value = chain.conversion_value if chain.conversion_value is not None else 0.0
    rhs = np.column_stack([chain.to_conversion, chain.to_conversion * value])
    base = _solve_from_start(chain, rhs, None, solver)
    removed = np.zeros((chain.n_channels, 2))
    if base[0] > 0.0:
        digits = chain.state_digits()
        for channel in range(chain.n_channels):
            keep = ~(digits == channel + 1).any(axis=1)
            removed[channel] = _solve_from_start(chain, rhs, keep, solver)
    return (
        float(base[0]),
        _effects(base[0], removed[:, 0]),
        float(base[1]),
        _effects(base[1], removed[:, 1]),
    )


def removal_effects(chain: MarkovChain, *, solver: Solver = "auto") -> tuple[float, np.ndarray]:
    """Return ``(P(conversion), removal effect per channel)`` for a fitted chain."""
    probability, effects, _, _ = removal_effects_with_value(chain, solver=solver)
    return probability, effects


def markov_attribution(
    data: object,
    *,
    order: int = 1,
    collapse_repeats: bool = False,
    solver: Solver = "auto",
    revenue_split: RevenueSplit = "value",
) -> AttributionResult:
    """Markov-chain removal-effect attribution of order ``order``.

    Args:
        data: path summary (see :func:`load_path_summary`).
        order: history length of a state.
        collapse_repeats: merge runs of the same channel first.
        solver: linear solver, see :func:`absorption_probability`.
        revenue_split: ``"value"`` (default) splits revenue by the value removal
            effects; ``"conversion"`` by the conversion removal effects.

    Returns:
        An :class:`AttributionResult` named ``markov_order_<order>`` with the
        conversion removal effects; ``details`` holds ``value_removal_effects``,
        ``revenue_split``, ``conversion_probability`` and ``expected_value`` (chain),
        ``observed_conversion_rate``, ``observed_value_per_journey`` and ``n_states``.
    """
    if revenue_split not in REVENUE_SPLITS:
        raise ValueError(f"revenue_split must be one of {REVENUE_SPLITS}; got {revenue_split!r}")
    summary = load_path_summary(data)
    chain = fit_markov_chain(summary, order=order, collapse_repeats=collapse_repeats)
    probability, effects, value, value_effects = removal_effects_with_value(chain, solver=solver)
    journeys = summary.total_journeys
    revenue_shares = value_effects if revenue_split == "value" else effects
    return AttributionResult(
        f"markov_order_{order}",
        "exact",
        summary.channels,
        share_out(summary.total_conversions, effects),
        share_out(summary.total_revenue, revenue_shares),
        removal_effects=effects,
        details={
            "value_removal_effects": value_effects,
            "revenue_split": revenue_split,
            "conversion_probability": probability,
            "expected_value": value,
            "observed_conversion_rate": summary.total_conversions / journeys if journeys else 0.0,
            "observed_value_per_journey": summary.total_revenue / journeys if journeys else 0.0,
            "n_states": chain.n_states,
        },
    )
