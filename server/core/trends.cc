#include "server/core/trends.h"

#include <algorithm>
#include <array>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "analytics/distinct_clients.h"
#include "common/identifiers.h"
#include "common/status_macros.h"

namespace tilbake::core {
namespace {

using analytics::CellKey;
using analytics::CellKind;
using analytics::Granularity;
using analytics::Sums;
using domain::IntakeClass;

constexpr int kMaxBuckets = 520;  // Ten years of weeks.

double D(int64_t v) { return static_cast<double>(v); }

// The rows per group a query gives are its buckets of the size asked for
// (weeks, months, quarters, years, or one), counted over the weeks or
// months [first, last] it reads; more than kMaxBuckets is refused, with a
// larger bucket suggested while there is one.
absl::Status CheckBucketCount(BucketSize bucket, int32_t first, int32_t last) {
  int64_t count = 0;
  const char* larger = nullptr;
  switch (bucket) {
    case BucketSize::kWeek:
      count = last - first + 1;
      larger = "month";
      break;
    case BucketSize::kMonth:
      count = last - first + 1;
      larger = "quarter";
      break;
    case BucketSize::kQuarter:
      count = (last - last % 3 - (first - first % 3)) / 3 + 1;
      larger = "year";
      break;
    case BucketSize::kYear:
      count = (last - last % 12 - (first - first % 12)) / 12 + 1;
      larger = "all";
      break;
    case BucketSize::kWholePeriod:
      count = 1;
      break;
  }
  if (count <= kMaxBuckets) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "period: ", count, " buckets, more than ", kMaxBuckets, "; choose ",
      larger != nullptr ? absl::StrCat("a larger bucket (", larger, ") or ")
                        : "",
      "a shorter period"));
}

// Adds `from` into `to`, field by field (shorter stored layouts add zeros).
void AddInto(Sums& to, const Sums& from) {
  for (size_t i = 0; i < from.size() && i < to.size(); ++i) to[i] += from[i];
}

// Outcome sums of one intake class, plus the SD-scaled effect size sums that
// need the instrument of each cell.
struct OutcomeAccumulator {
  Sums sums = Sums(analytics::episode::kFields, 0);
  double es_sum = 0;
  int64_t es_n = 0;
  double saes_sum = 0;
  int64_t saes_n = 0;

  void Add(const Sums& cell, std::optional<double> sd) {
    for (size_t i = 0; i < cell.size() && i < sums.size(); ++i)
      sums[i] += cell[i];
    if (!sd.has_value()) return;
    es_sum += D(cell[analytics::episode::kChangeSum]) / 10.0 / *sd;
    es_n += cell[analytics::episode::kSeries];
    saes_sum += D(cell[analytics::episode::kVsExpectedSum]) / 10.0 / *sd;
    saes_n += cell[analytics::episode::kWithExpected];
  }
  void Add(const OutcomeAccumulator& o) {
    for (size_t i = 0; i < sums.size(); ++i) sums[i] += o.sums[i];
    es_sum += o.es_sum;
    es_n += o.es_n;
    saes_sum += o.saes_sum;
    saes_n += o.saes_n;
  }
};

struct Accumulator {
  Sums admin = Sums(analytics::admin::kFields, 0);
  Sums session = Sums(analytics::session::kFields, 0);
  OutcomeAccumulator below, above, unknown;
  int64_t collateral_series = 0;
  // Client series per (instrument, granularity, bucket): cells of other org
  // units, clinicians and age bands hold other episodes and add up; the
  // same client is in several instruments' and buckets' cells, so the row's
  // clients are the largest of these.
  std::map<std::tuple<std::string, char, int32_t>, int64_t> client_series;
  // Distinct clients: with a form of their own; with a series that ended,
  // by intake class (kNone: every class).
  int64_t clients_seen = 0;
  std::map<IntakeClass, int64_t> clients_ended;
};

using GroupKey = std::tuple<std::string, std::string, std::string, int,
                            absl::CivilDay, absl::CivilDay>;

std::optional<double> Ratio(double numerator, double denominator) {
  if (denominator == 0) return std::nullopt;
  return numerator / denominator;
}

