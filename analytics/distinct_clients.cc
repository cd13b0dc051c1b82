#include "analytics/distinct_clients.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/match.h"

namespace tilbake::analytics {
namespace {

// Every cell key (granularity and bucket not yet set) a fact counts under.
std::vector<CellKey> KeysOf(const PresenceFact& f) {
  const bool seen = f.population == Population::kSeen;
  std::vector<std::pair<CellKind, std::string>> orgs = {
      {seen ? CellKind::kClientsSeenIn : CellKind::kClientsEndedIn,
       f.org_unit}};
  const CellKind below =
      seen ? CellKind::kClientsSeenBelow : CellKind::kClientsEndedBelow;
  orgs.push_back({below, ""});
  for (size_t i = 0; i <= f.org_unit.size(); ++i) {
    if (i == f.org_unit.size() || f.org_unit[i] == '/') {
      orgs.push_back({below, f.org_unit.substr(0, i)});
    }
  }
  std::vector<std::string> clinicians = {""};
  if (!f.clinician_id.empty()) clinicians.push_back(f.clinician_id);
  std::vector<domain::IntakeClass> classes = {domain::IntakeClass::kNone};
  if (!seen && f.intake_class != domain::IntakeClass::kNone) {
    classes.push_back(f.intake_class);
  }
  std::vector<CellKey> keys;
  for (const auto& [kind, org] : orgs) {
    if (org.empty() && kind != below) continue;
    for (const std::string& clinician : clinicians) {
      for (const std::string& instrument : {std::string(), f.instrument_id}) {
        for (scoring::AgeBand band : {kAnyAgeBand, f.age_band}) {
          for (domain::IntakeClass intake : classes) {
            CellKey key;
            key.kind = kind;
            key.org_unit = org;
            key.clinician_id = clinician;
            key.instrument_id = instrument;
            key.age_band = band;
            key.intake_class = intake;
            keys.push_back(std::move(key));
          }
        }
      }
    }
  }
  // An org unit of one level is its own first ancestor, an instrument ""
  // its own "every instrument": each cell once.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// Where one cell key's client is present: weeks and months, ascending,
// each once.
struct Presence {
  std::vector<int32_t> weeks;
  std::vector<int32_t> months;
};

void SortUnique(std::vector<int32_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void Add(Cells& cells, CellKey key, Granularity g, int32_t bucket, size_t at,
         int sign) {
  key.granularity = g;
  key.bucket = bucket;
  Sums& cell = cells[key];
  if (cell.size() <= at) cell.resize(at + 1, 0);
  cell[at] += sign;
}

}  // namespace

std::vector<PresenceFact> FactsOf(
    const domain::Episode& episode,
    const std::vector<domain::Administration>& administrations,
    absl::string_view client_id) {
  std::vector<PresenceFact> facts;
  for (const domain::Administration& a : administrations) {
    const domain::Rating& r = a.rating;
    if (r.client_id != client_id ||
        r.rater.kind != domain::RaterKind::kClient) {
      continue;
    }
    facts.push_back({Population::kSeen, r.org_unit, r.clinician_id,
                     r.instrument_id, r.age_band, domain::IntakeClass::kNone,
                     r.session_date});
  }
  if (episode.ending.has_value()) {
    const std::string own = std::string(client_id) + "/";
    for (const domain::FrozenOutcome& f : episode.outcomes) {
      if (f.intake_class == domain::IntakeClass::kCollateral ||
          !absl::StartsWith(f.outcome.series, own)) {
        continue;
      }
      facts.push_back({Population::kEnded, episode.org_unit,
                       episode.clinician_id, f.outcome.instrument_id,
                       f.intake_age_band, f.intake_class,
                       episode.ending->end_date});
    }
  }
  std::sort(facts.begin(), facts.end());
  facts.erase(std::unique(facts.begin(), facts.end()), facts.end());
  return facts;
}

namespace {

// The facts' days by their dimensions (the fact with its day cleared): the
// cell keys of each are worked out once, however many days it has.
std::map<PresenceFact, std::vector<absl::CivilDay>> DaysByDimensions(
    const ClientFacts& facts) {
  std::map<PresenceFact, std::vector<absl::CivilDay>> out;
  for (const auto& [episode, list] : facts) {
    for (PresenceFact f : list) {
      const absl::CivilDay day = f.day;
      f.day = absl::CivilDay();
      out[f].push_back(day);
    }
  }
  return out;
}

// Where each cell key's client is present, before and after a change, for
// the keys in `only` (every key: nullptr); the keys of each set of
// dimensions are worked out once for both.
struct PresenceChange {
  Presence before, after;
};
std::map<CellKey, PresenceChange> PresenceOf(const ClientFacts& before,
                                             const ClientFacts& after,
                                             const std::set<CellKey>* only) {
  std::map<PresenceFact, std::pair<Presence, Presence>> by_dimensions;
  for (int side = 0; side < 2; ++side) {
    for (const auto& [dimensions, days] :
         DaysByDimensions(side == 0 ? before : after)) {
      Presence& p = side == 0 ? by_dimensions[dimensions].first
                              : by_dimensions[dimensions].second;
      for (absl::CivilDay day : days) {
        p.weeks.push_back(BucketOf(Granularity::kWeek, day));
        p.months.push_back(BucketOf(Granularity::kMonth, day));
      }
    }
  }
  std::map<CellKey, PresenceChange> presence;
  // A key without week cells gets no weeks: nothing to sort or emit.
  auto append = [](Presence& to, const Presence& from, bool weeks) {
    if (weeks) {
      to.weeks.insert(to.weeks.end(), from.weeks.begin(), from.weeks.end());
    }
    to.months.insert(to.months.end(), from.months.begin(), from.months.end());
  };
  for (const auto& [dimensions, sides] : by_dimensions) {
    for (const CellKey& key : KeysOf(dimensions)) {
      if (only != nullptr && !only->contains(key)) continue;
      PresenceChange& p = presence[key];
      const bool weeks = HasWeekCells(key);
      append(p.before, sides.first, weeks);
      append(p.after, sides.second, weeks);
    }
  }
  for (auto& [key, p] : presence) {
    for (Presence* side : {&p.before, &p.after}) {
      SortUnique(side->weeks);
      SortUnique(side->months);
    }
  }
  return presence;
}

// The buckets whose cells a change can move (nullptr in Emit: all).
struct Buckets {
  std::set<int32_t> weeks, months, years;
};

// Adds (sign) the cells of one key's presence, in `only`'s buckets.
void Emit(const CellKey& key, const Presence& p, const Buckets* only,
          Cells& cells, int sign) {
  for (int32_t week : p.weeks) {
    if (only == nullptr || only->weeks.contains(week)) {
      Add(cells, key, Granularity::kWeek, week, 0, sign);
    }
  }
  std::optional<int32_t> previous;
  std::optional<int32_t> year_seen;
  for (int32_t month : p.months) {
    if (only == nullptr || only->months.contains(month)) {
      Add(cells, key, Granularity::kMonth, month, 0, sign);
      if (previous.has_value()) {
        Add(cells, key, Granularity::kMonth, month,
            static_cast<size_t>(month - *previous), sign);
      }
    }
    // The year's first month of presence starts the year's; its gap is
    // counted back from the year's first month.
    const int32_t year = month / 12;
    if (year_seen != year) {
      if (only == nullptr || only->years.contains(year)) {
        Add(cells, key, Granularity::kYear, year, 0, sign);
        if (previous.has_value()) {
          Add(cells, key, Granularity::kYear, year,
              static_cast<size_t>(year * 12 - *previous), sign);
        }
      }
      year_seen = year;
    }
    previous = month;
  }
}

std::set<int32_t> SymmetricDifference(const std::vector<int32_t>& a,
                                      const std::vector<int32_t>& b) {
  std::set<int32_t> out;
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(),
                                std::inserter(out, out.end()));
  return out;
}

// What a key's presence going from `before` to `after` can move: the weeks
// and months that came or went, the months after those (their gap is to
// the previous month), and the years of all of these.
Buckets Moved(const Presence& before, const Presence& after) {
  Buckets b;
  b.weeks = SymmetricDifference(before.weeks, after.weeks);
  const std::set<int32_t> changed =
      SymmetricDifference(before.months, after.months);
  b.months = changed;
  for (int32_t month : changed) {
    for (const std::vector<int32_t>* months : {&before.months, &after.months}) {
      auto next = std::upper_bound(months->begin(), months->end(), month);
      if (next != months->end()) b.months.insert(*next);
    }
  }
  for (int32_t month : b.months) b.years.insert(month / 12);
  return b;
}

std::set<PresenceFact> AllFacts(const ClientFacts& facts) {
  std::set<PresenceFact> out;
  for (const auto& [episode, list] : facts)
    out.insert(list.begin(), list.end());
  return out;
}

}  // namespace

void AddDistinctClients(const ClientFacts& facts, Cells& cells, int sign) {
  for (const auto& [key, p] : PresenceOf({}, facts, nullptr)) {
    Emit(key, p.after, nullptr, cells, sign);
  }
}

void AddDistinctClientsChange(const ClientFacts& before,
                              const ClientFacts& after, Cells& cells) {
  const std::set<PresenceFact> old_facts = AllFacts(before);
  const std::set<PresenceFact> new_facts = AllFacts(after);
  std::vector<PresenceFact> changed;
  std::set_symmetric_difference(old_facts.begin(), old_facts.end(),
                                new_facts.begin(), new_facts.end(),
                                std::back_inserter(changed));
  if (changed.empty()) return;
  // Only the cells of changed facts can move, and of those only the
  // buckets near what changed; the client's other cells come out the same
  // before and after.
  std::set<CellKey> touched;
  for (const PresenceFact& f : changed) {
    for (CellKey& key : KeysOf(f)) touched.insert(std::move(key));
  }
  Cells delta;
  for (const auto& [key, p] : PresenceOf(before, after, &touched)) {
    const Buckets moved = Moved(p.before, p.after);
    Emit(key, p.after, &moved, delta, +1);
    Emit(key, p.before, &moved, delta, -1);
  }
  for (auto& [key, sums] : delta) {
    if (std::any_of(sums.begin(), sums.end(), [](int64_t v) { return v; })) {
      AddInto(cells[key], sums);
    }
  }
}

CellScope ScopeOfDistinct(const CellKey& key) {
  return DistinctScope(!key.clinician_id.empty(), !key.instrument_id.empty(),
                       key.age_band != kAnyAgeBand);
}

bool HasWeekCells(const CellKey& key) {
  return key.instrument_id.empty() && key.age_band == kAnyAgeBand;
}

int64_t ClientsNewInRow(const CellKey& key, const Sums& sums,
                        int32_t row_start_month) {
  if (sums.empty()) return 0;
  int64_t clients = sums[0];
  if (key.granularity == Granularity::kWeek) return clients;
  const int32_t start =
      key.granularity == Granularity::kYear ? key.bucket * 12 : key.bucket;
  const size_t inside =
      static_cast<size_t>(std::max(0, start - row_start_month));
  for (size_t d = 1; d <= inside && d < sums.size(); ++d) clients -= sums[d];
  return clients;
}

}  // namespace tilbake::analytics
