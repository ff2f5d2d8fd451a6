"""Command line for the sample-event generator (see ``journey_sample.generator``)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from tqdm import tqdm

from journey_sample.generator import (
    CHANNELS,
    UTM_SOURCES,
    GeneratorConfig,
    PlantedParameters,
    chunk_bounds,
    generate,
    parse_date,
)

DESCRIPTION = """\
Generate raw behavioural events (web shop + SaaS free trial) with planted truth.

Writes into OUT:
  events/part-NNNNN.parquet  one file per chunk of --chunk-users people, in the package's
                             generic raw schema (event_id, event_name, event_timestamp,
                             user_id, anonymous_id, session_id, sequence_number, page_url,
                             page_referrer, utm_*, revenue, currency, properties, loaded_at).
                             Stale part files in OUT/events are removed first.
  truth.json                 run arguments, row counts by event name, planted parameters and
                             realised counts (see below).
  persons.csv                one row per simulated person: user_id (if signed up), primary
                             anonymous_id, type, channel set, P(convert), converted, purchases.
  users.csv                  signed-up users: user_id, signup_at, is_power_user,
                             acquisition_channel.
  power_users.csv            user_id of the planted power users.
  events/scenarios-00000.parquet
                             server-side rows (user_id only) of the five trigger scenarios
                             (cart abandoned, sign-up without profile, trial disengaged, loan
                             paystub stall, win-back), for their own users; raw name =
                             canonical name. truth.json["triggers"] lists every planted
                             would-be fire, truth.json["trigger_scenarios"] the planted
                             treatment effects (see journey_sample.scenarios).
  cancellation_survey.csv    CRM table of the win-back users: user_id, cancelled_at, reason.
Same arguments give byte-identical files.
"""


def _epilog() -> str:
    p = PlantedParameters()
    indent = " " * 19
    lifts = textwrap.fill(
        ", ".join(f"{c} {lift:.2f}" for c, lift in zip(CHANNELS, p.channel_lift, strict=True)),
        width=90,
        initial_indent=indent,
        subsequent_indent=indent,
    )
    sources = textwrap.fill(
        "; ".join(f"{s.channel} {s.source}/{s.medium}" for s in UTM_SOURCES)
        + "; Organic Search, Organic Social and Referral by referrer only; Direct: neither",
        width=90,
        initial_indent=indent,
        subsequent_indent=indent,
    )
    return f"""\
planted truth (recorded in truth.json):
  checkout funnel  per session: view_cart -> add_shipping_info p={p.p_add_shipping_info}
                   -> add_payment_info p={p.p_add_payment_info} (the drop-off)
                   -> purchase p={p.p_purchase}; steps in order inside one session.
  trial funnel     per user: sign_up -> complete_profile p={p.p_complete_profile}
                   ({p.p_complete_profile_same_session:.0%} of them in the sign-up session)
                   -> create_project p={p.p_create_project} -> invite_user p={p.p_invite_user}
                   -> subscribe p={p.p_subscribe} (server-side, {p.plan_prices[0]:g} or \
{p.plan_prices[1]:g});
                   some trial users disengage after a few days.
  channels         P(person purchases at least once) = 1 - (1 - {p.base_conversion})
                   * prod over the distinct channels visited of (1 - lift), lifts:
{lifts}
                   truth.json gives per channel the expected incremental conversions
                   (removal effect), Shapley value, exposure and realised conversions.
                   utm source/medium per channel:
{sources}
  identity         anonymous browsing before sign_up/login is stitchable through the same
                   anonymous_id; a few shared computers (one anonymous_id, two user_ids).
  power users      ~{p.power_share_of_signers:.0%} of signed-up users with heavy use_feature
                   (power_users.csv).
  messy rows       at --messy-rate: exact duplicates, duplicates with a later loaded_at, null
                   event_timestamp, no user_id nor anonymous_id, far-future timestamps, late
                   arrivals (loaded_at 6-48 h after the event); counted per kind.
"""


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the CLI."""
    parser = argparse.ArgumentParser(
        prog="generate_events.py",
        description=DESCRIPTION,
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--users", type=int, default=2000, help="simulated people (default 2000)")
    parser.add_argument("--days", type=int, default=60, help="length of the range (default 60)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--start-date",
        type=parse_date,
        default=parse_date("2026-01-01"),
        help="first day, YYYY-MM-DD, UTC (default 2026-01-01)",
    )
    parser.add_argument(
        "--out", default="data/sample", help="output directory (default data/sample)"
    )
    parser.add_argument(
        "--messy-rate",
        type=float,
        default=0.002,
        help="share of injected bad/awkward rows, 0 disables (default 0.002)",
    )
    parser.add_argument(
        "--chunk-users",
        type=int,
        default=20000,
        help="people per chunk / Parquet part; bounds memory (default 20000)",
    )
    parser.add_argument(
        "--scenario-scale",
        type=float,
        default=1.0,
        help="multiplies the number of trigger-scenario users (about 0.2 per simulated "
        "person at 1; default 1)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator and print a one-paragraph summary."""
    args = build_parser().parse_args(argv)
    try:
        config = GeneratorConfig(
            users=args.users,
            days=args.days,
            seed=args.seed,
            start_date=args.start_date,
            messy_rate=args.messy_rate,
            chunk_users=args.chunk_users,
            scenario_scale=args.scenario_scale,
        )
    except ValueError as exc:
        print(f"generate_events.py: error: {exc}", file=sys.stderr)
        return 2
    with tqdm(
        total=len(chunk_bounds(config)), unit="chunk", disable=args.quiet, file=sys.stderr
    ) as bar:
        summary = generate(config, args.out, progress=bar.update)
    print(
        f"Wrote {summary.events:,} events for {summary.persons:,} simulated people "
        f"({config.days} day{'s' if config.days != 1 else ''} from "
        f"{config.start_date.isoformat()}, seed {config.seed}) "
        f"in {summary.chunks} Parquet part(s) under {summary.out_dir / 'events'}, plus "
        f"truth.json, persons.csv, users.csv and power_users.csv; "
        f"elapsed {summary.elapsed_s:.1f} s, {summary.events_per_s:,.0f} events/s."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
