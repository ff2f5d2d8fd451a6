"""scripts/run_attribution.py on a user's own path files: columns, separators, formats, errors.

Expected credits are worked out by hand from the small files written here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

# channels joined by ">" with stray spaces; columns named as a user's export would be
USER_CSV = """channels,orders,visits,value
Search>Email,3,10,30
Email,2,5,20
Search> Social >Email,1,4,12.5
Social,0,3,
"""


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "run_attribution", ROOT / "scripts" / "run_attribution.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_attribution"] = module
    spec.loader.exec_module(module)
    return module


USER_ARGS = [
    "--path-column",
    "channels",
    "--conversions-column",
    "orders",
    "--journeys-column",
    "visits",
    "--revenue-column",
    "value",
    "--no-progress",
]


def run(tmp_path: Path, text: str, *extra: str) -> tuple[int, Path]:
    source = tmp_path / "paths.csv"
    source.write_text(text)
    out = tmp_path / "out"
    status = load_script().main(["--input", str(source), "--out-dir", str(out), *extra])
    return status, out


def credit(table: pd.DataFrame, model: str) -> dict[str, float]:
    rows = table.loc[table["model"] == model]
    return dict(zip(rows["channel"], rows["attributed_conversions"], strict=True))


# first touch: Search 3 + 1 = 4, Email 2; last touch: Email 3 + 2 + 1 = 6
# linear: Search 3/2 + 1/3, Email 3/2 + 2 + 1/3, Social 1/3
def test_mapped_columns_detected_separator_and_all_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    status, out = run(tmp_path, USER_CSV, *USER_ARGS, "--bootstrap", "30")
    assert status == 0
    err = capsys.readouterr().err
    assert "separator detected: '>'" in err
    assert "stripped spaces around channel names in 1 path(s)" in err
    results = pd.read_csv(out / "channel_results.csv")
    assert credit(results, "first_touch") == pytest.approx({"Email": 2, "Search": 4, "Social": 0})
    assert credit(results, "last_touch") == pytest.approx({"Email": 6, "Search": 0, "Social": 0})
    assert credit(results, "linear") == pytest.approx(
        {"Email": 3.5 + 1 / 3, "Search": 1.5 + 1 / 3, "Social": 1 / 3}
    )
    # heuristics and every data-driven model are in the default output
    assert {
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
    } == set(results["model"])
    assert (results["bootstrap_resamples"] == 30).all()
    assert (
        results["attributed_conversions_lower"] <= results["attributed_conversions"] + 1e-9
    ).all()
    # value 12.5 + 30 + 20 = 62.5; the empty value is on a path without orders
    assert results.groupby("model")["attributed_revenue"].sum().to_numpy() == pytest.approx(62.5)
    # ordered Shapley per position: Search > Social > Email (1 order) gives 1/3 at each
    # position; the path Social (no order) puts Social at position 1 with 0
    by_position = pd.read_csv(out / "shapley_ordered_by_position.csv")
    social = by_position.loc[by_position["channel"] == "Social"]
    assert dict(zip(social["touch_position"], social["attributed_conversions"], strict=True)) == (
        pytest.approx({1: 0.0, 2: 1 / 3})
    )
    for name in (
        "comparison",
        "comparison_revenue",
        "fractribution_path_shares",
        "shapley_path_path_shares",
        "model_details",
        "channel_details",
    ):
        assert (out / f"{name}.csv").exists()
    comparison = pd.read_csv(out / "comparison.csv")
    email = comparison.set_index("channel").loc["Email"]
    assert email["last_touch_share"] == pytest.approx(1.0)
    assert email["first_touch_share"] == pytest.approx(1 / 3)


def test_parquet_in_and_out_with_an_explicit_separator(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "journey_path": ["Search|Email", "Email", "Search|Social|Email", "Social"],
            "conv": [3, 2, 1, 0],
            "no_conv": [7, 3, 3, 3],
            "rev": [30.0, 20.0, 12.5, 0.0],
        }
    )
    source = tmp_path / "paths.parquet"
    frame.to_parquet(source)
    out = tmp_path / "out"
    status = load_script().main(
        [
            "--input",
            str(source),
            "--path-column",
            "journey_path",
            "--conversions-column",
            "conv",
            "--non-conversions-column",
            "no_conv",
            "--revenue-column",
            "rev",
            "--separator",
            "|",
            "--models",
            "first_touch,markov",
            "--bootstrap",
            "0",
            "--out-dir",
            str(out),
            "--out-format",
            "parquet",
            "--no-progress",
        ]
    )
    assert status == 0
    results = pd.read_parquet(out / "channel_results.parquet")
    assert credit(results, "first_touch") == pytest.approx({"Email": 2, "Search": 4, "Social": 0})
    assert results.loc[results["model"] == "markov_order_1", "value_removal_effect"].notna().all()
    assert (out / "comparison.parquet").exists()


def test_every_path_single_channel_is_a_loud_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="every path has a single channel when split on ' > '"):
        run(tmp_path, USER_CSV, *USER_ARGS, "--separator", " > ")
    # a file that really has one channel per path passes with the flag
    single = "channels,orders,visits,value\nEmail,2,5,20\nSearch,1,4,10\n"
    with pytest.raises(SystemExit, match="single channel"):
        run(tmp_path, single, *USER_ARGS)
    status, _ = run(
        tmp_path, single, *USER_ARGS, "--allow-single-channel-paths", "--bootstrap", "0"
    )
    assert status == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Search>>Email,3,10,30", r"empty channel name in the path at line 3"),
        ("Search>Email,,10,30", r"column 'orders' is null at line 3"),
        (
            "Search>Email,3,10,lots",
            r"column 'value' must be numeric: line 3 \(first value 'lots'\)",
        ),
        ("Search>Email,3,10,-5", r"column 'value' must be finite and >= 0: line 3"),
        ("Search>Email,3,10,", r"column 'value' is null on converting path\(s\) at line 3"),
        ("Search>Email,3,2,30", r"column 'visits' is smaller than column 'orders' at line 3"),
        ("Search>Email,-1,10,0", r"column 'orders' must be finite and >= 0: line 3"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, row: str, message: str) -> None:
    text = "channels,orders,visits,value\nEmail,2,5,20\n" + row + "\n"
    with pytest.raises(SystemExit, match=message):
        run(tmp_path, text, *USER_ARGS, "--bootstrap", "0")


def test_empty_path_is_reported_not_silently_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    text = "channels,orders,visits,value\nSearch>Email,3,10,30\n,1,2,5\n"
    status, _ = run(tmp_path, text, *USER_ARGS, "--bootstrap", "0", "--models", "last_touch")
    assert status == 0
    assert "dropping 1 path summary row(s) with an empty path (line 3)" in capsys.readouterr().err


def test_missing_column_lists_the_columns(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"column 'orders' \(--conversions-column\) is not in"):
        run(
            tmp_path,
            "path,conversions,non_conversions\nA>B,1,1\n",
            "--path-column",
            "path",
            "--conversions-column",
            "orders",
        )


def test_help_explains_every_model(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        load_script().main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for model in (
        "first_touch",
        "last_touch",
        "last_non_direct",
        "linear",
        "position_based",
        "markov",
        "shapley_path",
        "shapley_simplified",
        "shapley_ordered",
        "fractribution",
    ):
        assert f"\n  {model} " in text
    assert "formulas" in text and "--separator" in text and "--bootstrap" in text
