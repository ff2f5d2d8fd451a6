"""Input parsing, ``attribute_path_summary`` and the command-line scripts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import numpy as np
import pandas as pd
import pytest

from journey_analytics.attribution import (
    AVAILABLE_MODELS,
    RESULT_COLUMNS,
    attribute_path_summary,
    load_path_summary,
)
from journey_analytics.attribution import core as attribution_core

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "attribution"
UPSTREAM_SUMMARY = FIXTURES / "fractribution" / "snowplow_fractribution_path_summary_expected.csv"


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- parsing
def test_tuples_and_frame_give_same_summary() -> None:
    rows = [("Paid Search > Email_1", 1, 2, 5.0), (["Email_1"], 0, 1, None), ("Direct", 2, 0)]
    from_tuples = load_path_summary(rows)
    frame = pd.DataFrame(
        {
            "transformed_path": ["Paid Search > Email_1", "Email_1", "Direct"],
            "conversions": [1, 0, 2],
            "non_conversions": [2, 1, 0],
            "revenue": [5.0, None, 0.0],
        }
    )
    from_frame = load_path_summary(frame)
    assert from_tuples.channels == from_frame.channels == ("Direct", "Email_1", "Paid Search")
    np.testing.assert_array_equal(from_tuples.codes, from_frame.codes)
    assert from_tuples.codes.tolist() == [[2, 1], [1, -1], [0, -1]]
    assert from_frame.revenue.tolist() == [5.0, 0.0, 0.0]


def test_whitespace_and_duplicates_are_merged() -> None:
    summary = load_path_summary([(" A >  B ", 1, 1, 2.0), ("A > B", 2, 0, 3.0)])
    assert summary.path_strings() == ["A > B"]
    assert summary.conversions.tolist() == [3.0]
    assert summary.revenue.tolist() == [5.0]


def test_python_and_arrow_splitting_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.read_csv(UPSTREAM_SUMMARY)
    fast = load_path_summary(frame)
    monkeypatch.setattr(attribution_core, "pa", None)
    slow = load_path_summary(frame)
    assert fast.channels == slow.channels
    np.testing.assert_array_equal(fast.codes, slow.codes)
    custom = load_path_summary(
        pd.DataFrame(
            {
                "transformed_path": ["a|b", " a | b "],
                "conversions": [1, 1],
                "non_conversions": [0, 0],
            }
        ),
        separator="|",
    )
    assert custom.path_strings() == ["a > b"] and custom.conversions.tolist() == [2.0]


def test_empty_paths_are_dropped_with_warning() -> None:
    with pytest.warns(UserWarning, match="empty path"):
        summary = load_path_summary([("", 3, 1, 0.0), (None, 1, 0, 0.0), ("A", 1, 1, 0.0)])
    assert summary.path_strings() == ["A"]


def test_empty_summary_gives_empty_table() -> None:
    empty = pd.DataFrame(columns=["transformed_path", "conversions", "non_conversions", "revenue"])
    table = attribute_path_summary(empty, models=AVAILABLE_MODELS)
    assert table.empty and list(table.columns) == list(RESULT_COLUMNS)


def test_chunked_arrow_strings_are_parsed() -> None:
    parts = [
        pd.DataFrame({"transformed_path": [path], "conversions": [1], "non_conversions": [1]})
        for path in ("A > B", "B > C")
    ]
    frame = pd.concat(parts, ignore_index=True).astype({"transformed_path": "str"})
    assert load_path_summary(frame).path_strings() == ["A > B", "B > C"]


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        load_path_summary([("A", -1, 0, 0.0)])
    with pytest.raises(ValueError):
        load_path_summary(pd.DataFrame({"transformed_path": ["A"], "conversions": [1]}))
    with pytest.raises(ValueError):
        load_path_summary([("A >  > B", 1, 0, 0.0)])


# ---------------------------------------------------------------- table API
def test_attribute_path_summary_all_models() -> None:
    summary = pd.read_csv(UPSTREAM_SUMMARY)
    table = attribute_path_summary(summary, models=AVAILABLE_MODELS, markov_order=[1, 2, 3])
    assert list(table.columns) == list(RESULT_COLUMNS)
    expected_models = {
        "first_touch",
        "last_touch",
        "last_non_direct",
        "linear",
        "position_based",
        "markov_order_1",
        "markov_order_2",
        "markov_order_3",
        "shapley_exact",
        "shapley_path",
        "shapley_simplified",
        "shapley_ordered",
        "fractribution",
    }
    assert set(table["model"]) == expected_models
    sums = table.groupby("model")["attributed_conversions"].sum()
    assert np.allclose(sums.to_numpy(), summary["conversions"].sum())
    markov = table["model"].str.startswith("markov")
    assert table.loc[markov, "removal_effect"].notna().all()
    assert table.loc[~markov, "removal_effect"].isna().all()
    assert set(table["method"]) == {"exact"}


def test_attribute_path_summary_options() -> None:
    rows = [(f"c{i} > c{(i + 1) % 17}", 1 + i % 3, 4, 10.0) for i in range(17)]
    table = attribute_path_summary(rows, models="shapley", max_exact_channels=10)
    assert set(table["method"]) == {"permutation_sampling"}
    table = attribute_path_summary(
        rows,
        models=["shapley"],
        shapley_value_function="conversions",
        shapley_min_support=0,
        max_exact_channels=10,
    )
    assert set(table["method"]) == {"simplified"}
    with pytest.raises(ValueError, match="unknown model"):
        attribute_path_summary(rows, models="markov,bogus")
    defaults = attribute_path_summary(rows, models=None, direct_channels=None)
    assert set(defaults["model"]) == {
        "first_touch",
        "last_touch",
        "last_non_direct",
        "linear",
        "position_based",
        "markov_order_1",
        "shapley_exact",
        "shapley_path",
        "shapley_simplified",
        "shapley_ordered",
        "fractribution",
    }
    empty = attribute_path_summary(rows, models=[])
    assert list(empty.columns) == list(RESULT_COLUMNS) and empty.empty


# ---------------------------------------------------------------- scripts
def test_run_attribution_duckdb_roundtrip(tmp_path: Path) -> None:
    script = load_script("run_attribution")
    database = tmp_path / "attribution.duckdb"
    summary = pd.read_csv(UPSTREAM_SUMMARY)
    with duckdb.connect(str(database)) as con:
        con.register("frame", summary)
        con.execute("create table fct_attribution_path_summary as select * from frame")
    status = script.main(
        [
            "--database",
            str(database),
            "--models",
            "markov,fractribution",
            "--markov-order",
            "1,2",
            "--bootstrap",
            "0",
        ]
    )
    assert status == 0
    with duckdb.connect(str(database), read_only=True) as con:
        stored = con.execute(
            "select * from attribution_channel_results order by model, channel"
        ).df()
        nulls = con.execute(
            "select count(*) from attribution_channel_results "
            "where removal_effect is null and model = 'fractribution'"
        ).fetchone()
    assert list(stored.columns) == list(RESULT_COLUMNS)
    assert set(stored["model"]) == {"markov_order_1", "markov_order_2", "fractribution"}
    assert nulls == (6,)
    frac = stored.loc[stored["model"] == "fractribution"].set_index("channel")
    assert frac.loc["Direct", "attributed_conversions"] == pytest.approx(3.5409582690664606)


def test_run_attribution_csv_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    script = load_script("run_attribution")
    out_csv = tmp_path / "results.csv"
    status = script.main(
        [
            "--csv",
            str(UPSTREAM_SUMMARY),
            "--models",
            "last_touch",
            "--out-csv",
            str(out_csv),
            "--no-progress",
        ]
    )
    assert status == 0
    assert "last_touch_share" in capsys.readouterr().out
    assert pd.read_csv(out_csv)["attributed_conversions"].sum() == pytest.approx(6.0)


def test_run_attribution_rejects_odd_table_names(tmp_path: Path) -> None:
    from journey_analytics.runner import quote_table_name

    assert quote_table_name("main.results") == '"main"."results"'
    script = load_script("run_attribution")
    database = tmp_path / "never_opened.duckdb"
    with pytest.raises(ValueError, match="not a plain table name"):
        script.main(["--database", str(database), "--table", "results; drop table x"])
    assert not database.exists()


@pytest.mark.parametrize("name", ["run_attribution", "benchmark_attribution"])
def test_scripts_help(name: str, capsys: pytest.CaptureFixture) -> None:
    script = load_script(name)
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--help"])
    assert exit_info.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_benchmark_tiny_run(capsys: pytest.CaptureFixture) -> None:
    script = load_script("benchmark_attribution")
    status = script.main(
        [
            "--journeys",
            "3000",
            "--channels",
            "5",
            "--shapley-channels",
            "6,8",
            "--shapley-journeys",
            "2000",
            "--no-progress",
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert "markov_order_2" in out and "shapley_8" in out and "shapley_path_8" in out


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("conversions", [1, None, 2], r"column 'conversions' is null at row 11"),
        ("non_conversions", [1, "x", 2], r"column 'non_conversions' must be numeric: row 11"),
        ("revenue", [1.0, -2.0, 3.0], r"column 'revenue' must be finite and >= 0: row 11"),
        ("revenue", [1.0, None, 3.0], r"null on converting path\(s\) at row 11"),
        ("revenue", [1.0, float("inf"), 3.0], r"column 'revenue' must be finite"),
    ],
)
def test_bad_values_name_the_row(column: str, values: list, message: str) -> None:
    frame = pd.DataFrame(
        {
            "transformed_path": ["A > B", "B", "A"],
            "conversions": [1, 1, 1],
            "non_conversions": [1, 1, 1],
            "revenue": [1.0, 1.0, 1.0],
        },
        index=[10, 11, 12],
    )
    frame[column] = values
    with pytest.raises(ValueError, match=message):
        load_path_summary(frame)


def test_empty_channel_names_its_row_even_after_merging_duplicates() -> None:
    rows = [("A > B", 1, 1, 1.0), ("A > B", 1, 0, 1.0), ("C >  > D", 1, 1, 1.0)]
    with pytest.raises(ValueError, match=r"empty channel name in the path at row 2"):
        load_path_summary(rows)
