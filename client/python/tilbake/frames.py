"""Trend rows and the quality report as tables: typed results of
Client.trends() and Client.report(), and pandas DataFrames from them.

The columns are those of `tilbake trends|report --format=csv --column_keys`
(docs/exports.md), so a notebook and a spreadsheet show the same figures:
percentages 0-100, measures in full precision, and a figure the server left
out for small cells (docs/security.md) empty (None; in a frame NaN, or <NA>
in a count column, which stays an integer), also where the API's count
reads 0. pandas is optional: `pip install
./client/python[frames]`, or Debian's python3-pandas.
"""

import datetime
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from tilbake.v1 import feedback_pb2, trends_pb2

# (key, kind): "count" (an int, None when left out) or "measure" (a float,
# None when absent or left out). The order is the CSV's.
OUTCOME_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("series", "count"),
    # The clients of those series, each once (absent: see trends.proto).
    ("distinct_clients", "measure"),
    ("mean_intake", "measure"),
    ("mean_latest", "measure"),
    ("mean_change", "measure"),
    ("effect_size", "measure"),
    ("severity_adjusted_effect_size", "measure"),
    ("relative_effect_size", "measure"),
    ("pct_reliable_improvement", "measure"),
    ("pct_reliable_recovery", "measure"),
    ("pct_reliable_deterioration", "measure"),
    ("pct_reached_target", "measure"),
    ("planned_endings", "count"),
    ("unilateral_endings", "count"),
    ("unilateral_with_effect", "count"),
    ("unilateral_without_effect", "count"),
    ("mean_sessions", "measure"),
    ("mean_days", "measure"),
    ("mean_first_alliance", "measure"),
)

ACTIVITY_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("administrations", "count"),
    ("completed", "count"),
    ("collateral", "count"),
    ("mean_score", "measure"),
    ("in_clinical_range", "count"),
    ("pct_in_clinical_range", "measure"),
    ("episodes_started", "count"),
)
# Sessions belong to no instrument and no age band: only in queries with
# neither (as the API).
SESSION_COLUMNS: Tuple[Tuple[str, str], ...] = (
    ("sessions", "count"),
    ("pct_sessions_with_ors", "measure"),
    ("pct_sessions_with_srs", "measure"),
    ("pct_sessions_with_inspire", "measure"),
)

# The intake groups of an outcome: key, and the TrendRow/OutcomeIndices
# field holding its figures.
INTAKES = (("all", "all"), ("below_cutoff", "intake_below_cutoff"),
           ("above_cutoff", "intake_above_cutoff"))

_GROUP_KEYS = {
    trends_pb2.TREND_GROUP_BY_ORG_UNIT: ("org_unit", "org_unit"),
    trends_pb2.TREND_GROUP_BY_CLINICIAN: ("clinician", "clinician_id"),
    trends_pb2.TREND_GROUP_BY_INSTRUMENT: ("instrument", "instrument_id"),
    trends_pb2.TREND_GROUP_BY_AGE_BAND: ("age_band", "age_band"),
}

AGE_BANDS = {
    feedback_pb2.AGE_BAND_UNDER_6: "under-6",
    feedback_pb2.AGE_BAND_CHILD: "child",
    feedback_pb2.AGE_BAND_ADOLESCENT: "adolescent",
    feedback_pb2.AGE_BAND_ADULT: "adult",
}


def _date(d: feedback_pb2.Date) -> datetime.date:
    return datetime.date(d.year, d.month, d.day)


def _figures(message, columns, shown: bool) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, kind in columns:
        if not shown:
            out[key] = None
        elif kind == "count":
            out[key] = getattr(message, key)
        else:
            out[key] = getattr(message, key) if message.HasField(key) else None
    return out


def outcome_figures(o: trends_pb2.OutcomeFigures) -> Dict[str, Any]:
    """One group's outcome figures by column key (None where left out)."""
    out = _figures(o, OUTCOME_COLUMNS, not o.suppressed)
    out["outcome_suppressed"] = o.suppressed
    return out


def _frame(records: List[Dict[str, Any]], columns: Sequence[str],
           dates: Sequence[str] = ()):
    try:
        import pandas  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        raise ImportError(
            "to_frame() needs pandas: pip install './client/python[frames]' "
            "or apt install python3-pandas") from error
    frame = pandas.DataFrame.from_records(records, columns=list(columns))
    for column in dates:
        frame[column] = pandas.to_datetime(frame[column])
    # Counts stay integers where some are left out (pandas' nullable Int64,
    # <NA>), rather than turning into floats beside NaN.
    for column in columns:
        values = [r.get(column) for r in records]
        present = [v for v in values if v is not None]
        if (present and None in values and
                all(isinstance(v, int) and not isinstance(v, bool)
                    for v in present)):
            frame[column] = frame[column].astype("Int64")
    return frame


