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
  probabilities) with a dense LU solve for small chains and a sparse LU
  (``scipy.sparse.linalg.splu``) otherwise.  No simulation is involved.
* **Removal effect** of channel ``c``: every transient state whose history contains
  ``c`` is redirected to ``null`` (removed from the system), the system is solved
  again and ``RE_c = 1 - P_without_c / P``.
* **Attribution**: ``conversions_c = total_conversions * RE_c / sum(RE)`` and the
  same for revenue.

Property (tested): because each path is a walk from ``start`` to an absorbing state
and the estimates are row-normalised counts, the visit frequencies observed in the
data solve the chain's visit equations, so ``P(conversion)`` equals the observed
rate ``total_conversions / total_journeys`` -- for every order, not only order 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from journey_analytics.attribution_core import (
    AttributionResult,
    PathSummary,
    load_path_summary,
    share_out,
)

Solver = Literal["auto", "dense", "sparse"]
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
    """

    order: int
    n_channels: int
    state_keys: np.ndarray
    transient: scipy.sparse.csr_matrix
    to_conversion: np.ndarray
    to_null: np.ndarray

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
    out_total = np.asarray(counts.sum(axis=1)).ravel() + conv + null
    scale = np.divide(1.0, out_total, out=np.zeros(n), where=out_total > 0)
    transient = scipy.sparse.diags(scale) @ counts
    return MarkovChain(
        order, summary.n_channels, keys, transient.tocsr(), conv * scale, null * scale
    )


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
    if keep is None:
        keep = np.ones(chain.n_states, dtype=bool)
    if not keep[0]:
        return 0.0
    index = np.flatnonzero(keep)
    q = chain.transient[index][:, index]
    r = chain.to_conversion[index]
    system = scipy.sparse.identity(index.shape[0], format="csc") - q.tocsc()
    use_dense = solver == "dense" or (solver == "auto" and index.shape[0] <= DENSE_STATE_LIMIT)
    if use_dense:
        x = scipy.linalg.solve(system.toarray(), r)
    else:
        x = scipy.sparse.linalg.splu(system).solve(r)
    return float(x[0])


def removal_effects(chain: MarkovChain, *, solver: Solver = "auto") -> tuple[float, np.ndarray]:
    """Return ``(P(conversion), removal effect per channel)`` for a fitted chain."""
    base_probability = absorption_probability(chain, solver=solver)
    effects = np.zeros(chain.n_channels)
    if base_probability <= 0.0:
        return base_probability, effects
    for channel in range(chain.n_channels):
        keep = ~chain.states_containing(channel)
        removed = absorption_probability(chain, keep, solver=solver)
        effects[channel] = 1.0 - removed / base_probability
    return base_probability, effects


def markov_attribution(
    data: object,
    *,
    order: int = 1,
    collapse_repeats: bool = False,
    solver: Solver = "auto",
) -> AttributionResult:
    """Markov-chain removal-effect attribution of order ``order``.

    Returns:
        An :class:`AttributionResult` named ``markov_order_<order>`` with removal
        effects; ``details`` holds ``conversion_probability`` (chain),
        ``observed_conversion_rate`` and ``n_states``.
    """
    summary = load_path_summary(data)
    chain = fit_markov_chain(summary, order=order, collapse_repeats=collapse_repeats)
    probability, effects = removal_effects(chain, solver=solver)
    journeys = summary.total_journeys
    return AttributionResult(
        f"markov_order_{order}",
        "exact",
        summary.channels,
        share_out(summary.total_conversions, effects),
        share_out(summary.total_revenue, effects),
        removal_effects=effects,
        details={
            "conversion_probability": probability,
            "observed_conversion_rate": summary.total_conversions / journeys if journeys else 0.0,
            "n_states": chain.n_states,
        },
    )
