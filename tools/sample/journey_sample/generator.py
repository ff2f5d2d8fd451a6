"""Synthetic behavioural events with planted truth.

The generator simulates people who visit a web shop (``shop.example.com``) and a SaaS
free-trial app (``app.example.com``) and writes their raw tracker events in the package's
generic source schema (see :data:`EVENT_SCHEMA`), chunk by chunk, as Parquet files. Every
behaviour that the dbt package is meant to recover is planted with known parameters, and
the realised counts are written next to the data in ``truth.json``.

Simulation outline (all vectorised with numpy, one chunk of people at a time):

1. People. Each person is a *bouncer*, a *browser* (never signs up) or a *signer*; a planted
   share of signers are *power users*. Signers own 1-3 devices, everyone else one device
   (so the person-level truth of anonymous-only people is recoverable from their single
   ``anonymous_id``). Visit rates are lognormal per person (heavy tail).
2. Visits. A Poisson process in "activity time" from the person's arrival to the end of the
   range, mapped through a diurnal profile onto the clock. Disengaging trial users stop
   visiting a few days after signing up. Visits never overlap for one person: a visit
   starts at least :data:`MIN_VISIT_GAP_US` after the previous one ended, so the tracker's
   30-minute session equals one simulated visit.
3. Channels. Every visit arrives through one of :data:`CHANNELS` (acquisition mix for the
   first visit, return mix afterwards).
4. Conversion (causal model). For a person exposed to the set ``S`` of distinct channels,
   ``P(converts at least once) = 1 - (1 - base) * prod_{c in S} (1 - lift_c)``. It is
   realised through the checkout funnel: the person makes ``N ~ Poisson(lambda)`` checkout
   attempts (sessions with ``view_cart``), each walking ``view_cart -> add_shipping_info
   -> add_payment_info -> purchase`` with the planted step probabilities independently, and
   ``lambda = -ln(1 - P) / q`` with ``q`` the product of the three step probabilities, so
   ``P(at least one purchase) = 1 - exp(-lambda q) = P`` exactly while the session-level
   step rates stay the planted ones. Attempts are placed only in visits at or after the
   visit where the person's last new channel first appears, so every touch precedes (or is
   in) the first purchase; extra visits are added when a person has fewer such visits than
   attempts (they reuse an already-seen channel, so the set ``S`` does not change).
   Further successful attempts are repeat purchases.
5. Identity. Browsing is anonymous until ``sign_up`` (or ``login`` on a later device); from
   that event on the device's events carry the ``user_id``. ``subscribe`` is server-side
   (``user_id`` only, no ``anonymous_id``/``session_id``/``sequence_number``).
6. Events inside a visit follow a fixed block order (landing page view, browsing, identity
   event, trial steps, checkout steps, app usage), seconds to minutes apart, with a few
   exact timestamp ties (ordered by ``sequence_number``). Bounces: a planted share
   (``bounce_prob``) of the visits without checkout, identity event or campaign change keep
   only their landing page view of the browsing blocks (app, trial and misc events stay), so
   about 40% of tracker sessions hold one event and about 60% are engaged, as on real sites;
   ``truth.json["sessions"]`` counts the bounces and the one-event visits.
7. Messy rows are added at ``messy_rate`` and counted by kind.

Notes for consumers:

* ``session_id`` is GA4-like: the unix second of the session's first event, so it is unique
  per ``anonymous_id`` only (different devices can share a value). A mid-session utm click
  keeps the session id (GA4 semantics) and always uses the same source/medium, so the
  session's channel does not depend on whether a model splits sessions on campaign change.
* ``page_referrer`` of the landing event is the external referrer (null for Direct and
  Email); later events carry the previous page of the same session as referrer.
* Channels are encoded so that GA4's default channel group gives the intended channel:
  see :data:`UTM_SOURCES` (tagged) and :data:`REFERRER_CHANNELS` (untagged).

``truth.json`` (see :func:`build_truth`): ``row_counts`` (all rows and clean rows by name),
``checkout_funnel`` (planted step probabilities, sessions reaching each step),
``trial_funnel`` (planted person-level rates, users reaching each step, complete-profile
within 2 h), ``attribution`` (per channel: lift, exposed persons, expected incremental
conversions = sum over exposed persons of ``P(S) - P(S without c)``, removal effect =
that / expected total, expected Shapley conversions, realised converters), ``identity``
(shared-computer anonymous ids), ``power_users``, ``messy_rows`` and every planted
parameter. ``persons.csv`` holds the per-person channel set, ``P(S)`` and outcome.

Trigger scenarios (:mod:`journey_sample.scenarios`): after the chunks, five scenarios write
server-side rows for their own users (``events/scenarios-00000.parquet``) and the CRM file
``cancellation_survey.csv``; ``truth.json["triggers"]`` lists the planted would-be fires and
``truth.json["trigger_scenarios"]`` the watermark, holdouts and planted treatment effects. Their
rows are counted in ``row_counts``; their carts in ``checkout_funnel.sessions_reaching_step``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from journey_sample import scenarios as scenarios_pkg

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]
BoolA = npt.NDArray[np.bool_]

US_PER_S = 1_000_000
US_PER_MIN = 60 * US_PER_S
US_PER_H = 60 * US_PER_MIN
US_PER_DAY = 24 * US_PER_H
#: Minimum idle time between the last event of a visit and the first event of the next one.
MIN_VISIT_GAP_US = 35 * US_PER_MIN
#: Largest gap between two consecutive events of one visit (below the 30-min session timeout).
MAX_EVENT_GAP_US = 25 * US_PER_MIN
#: Third word of the seed of the random stream that picks bounce visits.
BOUNCE_STREAM = 1

# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

EVENT_NAMES: tuple[str, ...] = (
    "page_view",
    "search",
    "view_item",
    "add_to_cart",
    "view_cart",
    "add_shipping_info",
    "add_payment_info",
    "purchase",
    "write_review",
    "refer_friend",
    "sign_up",
    "complete_profile",
    "create_project",
    "invite_user",
    "use_feature",
    "login",
    "subscribe",
    "Newsletter Signup",
    "debug_ping",
)
(
    PAGE_VIEW,
    SEARCH,
    VIEW_ITEM,
    ADD_TO_CART,
    VIEW_CART,
    ADD_SHIPPING_INFO,
    ADD_PAYMENT_INFO,
    PURCHASE,
    WRITE_REVIEW,
    REFER_FRIEND,
    SIGN_UP,
    COMPLETE_PROFILE,
    CREATE_PROJECT,
    INVITE_USER,
    USE_FEATURE,
    LOGIN,
    SUBSCRIBE,
    NEWSLETTER_SIGNUP,
    DEBUG_PING,
) = range(len(EVENT_NAMES))
#: Names that the package's taxonomy is expected not to know (they must show as unmapped).
UNMAPPED_EVENT_NAMES: tuple[str, ...] = ("Newsletter Signup", "debug_ping")

CHANNELS: tuple[str, ...] = (
    "Direct",
    "Organic Search",
    "Organic Social",
    "Referral",
    "Paid Search",
    "Paid Social",
    "Email",
    "Affiliates",
    "Display",
)
N_CHANNELS = len(CHANNELS)
CH = {name: i for i, name in enumerate(CHANNELS)}

SHOP = "https://shop.example.com"
APP = "https://app.example.com"
CURRENCIES: tuple[str, ...] = ("USD", "EUR")


@dataclass(frozen=True)
class UtmSource:
    """One tagged traffic source: utm_source/utm_medium pair and its creative options."""

    channel: str
    source: str
    medium: str
    referrer: str | None
    campaigns: tuple[str, ...]
    contents: tuple[str, ...]
    terms: tuple[str, ...] = ()


#: utm-tagged sources per intended GA4 default channel group.
UTM_SOURCES: tuple[UtmSource, ...] = (
    UtmSource(
        "Paid Search",
        "google",
        "cpc",
        "https://www.google.com/",
        ("brand_search", "generic_shoes", "spring_sale"),
        ("ad_a", "ad_b"),
        ("example shop", "running shoes", "buy shoes online"),
    ),
    UtmSource(
        "Paid Search",
        "bing",
        "cpc",
        "https://www.bing.com/",
        ("brand_search", "generic_shoes", "spring_sale"),
        ("ad_a", "ad_b"),
        ("example shop", "running shoes", "buy shoes online"),
    ),
    UtmSource(
        "Paid Social",
        "facebook",
        "paid_social",
        "https://www.facebook.com/",
        ("spring_sale", "retargeting_q1", "lookalike_trial"),
        ("carousel", "video"),
    ),
    UtmSource(
        "Paid Social",
        "instagram",
        "paid_social",
        "https://www.instagram.com/",
        ("spring_sale", "retargeting_q1", "lookalike_trial"),
        ("carousel", "video"),
    ),
    UtmSource(
        "Email",
        "newsletter",
        "email",
        None,
        ("weekly_digest", "welcome_series", "winback"),
        ("header", "footer_cta"),
    ),
    UtmSource(
        "Affiliates",
        "partner",
        "affiliate",
        "https://deals.partner.example.net/",
        ("deals_page", "cashback"),
        ("banner_728",),
    ),
    UtmSource(
        "Display",
        "display_network",
        "display",
        "https://weather.example.net/forecast",
        ("prospecting", "retargeting_q1"),
        ("300x250", "728x90"),
    ),
)

#: Untagged channels: the referrers a visit of that channel carries (Direct: none).
REFERRER_CHANNELS: dict[str, tuple[str, ...]] = {
    "Direct": (),
    "Organic Search": (
        "https://www.google.com/",
        "https://www.bing.com/",
        "https://duckduckgo.com/",
    ),
    "Organic Social": (
        "https://www.facebook.com/",
        "https://www.instagram.com/",
        "https://www.linkedin.com/",
    ),
    "Referral": (
        "https://news.example.org/article",
        "https://blog.example.net/best-running-shoes",
        "https://forum.example.com/t/4521",
    ),
}

CATEGORIES: tuple[str, ...] = ("shoes", "shirts", "bags", "hats", "socks", "jackets")
N_PRODUCTS = 120
SEARCH_QUERIES: tuple[str, ...] = (
    "red shoes",
    "running shoes",
    "leather bag",
    "wool hat",
    "rain jacket",
    "black socks",
    "summer shirt",
    "gift card",
    "sneakers sale",
    "travel bag",
    "kids shoes",
    "linen shirt",
)
FEATURES: tuple[str, ...] = ("export", "dashboard", "share", "automation", "api", "templates")
PLANS: tuple[str, ...] = ("basic", "pro")
ROLES: tuple[str, ...] = ("marketing", "engineering", "sales", "founder")
MAX_PROJECT_COUNT = 400
MAX_ITEMS = 20

#: Relative visit intensity per UTC hour (diurnal profile).
HOURLY_WEIGHTS: tuple[float, ...] = (
    1.6, 1.0, 0.7, 0.5, 0.5, 0.7, 1.4, 2.6, 3.8, 4.6, 5.0, 5.2,
    5.3, 5.1, 4.9, 4.9, 5.0, 5.4, 5.9, 6.2, 6.0, 5.0, 3.8, 2.6,
)  # fmt: skip

MESSY_KINDS: tuple[str, ...] = (
    "exact_duplicate",
    "late_duplicate",
    "null_timestamp",
    "missing_identity",
    "future_timestamp",
    "late_arrival",
)

EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("event_name", pa.string(), nullable=False),
        pa.field("event_timestamp", pa.timestamp("us")),
        pa.field("user_id", pa.string()),
        pa.field("anonymous_id", pa.string()),
        pa.field("session_id", pa.string()),
        pa.field("sequence_number", pa.int64()),
        pa.field("page_url", pa.string()),
        pa.field("page_referrer", pa.string()),
        pa.field("utm_source", pa.string()),
        pa.field("utm_medium", pa.string()),
        pa.field("utm_campaign", pa.string()),
        pa.field("utm_content", pa.string()),
        pa.field("utm_term", pa.string()),
        pa.field("revenue", pa.float64()),
        pa.field("currency", pa.string()),
        pa.field("properties", pa.string(), nullable=False),
        pa.field("loaded_at", pa.timestamp("us"), nullable=False),
    ]
)
#: Low-cardinality text columns kept dictionary-encoded in memory and written as Parquet
#: dictionary pages; they read back as plain ``string`` (the files carry no Arrow schema).
DICTIONARY_COLUMNS: tuple[str, ...] = (
    "event_name",
    "page_url",
    "page_referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "currency",
    "properties",
)
#: In-memory schema of :func:`simulate_chunk` tables; ``table.cast(EVENT_SCHEMA)`` decodes.
STORAGE_SCHEMA = pa.schema(
    [
        f.with_type(pa.dictionary(pa.int32(), pa.string())) if f.name in DICTIONARY_COLUMNS else f
        for f in EVENT_SCHEMA
    ]
)


def write_events(table: pa.Table, path: str | Path) -> None:
    """Write one chunk as Parquet whose logical schema is exactly :data:`EVENT_SCHEMA`."""
    pq.write_table(
        table,
        path,
        compression="snappy",
        use_dictionary=[*DICTIONARY_COLUMNS, "user_id", "anonymous_id"],
        store_schema=False,
    )


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratorConfig:
    """Run arguments (everything that, with the code, determines the output bytes)."""

    users: int = 2000
    days: int = 60
    seed: int = 42
    start_date: date = date(2026, 1, 1)
    messy_rate: float = 0.002
    chunk_users: int = 20000
    #: Multiplies the number of trigger-scenario users (journey_sample.scenarios).
    scenario_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.users < 1:
            raise ValueError("users must be >= 1")
        if self.days < 1:
            raise ValueError("days must be >= 1")
        if self.chunk_users < 1:
            raise ValueError("chunk_users must be >= 1")
        if not 0.0 < self.scenario_scale <= 10000.0:
            raise ValueError("scenario_scale must be within (0, 10000]")
        if not 0.0 <= self.messy_rate <= 0.2:
            raise ValueError("messy_rate must be within [0, 0.2]")

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly view (the output directory is deliberately not part of it)."""
        return {
            "users": self.users,
            "days": self.days,
            "seed": self.seed,
            "start_date": self.start_date.isoformat(),
            "messy_rate": self.messy_rate,
            "chunk_users": self.chunk_users,
            "scenario_scale": self.scenario_scale,
        }