class Trends(Sequence[trends_pb2.TrendRow]):
    """The rows of a trend query (trends_pb2.TrendRow, documented in
    proto/tilbake/v1/trends.proto), with the request that made them."""

    def __init__(self, request: trends_pb2.QueryTrendsRequest,
                 rows: List[trends_pb2.TrendRow]):
        self.request = request
        self.rows = rows

    def __getitem__(self, index):
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[trends_pb2.TrendRow]:
        return iter(self.rows)

    @property
    def small_cell_threshold(self) -> int:
        """Figures from fewer clients than this were left out (0: none)."""
        return self.rows[0].small_cell_threshold if self.rows else 0

    def columns(self, split: bool = False) -> List[str]:
        r = self.request
        keys = ["bucket_start", "bucket_end"]
        keys += [_GROUP_KEYS[g][0] for g in r.group_by if g in _GROUP_KEYS]
        if split:
            keys.append("intake")
        keys.append("clients")
        keys += [k for k, _ in ACTIVITY_COLUMNS]
        if self._with_sessions():
            keys += [k for k, _ in SESSION_COLUMNS]
        keys.append("activity_suppressed")
        keys += [k for k, _ in OUTCOME_COLUMNS]
        keys += ["outcome_suppressed", "collateral_series"]
        return keys

    def _with_sessions(self) -> bool:
        r = self.request
        return (trends_pb2.TREND_GROUP_BY_INSTRUMENT not in r.group_by
                and trends_pb2.TREND_GROUP_BY_AGE_BAND not in r.group_by
                and not r.instrument_ids
                and r.age_band == feedback_pb2.AGE_BAND_UNSPECIFIED)

    def records(self, split: bool = False) -> List[Dict[str, Any]]:
        """One dict per group and bucket (three with `split`: intake all,
        below_cutoff, above_cutoff), keyed by column."""
        records = []
        sessions = self._with_sessions()
        for row in self.rows:
            for intake, field in INTAKES if split else INTAKES[:1]:
                record: Dict[str, Any] = {
                    "bucket_start": _date(row.bucket_start),
                    "bucket_end": _date(row.bucket_end)}
                for group in self.request.group_by:
                    if group not in _GROUP_KEYS:
                        continue
                    key, attribute = _GROUP_KEYS[group]
                    value = getattr(row, attribute)
                    record[key] = (AGE_BANDS.get(value, "")
                                   if key == "age_band" else value)
                if split:
                    record["intake"] = intake
                shown = not row.activity_suppressed
                # The people with forms of their own, each once.
                record["clients"] = (
                    row.distinct_clients
                    if shown and row.HasField("distinct_clients") else None)
                record.update(_figures(row.activity, ACTIVITY_COLUMNS, shown))
                if sessions:
                    record.update(_figures(row.activity, SESSION_COLUMNS,
                                           shown))
                record["activity_suppressed"] = row.activity_suppressed
                record.update(outcome_figures(getattr(row, field)))
                record["collateral_series"] = row.collateral_series
                records.append(record)
        return records

    def to_frame(self, split: bool = False):
        """A pandas DataFrame, one row per group and bucket (per intake
        group too with `split`), columns as columns()."""
        return _frame(self.records(split), self.columns(split),
                      dates=("bucket_start", "bucket_end"))


REPORT_TABLES = ("summary", "indices", "outcomes", "age_bands", "alliance",
                 "recovery_support")

_INDEX_COLUMNS = (
    ("episodes", "count"), ("distinct_clients", "measure"),
    ("collateral_series", "always"),
    ("mean_intake_srs", "measure"), ("mean_sessions", "measure"),
    ("mean_days", "measure"), ("effect_size", "measure"),
    ("severity_adjusted_effect_size", "measure"),
    ("relative_effect_size", "measure"), ("pct_reached_target", "measure"),
    ("planned_endings", "count"), ("unilateral_with_effect", "count"),
    ("unilateral_without_effect", "count"),
)