OutcomeFigures Figures(const OutcomeAccumulator& a) {
  namespace e = analytics::episode;
  const Sums& s = a.sums;
  const double n = static_cast<double>(s[e::kSeries]);
  OutcomeFigures f;
  f.series = s[e::kSeries];
  f.mean_intake = Ratio(D(s[e::kIntakeSum]) / 10.0, n);
  f.mean_latest = Ratio(D(s[e::kLatestSum]) / 10.0, n);
  f.mean_change = Ratio(D(s[e::kChangeSum]) / 10.0, n);
  f.effect_size = Ratio(a.es_sum, static_cast<double>(a.es_n));
  f.severity_adjusted_effect_size =
      Ratio(a.saes_sum, static_cast<double>(a.saes_n));
  // Actual against expected change, over the series with a target:
  // expected = (target − pre) = (post − pre) − (post − target).
  const double expected_change =
      static_cast<double>(s[e::kChangeWithExpectedSum] - s[e::kVsExpectedSum]);
  if (expected_change > 0) {
    f.relative_effect_size =
        static_cast<double>(s[e::kChangeWithExpectedSum]) / expected_change;
  }
  auto pct = [&](size_t field) { return Ratio(100.0 * D(s[field]), n); };
  f.pct_improved = pct(e::kImproved);
  f.pct_deteriorated = pct(e::kDeteriorated);
  f.pct_recovered = pct(e::kRecovered);
  f.pct_reached_target = pct(e::kReachedTarget);
  f.planned = s[e::kPlanned];
  f.unilateral = s[e::kUnilateral];
  f.unilateral_with_effect = s[e::kUnilateralWithEffect];
  f.mean_sessions = Ratio(static_cast<double>(s[e::kSessionsSum]), n);
  f.mean_days = Ratio(static_cast<double>(s[e::kDaysSum]), n);
  f.mean_first_alliance = Ratio(D(s[e::kFirstAllianceSum]) / 10.0,
                                static_cast<double>(s[e::kFirstAllianceCount]));
  return f;
}

ActivityFigures Activity(const Accumulator& a, bool sessions_known) {
  namespace ad = analytics::admin;
  namespace se = analytics::session;
  ActivityFigures f;
  f.administrations = a.admin[ad::kRecorded];
  f.completed = a.admin[ad::kCompleted];
  f.collateral = a.admin[ad::kCollateral];
  f.mean_score = Ratio(D(a.admin[ad::kTotalSum]) / 10.0,
                       static_cast<double>(a.admin[ad::kCompleted]));
  f.in_clinical_range = a.admin[ad::kInClinicalRange];
  f.pct_in_clinical_range = Ratio(100.0 * D(a.admin[ad::kInClinicalRange]),
                                  static_cast<double>(a.admin[ad::kCompleted]));
  if (sessions_known) {
    const double sessions = static_cast<double>(a.session[se::kRecorded]);
    f.sessions = a.session[se::kRecorded];
    f.episodes_started = a.session[se::kEpisodesStarted];
    f.pct_sessions_with_outcome =
        Ratio(100.0 * D(a.session[se::kOutcomeCompleted]), sessions);
    f.pct_sessions_with_alliance =
        Ratio(100.0 * D(a.session[se::kAllianceCompleted]), sessions);
    f.pct_sessions_with_inspire =
        Ratio(100.0 * D(a.session[se::kInspireCompleted]), sessions);
  }
  return f;
}

std::string Truncate(const std::string& org_unit, int depth) {
  if (depth <= 0) return org_unit;
  std::vector<absl::string_view> levels = absl::StrSplit(org_unit, '/');
  if (static_cast<int>(levels.size()) <= depth) return org_unit;
  levels.resize(depth);
  return absl::StrJoin(levels, "/");
}

// Cells of one granularity with buckets in [from, to].
struct Span {
  Granularity granularity;
  int32_t from;
  int32_t to;
};

int Depth(absl::string_view org_unit) {
  if (org_unit.empty()) return 0;
  return static_cast<int>(std::count(org_unit.begin(), org_unit.end(), '/')) +
         1;
}

