#include "analytics/aggregates.h"

#include <cmath>

#include "scoring/instrument.h"

namespace tilbake::analytics {
namespace {

// 1970-01-05 was a Monday: ISO weeks are counted from it.
const absl::CivilDay kFirstMonday(1970, 1, 5);

using scoring::kAllianceMeasures;
using scoring::kFitFamily;
using scoring::kInspireFamily;
using scoring::kOutcomeMeasures;

int64_t FloorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

}  // namespace

size_t FieldCount(CellKind kind) {
  switch (kind) {
    case CellKind::kAdministration:
      return admin::kFields;
    case CellKind::kSession:
      return session::kFields;
    case CellKind::kEpisode:
      return episode::kFields;
    case CellKind::kClientsSeenIn:
    case CellKind::kClientsSeenBelow:
    case CellKind::kClientsEndedIn:
    case CellKind::kClientsEndedBelow:
      return 1;  // The count; the gaps after it (distinct_clients.h).
  }
  return 0;
}

bool IsDistinctKind(CellKind kind) {
  return kind == CellKind::kClientsSeenIn ||
         kind == CellKind::kClientsSeenBelow ||
         kind == CellKind::kClientsEndedIn ||
         kind == CellKind::kClientsEndedBelow;
}

CellScope DistinctScope(bool clinician, bool instrument, bool age_band) {
  return static_cast<CellScope>('0' + (clinician ? 1 : 0) +
                                (instrument ? 2 : 0) + (age_band ? 4 : 0));
}

int32_t BucketOf(Granularity granularity, absl::CivilDay day) {
  if (granularity == Granularity::kYear) {
    return static_cast<int32_t>(day.year());
  }
  if (granularity == Granularity::kMonth) {
    return static_cast<int32_t>(day.year() * 12 + day.month() - 1);
  }
  return static_cast<int32_t>(FloorDiv(day - kFirstMonday, 7));
}

absl::CivilDay BucketStart(Granularity granularity, int32_t bucket) {
  if (granularity == Granularity::kYear) return absl::CivilDay(bucket, 1, 1);
  if (granularity == Granularity::kMonth) {
    return absl::CivilDay(bucket / 12, bucket % 12 + 1, 1);
  }
  return kFirstMonday + static_cast<int64_t>(bucket) * 7;
}

absl::CivilDay BucketEnd(Granularity granularity, int32_t bucket) {
  if (granularity == Granularity::kYear) return absl::CivilDay(bucket, 12, 31);
  if (granularity == Granularity::kMonth) {
    return BucketStart(granularity, bucket + 1) - 1;
  }
  return BucketStart(granularity, bucket) + 6;
}

namespace {

// Calls `visit` with `key` completed for every granularity (the week, month
// and year of `day`) and scope (the key's clinician and, with clinician_id
// "", its org unit's total).
template <typename Visit>
void ForEveryCell(CellKey key, absl::CivilDay day, Visit visit) {
  const std::string clinician = key.clinician_id;
  for (const std::string& scope : {clinician, std::string()}) {
    key.clinician_id = scope;
    for (Granularity g :
         {Granularity::kWeek, Granularity::kMonth, Granularity::kYear}) {
      key.granularity = g;
      key.bucket = BucketOf(g, day);
      visit(key);
    }
    if (clinician.empty()) break;  // Already the unit total.
  }
}

// The A cell key of an administration, before granularity and scope.
CellKey AdministrationKey(const domain::Rating& r) {
  CellKey key;
  key.kind = CellKind::kAdministration;
  key.org_unit = r.org_unit;
  key.instrument_id = r.instrument_id;
  key.clinician_id = r.clinician_id;
  key.age_band = r.age_band;
  return key;
}

// Whether `key` (complete) is also a cell of administration `o`.
bool FallsInto(const domain::Rating& o, const CellKey& key) {
  CellKey other = AdministrationKey(o);
  if (key.clinician_id.empty()) other.clinician_id.clear();
  other.granularity = key.granularity;
  other.bucket = BucketOf(key.granularity, o.session_date);
  return other == key;
}

}  // namespace

void AddInto(Sums& cell, const Sums& sums, int sign) {
  cell.resize(std::max(cell.size(), sums.size()), 0);
  for (size_t i = 0; i < sums.size(); ++i) cell[i] += sign * sums[i];
}

void AddToEveryGranularity(Cells& cells, CellKey key, absl::CivilDay day,
                           const Sums& sums, int sign) {
  ForEveryCell(key, day,
               [&](const CellKey& k) { AddInto(cells[k], sums, sign); });
}

void AddAdministration(const domain::Administration& a, bool in_clinical_range,
                       const std::vector<domain::Administration>& earlier,
                       Cells& cells) {
  const domain::Rating& r = a.rating;
  Sums sums(admin::kFields, 0);
  sums[admin::kRecorded] = 1;
  if (a.score.total.has_value()) {
    const int64_t total = *a.score.total;
    sums[admin::kCompleted] = 1;
    sums[admin::kTotalSum] = total;
    sums[admin::kTotalSq] = total * total;
    sums[admin::kInClinicalRange] = in_clinical_range;
  }
  const bool collateral = r.rater.kind == domain::RaterKind::kCollateral;
  sums[admin::kCollateral] = collateral;
  ForEveryCell(AdministrationKey(r), r.session_date, [&](const CellKey& k) {
    Sums& cell = cells[k];
    AddInto(cell, sums, 1);
    if (collateral) return;
    for (const domain::Administration& e : earlier) {
      if (e.rating.client_id == r.client_id &&
          e.rating.rater.kind == domain::RaterKind::kClient &&
          FallsInto(e.rating, k)) {
        return;  // The client's series is already in this cell.
      }
    }
    ++cell[admin::kClientSeries];
  });
}

SessionFlags FlagsOf(const std::vector<FormInfo>& forms) {
  SessionFlags flags;
  for (const FormInfo& f : forms) {
    if (f.collateral) continue;  // Sessions are the client's.
    flags.recorded = true;
    if (!f.completed) continue;
    if (f.family == kFitFamily && f.measures == kOutcomeMeasures)
      flags.outcome_completed = true;
    if (f.family == kFitFamily && f.measures == kAllianceMeasures)
      flags.alliance_completed = true;
    if (f.family == kInspireFamily) flags.inspire_completed = true;
  }
  return flags;
}

void AddSessionChange(const domain::Episode& episode, absl::CivilDay day,
                      const SessionFlags& before, const SessionFlags& after,
                      Cells& cells) {
  Sums sums(session::kFields, 0);
  sums[session::kRecorded] = int{after.recorded} - int{before.recorded};
  sums[session::kOutcomeCompleted] =
      int{after.outcome_completed} - int{before.outcome_completed};
  sums[session::kAllianceCompleted] =
      int{after.alliance_completed} - int{before.alliance_completed};
  sums[session::kInspireCompleted] =
      int{after.inspire_completed} - int{before.inspire_completed};
  bool any = false;
  for (int64_t v : sums) any = any || v != 0;
  if (!any) return;
  CellKey key;
  key.kind = CellKind::kSession;
  key.org_unit = episode.org_unit;
  key.clinician_id = episode.clinician_id;
  AddToEveryGranularity(cells, key, day, sums);
}

void AddEpisodeStart(const domain::Episode& episode,
                     std::optional<absl::CivilDay> old_first,
                     absl::CivilDay new_first, Cells& cells) {
  if (old_first.has_value() && *old_first == new_first) return;
  CellKey key;
  key.kind = CellKind::kSession;
  key.org_unit = episode.org_unit;
  key.clinician_id = episode.clinician_id;
  Sums one(session::kFields, 0);
  one[session::kEpisodesStarted] = 1;
  if (old_first.has_value())
    AddToEveryGranularity(cells, key, *old_first, one, -1);
  AddToEveryGranularity(cells, key, new_first, one, +1);
}

void AddClosedEpisode(const domain::Episode& episode,
                      const std::vector<FrozenOutcome>& outcomes,
                      int64_t sessions,
                      std::optional<scoring::Tenths> first_alliance,
                      Cells& cells) {
  if (!episode.ending.has_value()) return;
  const absl::CivilDay end = episode.ending->end_date;
  const int64_t days = end - episode.first_session_date;
  const bool unilateral =
      episode.ending->type == domain::EndingType::kUnilateral;
  for (const FrozenOutcome& f : outcomes) {
    const scoring::SeriesOutcome& o = f.outcome;
    Sums sums(episode::kFields, 0);
    sums[episode::kSeries] = 1;
    if (f.intake_class != IntakeClass::kCollateral) {
      const int64_t pre = o.pre, post = o.post, change = o.post - o.pre;
      sums[episode::kIntakeSum] = pre;
      sums[episode::kIntakeSq] = pre * pre;
      sums[episode::kLatestSum] = post;
      sums[episode::kLatestSq] = post * post;
      sums[episode::kChangeSum] = change;
      sums[episode::kChangeSq] = change * change;
      if (f.target_at_last.has_value()) {
        sums[episode::kWithExpected] = 1;
        sums[episode::kChangeWithExpectedSum] = change;
        sums[episode::kVsExpectedSum] =
            std::llround(static_cast<double>(post) - *f.target_at_last * 10.0);
      }
      const bool improved =
          o.category == scoring::ChangeCategory::kReliableImprovement;
      const bool recovered =
          o.category == scoring::ChangeCategory::kReliableRecovery;
      sums[episode::kImproved] = improved;
      sums[episode::kRecovered] = recovered;
      sums[episode::kDeteriorated] =
          o.category == scoring::ChangeCategory::kReliableDeterioration;
      sums[episode::kReachedTarget] = o.reached_target;
      sums[episode::kPlanned] = !unilateral;
      sums[episode::kUnilateral] = unilateral;
      sums[episode::kUnilateralWithEffect] =
          unilateral && (improved || recovered);
      sums[episode::kSessionsSum] = sessions;
      sums[episode::kDaysSum] = days;
      if (first_alliance.has_value()) {
        sums[episode::kFirstAllianceSum] = *first_alliance;
        sums[episode::kFirstAllianceCount] = 1;
      }
    }
    CellKey key;
    key.kind = CellKind::kEpisode;
    key.org_unit = episode.org_unit;
    key.instrument_id = o.instrument_id;
    key.clinician_id = episode.clinician_id;
    key.age_band = f.intake_age_band;
    key.intake_class = f.intake_class;
    AddToEveryGranularity(cells, key, end, sums);
  }
}

}  // namespace tilbake::analytics
