"""Shared data structures for the attribution models.

A *path summary* has one row per distinct transformed path: the channels of the
path joined by ``" > "`` plus the number of journeys on that path that converted
(``conversions``), did not convert (``non_conversions``) and the converting
journeys' ``revenue``.  :func:`load_path_summary` parses such a table once into a
:class:`PathSummary`: channel names become integer codes (sorted by name) stored in
a ``(n_paths, max_length)`` matrix padded with ``-1``, so that every model can work
with vectorised numpy code instead of Python loops over strings.

Conventions shared by all models:

* Duplicate paths are merged by summing conversions, non-conversions and revenue.
* Whitespace around channel names is stripped (``"A >  B"`` is ``"A > B"``); names
  may contain spaces and underscores (only the separator is special).
* Bad values raise a :class:`ValueError` naming the column and the rows (by the
  frame's index; the CLI names them by file line): a null, non-numeric, negative or
  infinite count; a non-numeric, negative or infinite revenue; a null revenue on a
  row with conversions; an empty channel between two separators.
* Revenue is 0 when the column is absent, and a null revenue on a row without
  conversions counts as 0 (there is nothing to value).
* Rows whose path is empty (``""`` or null) carry no channel, so no model can give
  them credit; they are dropped with a :class:`UserWarning` naming the rows and their
  conversions.  Every "attributed conversions sum to the observed conversions"
  statement in this package is about the non-empty paths.

Every model returns an :class:`AttributionResult`: per-channel attributed
conversions and revenue, optional removal effects and the computation ``method``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

try:  # optional: pyarrow (a pandas extra, pinned in constraints.txt) speeds up parsing
    import pyarrow as pa
    import pyarrow.compute as pa_compute
except ImportError:  # pragma: no cover - exercised by forcing the fallback in tests
    pa = None
    pa_compute = None

PATH_SEPARATOR = " > "
SUMMARY_COLUMNS = ("transformed_path", "conversions", "non_conversions", "revenue")
RESULT_COLUMNS = (
    "model",
    "channel",
    "attributed_conversions",
    "attributed_revenue",
    "removal_effect",
    "value_removal_effect",
    "method",
    "attributed_conversions_lower",
    "attributed_conversions_upper",
    "attributed_revenue_lower",
    "attributed_revenue_upper",
    "bootstrap_resamples",
)

SummaryRow = tuple[Any, ...]


@dataclass(frozen=True)
class PathSummary:
    """A parsed path summary.

    Attributes:
        channels: channel names, sorted; a channel's code is its index here.
        codes: ``(n_paths, max_length)`` int32 matrix of channel codes, ``-1`` padded.
        lengths: number of touches of each path.
        conversions: converting journeys per path.
        non_conversions: non-converting journeys per path.
        revenue: revenue per path.
    """

    channels: tuple[str, ...]
    codes: np.ndarray
    lengths: np.ndarray
    conversions: np.ndarray
    non_conversions: np.ndarray
    revenue: np.ndarray

    @property
    def n_paths(self) -> int:
        """Number of distinct paths."""
        return int(self.lengths.shape[0])

    @property
    def n_channels(self) -> int:
        """Number of distinct channels."""
        return len(self.channels)

    @property
    def total_conversions(self) -> float:
        """Observed conversions over all paths."""
        return float(self.conversions.sum())

    @property
    def total_revenue(self) -> float:
        """Observed revenue over all paths."""
        return float(self.revenue.sum())

    @property
    def total_journeys(self) -> float:
        """Converting plus non-converting journeys."""
        return float(self.conversions.sum() + self.non_conversions.sum())

    def valid_mask(self) -> np.ndarray:
        """Boolean ``(n_paths, max_length)`` mask of real (non-padding) touches."""
        return self.codes >= 0

    def path_tuples(self) -> list[tuple[int, ...]]:
        """Each path as a tuple of channel codes (Python objects, for dict look-ups)."""
        rows = self.codes.tolist()
        return [tuple(row[:n]) for row, n in zip(rows, self.lengths.tolist(), strict=True)]

    def path_strings(self) -> list[str]:
        """Each path rendered back to ``"A > B"`` form."""
        names = self.channels
        return [PATH_SEPARATOR.join(names[c] for c in path) for path in self.path_tuples()]


@dataclass(frozen=True)
class AttributionResult:
    """Per-channel output of one attribution model.

    Attributes:
        model: model name as written to the result table (e.g. ``markov_order_1``).
        method: ``"exact"`` or the name of the approximation that produced the numbers.
        channels: channel names, aligned with the arrays below.
        conversions: attributed conversions per channel.
        revenue: attributed revenue per channel.
        removal_effects: Markov removal effects per channel, else ``None``.
        details: model-specific extras (conversion probability, Shapley values, ...).
    """

    model: str
    method: str
    channels: tuple[str, ...]
    conversions: np.ndarray
    revenue: np.ndarray
    removal_effects: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float]:
        """Attributed conversions keyed by channel name."""
        return dict(zip(self.channels, self.conversions.tolist(), strict=True))

    def revenue_dict(self) -> dict[str, float]:
        """Attributed revenue keyed by channel name."""
        return dict(zip(self.channels, self.revenue.tolist(), strict=True))

    def to_frame(self) -> pd.DataFrame:
        """The result as rows of the ``attribution_channel_results`` table.

        The bootstrap columns are null here (see ``attribution.results_table``).
        """
        n = len(self.channels)
        removal = np.full(n, np.nan) if self.removal_effects is None else self.removal_effects
        value_removal = self.details.get("value_removal_effects")
        if value_removal is None:
            value_removal = np.full(n, np.nan)
        missing = np.full(n, np.nan)
        return pd.DataFrame(
            {
                "model": [self.model] * n,
                "channel": list(self.channels),
                "attributed_conversions": np.asarray(self.conversions, dtype=float),
                "attributed_revenue": np.asarray(self.revenue, dtype=float),
                "removal_effect": np.asarray(removal, dtype=float),
                "value_removal_effect": np.asarray(value_removal, dtype=float),
                "method": [self.method] * n,
                "attributed_conversions_lower": missing,
                "attributed_conversions_upper": missing,
                "attributed_revenue_lower": missing,
                "attributed_revenue_upper": missing,
                "bootstrap_resamples": pd.array([pd.NA] * n, dtype="Int64"),
            },
            columns=list(RESULT_COLUMNS),
        )


def _rows_to_frame(rows: Iterable[SummaryRow]) -> pd.DataFrame:
    """Turn ``(path, conversions, non_conversions[, revenue])`` tuples into a frame."""
    records = []
    for row in rows:
        if len(row) not in (3, 4):
            raise ValueError(
                "path summary tuples must be (path, conversions, non_conversions[, revenue])"
            )
        path = row[0]
        if path is not None and not isinstance(path, str):
            path = PATH_SEPARATOR.join(str(c) for c in path)
        revenue = row[3] if len(row) == 4 else 0.0
        records.append((path, row[1], row[2], revenue))
    return pd.DataFrame.from_records(records, columns=list(SUMMARY_COLUMNS))


def _row_labels(frame: pd.DataFrame, mask: pd.Series | np.ndarray, limit: int = 5) -> str:
    """Name the first offending rows, e.g. ``row 3, row 7 (and 2 more)``.

    The label is the frame's index (a CLI sets it to the file's line numbers and names
    the index ``line``).
    """
    labels = frame.index[np.asarray(mask, dtype=bool)]
    word = frame.index.name or "row"
    named = ", ".join(f"{word} {label}" for label in labels[:limit])
    more = len(labels) - limit
    return named + (f" (and {more} more)" if more > 0 else "")


def numeric_column(frame: pd.DataFrame, column: str, *, allow_null: bool) -> pd.Series:
    """``frame[column]`` as floats; non-numeric, infinite or negative values name the row."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    bad_text = values.isna() & raw.notna()
    if bad_text.any():
        first = raw[bad_text].iloc[0]
        raise ValueError(
            f"column {column!r} must be numeric: {_row_labels(frame, bad_text)} "
            f"(first value {first!r})"
        )
    if not allow_null and values.isna().any():
        raise ValueError(
            f"column {column!r} is null at {_row_labels(frame, values.isna())}; "
            "a count must be given (use 0 for none)"
        )
    invalid = values.notna() & (~np.isfinite(values.fillna(0)) | (values < 0))
    if invalid.any():
        raise ValueError(
            f"column {column!r} must be finite and >= 0: {_row_labels(frame, invalid)}"
        )
    return values


