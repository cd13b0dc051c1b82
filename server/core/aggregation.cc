#include "server/core/aggregation.h"

#include <algorithm>
#include <set>

namespace tilbake::core {
namespace {

using domain::Administration;

analytics::FormInfo FormOf(const Administration& a,
                           const scoring::InstrumentCatalog& catalog) {
  analytics::FormInfo form;
  absl::StatusOr<const scoring::InstrumentDefinition*> d =
      catalog.Find(a.rating.instrument_id, a.rating.instrument_version);
  if (d.ok()) {
    form.family = (*d)->family;
    form.measures = (*d)->measures;
  }
  form.completed = a.score.total.has_value();
  form.collateral = a.rating.rater.kind == domain::RaterKind::kCollateral;
  return form;
}

// The forms the client `client_id` filled in at `session`.
std::vector<analytics::FormInfo> SessionForms(
    const std::vector<Administration>& administrations,
    const std::string& client_id, int session,
    const scoring::InstrumentCatalog& catalog) {
  std::vector<analytics::FormInfo> forms;
  for (const Administration& a : administrations) {
    if (a.rating.client_id == client_id && a.rating.session_number == session) {
      forms.push_back(FormOf(a, catalog));
    }
  }
  return forms;
}

bool IsAlliance(const Administration& a,
                const scoring::InstrumentCatalog& catalog) {
  const analytics::FormInfo f = FormOf(a, catalog);
  return f.family == scoring::kFitFamily &&
         f.measures == scoring::kAllianceMeasures && f.completed &&
         !f.collateral;
}

// Whether `a`'s total is in the clinical range (for an alliance form: below
// the alliance cutoff) under its tenant's rule set.
bool InClinicalRange(const Administration& a,
                     const scoring::RuleSetRegistry& rule_sets) {
  if (!a.score.total.has_value()) return false;
  const std::optional<scoring::ClinicalRange> range = scoring::ClinicalRangeOf(
      rule_sets.ForTenant(a.rating.tenant_id), a.rating.instrument_id,
      a.rating.age_band, *a.score.total);
  return range.has_value() && range->in_range;
}

}  // namespace

void AddSubmission(const domain::Episode& episode_after,
                   std::optional<absl::CivilDay> old_first,
                   const std::vector<Administration>& before,
                   const Administration& added,
                   const scoring::InstrumentCatalog& catalog,
                   const scoring::RuleSetRegistry& rule_sets,
                   analytics::Cells& cells) {
  analytics::AddAdministration(added, InClinicalRange(added, rule_sets), before,
                               cells);
  const domain::Rating& r = added.rating;
  const analytics::SessionFlags flags_before = analytics::FlagsOf(
      SessionForms(before, r.client_id, r.session_number, catalog));
  std::vector<analytics::FormInfo> after =
      SessionForms(before, r.client_id, r.session_number, catalog);
  after.push_back(FormOf(added, catalog));
  analytics::AddSessionChange(episode_after, r.session_date, flags_before,
                              analytics::FlagsOf(after), cells);
  analytics::AddEpisodeStart(episode_after, old_first,
                             episode_after.first_session_date, cells);
}

std::vector<domain::FrozenOutcome> FreezeOutcomes(
    const std::vector<Administration>& administrations,
    const std::vector<scoring::Evaluation>& evaluations,
    const std::vector<scoring::SeriesOutcome>& outcomes) {
  std::vector<domain::FrozenOutcome> frozen;
  for (const scoring::SeriesOutcome& o : outcomes) {
    domain::FrozenOutcome f;
    f.outcome = o;
    for (size_t i = 0; i < administrations.size(); ++i) {
      const domain::Rating& r = administrations[i].rating;
      const std::string series =
          r.client_id + "/" + domain::RaterSeries(r.rater);
      if (series != o.series || r.instrument_id != o.instrument_id) continue;
      const scoring::Evaluation& e = evaluations[i];
      if (r.session_number == o.pre_session) {
        f.intake_age_band = r.age_band;
        if (r.rater.kind == domain::RaterKind::kCollateral) {
          f.intake_class = domain::IntakeClass::kCollateral;
        } else if (!e.clinical.has_value()) {
          f.intake_class = domain::IntakeClass::kUnknown;
        } else {
          f.intake_class = e.clinical->in_range
                               ? domain::IntakeClass::kBelowCutoff
                               : domain::IntakeClass::kAboveCutoff;
        }
      }
      if (r.session_number == o.post_session && e.expected.has_value() &&
          e.expected->available) {
        f.target_at_last = e.expected->target;
      }
    }
    frozen.push_back(std::move(f));
  }
  return frozen;
}

void AddClose(const domain::Episode& episode,
              const std::vector<Administration>& administrations,
              const scoring::InstrumentCatalog& catalog,
              analytics::Cells& cells) {
  std::set<int> sessions;
  std::optional<std::pair<int, scoring::Tenths>> first_alliance;
  for (const Administration& a : administrations) {
    sessions.insert(a.rating.session_number);
    if (IsAlliance(a, catalog) &&
        (!first_alliance.has_value() ||
         a.rating.session_number < first_alliance->first)) {
      first_alliance = {{a.rating.session_number, *a.score.total}};
    }
  }
  analytics::AddClosedEpisode(
      episode, episode.outcomes, static_cast<int64_t>(sessions.size()),
      first_alliance.has_value()
          ? std::optional<scoring::Tenths>(first_alliance->second)
          : std::nullopt,
      cells);
}

void AddEpisode(const domain::Episode& episode,
                const std::vector<Administration>& administrations,
                const scoring::InstrumentCatalog& catalog,
                const scoring::RuleSetRegistry& rule_sets,
                analytics::Cells& cells) {
  std::set<std::pair<std::string, int>> sessions;
  std::vector<Administration> earlier;
  for (const Administration& a : administrations) {
    analytics::AddAdministration(a, InClinicalRange(a, rule_sets), earlier,
                                 cells);
    earlier.push_back(a);
    sessions.insert({a.rating.client_id, a.rating.session_number});
  }
  for (const auto& [client, session] : sessions) {
    std::vector<analytics::FormInfo> forms =
        SessionForms(administrations, client, session, catalog);
    absl::CivilDay day;
    for (const Administration& a : administrations) {
      if (a.rating.client_id == client && a.rating.session_number == session) {
        day = a.rating.session_date;
      }
    }
    analytics::AddSessionChange(episode, day, {}, analytics::FlagsOf(forms),
                                cells);
  }
  if (!administrations.empty()) {
    analytics::AddEpisodeStart(episode, std::nullopt,
                               episode.first_session_date, cells);
  }
  if (episode.closed()) AddClose(episode, administrations, catalog, cells);
}

void SubtractCells(const analytics::Cells& subtrahend,
                   analytics::Cells& cells) {
  for (const auto& [key, sums] : subtrahend) {
    analytics::Sums& into = cells[key];
    if (into.size() < sums.size()) into.resize(sums.size(), 0);
    for (size_t i = 0; i < sums.size(); ++i) into[i] -= sums[i];
  }
}

absl::Status AddClientFactsChange(const storage::Store& store,
                                  absl::string_view tenant,
                                  const std::vector<std::string>& client_ids,
                                  const std::vector<EpisodeAfter>& after,
                                  FactsChange how, const ClientFactsGuard&,
                                  storage::WriteSet& changes) {
  std::set<std::string> done;
  for (const std::string& client : client_ids) {
    if (!done.insert(client).second) continue;
    absl::StatusOr<analytics::ClientFacts> before =
        store.GetClientFacts(tenant, client);
    if (!before.ok()) return before.status();
    analytics::ClientFacts facts = *before;
    for (const EpisodeAfter& e : after) {
      std::vector<analytics::PresenceFact> of_episode;
      if (e.episode != nullptr) {
        of_episode = analytics::FactsOf(*e.episode, *e.administrations, client);
      }
      if (of_episode.empty()) {
        facts.erase(e.episode_id);
      } else {
        facts[e.episode_id] = std::move(of_episode);
      }
    }
    if (facts == *before) continue;
    analytics::Cells delta;
    analytics::AddDistinctClientsChange(*before, facts, delta);
    if (how == FactsChange::kCounted) {
      for (const auto& [key, sums] : delta) {
        analytics::AddInto(changes.aggregates[key], sums);
      }
    } else {
      // The cells stay as they are; the ledger takes what the rebuild from
      // the remaining records will no longer find.
      SubtractCells(delta, changes.retired_aggregates);
    }
    changes.client_facts.push_back(
        {std::string(tenant), client, std::move(facts)});
  }
  return absl::OkStatus();
}

absl::StatusOr<Rebuilt> RebuildAggregatesAndFacts(
    const storage::Store& store, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets) {
  Rebuilt rebuilt;
  std::map<std::string, analytics::Cells>& out = rebuilt.cells;
  absl::Status status = store.ScanEpisodes(
      "", [&](const domain::Episode& episode,
              const std::vector<Administration>& administrations) {
        AddEpisode(episode, administrations, catalog, rule_sets,
                   out[episode.tenant_id]);
        for (const std::string& client : episode.client_ids) {
          std::vector<analytics::PresenceFact> facts =
              analytics::FactsOf(episode, administrations, client);
          if (facts.empty()) continue;
          rebuilt.facts[episode.tenant_id][client][episode.episode_id] =
              std::move(facts);
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  for (const auto& [tenant, clients] : rebuilt.facts) {
    for (const auto& [client, facts] : clients) {
      analytics::AddDistinctClients(facts, out[tenant]);
    }
  }
  // What retired episodes added stays in the cells: add it back.
  absl::StatusOr<std::map<std::string, analytics::Cells>> retired =
      store.ReadRetiredAggregates();
  if (!retired.ok()) return retired.status();
  for (const auto& [tenant, cells] : *retired) {
    analytics::Cells& into = out[tenant];
    for (const auto& [key, sums] : cells) analytics::AddInto(into[key], sums);
  }
  // Cells whose deltas cancelled out are not stored either.
  for (auto& [tenant, cells] : out) cells = NonZeroCells(std::move(cells));
  return rebuilt;
}

absl::StatusOr<std::map<std::string, analytics::Cells>> RebuildAggregates(
    const storage::Store& store, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets) {
  absl::StatusOr<Rebuilt> rebuilt =
      RebuildAggregatesAndFacts(store, catalog, rule_sets);
  if (!rebuilt.ok()) return rebuilt.status();
  return std::move(rebuilt->cells);
}

analytics::Cells NonZeroCells(analytics::Cells cells) {
  for (auto it = cells.begin(); it != cells.end();) {
    const bool zero = std::all_of(it->second.begin(), it->second.end(),
                                  [](int64_t v) { return v == 0; });
    it = zero ? cells.erase(it) : std::next(it);
  }
  return cells;
}

}  // namespace tilbake::core