// Which org units' distinct-client cells of one kind ("below": an org
// unit with every unit below it; else the unit alone) make the org-unit
// part of a query's rows, or nullopt when none of that kind do. Rows
// without org-unit grouping are the filter's unit and everything below it;
// rows by org unit "as is" are single units; rows by the first N levels are
// the units of level N with theirs below them, and the shallower units
// alone, unless the filter is at level N or deeper, when every row is the
// filter's unit with everything below it.
std::optional<storage::Store::OrgUnitFilter> DistinctOrgUnits(
    const TrendQuery& q, bool by_org, bool below) {
  const int depth = q.org_unit_depth;
  if (!by_org || (depth > 0 && Depth(q.org_unit) >= depth)) {
    if (!below) return std::nullopt;
    const std::string unit = q.org_unit;
    return [unit](absl::string_view org) { return org == unit; };
  }
  if (depth == 0) {
    if (below) return std::nullopt;
    return storage::Store::OrgUnitFilter();  // Every unit, each alone.
  }
  if (below) {
    return [depth](absl::string_view org) { return Depth(org) == depth; };
  }
  return [depth](absl::string_view org) { return Depth(org) < depth; };
}

// The cells a query reads: weeks or months (`first`..`last`), except that
// for yearly and whole-period buckets the calendar years wholly inside the
// months are read as year cells (the same sums, a twelfth of the cells), so
// the cost of a long period grows with its years, not its months.
std::vector<Span> SpansFor(const TrendQuery& q, Granularity g, int32_t first,
                           int32_t last) {
  if (g != Granularity::kMonth ||
      (q.bucket != BucketSize::kYear && q.bucket != BucketSize::kWholePeriod)) {
    return {{g, first, last}};
  }
  const int32_t first_year = first / 12 + (first % 12 == 0 ? 0 : 1);
  const int32_t last_year = last / 12 - (last % 12 == 11 ? 0 : 1);
  if (first_year > last_year) return {{g, first, last}};
  std::vector<Span> spans;
  if (first < first_year * 12) spans.push_back({g, first, first_year * 12 - 1});
  spans.push_back({Granularity::kYear, first_year, last_year});
  if ((last_year + 1) * 12 <= last) {
    spans.push_back({g, (last_year + 1) * 12, last});
  }
  return spans;
}

// The output bucket [start, end] that a cell falls in. `first` and `last`
// are the query's week or month buckets (granularity `g`).
std::pair<absl::CivilDay, absl::CivilDay> OutputBucket(const TrendQuery& q,
                                                       const CellKey& cell,
                                                       Granularity g,
                                                       int32_t first,
                                                       int32_t last) {
  const int32_t bucket = cell.bucket;
  if (cell.granularity == Granularity::kYear &&
      q.bucket != BucketSize::kWholePeriod) {
    return {analytics::BucketStart(Granularity::kYear, bucket),
            analytics::BucketEnd(Granularity::kYear, bucket)};
  }
  switch (q.bucket) {
    case BucketSize::kWeek:
    case BucketSize::kMonth:
      return {analytics::BucketStart(g, bucket),
              analytics::BucketEnd(g, bucket)};
    case BucketSize::kQuarter: {
      const int32_t q0 = bucket - bucket % 3;
      return {analytics::BucketStart(g, q0), analytics::BucketEnd(g, q0 + 2)};
    }
    case BucketSize::kYear: {
      const int32_t y0 = bucket - bucket % 12;
      return {analytics::BucketStart(g, y0), analytics::BucketEnd(g, y0 + 11)};
    }
    case BucketSize::kWholePeriod:
      return {analytics::BucketStart(g, first), analytics::BucketEnd(g, last)};
  }
  return {};
}

}  // namespace

TrendService::TrendService(const storage::Store* store,
                           const scoring::RuleSetRegistry* rule_sets)
    : store_(store), rule_sets_(rule_sets) {}