def _normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Check columns and values, drop empty paths (with a warning), merge duplicates.

    Errors name the offending rows by the frame's index.  Cleaning rules (documented in
    the module docstring): a missing ``revenue`` column or a null revenue on a row
    without conversions counts as 0; a null revenue on a row *with* conversions is an
    error, as are null counts, non-numeric, negative or infinite numbers.
    """
    missing = [c for c in SUMMARY_COLUMNS[:3] if c not in frame.columns]
    if missing:
        raise ValueError(f"path summary is missing column(s): {', '.join(missing)}")
    conversions = numeric_column(frame, "conversions", allow_null=False)
    non_conversions = numeric_column(frame, "non_conversions", allow_null=False)
    if "revenue" in frame.columns:
        revenue = numeric_column(frame, "revenue", allow_null=True)
        unvalued = revenue.isna() & (conversions > 0)
        if unvalued.any():
            raise ValueError(
                "column 'revenue' is null on converting path(s) at "
                f"{_row_labels(frame, unvalued)}; give a value (0 if the conversions "
                "carry none)"
            )
        revenue = revenue.fillna(0.0)
    else:
        revenue = pd.Series(0.0, index=frame.index)
    out = pd.DataFrame(
        {
            "transformed_path": frame["transformed_path"].fillna("").astype(str).str.strip(),
            "conversions": conversions,
            "non_conversions": non_conversions,
            "revenue": revenue,
        },
        index=frame.index,
    )
    empty = out["transformed_path"] == ""
    if empty.any():
        warnings.warn(
            f"dropping {int(empty.sum())} path summary row(s) with an empty path "
            f"({_row_labels(frame, empty)}): no channel can receive their "
            f"{out.loc[empty, 'conversions'].sum():g} conversion(s)",
            UserWarning,
            stacklevel=3,
        )
        out = out.loc[~empty]
    out["source_row"] = frame["source_row"] if "source_row" in frame.columns else out.index
    if out["transformed_path"].duplicated().any():
        sums = {c: "sum" for c in ("conversions", "non_conversions", "revenue")}
        out = out.groupby("transformed_path", as_index=False, sort=False).agg(
            {**sums, "source_row": "first"}
        )
    return out.reset_index(drop=True)


def _split_python(paths: pd.Series, separator: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Split with ``str.split``; returns ``(token codes, distinct tokens, lengths)``."""
    pieces = [p.split(separator) for p in paths.astype(object).tolist()]
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    flat = np.fromiter(chain.from_iterable(pieces), dtype=object, count=int(lengths.sum()))
    raw_codes, raw_names = pd.factorize(flat)
    return raw_codes, list(raw_names), lengths