@dataclass(frozen=True)
class PlantedParameters:
    """Behavioural parameters planted in the data (all recorded in ``truth.json``)."""

    # person mix: bouncer, browser (never signs up), signer
    person_type_probs: tuple[float, float, float] = (0.38, 0.32, 0.30)
    power_share_of_signers: float = 0.08
    # visits per day: lognormal median and sigma for bouncer, browser, signer, power user
    visit_rate_median: tuple[float, float, float, float] = (0.02, 0.16, 0.45, 1.7)
    visit_rate_sigma: tuple[float, float, float, float] = (0.5, 0.8, 0.7, 0.35)
    # signers: number of devices 1/2/3 and which device a post-signup visit uses
    device_count_probs: tuple[float, float, float] = (0.55, 0.33, 0.12)
    two_device_weights: tuple[float, float] = (0.65, 0.35)
    three_device_weights: tuple[float, float, float] = (0.55, 0.30, 0.15)
    signup_on_first_visit_prob: float = 0.35
    signup_later_geometric_p: float = 0.35
    disengage_share_of_non_power_signers: float = 0.35
    disengage_after_days: tuple[float, float] = (2.0, 9.0)
    shared_computer_share_of_signers: float = 0.004
    # channels
    acquisition_mix: tuple[float, ...] = (0.12, 0.26, 0.08, 0.07, 0.18, 0.12, 0.04, 0.06, 0.07)
    return_mix: tuple[float, ...] = (0.36, 0.18, 0.05, 0.04, 0.10, 0.07, 0.12, 0.03, 0.05)
    return_same_as_acquisition_prob: float = 0.25
    campaign_change_prob: float = 0.04
    # causal conversion model
    base_conversion: float = 0.02
    channel_lift: tuple[float, ...] = (0.01, 0.05, 0.02, 0.04, 0.09, 0.04, 0.10, 0.05, 0.0)
    # checkout funnel (session level, conditional on the previous step)
    p_add_shipping_info: float = 0.70
    p_add_payment_info: float = 0.45
    p_purchase: float = 0.80
    revenue_median: float = 55.0
    revenue_sigma: float = 0.55
    eur_share: float = 0.15
    # trial funnel (person level, conditional on the previous step)
    p_complete_profile: float = 0.65
    p_complete_profile_same_session: float = 0.80
    p_create_project: float = 0.55
    p_invite_user: float = 0.35
    p_subscribe: float = 0.40
    p_pro_plan: float = 0.40
    plan_prices: tuple[float, float] = (29.0, 99.0)
    # per-visit content
    app_visit_prob: tuple[float, float] = (0.45, 0.85)  # non-power, power
    use_feature_mean: tuple[float, float] = (0.7, 2.5)  # power users get 1 + Poisson(2.5)
    extra_project_prob: tuple[float, float] = (0.03, 0.20)
    routine_login_prob: float = 0.30
    # share of visits without checkout, identity event or campaign change that bounce (only
    # the landing page view of browsing remains): real sites see 30-60% of sessions bounce
    bounce_prob: float = 0.65
    shop_page_views_mean: float = 6.5
    shop_searches_mean: float = 0.7
    shop_view_items_mean: float = 5.0
    app_page_views_mean: float = 1.5
    app_view_items_mean: float = 0.4
    add_to_cart_prob: float = 0.2
    write_review_prob: float = 0.12
    refer_friend_prob: float = 0.02
    newsletter_signup_prob: float = 0.01
    debug_ping_prob: float = 0.002
    tie_prob: float = 0.01
    # messy rows: share of the messy budget per kind (order of MESSY_KINDS)
    messy_kind_shares: tuple[float, ...] = (0.25, 0.15, 0.15, 0.15, 0.10, 0.20)

    @property
    def attempt_purchase_prob(self) -> float:
        """Probability that one checkout attempt (a ``view_cart`` session) ends in purchase."""
        return self.p_add_shipping_info * self.p_add_payment_info * self.p_purchase


# --------------------------------------------------------------------------------------
# Static lookup tables (URLs, JSON properties, utm combinations)
# --------------------------------------------------------------------------------------