class Report:
    """A quality report (trends_pb2.QualityReport, documented in
    proto/tilbake/v1/trends.proto; its fields read through), and its tables
    as records or DataFrames: summary, indices (one row per outcome
    measure), outcomes (per measure and intake group), age_bands, alliance,
    recovery_support."""

    def __init__(self, message: trends_pb2.QualityReport):
        self.message = message

    def __getattr__(self, name: str):
        return getattr(self.message, name)

    def records(self, table: str = "outcomes") -> List[Dict[str, Any]]:
        r = self.message
        if table == "summary":
            out = {"episodes_started": r.episodes_started,
                   "sessions": r.sessions}
            for key in ("pct_sessions_with_ors", "pct_sessions_with_srs",
                        "pct_sessions_with_inspire"):
                out[key] = getattr(r, key) if r.HasField(key) else None
            out["collateral_administrations"] = r.collateral_administrations
            return [out]
        if table == "indices":
            rows = []
            for o in r.outcomes:
                shown = not o.all.suppressed
                row: Dict[str, Any] = {"instrument": o.instrument_id}
                for key, kind in _INDEX_COLUMNS:
                    if kind == "always":
                        row[key] = getattr(o, key)
                    else:
                        row.update(_figures(o, ((key, kind),), shown))
                rows.append(row)
            return rows
        if table == "outcomes":
            return [dict({"instrument": o.instrument_id, "intake": intake},
                         **outcome_figures(getattr(o, field)))
                    for o in r.outcomes for intake, field in INTAKES]
        if table == "age_bands":
            return [{"instrument": o.instrument_id,
                     "age_band": AGE_BANDS.get(b.age_band, ""),
                     "clients": b.clients,
                     "distinct_clients": (b.distinct_clients
                                          if b.HasField("distinct_clients")
                                          else None),
                     "mean_intake": (b.mean_intake
                                     if b.HasField("mean_intake") else None)}
                    for o in r.outcomes for b in o.by_age_band]
        if table == "alliance":
            return [dict({"instrument": a.instrument_id},
                         **_figures(a, (("completed", "count"),
                                        ("below_cutoff", "count"),
                                        ("pct_below_cutoff", "measure")),
                                    not a.suppressed),
                         suppressed=a.suppressed)
                    for a in r.alliance]
        if table == "recovery_support":
            return [{"instrument": m.instrument_id, "completed": m.completed,
                     "mean": m.mean if m.HasField("mean") else None}
                    for m in r.recovery_support]
        raise ValueError(f"table: {table!r} is not one of "
                         f"{', '.join(REPORT_TABLES)}")

    def columns(self, table: str = "outcomes") -> List[str]:
        if table == "summary":
            return ["episodes_started", "sessions", "pct_sessions_with_ors",
                    "pct_sessions_with_srs", "pct_sessions_with_inspire",
                    "collateral_administrations"]
        if table == "indices":
            return ["instrument"] + [k for k, _ in _INDEX_COLUMNS]
        if table == "outcomes":
            return (["instrument", "intake"] + [k for k, _ in OUTCOME_COLUMNS]
                    + ["outcome_suppressed"])
        if table == "age_bands":
            return ["instrument", "age_band", "clients", "distinct_clients",
                    "mean_intake"]
        if table == "alliance":
            return ["instrument", "completed", "below_cutoff",
                    "pct_below_cutoff", "suppressed"]
        if table == "recovery_support":
            return ["instrument", "completed", "mean"]
        raise ValueError(f"table: {table!r} is not one of "
                         f"{', '.join(REPORT_TABLES)}")

    def to_frame(self, table: str = "outcomes"):
        """One of the report's tables as a pandas DataFrame (default: the
        outcomes, one row per measure and intake group)."""
        return _frame(self.records(table), self.columns(table))


def trends_request(tenant: str, start: feedback_pb2.Date,
                   end: feedback_pb2.Date, *, org_unit: str = "",
                   clinician: str = "", instruments: Sequence[str] = (),
                   age_band: Optional[str] = None, bucket: str = "month",
                   group_by: Sequence[str] = ("instrument",),
                   depth: int = 0) -> trends_pb2.QueryTrendsRequest:
    """The QueryTrendsRequest of Client.trends() (names as the CLI's)."""
    buckets = {"week": trends_pb2.TREND_BUCKET_WEEK,
               "month": trends_pb2.TREND_BUCKET_MONTH,
               "quarter": trends_pb2.TREND_BUCKET_QUARTER,
               "year": trends_pb2.TREND_BUCKET_YEAR,
               "all": trends_pb2.TREND_BUCKET_WHOLE_PERIOD}
    if bucket not in buckets:
        raise ValueError(f"bucket: {bucket!r} is not one of "
                         f"{', '.join(buckets)}")
    groups = {key: group for group, (key, _) in _GROUP_KEYS.items()}
    request = trends_pb2.QueryTrendsRequest(
        tenant_id=tenant, org_unit=org_unit, clinician_id=clinician,
        instrument_ids=list(instruments), bucket=buckets[bucket],
        org_unit_depth=depth)
    for key in group_by:
        if key not in groups:
            raise ValueError(f"group_by: {key!r} is not one of "
                             f"{', '.join(groups)}")
        request.group_by.append(groups[key])
    if age_band is not None:
        bands = {name: band for band, name in AGE_BANDS.items()}
        if age_band not in bands:
            raise ValueError(f"age_band: {age_band!r} is not one of "
                             f"{', '.join(bands)}")
        request.age_band = bands[age_band]
    getattr(request, "from").CopyFrom(start)
    request.to.CopyFrom(end)
    return request
