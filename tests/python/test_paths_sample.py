"""The path marts built on a generated sample, compared with independent pandas
re-computations from fct_events: directly-follows transitions (sessions and users), Sankey links
(forward with repeats collapsed, backward over users from the last anchor; top N + Other,
drop-off), n-grams and whole session paths (repeats collapsed, truncated)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from dbt_harness import PROJECT_DIR, DbtProject

PATH_MODELS = [
    "fct_path_transitions",
    "fct_path_flow_links",
    "fct_path_flow_nodes",
    "fct_path_ngrams",
    "fct_path_top_paths",
]
ANALYSES: list[dict[str, Any]] = [
    {
        "name": "after_view",
        "anchor_event": "product_viewed",
        "direction": "forward",
        "max_depth": 4,
        "collapse_repeats": True,
        "top_n": 3,
        "unit": "session",
    },
    {
        "name": "before_feature",
        "anchor_event": "feature_used",
        "direction": "backward",
        "max_depth": 3,
        "collapse_repeats": False,
        "top_n": 4,
        "unit": "user",
        "anchor_occurrence": "last",
    },
]
VARS: dict[str, Any] = {
    "journey__path_analyses": ANALYSES,
    "journey__ngram_sizes": [2, 3, 4],
    "journey__transitions_collapse_repeats": False,  # collapsing: top paths and after_view
    "journey__top_paths_collapse_repeats": True,
    "journey__top_paths_max_events": 6,
    "journey__top_paths_limit": 1_000_000,
}
USER_ORDER = ["user_id", "event_at", "sequence_number", "event_id"]
SESSION_ORDER = ["session_id", "event_index"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtProject]:
    sample = tmp_path_factory.mktemp("paths_sample")
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_DIR / "scripts" / "generate_events.py"),
            *("--users", "2000", "--days", "30", "--seed", "11", "--out", str(sample), "--quiet"),
        ],
        check=True,
        capture_output=True,
    )
    dbt = DbtProject(
        workdir=tmp_path_factory.mktemp("paths_dbt"),
        base_vars={"journey__generic_events_path": str(sample / "events" / "*.parquet"), **VARS},
    )
    dbt.run("seed")
    dbt.run("run", "--select", *[f"+{model}" for model in PATH_MODELS])
    # unit tests and data tests (flow balance, transition balance) of the path marts
    dbt.run("test", "--select", *PATH_MODELS)
    yield dbt


@pytest.fixture(scope="module")
def events(project: DbtProject) -> pd.DataFrame:
    return project.query_df(
        "select event_id, event_at, sequence_number, event_index, session_id, user_id, "
        "event_name, is_conversion from fct_events"
    )


def ordered(events: pd.DataFrame, unit: str) -> pd.DataFrame:
    order = SESSION_ORDER if unit == "session" else USER_ORDER
    return events.sort_values(order, na_position="last", kind="stable").reset_index(drop=True)


def collapse(frame: pd.DataFrame, unit_column: str) -> pd.DataFrame:
    previous = frame.groupby(unit_column)["event_name"].shift(1)
    return frame[previous.isna() | (previous != frame["event_name"])].reset_index(drop=True)


def expected_transitions(events: pd.DataFrame, collapse_repeats: bool) -> pd.DataFrame:
    frames = []
    for unit, column in (("session", "session_id"), ("user", "user_id")):
        seq = ordered(events, unit)
        if collapse_repeats:
            seq = collapse(seq, column)
        following = seq.groupby(column)[["event_name", "event_at"]].shift(-1)
        steps = pd.DataFrame(
            {
                "path_unit": unit,
                "from_event_name": seq["event_name"],
                "to_event_name": following["event_name"].fillna("$end"),
                "seconds": (following["event_at"] - seq["event_at"]).dt.total_seconds(),
                "user_id": seq["user_id"],
                "session_id": seq["session_id"],
            }
        )
        firsts = seq.groupby(column).head(1)
        starts = pd.DataFrame(
            {
                "path_unit": unit,
                "from_event_name": "$start",
                "to_event_name": firsts["event_name"],
                "seconds": float("nan"),
                "user_id": firsts["user_id"],
                "session_id": firsts["session_id"],
            }
        )
        frames += [steps, starts]
    return (
        pd.concat(frames)
        .groupby(["path_unit", "from_event_name", "to_event_name"])
        .agg(
            transition_count=("user_id", "size"),
            user_count=("user_id", "nunique"),
            session_count=("session_id", "nunique"),
            median_seconds=("seconds", "median"),
        )
        .reset_index()
    )


def check_transitions(project: DbtProject, events: pd.DataFrame, collapse_repeats: bool) -> None:
    expected = expected_transitions(events, collapse_repeats)
    actual = project.query_df(
        "select path_unit, from_event_name, to_event_name, transition_count, user_count, "
        "session_count, cast(median_seconds_between as double) as median_model "
        "from fct_path_transitions"
    )
    merged = expected.merge(
        actual, on=["path_unit", "from_event_name", "to_event_name"], how="outer", indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    for column in ("transition_count", "user_count", "session_count"):
        assert (merged[f"{column}_x"] == merged[f"{column}_y"]).all(), column
    medians = merged.dropna(subset=["median_seconds"])
    assert (medians["median_seconds"] - medians["median_model"]).abs().max() < 1e-5
    assert merged.loc[merged["median_seconds"].isna(), "median_model"].isna().all()


def test_transitions_match_pandas(project: DbtProject, events: pd.DataFrame) -> None:
    check_transitions(project, events, collapse_repeats=False)


def expected_links(events: pd.DataFrame, analysis: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    """Sankey links of one analysis, from per-unit Python lists."""
    unit, column = analysis["unit"], f"{analysis['unit']}_id"
    seq = ordered(events, unit)
    if analysis["collapse_repeats"]:
        seq = collapse(seq, column)
    depth, anchor = analysis["max_depth"], analysis["anchor_event"]
    paths = []
    for names in seq.groupby(column, sort=False)["event_name"].agg(list):
        hits = [i for i, name in enumerate(names) if name == anchor]
        if not hits:
            continue
        at = hits[0] if analysis.get("anchor_occurrence", "first") == "first" else hits[-1]
        if analysis["direction"] == "forward":
            path = names[at : at + depth + 1]
        else:
            path = names[max(0, at - depth) : at + 1][::-1]
        paths.append(path)
    keep: dict[int, set[str]] = {}
    for step in range(1, depth + 1):
        counts = Counter(path[step] for path in paths if len(path) > step)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        keep[step] = {name for name, _ in ranked[: analysis["top_n"]]}
    links: Counter[tuple[Any, ...]] = Counter()
    for path in paths:
        labels = [path[0]] + [
            name if name in keep[step] else "Other" for step, name in enumerate(path) if step
        ]
        if len(labels) <= depth:
            labels.append("$drop_off")
        for step in range(1, len(labels)):
            links[(step, labels[step - 1], labels[step])] += 1
    return links


@pytest.mark.parametrize("analysis", ANALYSES, ids=[a["name"] for a in ANALYSES])
def test_sankey_links_match_pandas(
    project: DbtProject, events: pd.DataFrame, analysis: dict[str, Any]
) -> None:
    expected = expected_links(events, analysis)
    rows = project.query(
        "select step_index, source_node_name, target_node_name, unit_count "
        f"from fct_path_flow_links where analysis_name = '{analysis['name']}'"
    )
    actual = {(step, source, target): count for step, source, target, count in rows}
    assert len(expected) > 10 and any(key[2] == "Other" for key in expected)
    assert actual == dict(expected)


def test_sankey_anchor_counts_units_with_the_anchor(
    project: DbtProject, events: pd.DataFrame
) -> None:
    for analysis in ANALYSES:
        column = f"{analysis['unit']}_id"
        units = events.loc[events["event_name"] == analysis["anchor_event"], column].nunique()
        anchor = project.query(
            "select unit_count from fct_path_flow_nodes "
            f"where analysis_name = '{analysis['name']}' and step_index = 0"
        )
        assert anchor == [(units,)]


def test_ngrams_match_pandas(project: DbtProject, events: pd.DataFrame) -> None:
    seq = ordered(events, "session")
    following = seq.groupby("session_id")["event_name"]
    frames = []
    for size in (2, 3, 4):
        parts = [seq["event_name"]] + [following.shift(-k) for k in range(1, size)]
        grams = seq[["session_id", "user_id"]].assign(ngram_size=size)
        grams["ngram"] = parts[0].str.cat(parts[1:], sep=" > ")  # NaN when the run is cut
        frames.append(grams.dropna(subset=["ngram"]))
    expected = (
        pd.concat(frames)
        .groupby(["ngram_size", "ngram"])
        .agg(
            occurrence_count=("session_id", "size"),
            session_count=("session_id", "nunique"),
            user_count=("user_id", "nunique"),
        )
    )
    actual = project.query_df(
        "select ngram_size, ngram, occurrence_count, session_count, user_count from fct_path_ngrams"
    ).set_index(["ngram_size", "ngram"])
    pd.testing.assert_frame_equal(
        actual.sort_index().astype("int64"), expected.sort_index().astype("int64")
    )


def test_top_paths_match_pandas(project: DbtProject, events: pd.DataFrame) -> None:
    seq = collapse(ordered(events, "session"), "session_id")
    paths = seq.groupby("session_id", sort=False)["event_name"].agg(list)
    text = paths.map(lambda names: " > ".join(names[:6]) + (" > ..." if len(names) > 6 else ""))
    expected = Counter(text)
    rows = project.query("select path_rank, event_path, session_count from fct_path_top_paths")
    assert {path: count for _, path, count in rows} == dict(expected)
    ranking = sorted(expected.items(), key=lambda item: (-item[1], item[0]))
    assert [path for _, path, _ in sorted(rows)][:50] == [path for path, _ in ranking][:50]


def test_bad_path_analysis_names_the_key(tmp_path: Path) -> None:
    bad = [{**ANALYSES[0], "direction": "sideways"}]
    result = DbtProject(workdir=tmp_path).run(
        "parse", vars={"journey__path_analyses": bad}, expect_ok=False
    )
    assert not result.success
    assert "journey__path_analyses[0].direction must be forward or backward; got: sideways" in str(
        result.exception
    )