absl::StatusOr<std::vector<TrendRow>> TrendService::Query(
    const TrendQuery& q) const {
  RETURN_IF_ERROR(CheckIdentifier("tenant_id", q.tenant_id));
  if (!q.org_unit.empty())
    RETURN_IF_ERROR(CheckOrgUnit("org_unit", q.org_unit));
  if (!q.clinician_id.empty()) {
    RETURN_IF_ERROR(CheckIdentifier("clinician_id", q.clinician_id));
  }
  if (q.to < q.from) {
    return absl::InvalidArgumentError("period: from is after to");
  }
  const Granularity g =
      q.bucket == BucketSize::kWeek ? Granularity::kWeek : Granularity::kMonth;
  const int32_t first = analytics::BucketOf(g, q.from);
  const int32_t last = analytics::BucketOf(g, q.to);
  RETURN_IF_ERROR(CheckBucketCount(q.bucket, first, last));
  const scoring::RuleSet& rules = rule_sets_->ForTenant(q.tenant_id);
  const bool by_org = q.group_by.contains(GroupBy::kOrgUnit);
  const bool by_clinician = q.group_by.contains(GroupBy::kClinician);
  const bool by_instrument = q.group_by.contains(GroupBy::kInstrument);
  const bool by_age = q.group_by.contains(GroupBy::kAgeBand);
  // Session figures belong to no instrument and no age band.
  const bool sessions_known = !by_instrument && !by_age && !q.age_band;
  // Per-clinician cells only when the clinician matters; else unit totals.
  const analytics::CellScope scope = by_clinician || !q.clinician_id.empty()
                                         ? analytics::CellScope::kClinician
                                         : analytics::CellScope::kUnitTotal;

  std::map<GroupKey, Accumulator> groups;
  // The row a cell adds to: its group keys as asked for, and its bucket.
  auto row_of = [&](const CellKey& k) {
    auto [start, end] = OutputBucket(q, k, g, first, last);
    return GroupKey{by_org ? Truncate(k.org_unit, q.org_unit_depth) : "",
                    by_clinician ? k.clinician_id : "",
                    by_instrument ? k.instrument_id : "",
                    by_age ? static_cast<int>(k.age_band) : 0,
                    start,
                    end};
  };
  auto group_of = [&](const CellKey& k) -> Accumulator* {
    if (!q.clinician_id.empty() && k.clinician_id != q.clinician_id) {
      return nullptr;
    }
    if (k.kind != CellKind::kSession) {
      if (!q.instruments.empty() &&
          std::find(q.instruments.begin(), q.instruments.end(),
                    k.instrument_id) == q.instruments.end()) {
        return nullptr;
      }
      if (q.age_band.has_value() && k.age_band != *q.age_band) return nullptr;
    }
    return &groups[row_of(k)];
  };

  for (CellKind kind :
       {CellKind::kAdministration, CellKind::kSession, CellKind::kEpisode}) {
    if (kind == CellKind::kSession && !sessions_known) continue;
    std::vector<std::pair<CellKey, analytics::Sums>> cells;
    for (const Span& span : SpansFor(q, g, first, last)) {
      ASSIGN_OR_RETURN(auto read, store_->ReadAggregates(
                                      q.tenant_id, kind, span.granularity,
                                      scope, q.org_unit, span.from, span.to));
      cells.insert(cells.end(), std::make_move_iterator(read.begin()),
                   std::make_move_iterator(read.end()));
    }
    for (const auto& [key, sums] : cells) {
      // A cell whose contributions were all taken out again (an erased
      // client's) is no data: it makes no group, so no all-zero row shows
      // where the erased data was.
      if (std::all_of(sums.begin(), sums.end(),
                      [](int64_t v) { return v == 0; })) {
        continue;
      }
      Accumulator* a = group_of(key);
      if (a == nullptr) continue;
      switch (kind) {
        case CellKind::kAdministration:
          AddInto(a->admin, sums);
          if (sums.size() > analytics::admin::kClientSeries) {
            a->client_series[{
                key.instrument_id, static_cast<char>(key.granularity),
                key.bucket}] += sums[analytics::admin::kClientSeries];
          }
          break;
        case CellKind::kSession:
          AddInto(a->session, sums);
          break;
        case CellKind::kEpisode: {
          const std::optional<double> sd = rules.Sd(key.instrument_id);
          switch (key.intake_class) {
            case IntakeClass::kBelowCutoff:
              a->below.Add(sums, sd);
              break;
            case IntakeClass::kAboveCutoff:
              a->above.Add(sums, sd);
              break;
            case IntakeClass::kCollateral:
              a->collateral_series += sums[analytics::episode::kSeries];
              break;
            default:
              a->unknown.Add(sums, sd);
          }
          break;
        }
        default:
          break;  // Distinct-client cells are read apart.
      }
    }
  }

  // Distinct clients, from their own cells: one per combination of org
  // unit, clinician, instrument and age band a row can be.
  const bool distinct_known =
      (by_instrument || q.instruments.size() <= 1) &&
      // Weeks are kept for every instrument and age band only.
      (q.bucket != BucketSize::kWeek ||
       (!by_instrument && q.instruments.empty() && !by_age && !q.age_band));
  for (CellKind kind :
       {CellKind::kClientsSeenIn, CellKind::kClientsSeenBelow,
        CellKind::kClientsEndedIn, CellKind::kClientsEndedBelow}) {
    if (!distinct_known || groups.empty()) break;
    const bool below = kind == CellKind::kClientsSeenBelow ||
                       kind == CellKind::kClientsEndedBelow;
    const bool seen =
        kind == CellKind::kClientsSeenIn || kind == CellKind::kClientsSeenBelow;
    const std::optional<storage::Store::OrgUnitFilter> org_units =
        DistinctOrgUnits(q, by_org, below);
    if (!org_units.has_value()) continue;
    // Only the cells of the rows' pattern: a row of every instrument reads
    // no instrument's own cell.
    const analytics::CellScope pattern =
        analytics::DistinctScope(by_clinician || !q.clinician_id.empty(),
                                 by_instrument || q.instruments.size() == 1,
                                 by_age || q.age_band.has_value());
    for (const Span& span : SpansFor(q, g, first, last)) {
      ASSIGN_OR_RETURN(
          auto cells,
          store_->ReadAggregates(q.tenant_id, kind, span.granularity, pattern,
                                 q.org_unit, span.from, span.to, *org_units));
      for (const auto& [key, sums] : cells) {
        if (!q.clinician_id.empty() && key.clinician_id != q.clinician_id) {
          continue;
        }
        const std::string wanted_instrument =
            q.instruments.size() == 1 ? q.instruments.front() : "";
        if (by_instrument ? key.instrument_id.empty()
                          : key.instrument_id != wanted_instrument) {
          continue;
        }
        if (by_age
                ? key.age_band == analytics::kAnyAgeBand
                : key.age_band != q.age_band.value_or(analytics::kAnyAgeBand)) {
          continue;
        }
        const GroupKey row = row_of(key);
        auto it = groups.find(row);
        if (it == groups.end()) continue;  // No figures, no row.
        const int64_t clients = analytics::ClientsNewInRow(
            key, sums,
            analytics::BucketOf(Granularity::kMonth, std::get<4>(row)));
        if (seen) {
          it->second.clients_seen += clients;
        } else {
          it->second.clients_ended[key.intake_class] += clients;
        }
      }
    }
  }

  std::vector<TrendRow> rows;
  for (const auto& [key, a] : groups) {
    TrendRow row;
    row.org_unit = std::get<0>(key);
    row.clinician_id = std::get<1>(key);
    row.instrument_id = std::get<2>(key);
    row.age_band = static_cast<scoring::AgeBand>(std::get<3>(key));
    row.start = std::get<4>(key);
    row.end = std::get<5>(key);
    row.activity = Activity(a, sessions_known);
    OutcomeAccumulator all;
    all.Add(a.below);
    all.Add(a.above);
    all.Add(a.unknown);
    row.all = Figures(all);
    row.intake_below_cutoff = Figures(a.below);
    row.intake_above_cutoff = Figures(a.above);
    row.collateral_series = a.collateral_series;
    for (const auto& [cell, clients] : a.client_series) {
      row.clients = std::max(row.clients, clients);
    }
    if (distinct_known) {
      const std::map<IntakeClass, int64_t>& by_class = a.clients_ended;
      auto ended = [&by_class](IntakeClass c) {
        auto it = by_class.find(c);
        return it == by_class.end() ? int64_t{0} : it->second;
      };
      row.distinct_clients = a.clients_seen;
      row.all.distinct_clients = ended(IntakeClass::kNone);
      row.intake_below_cutoff.distinct_clients =
          ended(IntakeClass::kBelowCutoff);
      row.intake_above_cutoff.distinct_clients =
          ended(IntakeClass::kAboveCutoff);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void SuppressSmallCells(TrendRow& row, int64_t min_clients) {
  const ActivityFigures& a = row.activity;
  const bool activity =
      a.administrations > 0 || a.sessions > 0 || a.episodes_started > 0;
  if (activity && row.distinct_clients.value_or(row.clients) < min_clients) {
    row.activity = {};
    row.activity_suppressed = true;
    row.distinct_clients.reset();  // A count of so few is left out too.
  }
  for (OutcomeFigures* f :
       {&row.all, &row.intake_below_cutoff, &row.intake_above_cutoff}) {
    if (f->series > 0 &&
        f->distinct_clients.value_or(f->series) < min_clients) {
      *f = {};
      f->suppressed = true;
    }
  }
  if (row.collateral_series < min_clients) row.collateral_series = 0;
}

}  // namespace tilbake::core
