"""Benchmark the attribution math on synthetic journeys.

Generates seeded synthetic journeys (default 1M journeys over 10 channels, path
lengths 1-8, conversion probability depending on the channels present), aggregates
them into a path summary the way the dbt models do, then times:

* the aggregation to a path summary (including building the path strings),
* parsing the summary (:func:`load_path_summary`),
* Markov removal-effect attribution (conversion and value removal effects, exact) for
  each ``--markov-orders`` order, and order 1 end to end from the path-summary table
  (parsing included),
* Shapley attribution for each ``--shapley-channels`` channel count (each on its own
  synthetic data set of ``--shapley-journeys`` journeys): the coalition game with the
  default minimum support, exact up to ``--max-exact-channels`` and above it the
  permutation-sampling estimate (its Hoeffding error bound is printed), and the
  path-level game (exact at any channel count),
* optionally (``--extras``) fractribution, simplified Shapley and linear,
* optionally (``--simulate-walks N``) a Monte-Carlo baseline for order 1: the
  conversion probability and every removal effect estimated from ``N`` simulated
  walks each (vectorised numpy), the way simulation-based libraries do it, to
  compare speed and accuracy with the exact solve.

For every step it prints wall-clock seconds, the tracemalloc peak of the step and
the process's maximum resident set size so far (``ru_maxrss``).  tracemalloc slows
Python-heavy steps down; use ``--no-tracemalloc`` for clean timings.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from journey_analytics.attribution import (
    fit_markov_chain,
    fractribution_attribution,
    linear,
    load_path_summary,
    markov_attribution,
    path_shapley_attribution,
    shapley_attribution,
    simplified_shapley,
)


@dataclass(frozen=True)
class Journeys:
    """Synthetic journeys: ``codes`` is ``(n, max_length)`` with ``-1`` padding."""

    channels: tuple[str, ...]
    codes: np.ndarray
    lengths: np.ndarray
    converted: np.ndarray
    revenue: np.ndarray


@dataclass(frozen=True)
class Measurement:
    """One timed step."""

    step: str
    seconds: float
    traced_peak_mib: float | None
    max_rss_mib: float
    note: str


def channel_names(n_channels: int) -> tuple[str, ...]:
    """Readable channel names with spaces and underscores, e.g. ``Channel 03_x``."""
    return tuple(f"Channel {i:02d}_x" for i in range(n_channels))


def generate_journeys(n_journeys: int, n_channels: int, max_length: int, seed: int) -> Journeys:
    """Seeded journeys; P(convert) = sigmoid(-2.5 + sum of present channels' effects)."""
    rng = np.random.default_rng(seed)
    popularity = rng.dirichlet(np.full(n_channels, 2.0))
    effects = rng.normal(0.0, 0.5, n_channels)
    lengths = rng.integers(1, max_length + 1, n_journeys)
    codes = rng.choice(n_channels, size=(n_journeys, max_length), p=popularity).astype(np.int16)
    codes[np.arange(max_length)[None, :] >= lengths[:, None]] = -1
    presence = np.zeros((n_journeys, n_channels), dtype=bool)
    valid = codes >= 0
    rows = np.broadcast_to(np.arange(n_journeys)[:, None], codes.shape)
    presence[rows[valid], codes[valid]] = True
    logit = -2.5 + presence @ effects
    converted = rng.random(n_journeys) < 1.0 / (1.0 + np.exp(-logit))
    revenue = np.where(converted, rng.lognormal(3.5, 0.8, n_journeys), 0.0)
    return Journeys(channel_names(n_channels), codes, lengths, converted, revenue)


def _path_keys(journeys: Journeys) -> np.ndarray:
    """One integer per distinct channel sequence (base ``m + 1`` digits, 0 = padding)."""
    base = len(journeys.channels) + 1
    width = journeys.codes.shape[1]
    if width * np.log2(base) >= 62:
        _, keys = np.unique(journeys.codes, axis=0, return_inverse=True)
        return keys.ravel()
    powers = base ** np.arange(width, dtype=np.int64)
    return (journeys.codes.astype(np.int64) + 1) @ powers


def _path_strings(channels: tuple[str, ...], codes: np.ndarray) -> pd.Series:
    """Join channel names with ``" > "`` column by column (vectorised string ops)."""
    names = np.asarray((*channels, ""), dtype=object)
    paths = pd.Series(names[codes[:, 0]], dtype="string")
    for column in range(1, codes.shape[1]):
        token = pd.Series(names[codes[:, column]], dtype="string")
        paths = paths.where(codes[:, column] < 0, paths + " > " + token)
    return paths


def aggregate_path_summary(journeys: Journeys) -> pd.DataFrame:
    """Path summary table (one row per distinct path) from journeys."""
    _, first, inverse = np.unique(_path_keys(journeys), return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    converted = journeys.converted.astype(float)
    return pd.DataFrame(
        {
            "transformed_path": _path_strings(journeys.channels, journeys.codes[first]),
            "conversions": np.bincount(inverse, weights=converted),
            "non_conversions": np.bincount(inverse, weights=1.0 - converted),
            "revenue": np.bincount(inverse, weights=journeys.revenue),
        }
    )


def simulate_absorption(
    cumulative: np.ndarray, keep: np.ndarray, walks: int, rng: np.random.Generator
) -> float:
    """Fraction of ``walks`` random walks from ``start`` absorbed in ``conversion``.

    ``cumulative`` holds each transient state's cumulative transition probabilities
    over ``[transient states..., conversion, null]``; states not in ``keep`` go to null.
    """
    n_states = cumulative.shape[0]
    state = np.zeros(walks, dtype=np.int64)
    moving = np.ones(walks, dtype=bool)
    while moving.any():
        current = state[moving]
        draw = rng.random(current.shape[0])
        nxt = np.minimum((draw[:, None] >= cumulative[current]).sum(axis=1), n_states + 1)
        blocked = (nxt < n_states) & ~keep[np.minimum(nxt, n_states - 1)]
        nxt[blocked] = n_states + 1
        state[moving] = nxt
        moving[moving] = nxt < n_states
    return float((state == n_states).mean())


def simulated_removal_effects(summary: object, walks: int, seed: int) -> tuple[float, np.ndarray]:
    """Monte-Carlo estimate of P(conversion) and the order-1 removal effects."""
    chain = fit_markov_chain(summary, order=1)
    full = np.hstack(
        [chain.transient.toarray(), chain.to_conversion[:, None], chain.to_null[:, None]]
    )
    cumulative = np.cumsum(full, axis=1)
    rng = np.random.default_rng(seed)
    keep_all = np.ones(chain.n_states, dtype=bool)
    base = simulate_absorption(cumulative, keep_all, walks, rng)
    effects = np.array(
        [
            1.0 - simulate_absorption(cumulative, ~chain.states_containing(c), walks, rng) / base
            for c in range(chain.n_channels)
        ]
    )
    return base, effects


def _max_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def measure(step: str, action: Callable[[], tuple[object, str]], trace: bool) -> tuple:
    """Run ``action`` and record time and memory; returns ``(value, Measurement)``."""
    if trace:
        tracemalloc.reset_peak()
    started = time.perf_counter()
    value, note = action()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    return value, Measurement(step, seconds, peak, _max_rss_mib(), note)


def build_parser() -> argparse.ArgumentParser:
    """Command-line interface."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--max-length", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markov-orders", default="1,2,3", help="comma-separated orders")
    parser.add_argument(
        "--shapley-channels", default="10,20,30", help="channel counts for the Shapley steps"
    )
    parser.add_argument(
        "--shapley-journeys",
        type=int,
        default=200_000,
        help="journeys per Shapley data set (default: %(default)s)",
    )
    parser.add_argument(
        "--max-exact-channels",
        type=int,
        default=20,
        help="exact Shapley up to this many channels, sampling above (default: %(default)s)",
    )
    parser.add_argument(
        "--n-permutations", type=int, default=1000, help="permutations when sampling Shapley"
    )
    parser.add_argument(
        "--shapley-value-function",
        choices=("conversion_rate", "conversions"),
        default="conversion_rate",
    )
    parser.add_argument("--extras", action="store_true", help="also time other models")
    parser.add_argument(
        "--simulate-walks",
        type=int,
        default=0,
        help="also time a Monte-Carlo order-1 Markov baseline with this many walks",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the tqdm bar")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip tracemalloc")
    return parser


def _plan(args: argparse.Namespace) -> list[tuple[str, Callable[[dict], tuple[object, str]]]]:
    """The benchmark steps; each reads/writes shared state in a dict."""
    steps: list[tuple[str, Callable[[dict], tuple[object, str]]]] = []

    def generate(state: dict) -> tuple[object, str]:
        state["journeys"] = generate_journeys(
            args.journeys, args.channels, args.max_length, args.seed
        )
        return None, f"{args.journeys} journeys, {args.channels} channels"

    def aggregate(state: dict) -> tuple[object, str]:
        state["frame"] = aggregate_path_summary(state.pop("journeys"))
        return None, f"{len(state['frame'])} distinct paths"

    def parse(state: dict) -> tuple[object, str]:
        state["summary"] = load_path_summary(state["frame"])
        return None, f"{state['summary'].n_channels} channels"

    steps += [("generate_journeys", generate), ("aggregate_path_summary", aggregate)]
    steps.append(("parse_path_summary", parse))
    for order in (int(k) for k in args.markov_orders.split(",") if k):

        def markov(state: dict, order: int = order) -> tuple[object, str]:
            result = markov_attribution(state["summary"], order=order)
            return result, f"{result.details['n_states']} states"

        steps.append((f"markov_order_{order}", markov))
        if order == 1:

            def markov_end_to_end(state: dict) -> tuple[object, str]:
                result = markov_attribution(state["frame"], order=1)
                return result, "path-summary table -> parsed -> conversion and value effects"

            steps.append(("markov_order_1_from_table", markov_end_to_end))
    if args.simulate_walks:

        def simulate(state: dict) -> tuple[object, str]:
            exact = markov_attribution(state["summary"], order=1).removal_effects
            started = time.perf_counter()
            _, effects = simulated_removal_effects(state["summary"], args.simulate_walks, args.seed)
            seconds = time.perf_counter() - started
            error = float(np.abs(effects - exact).max())
            return None, f"{seconds:.2f}s simulating; max |RE error| {error:.4f} vs exact"

        steps.append(("markov_order_1_simulated", simulate))
    if args.extras:
        for name, model in (
            ("fractribution", fractribution_attribution),
            ("shapley_simplified", simplified_shapley),
            ("linear", linear),
        ):
            steps.append((name, lambda state, model=model: (model(state["summary"]), "")))
    for n_channels in (int(k) for k in args.shapley_channels.split(",") if k):

        def prepare(state: dict, n_channels: int = n_channels) -> tuple[object, str]:
            journeys = generate_journeys(
                args.shapley_journeys, n_channels, args.max_length, args.seed + 1
            )
            state["shapley_summary"] = load_path_summary(aggregate_path_summary(journeys))
            return None, f"{state['shapley_summary'].n_paths} distinct paths"

        def shapley(state: dict) -> tuple[object, str]:
            result = shapley_attribution(
                state["shapley_summary"],
                value_function=args.shapley_value_function,
                max_exact_channels=args.max_exact_channels,
                n_permutations=args.n_permutations,
                seed=args.seed,
            )
            note = f"method {result.method}"
            if "credit_error_bound" in result.details:
                bound = float(result.details["credit_error_bound"].max())
                se = float(result.details["shapley_standard_error"].max())
                phi = float(np.abs(result.details["shapley_values"]).max())
                note += (
                    f", {args.n_permutations} permutations, max standard error {se:.2g} "
                    f"(max |phi| {phi:.2g}), CLT 95% bound {bound:.3g} conversions per channel"
                )
            else:
                note += f", 2^{len(result.channels)} coalitions"
            return result, note

        def path_game(state: dict) -> tuple[object, str]:
            summary = state.pop("shapley_summary")
            result = path_shapley_attribution(summary)
            return result, "exact, one game per distinct converting channel set"

        steps.append((f"shapley_data_{n_channels}", prepare))
        steps.append((f"shapley_{n_channels}", shapley))
        steps.append((f"shapley_path_{n_channels}", path_game))
    return steps


def print_table(measurements: Sequence[Measurement]) -> None:
    """Print one line per step."""
    print(f"{'step':<26}{'seconds':>9}{'traced MiB':>12}{'maxrss MiB':>12}  note")
    for m in measurements:
        traced = f"{m.traced_peak_mib:12.1f}" if m.traced_peak_mib is not None else f"{'-':>12}"
        print(f"{m.step:<26}{m.seconds:9.3f}{traced}{m.max_rss_mib:12.1f}  {m.note}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the process exit status."""
    args = build_parser().parse_args(argv)
    trace = not args.no_tracemalloc
    if trace:
        tracemalloc.start()
    state: dict = {}
    measurements = []
    steps = _plan(args)
    for name, action in tqdm(steps, disable=args.no_progress, desc="benchmark", unit="step"):
        _, measurement = measure(name, lambda action=action: action(state), trace)
        measurements.append(measurement)
    if trace:
        tracemalloc.stop()
    print_table(measurements)
    return 0


if __name__ == "__main__":
    sys.exit(main())