class _Interner:
    """Append-only string table returning stable integer codes."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, value: str) -> int:
        code = self._index.get(value)
        if code is None:
            code = len(self.values)
            self.values.append(value)
            self._index[value] = code
        return code


def _json(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _product_price(i: int) -> float:
    return float(12 + (i * 53) % 160)


@dataclass(frozen=True)
class _Combo:
    channel: int
    source_index: int
    source: str
    medium: str
    campaign: str
    content: str | None
    term: str | None
    referrer: str | None


def _build_combos() -> list[_Combo]:
    combos: list[_Combo] = []
    for si, src in enumerate(UTM_SOURCES):
        for campaign in src.campaigns:
            for content in (None, *src.contents):
                for term in (None, *src.terms) if src.terms else (None,):
                    combos.append(
                        _Combo(
                            CH[src.channel],
                            si,
                            src.source,
                            src.medium,
                            campaign,
                            content,
                            term,
                            src.referrer,
                        )
                    )
    return combos


class _Tables:
    """All code -> string tables used to build the string columns."""

    def __init__(self) -> None:
        urls = _Interner()
        self.shop_home = urls.add(SHOP + "/")
        self.shop_pages = np.array(
            [
                self.shop_home,
                *(urls.add(f"{SHOP}/c/{c}") for c in CATEGORIES),
                urls.add(f"{SHOP}/sale"),
                urls.add(f"{SHOP}/about"),
                urls.add(f"{SHOP}/blog/spring-lookbook"),
                urls.add(f"{SHOP}/account"),
            ],
            dtype=np.int32,
        )
        self.cart = urls.add(f"{SHOP}/cart")
        self.shipping = urls.add(f"{SHOP}/checkout/shipping")
        self.payment = urls.add(f"{SHOP}/checkout/payment")
        self.confirmation = urls.add(f"{SHOP}/checkout/confirmation")
        self.refer = urls.add(f"{SHOP}/account/refer-a-friend")
        self.product = np.array(
            [urls.add(f"{SHOP}/p/p{i + 1}") for i in range(N_PRODUCTS)], dtype=np.int32
        )
        self.review = np.array(
            [urls.add(f"{SHOP}/p/p{i + 1}/review") for i in range(N_PRODUCTS)], dtype=np.int32
        )
        self.search = np.array(
            [urls.add(f"{SHOP}/search?{urlencode({'q': q})}") for q in SEARCH_QUERIES],
            dtype=np.int32,
        )
        self.signup = urls.add(f"{APP}/signup")
        self.login = urls.add(f"{APP}/login")
        self.dashboard = urls.add(f"{APP}/dashboard")
        self.onboarding = urls.add(f"{APP}/onboarding/profile")
        self.new_project = urls.add(f"{APP}/projects/new")
        self.team = urls.add(f"{APP}/settings/team")
        self.app_pages = np.array(
            [
                self.dashboard,
                urls.add(f"{APP}/projects"),
                urls.add(f"{APP}/billing"),
                urls.add(f"{APP}/settings"),
                urls.add(f"{APP}/reports"),
            ],
            dtype=np.int32,
        )
        self.feature_pages = np.array(
            [urls.add(f"{APP}/features/{f}") for f in FEATURES], dtype=np.int32
        )
        # landing pages: shop landings first, then app landings
        shop_landing = [
            self.shop_home,
            *(urls.add(f"{SHOP}/c/{c}") for c in CATEGORIES),
            urls.add(f"{SHOP}/sale"),
            urls.add(f"{SHOP}/blog/spring-lookbook"),
            *(int(self.product[i]) for i in range(20)),
        ]
        app_landing = [self.dashboard, self.login]
        self.landing = np.array(shop_landing + app_landing, dtype=np.int32)
        self.n_shop_landing = len(shop_landing)
        self.n_app_landing = len(app_landing)
        # external referrers of untagged channels, per channel
        self.channel_referrers: list[npt.NDArray[np.int32]] = []
        for name in CHANNELS:
            refs = REFERRER_CHANNELS.get(name, ())
            self.channel_referrers.append(np.array([urls.add(r) for r in refs], dtype=np.int32))
        # utm combinations and their landing URLs
        self.combos = _build_combos()
        n_combo = len(self.combos)
        self.n_combos = n_combo
        self.combo_referrer = np.array(
            [urls.add(c.referrer) if c.referrer else -1 for c in self.combos], dtype=np.int32
        )
        self.channel_combos: list[npt.NDArray[np.int16]] = [
            np.array([k for k, c in enumerate(self.combos) if c.channel == ch], dtype=np.int16)
            for ch in range(N_CHANNELS)
        ]
        alt_flat: list[int] = []
        alt_start: list[int] = []
        alt_count: list[int] = []
        for c in self.combos:
            alts = [
                k
                for k, o in enumerate(self.combos)
                if o.source_index == c.source_index and o.campaign != c.campaign
            ]
            alt_start.append(len(alt_flat))
            alt_count.append(len(alts))
            alt_flat.extend(alts)
        self.alt_flat = np.array(alt_flat, dtype=np.int16)
        self.alt_start = np.array(alt_start, dtype=np.int64)
        self.alt_count = np.array(alt_count, dtype=np.int64)
        self.utm_base = len(urls.values)
        for lp in self.landing:
            base = urls.values[int(lp)]
            for c in self.combos:
                params = {
                    "utm_source": c.source,
                    "utm_medium": c.medium,
                    "utm_campaign": c.campaign,
                }
                if c.content is not None:
                    params["utm_content"] = c.content
                if c.term is not None:
                    params["utm_term"] = c.term
                urls.add(f"{base}?{urlencode(params)}")
        self.urls = pa.array(urls.values, type=pa.string())

        # utm column dictionaries
        def column(values: list[str | None]) -> tuple[pa.Array, npt.NDArray[np.int32]]:
            table = _Interner()
            codes = [table.add(v) if v is not None else -1 for v in values]
            return pa.array(table.values, type=pa.string()), np.array(codes, dtype=np.int32)

        self.utm_source_dict, self.combo_source = column([c.source for c in self.combos])
        self.utm_medium_dict, self.combo_medium = column([c.medium for c in self.combos])
        self.utm_campaign_dict, self.combo_campaign = column([c.campaign for c in self.combos])
        self.utm_content_dict, self.combo_content = column([c.content for c in self.combos])
        self.utm_term_dict, self.combo_term = column([c.term for c in self.combos])

        # JSON properties
        props = _Interner()
        self.p_empty = props.add("{}")
        self.p_product = np.array(
            [
                props.add(
                    _json(
                        {
                            "product_id": f"p{i + 1}",
                            "category": CATEGORIES[i % len(CATEGORIES)],
                            "price": _product_price(i),
                        }
                    )
                )
                for i in range(N_PRODUCTS)
            ],
            dtype=np.int32,
        )
        self.p_review = np.array(
            [
                [props.add(_json({"product_id": f"p{i + 1}", "rating": r})) for r in range(1, 6)]
                for i in range(N_PRODUCTS)
            ],
            dtype=np.int32,
        )
        self.p_query = np.array(
            [props.add(_json({"query": q})) for q in SEARCH_QUERIES], dtype=np.int32
        )
        self.p_items = np.array(
            [props.add(_json({"items": k})) for k in range(MAX_ITEMS + 1)], dtype=np.int32
        )
        self.p_shipping = np.array(
            [props.add(_json({"shipping_tier": t})) for t in ("standard", "express")],
            dtype=np.int32,
        )
        self.p_payment = np.array(
            [props.add(_json({"payment_type": t})) for t in ("card", "paypal")], dtype=np.int32
        )
        self.p_signup = np.array(
            [props.add(_json({"method": m})) for m in ("email", "google")], dtype=np.int32
        )
        self.p_login = np.array(
            [props.add(_json({"method": m})) for m in ("password", "google")], dtype=np.int32
        )
        self.p_role = np.array([props.add(_json({"role": r})) for r in ROLES], dtype=np.int32)
        self.p_projects = np.array(
            [props.add(_json({"project_count": k})) for k in range(MAX_PROJECT_COUNT + 1)],
            dtype=np.int32,
        )
        self.p_invitees = np.array(
            [props.add(_json({"invitees": k})) for k in range(1, 6)], dtype=np.int32
        )
        self.p_feature = np.array(
            [props.add(_json({"feature": f})) for f in FEATURES], dtype=np.int32
        )
        self.p_plan = np.array([props.add(_json({"plan": p})) for p in PLANS], dtype=np.int32)
        self.p_newsletter = props.add(_json({"list": "weekly"}))
        self.p_debug = props.add(_json({"build": "2026.01.3"}))
        self.props = pa.array(props.values, type=pa.string())
        self.names = pa.array(list(EVENT_NAMES), type=pa.string())
        self.currencies = pa.array(list(CURRENCIES), type=pa.string())
        w = np.array([1.0 / (i + 1) ** 0.8 for i in range(N_PRODUCTS)])
        self.product_weights = w / w.sum()
        qw = np.array([1.0 / (i + 1) ** 0.6 for i in range(len(SEARCH_QUERIES))])
        self.query_weights = qw / qw.sum()
        hw = np.asarray(HOURLY_WEIGHTS, dtype=np.float64)
        self.hour_cdf = np.concatenate([[0.0], np.cumsum(hw) / hw.sum()])


_TABLES: _Tables | None = None


def _tables() -> _Tables:
    global _TABLES
    if _TABLES is None:
        _TABLES = _Tables()
    return _TABLES


# --------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
#: 0..99 -> its two decimal characters, as one little-endian uint16
_DEC_PAIRS = (np.arange(100) // 10 + 48).astype(np.uint16) | (
    (np.arange(100) % 10 + 48).astype(np.uint16) << 8
)
TAG_USER = 1
TAG_DEVICE = 2
TAG_EVENT = 3
#: Id namespace of the trigger scenarios' events (see journey_sample.scenarios).
TAG_SCENARIO_EVENT = scenarios_pkg.base.TAG_SCENARIO_EVENT


def mix64(x: U64) -> U64:
    """A bijective 64-bit mixer (splitmix64 finaliser): distinct inputs give distinct outputs."""
    z = np.array(x, dtype=np.uint64, copy=True)
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def id_words(tag: int, index: I64, seed: int) -> U64:
    """Deterministic unique 64-bit id words for ``index`` (< 2**56) in namespace ``tag``."""
    seed_word = mix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]
    pre = (np.uint64(tag) << np.uint64(56)) | np.asarray(index).astype(np.uint64)
    return mix64(pre ^ seed_word)


def hex_id(prefix: str, word: int | np.uint64) -> str:
    """Format one id word like the vectorised :func:`_hex_array`."""
    return f"{prefix}{int(word):016x}"


def _hex_array(prefix: str, words: U64, valid: BoolA | None = None) -> pa.Array:
    """Arrow string array ``prefix + 16 lowercase hex digits`` built straight from buffers."""
    n = len(words)
    pre = prefix.encode()
    width = len(pre) + 16
    buf = np.empty((n, width), dtype=np.uint8)
    buf[:, : len(pre)] = np.frombuffer(pre, dtype=np.uint8)
    big_endian_bytes = np.asarray(words, dtype=">u8").view(np.uint8).reshape(n, 8)
    for part, nibble in ((0, big_endian_bytes >> 4), (1, big_endian_bytes & 15)):
        # '0'..'9' are 48..57 and 'a'..'f' are 97..102
        buf[:, len(pre) + part :: 2] = nibble + np.uint8(48) + (nibble > 9) * np.uint8(39)
    return _fixed_width_strings(buf, valid)


def _fixed_width_strings(buf: npt.NDArray[np.uint8], valid: BoolA | None) -> pa.Array:
    """Arrow string array from an ``(n, width)`` byte matrix (one string per row)."""
    n, width = buf.shape
    if n * width >= 2**31:
        raise ValueError("chunk too large for 32-bit string offsets; lower chunk_users")
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = pa.py_buffer(np.ascontiguousarray(buf))
    if valid is None or bool(valid.all()):
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), data)
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), data, bitmap, int(n - valid.sum()))


def _decimal_array(values: I64, valid: BoolA) -> pa.Array:
    """Arrow strings of non-negative integers that all have 10 decimal digits."""
    n = len(values)
    v = np.where(valid, values, 10**9)
    if n and (v.min() < 10**9 or v.max() >= 10**10):
        return pa.array(values, mask=~valid).cast(pa.string())
    buf = np.empty((n, 5), dtype=np.uint16)
    for k in range(5):
        buf[:, k] = _DEC_PAIRS[(v // 10 ** (8 - 2 * k)) % 100]
    return _fixed_width_strings(buf.view(np.uint8).reshape(n, 10), valid)


def _take(dictionary: pa.Array, codes: npt.NDArray[np.integer[Any]]) -> pa.Array:
    """Plain string array ``dictionary[codes]`` with nulls where ``codes < 0``."""
    mask = codes < 0
    idx = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask if mask.any() else None)
    return dictionary.take(idx)


def _dict(dictionary: pa.Array, codes: npt.NDArray[np.integer[Any]]) -> pa.DictionaryArray:
    """Dictionary array ``dictionary[codes]`` with nulls where ``codes < 0`` (no copying)."""
    mask = codes < 0
    idx = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(idx, dictionary)


def _starts(counts: I64) -> I64:
    """Start offset of each segment of the given lengths."""
    out = np.zeros(len(counts), dtype=np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=out[1:])
    return out


def _within(counts: I64, starts: I64) -> I64:
    """Position of each element inside its segment."""
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)


def _pick(rng: np.random.Generator, options: npt.NDArray[Any], size: int) -> npt.NDArray[Any]:
    return options[rng.integers(0, len(options), size)]


def _channel_probability(mask: I64, base: float, lift: F64) -> F64:
    """``1 - (1 - base) * prod_{c in mask} (1 - lift_c)`` for channel bit masks."""
    log_none = np.full(mask.shape, math.log1p(-base))
    for c in range(N_CHANNELS):
        if lift[c] > 0:
            log_none += ((mask >> c) & 1) * math.log1p(-lift[c])
    return -np.expm1(log_none)


# --------------------------------------------------------------------------------------
# Chunk simulation
# --------------------------------------------------------------------------------------


_BLOCK_DTYPES: dict[str, type[np.generic]] = {
    "visit": np.int64,
    "key": np.float64,
    "name": np.int8,
    "page": np.int32,
    "prop": np.int32,
    "revenue": np.float64,
    "combo": np.int16,
    "ref": np.int32,
    "explicit_ref": np.bool_,
}


@dataclass
class _Blocks:
    """Event rows collected block by block before sorting into visit order."""

    parts: dict[str, list[npt.NDArray[Any]]] = field(
        default_factory=lambda: {k: [] for k in _BLOCK_DTYPES}
    )

    def add(
        self,
        visit: I64,
        key: float | F64,
        name: int,
        page: int | npt.NDArray[Any],
        prop: int | npt.NDArray[Any],
        *,
        revenue: float | F64 = math.nan,
        combo: int | npt.NDArray[Any] = -1,
        ref: int | npt.NDArray[Any] = -1,
        explicit_ref: bool = False,
    ) -> None:
        n = len(visit)
        values = {
            "visit": visit,
            "key": key,
            "name": name,
            "page": page,
            "prop": prop,
            "revenue": revenue,
            "combo": combo,
            "ref": ref,
            "explicit_ref": explicit_ref,
        }
        for k, v in values.items():
            arr = np.asarray(v, dtype=_BLOCK_DTYPES[k])
            self.parts[k].append(np.broadcast_to(arr, (n,)) if arr.ndim == 0 else arr)

    def build(self) -> dict[str, npt.NDArray[Any]]:
        return {k: np.concatenate(v) for k, v in self.parts.items()}


@dataclass
class ChunkStats:
    """Realised counts of one chunk (summed over chunks into ``truth.json``)."""

    persons: int = 0
    anonymous_only_persons: int = 0
    signed_up_users: int = 0
    power_users: int = 0
    disengaged_users: int = 0
    visits: int = 0
    added_checkout_visits: int = 0
    visits_crossing_midnight: int = 0
    timestamp_ties: int = 0
    campaign_change_visits: int = 0
    bounce_visits: int = 0
    browse_rows_dropped_by_bounce: int = 0
    single_event_visits: int = 0
    clean_rows: int = 0
    rows_written: int = 0
    clean_name_counts: I64 = field(default_factory=lambda: np.zeros(len(EVENT_NAMES), np.int64))
    name_counts: I64 = field(default_factory=lambda: np.zeros(len(EVENT_NAMES), np.int64))
    checkout_sessions: I64 = field(default_factory=lambda: np.zeros(4, np.int64))
    checkout_attempts_planned: int = 0
    trial_users: I64 = field(default_factory=lambda: np.zeros(5, np.int64))
    complete_profile_same_session: int = 0
    complete_profile_within_2h: int = 0
    subscribers_by_plan: I64 = field(default_factory=lambda: np.zeros(2, np.int64))
    mask_persons: I64 = field(default_factory=lambda: np.zeros(1 << N_CHANNELS, np.int64))
    mask_converted: I64 = field(default_factory=lambda: np.zeros(1 << N_CHANNELS, np.int64))
    purchases: int = 0
    revenue_by_currency: F64 = field(default_factory=lambda: np.zeros(2, np.float64))
    subscription_revenue_by_currency: F64 = field(default_factory=lambda: np.zeros(2, np.float64))
    messy: I64 = field(default_factory=lambda: np.zeros(len(MESSY_KINDS), np.int64))
    power_criterion: I64 = field(default_factory=lambda: np.zeros(4, np.int64))
    shared_computers: list[dict[str, Any]] = field(default_factory=list)

    def merge(self, other: ChunkStats) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(value, list):
                mine.extend(value)
            elif isinstance(value, np.ndarray):
                mine += value
            else:
                setattr(self, name, mine + value)


@dataclass
class ChunkResult:
    """Events of one chunk plus its per-person side tables and realised stats."""

    table: pa.Table
    persons: pa.Table
    stats: ChunkStats


def simulate_chunk(
    config: GeneratorConfig,
    params: PlantedParameters,
    chunk_index: int,
    first_person: int,
    n_persons: int,
) -> ChunkResult:
    """Simulate ``n_persons`` people (global indices from ``first_person``) into events."""
    t = _tables()
    pt = params
    rng = np.random.default_rng([config.seed, chunk_index])
    stats = ChunkStats()
    n = n_persons
    days = float(config.days)
    epoch_us = (config.start_date - date(1970, 1, 1)).days * US_PER_DAY
    end_us = epoch_us + config.days * US_PER_DAY
    pidx = np.arange(n, dtype=np.int64)
    gid = first_person + pidx

    # ---- people ---------------------------------------------------------------------
    ptype = rng.choice(3, size=n, p=pt.person_type_probs)
    signer = ptype == 2
    power = signer & (rng.random(n) < pt.power_share_of_signers)
    kind = np.where(power, 3, ptype)
    rate = np.asarray(pt.visit_rate_median)[kind] * np.exp(
        np.asarray(pt.visit_rate_sigma)[kind] * rng.standard_normal(n)
    )
    arrival = rng.random(n) * days
    n_vis = 1 + rng.poisson(rate * (days - arrival))
    n_dev = np.where(signer, rng.choice(3, size=n, p=pt.device_count_probs) + 1, 1)
    eur = rng.random(n) < pt.eur_share
    acq = rng.choice(N_CHANNELS, size=n, p=pt.acquisition_mix)
    k_signup = np.where(
        rng.random(n) < pt.signup_on_first_visit_prob,
        0,
        rng.geometric(pt.signup_later_geometric_p, n),
    )
    k_signup = np.minimum(k_signup, n_vis - 1)
    disengaged = signer & ~power & (rng.random(n) < pt.disengage_share_of_non_power_signers)
    disengage_days = rng.uniform(*pt.disengage_after_days, n)

    # ---- visit skeleton in activity time (days) -------------------------------------
    vp = np.repeat(pidx, n_vis)
    starts = _starts(n_vis)
    vi = _within(n_vis, starts)
    tau = arrival[vp] + np.where(vi == 0, 0.0, rng.random(len(vp))) * (days - arrival[vp])
    tau = tau[np.lexsort((tau, vp))]
    is_signup = signer[vp] & (vi == k_signup[vp])
    signup_tau = tau[starts + k_signup]
    keep = ~(disengaged[vp] & (tau > (signup_tau + disengage_days)[vp]))
    vp, tau, is_signup = vp[keep], tau[keep], is_signup[keep]
    n_vis = np.bincount(vp, minlength=n).astype(np.int64)
    starts = _starts(n_vis)
    vi = _within(n_vis, starts)

    # ---- channels, causal conversion, checkout attempts -----------------------------
    ret = rng.choice(N_CHANNELS, size=len(vp), p=pt.return_mix)
    same = rng.random(len(vp)) < pt.return_same_as_acquisition_prob
    ch = np.where((vi == 0) | same, acq[vp], ret).astype(np.int64)
    mask = np.bitwise_or.reduceat(np.left_shift(1, ch), starts)
    big = np.int64(1 << 40)
    last_new = np.zeros(n, dtype=np.int64)
    for c in range(N_CHANNELS):
        first_c = np.minimum.reduceat(np.where(ch == c, vi, big), starts)
        last_new = np.maximum(last_new, np.where(first_c < big, first_c, 0))
    lift = np.asarray(pt.channel_lift, dtype=np.float64)
    p_conv = _channel_probability(mask, pt.base_conversion, lift)
    lam = -np.log1p(-p_conv) / pt.attempt_purchase_prob
    n_att = rng.poisson(lam)
    extra = np.maximum(n_att - (n_vis - last_new), 0)
    n_extra = int(extra.sum())
    if n_extra:
        ep = np.repeat(pidx, extra)
        anchor = starts[ep] + last_new[ep]
        etau = tau[anchor] + (MIN_VISIT_GAP_US / US_PER_DAY) + rng.exponential(0.25, n_extra)
        vp = np.concatenate([vp, ep])
        tau = np.concatenate([tau, etau])
        ch = np.concatenate([ch, ch[anchor]])
        is_signup = np.concatenate([is_signup, np.zeros(n_extra, dtype=bool)])
        order = np.lexsort((tau, vp))
        vp, tau, ch, is_signup = vp[order], tau[order], ch[order], is_signup[order]
        n_vis = np.bincount(vp, minlength=n).astype(np.int64)
        starts = _starts(n_vis)
        vi = _within(n_vis, starts)
    n_v = len(vp)
    prio = rng.random(n_v)
    prio[vi < last_new[vp]] = 2.0
    order = np.lexsort((prio, vp))
    att_rank = np.empty(n_v, dtype=np.int64)
    att_rank[order] = np.arange(n_v) - starts[vp[order]]
    attempt = att_rank < n_att[vp]

    # ---- identity: signup visit, devices, identity events ---------------------------
    su_vi = np.maximum.reduceat(np.where(is_signup, vi, -1), starts)
    post = signer[vp] & (vi >= su_vi[vp])
    j = vi - su_vi[vp]  # position after signup (0 = signup visit)
    r = rng.random(n_v)
    dev = np.zeros(n_v, dtype=np.int64)
    later = post & (j >= 1)
    w2, w3 = pt.two_device_weights, pt.three_device_weights
    two = later & (n_dev[vp] == 2)
    dev[two] = (r[two] >= w2[0]).astype(np.int64)
    three = later & (n_dev[vp] == 3)
    dev[three] = np.where(r[three] < w3[0], 0, np.where(r[three] < w3[0] + w3[1], 1, 2))
    first_on_dev = np.zeros(n_v, dtype=bool)
    max_dev = np.maximum.reduceat(dev, starts)
    for d in (1, 2):
        fi = np.minimum.reduceat(np.where(dev == d, vi, big), starts)
        has = fi < big
        first_on_dev[starts[has] + fi[has]] = True
    identity_visit = is_signup | first_on_dev
    ident_key = np.full(n_v, np.inf)
    ident_key[post] = -np.inf
    ident_key[identity_visit] = 20.0
    dev_key = gid[vp] * 4 + dev

    # shared computers: B logs in on A's primary device
    signers_idx = np.flatnonzero(signer)
    cand = np.flatnonzero(max_dev > 0)
    k_shared = 0
    shared_keys = np.zeros(0, dtype=np.int64)
    if len(cand) and len(signers_idx) >= 2:
        k_shared = max(1, round(pt.shared_computer_share_of_signers * len(signers_idx)))
        k_shared = min(k_shared, len(cand), len(signers_idx) // 2)
    if k_shared:
        b_people = np.sort(rng.choice(cand, size=k_shared, replace=False))
        pool = np.setdiff1d(signers_idx, b_people)
        a_people = rng.choice(pool, size=k_shared, replace=False)
        target = np.full(n, -1, dtype=np.int64)
        target[b_people] = gid[a_people] * 4
        sel = (target[vp] >= 0) & (dev == max_dev[vp])
        dev_key[sel] = target[vp[sel]]
        shared_keys = np.unique(target[b_people])
        a_words = id_words(TAG_DEVICE, gid[a_people] * 4, config.seed)
        ua = id_words(TAG_USER, gid[a_people], config.seed)
        ub = id_words(TAG_USER, gid[b_people], config.seed)
        for aw, uaw, ubw in zip(a_words, ua, ub, strict=True):
            stats.shared_computers.append(
                {
                    "anonymous_id": hex_id("a", aw),
                    "user_ids": [hex_id("u", uaw), hex_id("u", ubw)],
                }
            )

    # ---- trial funnel placement (positions in post-signup visits) -------------------
    m_post = np.where(signer, n_vis - su_vi, 1)

    def step(prev: BoolA, prev_pos: I64, p: float, p_same: float, geo: float) -> tuple[BoolA, I64]:
        did = prev & (rng.random(n) < p)
        pos = prev_pos + np.where(rng.random(n) < p_same, 0, rng.geometric(geo, n))
        return did, np.minimum(pos, m_post - 1)

    zero = np.zeros(n, dtype=np.int64)
    cp, pos_cp = step(signer, zero, pt.p_complete_profile, pt.p_complete_profile_same_session, 0.5)
    crp, pos_crp = step(cp, pos_cp, pt.p_create_project, 0.5, 0.4)
    inv, pos_inv = step(crp, pos_crp, pt.p_invite_user, 0.5, 0.4)
    sub, pos_sub = step(inv, pos_inv, pt.p_subscribe, 0.3, 0.3)
    plan = (rng.random(n) < pt.p_pro_plan).astype(np.int64)
    su_abs = starts + su_vi

    # ---- visit content ---------------------------------------------------------------
    app = later & (
        rng.random(n_v) < np.where(power[vp], pt.app_visit_prob[1], pt.app_visit_prob[0])
    )
    ship = attempt & (rng.random(n_v) < pt.p_add_shipping_info)
    pay = ship & (rng.random(n_v) < pt.p_add_payment_info)
    buy = pay & (rng.random(n_v) < pt.p_purchase)
    purchases_pp = np.bincount(vp[buy], minlength=n)
    converted = purchases_pp > 0
    first_buy = np.minimum.reduceat(np.where(buy, vi, big), starts)

    combo = np.full(n_v, -1, dtype=np.int64)
    ext_ref = np.full(n_v, -1, dtype=np.int64)
    u_ch = rng.random(n_v)
    for c in range(N_CHANNELS):
        sel = np.flatnonzero(ch == c)
        options = t.channel_combos[c]
        if len(options):
            combo[sel] = options[(u_ch[sel] * len(options)).astype(np.int64)]
            ext_ref[sel] = t.combo_referrer[combo[sel]]
        elif len(t.channel_referrers[c]):
            refs = t.channel_referrers[c]
            ext_ref[sel] = refs[(u_ch[sel] * len(refs)).astype(np.int64)]
    n_land = t.n_shop_landing
    land_slot = np.where(
        app,
        n_land + rng.integers(0, t.n_app_landing, n_v),
        rng.integers(0, n_land, n_v),
    )
    landing_page = np.where(
        combo >= 0, t.utm_base + land_slot * t.n_combos + combo, t.landing[land_slot]
    )

    blocks = _Blocks()
    all_v = np.arange(n_v, dtype=np.int64)
    blocks.add(
        all_v, 0.0, PAGE_VIEW, landing_page, t.p_empty, combo=combo, ref=ext_ref, explicit_ref=True
    )
    split = rng.random(n_v)  # share of browsing that happens before the identity event

    def browse_keys(visits: I64) -> F64:
        u = rng.random(len(visits))
        pre = identity_visit[visits] & (u < split[visits])
        return np.where(pre, 10.0, 30.0) + u * 9.0

    # browsing: page views, searches, product views and add-to-carts
    n_pv = rng.poisson(np.where(app, pt.app_page_views_mean, pt.shop_page_views_mean))
    pv_v = np.repeat(all_v, n_pv)
    pv_pages = np.where(
        app[pv_v], _pick(rng, t.app_pages, len(pv_v)), _pick(rng, t.shop_pages, len(pv_v))
    )
    blocks.add(pv_v, browse_keys(pv_v), PAGE_VIEW, pv_pages, t.p_empty)
    n_se = rng.poisson(np.where(app, 0.1, pt.shop_searches_mean))
    se_v = np.repeat(all_v, n_se)
    q = rng.choice(len(SEARCH_QUERIES), size=len(se_v), p=t.query_weights)
    blocks.add(se_v, browse_keys(se_v), SEARCH, t.search[q], t.p_query[q])
    n_vi = rng.poisson(np.where(app, pt.app_view_items_mean, pt.shop_view_items_mean))
    n_vi = np.where(attempt, np.maximum(n_vi, 1), n_vi)
    vi_v = np.repeat(all_v, n_vi)
    prod = rng.choice(N_PRODUCTS, size=len(vi_v), p=t.product_weights)
    vi_keys = browse_keys(vi_v)
    blocks.add(vi_v, vi_keys, VIEW_ITEM, t.product[prod], t.p_product[prod])
    first_of_visit = np.ones(len(vi_v), dtype=bool)
    first_of_visit[1:] = vi_v[1:] != vi_v[:-1]
    atc = (rng.random(len(vi_v)) < pt.add_to_cart_prob) | (first_of_visit & attempt[vi_v])
    blocks.add(
        vi_v[atc], vi_keys[atc] + 1e-5, ADD_TO_CART, t.product[prod[atc]], t.p_product[prod[atc]]
    )
    cart_items = np.minimum(np.bincount(vi_v[atc], minlength=n_v), MAX_ITEMS)

    # campaign change inside a visit: a new click of the same source, other campaign
    cc = (combo >= 0) & (rng.random(n_v) < pt.campaign_change_prob)
    cc_v = np.flatnonzero(cc)
    stats.campaign_change_visits = len(cc_v)
    old = combo[cc_v]
    new_combo = t.alt_flat[
        t.alt_start[old] + (rng.random(len(cc_v)) * t.alt_count[old]).astype(np.int64)
    ].astype(np.int64)
    cc_slot = rng.integers(0, n_land, len(cc_v))
    blocks.add(
        cc_v,
        30.0 + rng.random(len(cc_v)) * 9.0,
        PAGE_VIEW,
        t.utm_base + cc_slot * t.n_combos + new_combo,
        t.p_empty,
        combo=new_combo,
        ref=t.combo_referrer[new_combo],
        explicit_ref=True,
    )

    # identity events and routine logins
    su_v = np.flatnonzero(is_signup)
    blocks.add(su_v, 20.0, SIGN_UP, t.signup, _pick(rng, t.p_signup, len(su_v)))
    routine = app & ~identity_visit & (rng.random(n_v) < pt.routine_login_prob)
    login_v = np.flatnonzero(first_on_dev | routine)
    blocks.add(login_v, 20.0, LOGIN, t.login, _pick(rng, t.p_login, len(login_v)))

    # trial funnel steps
    cp_v = (su_abs + pos_cp)[cp]
    blocks.add(cp_v, 21.0, COMPLETE_PROFILE, t.onboarding, _pick(rng, t.p_role, len(cp_v)))
    crp_v = (su_abs + pos_crp)[crp]
    blocks.add(crp_v, 22.0, CREATE_PROJECT, t.new_project, -1)
    inv_v = (su_abs + pos_inv)[inv]
    blocks.add(inv_v, 23.0, INVITE_USER, t.team, _pick(rng, t.p_invitees, len(inv_v)))
    sub_p = np.flatnonzero(sub)
    sub_v = su_abs[sub_p] + pos_sub[sub_p]
    sub_rev = np.asarray(pt.plan_prices, dtype=np.float64)[plan[sub_p]]
    blocks.add(sub_v, 24.0, SUBSCRIBE, -1, t.p_plan[plan[sub_p]], revenue=sub_rev)

    # checkout
    att_v = np.flatnonzero(attempt)
    blocks.add(att_v, 40.0, VIEW_CART, t.cart, t.p_items[cart_items[att_v]])
    ship_v = np.flatnonzero(ship)
    blocks.add(ship_v, 41.0, ADD_SHIPPING_INFO, t.shipping, _pick(rng, t.p_shipping, len(ship_v)))
    pay_v = np.flatnonzero(pay)
    blocks.add(pay_v, 42.0, ADD_PAYMENT_INFO, t.payment, _pick(rng, t.p_payment, len(pay_v)))
    buy_v = np.flatnonzero(buy)
    revenue = np.round(
        pt.revenue_median * np.exp(pt.revenue_sigma * rng.standard_normal(len(buy_v))), 2
    )
    blocks.add(
        buy_v,
        43.0,
        PURCHASE,
        t.confirmation,
        t.p_items[cart_items[buy_v]],
        revenue=revenue,
    )

    # app usage
    uf_mean = np.where(power[vp], pt.use_feature_mean[1], pt.use_feature_mean[0])
    n_uf = np.where(app, rng.poisson(uf_mean) + power[vp], 0)
    uf_v = np.repeat(all_v, n_uf)
    feat = rng.integers(0, len(FEATURES), len(uf_v))
    blocks.add(
        uf_v,
        50.0 + rng.random(len(uf_v)) * 9.0,
        USE_FEATURE,
        t.feature_pages[feat],
        t.p_feature[feat],
    )
    extra_proj = (
        app
        & crp[vp]
        & (j > pos_crp[vp])
        & (
            rng.random(n_v)
            < np.where(power[vp], pt.extra_project_prob[1], pt.extra_project_prob[0])
        )
    )
    ep_v = np.flatnonzero(extra_proj)
    blocks.add(ep_v, 50.0 + rng.random(len(ep_v)) * 9.0, CREATE_PROJECT, t.new_project, -1)

    # misc
    rv_v = np.flatnonzero((vi > first_buy[vp]) & ~app & (rng.random(n_v) < pt.write_review_prob))
    rv_prod = rng.choice(N_PRODUCTS, size=len(rv_v), p=t.product_weights)
    rating = rng.choice(5, size=len(rv_v), p=(0.05, 0.07, 0.18, 0.35, 0.35))
    blocks.add(rv_v, 55.0, WRITE_REVIEW, t.review[rv_prod], t.p_review[rv_prod, rating])
    rf_v = np.flatnonzero((post | (vi > first_buy[vp])) & (rng.random(n_v) < pt.refer_friend_prob))
    blocks.add(rf_v, 56.0, REFER_FRIEND, t.refer, t.p_empty)
    nl_v = np.flatnonzero(~app & (rng.random(n_v) < pt.newsletter_signup_prob))
    blocks.add(
        nl_v, 1.0 + rng.random(len(nl_v)) * 58.0, NEWSLETTER_SIGNUP, t.shop_home, t.p_newsletter
    )
    dp_v = np.flatnonzero(rng.random(n_v) < pt.debug_ping_prob)
    blocks.add(dp_v, 1.0 + rng.random(len(dp_v)) * 58.0, DEBUG_PING, -1, t.p_debug)

    ev = blocks.build()
    del blocks
    # bounces: a share of the visits with nothing else to do (no checkout, no identity event,
    # no campaign change) keep only their landing page view and any app, trial or misc events
    # (a separate random stream, so that the draws above do not move)
    bounce_rng = np.random.default_rng([config.seed, chunk_index, BOUNCE_STREAM])
    bounce = ~attempt & ~identity_visit & ~cc & (bounce_rng.random(n_v) < pt.bounce_prob)
    browse = np.isin(ev["name"], (SEARCH, VIEW_ITEM, ADD_TO_CART)) | (
        (ev["name"] == PAGE_VIEW) & (ev["key"] > 0.0) & ~ev["explicit_ref"]
    )
    kept = ~(bounce[ev["visit"]] & browse)
    stats.bounce_visits = int(np.count_nonzero(bounce))
    stats.browse_rows_dropped_by_bounce = int(np.count_nonzero(~kept))
    ev = {k: v[kept] for k, v in ev.items()}
    del bounce, browse, kept
    # keys are quantised to 2**-20 so that sorting and the identity test below agree
    ev["key"] = np.round(ev["key"] * 2**20) / 2**20
    sort_key = (ev["visit"] << 27) | (ev["key"] * 2**20).astype(np.int64)
    order = np.argsort(sort_key, kind="stable")
    del sort_key
    ev = {k: v[order] for k, v in ev.items()}
    del order
    e_visit = ev["visit"]
    e_name = ev["name"]
    n_e = len(e_visit)

    # ---- timestamps -------------------------------------------------------------------
    ev_count = np.bincount(e_visit, minlength=n_v).astype(np.int64)
    ev_start = _starts(ev_count)
    rank = np.arange(n_e, dtype=np.int64) - ev_start[e_visit]
    server = e_name == SUBSCRIBE
    stats.single_event_visits = int(
        np.count_nonzero(np.bincount(e_visit[~server], minlength=n_v) == 1)
    )
    gap = np.minimum(
        (20.0 * US_PER_S * np.exp(1.1 * rng.standard_normal(n_e))).astype(np.int64) + US_PER_S,
        MAX_EVENT_GAP_US,
    )
    prev_server = np.zeros(n_e, dtype=bool)
    prev_server[1:] = server[:-1]
    tie = (rank > 0) & ~server & ~prev_server & (rng.random(n_e) < pt.tie_prob)
    gap[rank == 0] = 0
    gap[tie] = 0
    cs = np.cumsum(gap)
    offset = cs - cs[ev_start][e_visit]
    duration = offset[ev_start + ev_count - 1]
    day = np.floor(tau)
    hour = np.interp(tau - day, t.hour_cdf, np.arange(25.0))
    wanted = ((day * 24.0 + hour) * US_PER_H).astype(np.int64)
    g = duration + MIN_VISIT_GAP_US
    cg = np.cumsum(g)
    before = cg - g
    before -= before[starts][vp]
    runmax = pd.Series(wanted - before).groupby(vp).cummax().to_numpy()
    v_start = epoch_us + before + runmax
    ts = v_start[e_visit] + offset
    del gap, cs, offset, prev_server
    v_end = v_start + duration
    stats.visits_crossing_midnight = int(
        np.count_nonzero(v_start // US_PER_DAY != v_end // US_PER_DAY)
    )
    stats.timestamp_ties = int(np.count_nonzero(tie))

    # ---- identity columns, sequence numbers, pages, properties ------------------------
    e_person = vp[e_visit]
    has_user = server | (signer[e_person] & (ev["key"] >= ident_key[e_visit]))
    user = np.where(has_user, gid[e_person], -1)
    device = np.where(server, -1, dev_key[e_visit])
    session = np.where(server, -1, e_visit)  # visit index; the id string is built per visit
    # per-device counter: events are in (person, time) order and a device belongs to one
    # person, except shared computers, which are renumbered in time order below
    seq = np.full(n_e, -1, dtype=np.int64)
    e_dev = dev[e_visit]
    person_first_event = ev_start[starts]
    for d in range(3):
        m = ~server & (e_dev == d)
        cs = np.cumsum(m)
        base = (cs - m)[person_first_event]
        seq[m] = (cs - base[e_person])[m]
    if len(shared_keys):
        sh = np.flatnonzero(np.isin(device, shared_keys))
        sh = sh[np.lexsort((ts[sh], device[sh]))]
        sdev = device[sh]
        new_grp = np.ones(len(sh), dtype=bool)
        new_grp[1:] = sdev[1:] != sdev[:-1]
        pos = np.arange(len(sh), dtype=np.int64)
        seq[sh] = pos - np.maximum.accumulate(np.where(new_grp, pos, 0)) + 1

    del e_dev, m, cs, base
    page = ev["page"]
    prev_page = np.full(n_e, -1, dtype=np.int32)
    prev_page[1:] = page[:-1]
    ref = np.where(
        ev["explicit_ref"], ev["ref"], np.where((rank > 0) & ~server, prev_page, -1)
    ).astype(np.int32)
    del prev_page, rank
    prop = ev["prop"]
    proj = np.flatnonzero(e_name == CREATE_PROJECT)
    if len(proj):
        pp = e_person[proj]
        first = np.ones(len(proj), dtype=bool)
        first[1:] = pp[1:] != pp[:-1]
        k = np.arange(len(proj)) - np.maximum.accumulate(np.where(first, np.arange(len(proj)), 0))
        prop[proj] = t.p_projects[np.minimum(k + 1, MAX_PROJECT_COUNT)]
    rev = ev["revenue"]
    currency = np.where(np.isnan(rev), -1, eur[e_person]).astype(np.int8)
    loaded = ts + np.minimum(
        (15.0 * US_PER_S * np.exp(1.0 * rng.standard_normal(n_e))).astype(np.int64) + US_PER_S // 2,
        20 * US_PER_MIN,
    )
    cols: dict[str, npt.NDArray[Any]] = {
        "eid": (np.int64(chunk_index) << 34) | np.arange(n_e, dtype=np.int64),
        "name": e_name,
        "ts": ts,
        "ts_null": np.zeros(n_e, dtype=bool),
        "user": user,
        "device": device,
        "session": session,
        "seq": seq,
        "page": np.where(server, -1, page).astype(np.int32),
        "ref": ref,
        "combo": ev["combo"],
        "revenue": rev,
        "currency": currency,
        "prop": prop,
        "loaded": loaded,
    }
    del ev, page, ref, prop, user, device, session, seq, loaded, has_user

    # ---- realised stats (clean data) --------------------------------------------------
    stats.persons = n
    stats.anonymous_only_persons = int(np.count_nonzero(~signer))
    stats.signed_up_users = int(np.count_nonzero(signer))
    stats.power_users = int(np.count_nonzero(power))
    stats.disengaged_users = int(np.count_nonzero(disengaged))
    stats.visits = n_v
    stats.added_checkout_visits = n_extra
    stats.clean_rows = n_e
    stats.clean_name_counts = np.bincount(e_name, minlength=len(EVENT_NAMES)).astype(np.int64)
    stats.checkout_sessions = np.array(
        [len(att_v), len(ship_v), len(pay_v), len(buy_v)], dtype=np.int64
    )
    stats.checkout_attempts_planned = int(n_att.sum())
    stats.trial_users = np.array(
        [np.count_nonzero(x) for x in (signer, cp, crp, inv, sub)], dtype=np.int64
    )
    stats.complete_profile_same_session = int(np.count_nonzero(cp & (pos_cp == 0)))
    signup_ts = np.full(n, -1, dtype=np.int64)
    su_events = np.flatnonzero(e_name == SIGN_UP)
    signup_ts[e_person[su_events]] = ts[su_events]
    cp_events = np.flatnonzero(e_name == COMPLETE_PROFILE)
    stats.complete_profile_within_2h = int(
        np.count_nonzero(ts[cp_events] - signup_ts[e_person[cp_events]] <= 2 * US_PER_H)
    )
    stats.subscribers_by_plan = np.bincount(plan[sub_p], minlength=2).astype(np.int64)
    stats.mask_persons = np.bincount(mask, minlength=1 << N_CHANNELS).astype(np.int64)
    stats.mask_converted = np.bincount(mask[converted], minlength=1 << N_CHANNELS).astype(np.int64)
    stats.purchases = len(buy_v)
    buy_events = np.flatnonzero(e_name == PURCHASE)
    stats.revenue_by_currency = np.bincount(
        currency[buy_events], weights=rev[buy_events], minlength=2
    )
    sub_events = np.flatnonzero(server)
    stats.subscription_revenue_by_currency = np.bincount(
        currency[sub_events], weights=rev[sub_events], minlength=2
    )
    stats.power_criterion = _power_criterion(
        e_person[e_name == USE_FEATURE], ts[e_name == USE_FEATURE], signup_ts, power, end_us
    )

    messy = _messy_rows(cols, config.messy_rate, pt, rng, stats)
    stats.rows_written = n_e + len(messy["eid"])
    stats.name_counts = stats.clean_name_counts + np.bincount(
        messy["name"], minlength=len(EVENT_NAMES)
    )
    session_ids = _decimal_array(v_start // US_PER_S, np.ones(n_v, dtype=bool))
    clean_table = _to_arrow(cols, config.seed, t, session_ids)
    del cols
    table = pa.concat_tables([clean_table, _to_arrow(messy, config.seed, t, session_ids)])
    del clean_table

    persons = _persons_table(
        config.seed,
        gid,
        kind,
        signer,
        power,
        disengaged,
        n_vis,
        acq,
        mask,
        p_conv,
        purchases_pp,
        signup_ts,
    )
    return ChunkResult(table=table, persons=persons, stats=stats)


def _power_criterion(person: I64, ts: I64, signup_ts: I64, power: BoolA, end_us: int) -> I64:
    """Counts for the weekly usage rule, as [power eligible, power meeting, other, other meeting].

    Rule: among signed-up users with at least two complete 7-day windows between sign-up and
    the end of the range, ``use_feature`` at least 3 times in at least 75% of those windows.
    """
    n = len(power)
    week = 7 * US_PER_DAY
    full = np.where(signup_ts >= 0, (end_us - signup_ts) // week, 0)
    w = (ts - signup_ts[person]) // week
    ok = (w >= 0) & (w < full[person])
    key = person[ok] * 64 + np.minimum(w[ok], 63)
    uniq, counts = np.unique(key, return_counts=True)
    weeks_ok = np.bincount(uniq[counts >= 3] // 64, minlength=n)
    eligible = full >= 2
    meets = eligible & (weeks_ok * 4 >= full * 3)
    return np.array(
        [
            np.count_nonzero(eligible & power),
            np.count_nonzero(meets & power),
            np.count_nonzero(eligible & ~power & (signup_ts >= 0)),
            np.count_nonzero(meets & ~power),
        ],
        dtype=np.int64,
    )


def _messy_rows(
    cols: dict[str, npt.NDArray[Any]],
    messy_rate: float,
    pt: PlantedParameters,
    rng: np.random.Generator,
    stats: ChunkStats,
) -> dict[str, npt.NDArray[Any]]:
    """Mark late arrivals in ``cols`` (in place) and return the extra bad rows to append.

    Counts per kind go to ``stats.messy``.
    """
    n_e = len(cols["eid"])
    counts = rng.binomial(n_e, np.asarray(pt.messy_kind_shares) * messy_rate)
    n_exact, n_late_dup, n_null_ts, n_no_id, n_future, n_late = (int(c) for c in counts)
    # late arrivals: existing rows land 6-48 h after the event
    late = rng.choice(n_e, size=min(n_late, n_e), replace=False)
    cols["loaded"][late] = cols["ts"][late] + rng.integers(6 * US_PER_H, 48 * US_PER_H, len(late))
    is_late = np.zeros(n_e, dtype=bool)
    is_late[late] = True
    # injected copies of harmless browsing rows (new event ids)
    pool = np.flatnonzero(np.isin(cols["name"], (PAGE_VIEW, VIEW_ITEM, SEARCH)) & ~is_late)
    n_inj = min(n_null_ts + n_no_id + n_future, len(pool))
    n_null_ts = min(n_null_ts, n_inj)
    n_no_id = min(n_no_id, n_inj - n_null_ts)
    n_future = n_inj - n_null_ts - n_no_id
    src = rng.choice(pool, size=n_inj, replace=False)
    inj = {k: v[src].copy() for k, v in cols.items()}
    inj["eid"] = cols["eid"].max(initial=0) + 1 + np.arange(n_inj, dtype=np.int64)
    a, b = n_null_ts, n_null_ts + n_no_id
    inj["ts_null"][:a] = True
    inj["user"][a:b] = -1
    inj["device"][a:b] = -1
    inj["ts"][b:] += rng.integers(2 * 365 * US_PER_DAY, 6 * 365 * US_PER_DAY, n_inj - b)
    # duplicates of clean rows (same event id)
    n_dup = min(n_exact + n_late_dup, n_e)
    n_exact = min(n_exact, n_dup)
    dsrc = rng.choice(n_e, size=n_dup, replace=False)
    dup = {k: v[dsrc].copy() for k, v in cols.items()}
    dup["loaded"][n_exact:] += rng.integers(US_PER_H, 72 * US_PER_H, n_dup - n_exact)
    stats.messy = np.array(
        [n_exact, n_dup - n_exact, n_null_ts, n_no_id, n_future, len(late)], dtype=np.int64
    )
    return {k: np.concatenate([inj[k], dup[k]]) for k in cols}


def _to_arrow(
    cols: dict[str, npt.NDArray[Any]], seed: int, t: _Tables, session_ids: pa.Array
) -> pa.Table:
    """Convert code columns to :data:`STORAGE_SCHEMA` (dictionary-typed low-cardinality text)."""
    eid_words = id_words(TAG_EVENT, cols["eid"], seed)
    user = cols["user"]
    device = cols["device"]
    ts_null = cols["ts_null"]
    combo = cols["combo"]
    has_combo = combo >= 0
    cidx = np.where(has_combo, combo, 0)

    def utm(codes: npt.NDArray[np.int32], dictionary: pa.Array) -> pa.Array:
        return _dict(dictionary, np.where(has_combo, codes[cidx], -1))

    session = cols["session"]
    session_arr = _take(session_ids, session)
    seq = cols["seq"]
    rev = cols["revenue"]
    rev_null = np.isnan(rev)
    arrays = [
        _hex_array("e", eid_words),
        _dict(t.names, cols["name"]),
        pa.array(cols["ts"].view("datetime64[us]"), mask=ts_null if ts_null.any() else None),
        _hex_array("u", id_words(TAG_USER, np.maximum(user, 0), seed), user >= 0),
        _hex_array("a", id_words(TAG_DEVICE, np.maximum(device, 0), seed), device >= 0),
        session_arr,
        pa.array(seq, mask=seq < 0),
        _dict(t.urls, cols["page"]),
        _dict(t.urls, cols["ref"]),
        utm(t.combo_source, t.utm_source_dict),
        utm(t.combo_medium, t.utm_medium_dict),
        utm(t.combo_campaign, t.utm_campaign_dict),
        utm(t.combo_content, t.utm_content_dict),
        utm(t.combo_term, t.utm_term_dict),
        pa.array(np.where(rev_null, 0.0, rev), mask=rev_null),
        _dict(t.currencies, cols["currency"]),
        _dict(t.props, cols["prop"]),
        pa.array(cols["loaded"].view("datetime64[us]")),
    ]
    return pa.Table.from_arrays(arrays, schema=STORAGE_SCHEMA)


def _persons_table(
    seed: int,
    gid: I64,
    kind: I64,
    signer: BoolA,
    power: BoolA,
    disengaged: BoolA,
    n_vis: I64,
    acq: I64,
    mask: I64,
    p_conv: F64,
    purchases: I64,
    signup_ts: I64,
) -> pa.Table:
    """One row per simulated person: identities, channel set and conversion truth."""
    channel_sets = pa.array(
        ["|".join(c for i, c in enumerate(CHANNELS) if m >> i & 1) for m in range(1 << N_CHANNELS)]
    )
    kinds = pa.array(["bouncer", "browser", "signed_up", "power_user"])
    ch_names = pa.array(list(CHANNELS))
    return pa.table(
        {
            "person_index": pa.array(gid),
            "user_id": _hex_array("u", id_words(TAG_USER, gid, seed), signer),
            "anonymous_id": _hex_array("a", id_words(TAG_DEVICE, gid * 4, seed)),
            "person_type": kinds.take(pa.array(kind)),
            "is_power_user": pa.array(power),
            "disengaged": pa.array(disengaged),
            "signup_at": pa.array(signup_ts.view("datetime64[us]"), mask=signup_ts < 0),
            "acquisition_channel": ch_names.take(pa.array(acq)),
            "channels": channel_sets.take(pa.array(mask)),
            "p_convert": pa.array(np.round(p_conv, 10)),
            "converted": pa.array(purchases > 0),
            "purchases": pa.array(purchases.astype(np.int64)),
            "visits": pa.array(n_vis),
        }
    )


# --------------------------------------------------------------------------------------
# Truth
# --------------------------------------------------------------------------------------


def channel_truth(
    params: PlantedParameters, mask_persons: I64, mask_converted: I64
) -> dict[str, Any]:
    """Removal-effect and Shapley truth of the causal channel model.

    ``mask_persons[m]`` counts persons whose set of distinct channels has bit mask ``m``.
    """
    lift = np.asarray(params.channel_lift, dtype=np.float64)
    masks = np.arange(1 << N_CHANNELS, dtype=np.int64)
    prob = _channel_probability(masks, params.base_conversion, lift)
    weight = mask_persons.astype(np.float64)
    expected_total = float(weight @ prob)
    popcount = np.array([bin(int(m)).count("1") for m in masks])
    fact = [math.factorial(k) for k in range(N_CHANNELS + 1)]
    coef_table = np.zeros((N_CHANNELS + 1, N_CHANNELS + 1))
    for s_ in range(1, N_CHANNELS + 1):
        for k in range(s_):
            coef_table[s_, k] = fact[k] * fact[s_ - k - 1] / fact[s_]
    out: dict[str, Any] = {}
    for c, name in enumerate(CHANNELS):
        bit = 1 << c
        has = (masks & bit) != 0
        removal = np.where(has, prob - prob[masks & ~bit], 0.0)
        incremental = float(weight @ removal)
        # Shapley value of channel c for a set S (value v(T) = P(T) - P(empty)):
        # sum over T subset of S without c of |T|!(|S|-|T|-1)!/|S|! (P(T+c) - P(T)).
        shap = np.zeros(len(masks))
        for m in np.flatnonzero(has & (mask_persons > 0)):
            s = int(popcount[m])
            rest = int(m) & ~bit
            subs = masks[(masks & ~rest) == 0]
            coef = coef_table[s, popcount[subs]]
            shap[m] = float(coef @ (prob[subs | bit] - prob[subs]))
        out[name] = {
            "lift": float(lift[c]),
            "exposed_persons": int(mask_persons[has].sum()),
            "converted_exposed_persons": int(mask_converted[has].sum()),
            "expected_conversions_of_exposed": float(weight[has] @ prob[has]),
            "expected_incremental_conversions": incremental,
            "removal_effect": incremental / expected_total if expected_total else 0.0,
            "expected_shapley_conversions": float(weight @ shap),
        }
    return {
        "expected_total_conversions": expected_total,
        "expected_baseline_conversions": float(weight.sum() * params.base_conversion),
        "realised_total_conversions": int(mask_converted.sum()),
        "channels": out,
    }


def build_truth(
    config: GeneratorConfig, params: PlantedParameters, s: ChunkStats
) -> dict[str, Any]:
    """Assemble the JSON-serialisable truth document from the summed chunk stats."""
    names = list(EVENT_NAMES)
    steps = ["view_cart", "add_shipping_info", "add_payment_info", "purchase"]
    trial_steps = ["sign_up", "complete_profile", "create_project", "invite_user", "subscribe"]
    sessions = [int(x) for x in s.checkout_sessions]
    trial = [int(x) for x in s.trial_users]

    def ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    return {
        "generator": "journey_sample.generator",
        "args": config.as_dict(),
        "date_range": {
            "start": config.start_date.isoformat(),
            "days": config.days,
            "note": "visits start inside the range; a visit may be pushed a little past the end "
            "when it would overlap the previous visit of the same person",
        },
        "row_counts": {
            "events_written": s.rows_written,
            "clean_events": s.clean_rows,
            "by_event_name": {n: int(c) for n, c in zip(names, s.name_counts, strict=True)},
            "clean_by_event_name": {
                n: int(c) for n, c in zip(names, s.clean_name_counts, strict=True)
            },
            "unmapped_event_names": list(UNMAPPED_EVENT_NAMES),
        },
        "people": {
            "persons": s.persons,
            "anonymous_only_persons": s.anonymous_only_persons,
            "signed_up_users": s.signed_up_users,
            "power_users": s.power_users,
            "disengaged_trial_users": s.disengaged_users,
            "visits": s.visits,
            "added_checkout_visits": s.added_checkout_visits,
        },
        "sessions": {
            "tracker_session_is_simulated_visit": True,
            "session_id_unique_within": "anonymous_id",
            "min_gap_between_visits_minutes": MIN_VISIT_GAP_US / US_PER_MIN,
            "max_gap_inside_visit_minutes": MAX_EVENT_GAP_US / US_PER_MIN,
            "visits_crossing_midnight_utc": s.visits_crossing_midnight,
            "timestamp_ties": s.timestamp_ties,
            "campaign_change_visits": s.campaign_change_visits,
            "planted_bounce_prob": params.bounce_prob,
            "bounce_visits": s.bounce_visits,
            "browse_rows_dropped_by_bounce": s.browse_rows_dropped_by_bounce,
            "single_event_visits": s.single_event_visits,
        },
        "checkout_funnel": {
            "steps": steps,
            "planted_step_probability": {
                "add_shipping_info": params.p_add_shipping_info,
                "add_payment_info": params.p_add_payment_info,
                "purchase": params.p_purchase,
            },
            "sessions_reaching_step": dict(zip(steps, sessions, strict=True)),
            "realised_step_rate": {
                steps[i]: ratio(sessions[i], sessions[i - 1]) for i in range(1, len(steps))
            },
            "planned_attempts": s.checkout_attempts_planned,
            "purchases": s.purchases,
            "purchase_revenue_by_currency": {
                c: round(float(v), 2)
                for c, v in zip(CURRENCIES, s.revenue_by_currency, strict=True)
            },
        },
        "trial_funnel": {
            "steps": trial_steps,
            "planted_step_probability": {
                "complete_profile": params.p_complete_profile,
                "create_project": params.p_create_project,
                "invite_user": params.p_invite_user,
                "subscribe": params.p_subscribe,
            },
            "planted_complete_profile_same_session_share": params.p_complete_profile_same_session,
            "users_reaching_step": dict(zip(trial_steps, trial, strict=True)),
            "realised_step_rate": {
                trial_steps[i]: ratio(trial[i], trial[i - 1]) for i in range(1, len(trial_steps))
            },
            "complete_profile_same_session": s.complete_profile_same_session,
            "complete_profile_within_2h": s.complete_profile_within_2h,
            "complete_profile_within_2h_share": ratio(s.complete_profile_within_2h, trial[1]),
            "subscribers_by_plan": dict(
                zip(PLANS, (int(x) for x in s.subscribers_by_plan), strict=True)
            ),
            "plan_prices": dict(zip(PLANS, params.plan_prices, strict=True)),
            "subscription_revenue_by_currency": {
                c: round(float(v), 2)
                for c, v in zip(CURRENCIES, s.subscription_revenue_by_currency, strict=True)
            },
        },
        "power_users": {
            "planted_share_of_signed_up": params.power_share_of_signers,
            "count": s.power_users,
            "rule": "use_feature >= 3 times in >= 75% of the complete 7-day windows after "
            "sign-up (users with >= 2 complete windows)",
            "power_users_eligible": int(s.power_criterion[0]),
            "power_users_meeting_rule": int(s.power_criterion[1]),
            "other_users_eligible": int(s.power_criterion[2]),
            "other_users_meeting_rule": int(s.power_criterion[3]),
            "file": "power_users.csv",
        },
        "attribution": {
            "model": "P(person converts at least once) = 1 - (1 - base) * prod over the distinct "
            "channels c the person visited through of (1 - lift_c); conversion = at least "
            "one purchase; every touch is at or before the first purchase",
            "base_conversion": params.base_conversion,
            **channel_truth(params, s.mask_persons, s.mask_converted),
        },
        "identity": {
            "shared_computer_anonymous_ids": s.shared_computers,
        },
        "messy_rows": {
            "rate": config.messy_rate,
            "counts": {k: int(v) for k, v in zip(MESSY_KINDS, s.messy, strict=True)},
            "notes": {
                "exact_duplicate": "row copied with every column equal",
                "late_duplicate": "row copied with the same event_id and a later loaded_at",
                "null_timestamp": "extra row (new event_id) with a null event_timestamp",
                "missing_identity": "extra row (new event_id), no user_id and no anonymous_id",
                "future_timestamp": "extra row (new event_id) with event_timestamp 2-6 years "
                "after loaded_at",
                "late_arrival": "existing row whose loaded_at is 6-48 h after event_timestamp",
            },
        },
        "planted_parameters": asdict(params),
    }


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationSummary:
    """What a run wrote and how fast."""

    out_dir: Path
    events: int
    persons: int
    chunks: int
    elapsed_s: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.elapsed_s if self.elapsed_s > 0 else float("inf")


def chunk_bounds(config: GeneratorConfig) -> list[tuple[int, int]]:
    """(first person, number of persons) of every chunk."""
    return [
        (first, min(config.chunk_users, config.users - first))
        for first in range(0, config.users, config.chunk_users)
    ]


def scenario_context(config: GeneratorConfig) -> scenarios_pkg.base.ScenarioContext:
    """Run arguments of the trigger scenarios (ids share the simulation's namespaces)."""
    epoch_us = (config.start_date - date(1970, 1, 1)).days * US_PER_DAY
    seed = config.seed

    def user_ids(person: I64) -> list[str]:
        return _hex_array("u", id_words(TAG_USER, np.asarray(person), seed)).to_pylist()

    def event_ids(eid: I64) -> list[str]:
        return _hex_array("e", id_words(TAG_SCENARIO_EVENT, np.asarray(eid), seed)).to_pylist()

    return scenarios_pkg.base.ScenarioContext(
        seed=seed,
        users=config.users,
        scale=config.scenario_scale,
        start_us=epoch_us,
        end_us=epoch_us + config.days * US_PER_DAY,
        user_id_of=user_ids,
        event_id_of=event_ids,
    )


def scenario_table(cols: dict[str, npt.NDArray[Any]], seed: int) -> pa.Table:
    """Server-side scenario rows (user_id only) as a table of :data:`EVENT_SCHEMA`."""
    n = len(cols["ts"])
    ts = cols["ts"].astype(np.int64)
    eid = cols["eid"].astype(np.int64)
    words = id_words(TAG_SCENARIO_EVENT, eid, seed)
    # load delay 1..90 s, derived from the event id (deterministic, no extra random draws)
    loaded = ts + (1 + (words % np.uint64(90)).astype(np.int64)) * US_PER_S
    rev = cols["revenue"].astype(np.float64)
    rev_null = np.isnan(rev)
    nulls = pa.nulls(n, pa.string())
    arrays = [
        _hex_array("e", words),
        pa.array(cols["name"].astype(str), pa.string()),
        pa.array(ts.view("datetime64[us]")),
        _hex_array("u", id_words(TAG_USER, cols["person"].astype(np.int64), seed)),
        nulls,
        nulls,
        pa.nulls(n, pa.int64()),
        *([nulls] * 7),
        pa.array(np.where(rev_null, 0.0, rev), mask=rev_null),
        pa.array(np.where(rev_null, None, "USD"), pa.string()),
        pa.array(cols["prop"].astype(str), pa.string()),
        pa.array(loaded.view("datetime64[us]")),
    ]
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)