def _split_arrow(paths: pd.Series, separator: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Same as :func:`_split_python` with pyarrow compute kernels (much faster)."""
    values = pa.array(paths, type=pa.string())
    if isinstance(values, pa.ChunkedArray):  # pandas' arrow strings may come chunked
        values = values.combine_chunks()
    pieces = pa_compute.split_pattern(values, separator)
    lengths = pa_compute.list_value_length(pieces).to_numpy(zero_copy_only=False)
    encoded = pa_compute.dictionary_encode(pieces.flatten())
    raw_codes = encoded.indices.to_numpy(zero_copy_only=False)
    return raw_codes, encoded.dictionary.to_pylist(), lengths.astype(np.int64)


class _EmptyChannelError(ValueError):
    """A path has an empty channel; ``positions`` are the offending rows (0-based)."""

    def __init__(self, positions: np.ndarray) -> None:
        super().__init__("empty channel name")
        self.positions = positions


def _encode_paths(
    paths: pd.Series, separator: str
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, bool]:
    """Split path strings and encode the channels as sorted integer codes.

    Returns ``(channel names, codes, lengths, stripped)`` where ``stripped`` says
    whether any channel name had surrounding whitespace removed.
    """
    split = _split_arrow if pa is not None else _split_python
    raw_codes, raw_names, lengths = split(paths, separator)
    # strip whitespace on the few distinct tokens only, then re-encode sorted by name
    stripped = pd.Index(raw_names, dtype=object).str.strip()
    empty = np.asarray(stripped == "")
    if empty.any():
        rows = np.repeat(np.arange(len(lengths)), lengths)
        raise _EmptyChannelError(np.unique(rows[empty[raw_codes]]))
    name_codes, names = pd.factorize(stripped, sort=True)
    n_paths = len(lengths)
    max_len = int(lengths.max()) if n_paths else 0
    codes = np.full((n_paths, max_len), -1, dtype=np.int32)
    rows = np.repeat(np.arange(n_paths), lengths)
    starts = np.cumsum(lengths) - lengths
    cols = np.arange(len(raw_codes)) - np.repeat(starts, lengths)
    codes[rows, cols] = name_codes[raw_codes]
    stripped_any = bool((stripped != pd.Index(raw_names, dtype=object)).any())
    return tuple(str(c) for c in names), codes, lengths, stripped_any


def load_path_summary(data: Any, *, separator: str = PATH_SEPARATOR) -> PathSummary:
    """Parse a path summary (DataFrame, iterable of tuples, or a PathSummary).

    Args:
        data: a DataFrame with ``transformed_path``, ``conversions``,
            ``non_conversions`` and optionally ``revenue``; or an iterable of
            ``(path, conversions, non_conversions[, revenue])`` tuples where ``path`` is
            a string or a sequence of channel names; or an already parsed
            :class:`PathSummary` (returned unchanged).
        separator: the string between channels in ``transformed_path``.

    Returns:
        The parsed :class:`PathSummary` (see module docstring for the conventions).
    """
    if isinstance(data, PathSummary):
        return data
    frame = data if isinstance(data, pd.DataFrame) else _rows_to_frame(data)
    row_word = frame.index.name or "row"
    frame = _normalise_frame(frame)
    try:
        channels, codes, lengths, stripped = _encode_paths(frame["transformed_path"], separator)
    except _EmptyChannelError as error:
        labels = frame["source_row"].to_numpy()[error.positions[:5]]
        more = len(error.positions) - len(labels)
        raise ValueError(
            f"empty channel name in the path at {', '.join(f'{row_word} {x}' for x in labels)}"
            + (f" (and {more} more)" if more > 0 else "")
            + f": check the separator (now {separator!r}) and remove doubled separators"
        ) from None
    if stripped:  # "A >  B" and "A > B" are the same path: re-render and merge once
        frame = frame.assign(
            transformed_path=[
                separator.join(channels[c] for c in row[:n])
                for row, n in zip(codes.tolist(), lengths.tolist(), strict=True)
            ]
        )
        return load_path_summary(frame, separator=separator)
    return PathSummary(
        channels=channels,
        codes=codes,
        lengths=lengths,
        conversions=frame["conversions"].to_numpy(dtype=float),
        non_conversions=frame["non_conversions"].to_numpy(dtype=float),
        revenue=frame["revenue"].to_numpy(dtype=float),
    )


def credit_from_touch_weights(
    summary: PathSummary, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate per-touch credit shares into per-channel conversions and revenue.

    Args:
        summary: the parsed path summary.
        weights: ``(n_paths, max_length)`` share of each touch in its path's
            conversions and revenue (each row should sum to 1 over real touches).

    Returns:
        ``(conversions, revenue)`` arrays indexed by channel code.
    """
    valid = summary.valid_mask()
    channel = summary.codes[valid]
    conv = (weights * summary.conversions[:, None])[valid]
    rev = (weights * summary.revenue[:, None])[valid]
    m = summary.n_channels
    return (
        np.bincount(channel, weights=conv, minlength=m).astype(float),
        np.bincount(channel, weights=rev, minlength=m).astype(float),
    )


def share_out(total: float, scores: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to ``scores`` (zeros when the scores sum to 0)."""
    denominator = float(np.sum(scores))
    if denominator == 0.0:
        return np.zeros_like(scores, dtype=float)
    return total * np.asarray(scores, dtype=float) / denominator