def generate(
    config: GeneratorConfig,
    out_dir: str | Path,
    *,
    params: PlantedParameters | None = None,
    progress: Callable[[int], Any] | None = None,
) -> GenerationSummary:
    """Generate all chunks into ``out_dir`` and write the truth files.

    Existing ``events/part-*.parquet`` files in ``out_dir`` are removed first so a smaller
    run never leaves stale parts behind. ``progress`` is called with 1 after each chunk.
    """
    params = params or PlantedParameters()
    out = Path(out_dir)
    events_dir = out / "events"
    events_dir.mkdir(parents=True, exist_ok=True)
    for stale in sorted([*events_dir.glob("part-*.parquet"), *events_dir.glob("scenarios-*")]):
        stale.unlink()
    started = time.perf_counter()
    totals = ChunkStats()
    persons_writer: pacsv.CSVWriter | None = None
    power_rows: list[pa.Table] = []
    users_rows: list[pa.Table] = []
    bounds = chunk_bounds(config)
    scenario_run = scenarios_pkg.ScenarioRun(
        scenario_context(config), lambda cols: scenario_table(cols, config.seed)
    )
    try:
        for chunk_index, (first, size) in enumerate(bounds):
            result = simulate_chunk(config, params, chunk_index, first, size)
            write_events(result.table, events_dir / f"part-{chunk_index:05d}.parquet")
            scenario_run.observe_chunk(result.table)
            totals.merge(result.stats)
            persons = result.persons
            if persons_writer is None:
                persons_writer = pacsv.CSVWriter(out / "persons.csv", persons.schema)
            persons_writer.write_table(persons)
            signed = persons.filter(persons["user_id"].is_valid())
            users_rows.append(
                signed.select(["user_id", "signup_at", "is_power_user", "acquisition_channel"])
            )
            power_rows.append(signed.filter(signed["is_power_user"]).select(["user_id"]))
            del result, persons, signed
            if progress is not None:
                progress(1)
    finally:
        if persons_writer is not None:
            persons_writer.close()
    pacsv.write_csv(pa.concat_tables(users_rows), out / "users.csv")
    pacsv.write_csv(pa.concat_tables(power_rows), out / "power_users.csv")
    additions, scenario_rows, scenario_counts = scenario_run.finish(out)
    write_events(scenario_rows, events_dir / scenarios_pkg.SCENARIO_FILE)
    truth = build_truth(config, params, totals)
    _add_scenario_counts(truth, scenario_rows.num_rows, scenario_counts)
    truth.update(additions)
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    return GenerationSummary(
        out_dir=out,
        events=totals.rows_written + scenario_rows.num_rows,
        persons=totals.persons,
        chunks=len(bounds),
        elapsed_s=time.perf_counter() - started,
    )


def _add_scenario_counts(truth: dict[str, Any], rows: int, by_name: dict[str, int]) -> None:
    """Count the (clean, server-side) scenario rows into ``row_counts``."""
    counts = truth["row_counts"]
    counts["events_written"] += rows
    counts["clean_events"] += rows
    for key in ("by_event_name", "clean_by_event_name"):
        for name, n in by_name.items():
            if name in counts[key]:
                raise ValueError(f"scenario event name {name!r} clashes with a simulated name")
            counts[key][name] = n
    counts["scenario_event_names"] = sorted(by_name)
    # each scenario cart user views one cart, in a server-side session of its own: a checkout
    # session (canonical cart_viewed) that goes no further
    cart = by_name.get("cart_viewed", 0)
    funnel = truth["checkout_funnel"]
    reached = funnel["sessions_reaching_step"]
    reached["view_cart"] += cart
    funnel["scenario_cart_sessions"] = cart
    first, second = funnel["steps"][:2]
    funnel["realised_step_rate"][second] = (
        reached[second] / reached[first] if reached[first] else None
    )


def parse_date(value: str) -> date:
    """Parse ``YYYY-MM-DD``."""
    return datetime.strptime(value, "%Y-%m-%d").date()
