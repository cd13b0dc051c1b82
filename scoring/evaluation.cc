#include "scoring/evaluation.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tilbake::scoring {
namespace {

// Comparisons of changes (tenths) with thresholds (points) tolerate float
// noise: a change of exactly RC is reliable.
constexpr double kEpsilon = 1e-9;

std::string Points(Tenths tenths) {
  return absl::StrFormat("%.1f", tenths / 10.0);
}

bool HasTotal(const AdministrationInput& a) {
  return a.score.total.has_value() &&
         (a.score.status == ScoreStatus::kScored ||
          a.score.status == ScoreStatus::kTotalOnly);
}

bool InRange(const CutoffRule& rule, Tenths total) {
  return rule.op == CutoffOperator::kBelow ? total < rule.value
                                           : total <= rule.value;
}

std::optional<ClinicalRange> Clinical(const RuleSet& rules,
                                      const AdministrationInput& a) {
  if (!HasTotal(a)) return std::nullopt;
  return ClinicalRangeOf(rules, a.instrument_id, a.age_band, *a.score.total);
}

// Indices of the administrations with a total in the same series and
// instrument as `a`, in session order, up to and including a's session.
std::vector<size_t> SeriesSoFar(const std::vector<AdministrationInput>& all,
                                const AdministrationInput& a) {
  std::vector<size_t> out;
  for (size_t i = 0; i < all.size(); ++i) {
    const AdministrationInput& b = all[i];
    if (b.series == a.series && b.instrument_id == a.instrument_id &&
        HasTotal(b) && b.session <= a.session) {
      out.push_back(i);
    }
  }
  std::stable_sort(out.begin(), out.end(), [&all](size_t x, size_t y) {
    return all[x].session < all[y].session;
  });
  return out;
}

Zone ZoneFor(const Expected& expected, Tenths total, size_t scores_so_far) {
  // Vendor rule: grey with fewer than two outcome scores, or no target.
  if (scores_so_far < 2 || !expected.available) return Zone::kGrey;
  const double score = total / 10.0;
  if (score >= expected.target - kEpsilon) return Zone::kGreen;
  if (score >= expected.lower_bound - kEpsilon) return Zone::kOrange;
  return Zone::kRed;
}

void EvaluateOutcome(const std::vector<AdministrationInput>& all, size_t index,
                     const RuleSet& rules, const ReferenceData& reference,
                     Evaluation& e) {
  const AdministrationInput& a = all[index];
  const std::vector<size_t> series = SeriesSoFar(all, a);
  const AdministrationInput& intake = all[series.front()];
  const Tenths total = *a.score.total;
  const std::optional<ClinicalRange> intake_range = Clinical(rules, intake);
  e.intake_above_cutoff = intake_range.has_value() && !intake_range->in_range;

  const bool is_intake = series.front() == index;
  e.change_since_intake = total - *intake.score.total;
  if (series.size() >= 2) {
    e.change_since_previous =
        total - *all[series[series.size() - 2]].score.total;
  }
  if (const ReliableChangeRule* rc =
          rules.FindReliableChange(a.instrument_id)) {
    e.reliable_change = ReliableChangePoints(rules, *rc);
  }
  if (!is_intake && e.reliable_change.has_value()) {
    const double change = *e.change_since_intake / 10.0;
    const double rc = *e.reliable_change;
    if (change >= rc - kEpsilon) {
      const bool recovered = intake_range.has_value() &&
                             intake_range->in_range && e.clinical.has_value() &&
                             !e.clinical->in_range;
      e.category = recovered ? ChangeCategory::kReliableRecovery
                             : ChangeCategory::kReliableImprovement;
    } else if (-change >= rc - kEpsilon) {
      e.category = ChangeCategory::kReliableDeterioration;
    } else {
      e.category = ChangeCategory::kNoReliableChange;
    }
  }

  Expected expected;
  auto cells = reference.find(a.instrument_id);
  static const std::vector<ReferenceCell> kNoCells;
  expected = ExpectedResponse(
      rules.trajectory, a.instrument_id, *intake.score.total, a.session,
      cells == reference.end() ? kNoCells : cells->second);
  e.zone = ZoneFor(expected, total, series.size());
  if (series.size() < 2 && expected.reason.empty()) {
    expected.reason = "fewer than two outcome scores";
  }
  e.expected = expected;
  if (rules.alerts.ors_zone) {
    std::string message = absl::StrCat(a.instrument_id, " ", Points(total));
    switch (e.zone) {
      case Zone::kGreen:
        absl::StrAppend(&message,
                        absl::StrFormat(" is at or above the target %.1f",
                                        expected.target));
        break;
      case Zone::kOrange:
        absl::StrAppend(&message,
                        absl::StrFormat(" is below the target %.1f, not below "
                                        "the lower bound %.1f",
                                        expected.target, expected.lower_bound));
        break;
      case Zone::kRed:
        absl::StrAppend(&message,
                        absl::StrFormat(" is below the lower bound %.1f",
                                        expected.lower_bound));
        break;
      default:
        absl::StrAppend(&message, ": no target (",
                        series.size() < 2 ? "fewer than two outcome scores"
                                          : expected.reason,
                        ")");
    }
    e.alerts.push_back({AlertKind::kOrsZone, e.zone, message});
  }
}

void EvaluateAlliance(const std::vector<AdministrationInput>& all, size_t index,
                      const RuleSet& rules, Evaluation& e) {
  const AdministrationInput& a = all[index];
  const Tenths total = *a.score.total;
  const AlertRules& alerts = rules.alerts;
  if (alerts.srs_below_cutoff && e.clinical.has_value() &&
      e.clinical->in_range) {
    e.alerts.push_back(
        {AlertKind::kSrsBelowCutoff, Zone::kRed,
         absl::StrCat(a.instrument_id, " ", Points(total),
                      e.clinical->op == CutoffOperator::kBelow
                          ? " is below "
                          : " is at or below ",
                      "the cutoff ", Points(e.clinical->cutoff))});
  }
  const std::vector<size_t> series = SeriesSoFar(all, a);
  if (series.size() >= 2) {
    const Tenths previous = *all[series[series.size() - 2]].score.total;
    e.change_since_previous = total - previous;
    if (alerts.srs_drop && previous - total >= alerts.srs_drop_points) {
      e.alerts.push_back(
          {AlertKind::kSrsDrop, Zone::kRed,
           absl::StrCat(a.instrument_id, " fell from ", Points(previous),
                        " to ", Points(total), " since the last session")});
    }
  }
  if (alerts.srs_item_below) {
    for (const ItemAnswer& item : a.score.items) {
      if (item.value.has_value() && *item.value < alerts.srs_item_threshold) {
        e.alerts.push_back(
            {AlertKind::kSrsItemBelow, Zone::kRed,
             absl::StrCat(a.instrument_id, " item ", item.key, " is ",
                          Points(*item.value), ", below ",
                          Points(alerts.srs_item_threshold))});
      }
    }
  }
}

// An outcome score by the client with no alliance total by the client in
// the same session.
bool AllianceMissing(const std::vector<AdministrationInput>& all,
                     const AdministrationInput& a) {
  for (const AdministrationInput& b : all) {
    if (b.measures == kAllianceMeasures && b.series == a.series &&
        b.session == a.session && HasTotal(b)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<ClinicalRange> ClinicalRangeOf(const RuleSet& rules,
                                             absl::string_view instrument,
                                             AgeBand band, Tenths total) {
  const CutoffRule* rule = rules.FindCutoff(instrument, band);
  if (rule == nullptr) return std::nullopt;
  return ClinicalRange{rule->value, rule->op, InRange(*rule, total)};
}

std::vector<std::pair<std::string, Tenths>> OutcomeIntakes(
    const std::vector<AdministrationInput>& administrations) {
  std::map<std::pair<std::string, std::string>, std::pair<int, Tenths>> first;
  for (const AdministrationInput& a : administrations) {
    if (a.measures != kOutcomeMeasures || a.collateral || !HasTotal(a))
      continue;
    auto key = std::make_pair(a.series, a.instrument_id);
    auto it = first.find(key);
    if (it == first.end() || a.session < it->second.first) {
      first[key] = {a.session, *a.score.total};
    }
  }
  std::vector<std::pair<std::string, Tenths>> out;
  for (const auto& [key, value] : first)
    out.emplace_back(key.second, value.second);
  return out;
}

std::vector<Evaluation> EvaluateEpisode(
    const std::vector<AdministrationInput>& administrations,
    const RuleSet& rules, const ReferenceData& reference) {
  std::vector<Evaluation> out(administrations.size());
  for (size_t i = 0; i < administrations.size(); ++i) {
    const AdministrationInput& a = administrations[i];
    Evaluation& e = out[i];
    e.clinical = Clinical(rules, a);
    if (HasTotal(a) && a.measures == kOutcomeMeasures) {
      EvaluateOutcome(administrations, i, rules, reference, e);
    } else if (HasTotal(a) && a.measures == kAllianceMeasures) {
      EvaluateAlliance(administrations, i, rules, e);
    }
    // The SRS belongs to the FIT session: an INSPIRE-O needs none.
    if (rules.alerts.srs_missing && a.measures == kOutcomeMeasures &&
        a.family == kFitFamily && !a.collateral &&
        AllianceMissing(administrations, a)) {
      e.alerts.push_back(
          {AlertKind::kSrsMissing, Zone::kGrey,
           absl::StrCat("no session rating entered for session ", a.session)});
    }
  }
  return out;
}

std::vector<SeriesOutcome> EpisodeOutcomes(
    const std::vector<AdministrationInput>& administrations,
    const std::vector<Evaluation>& evaluations, const RuleSet& rules) {
  // The last administration with a total of each outcome series.
  std::map<std::pair<std::string, std::string>, size_t> last;
  for (size_t i = 0; i < administrations.size(); ++i) {
    const AdministrationInput& a = administrations[i];
    if (a.measures != kOutcomeMeasures || !HasTotal(a)) continue;
    auto key = std::make_pair(a.series, a.instrument_id);
    auto it = last.find(key);
    if (it == last.end() || administrations[it->second].session <= a.session) {
      last[key] = i;
    }
  }
  std::vector<SeriesOutcome> out;
  for (const auto& [key, index] : last) {
    const AdministrationInput& post = administrations[index];
    const Evaluation& e = evaluations[index];
    const std::vector<size_t> series = SeriesSoFar(administrations, post);
    const AdministrationInput& pre = administrations[series.front()];
    SeriesOutcome o;
    o.series = key.first;
    o.instrument_id = key.second;
    o.pre_session = pre.session;
    o.post_session = post.session;
    o.pre = *pre.score.total;
    o.post = *post.score.total;
    o.category = e.category;
    o.intake_above_cutoff = e.intake_above_cutoff;
    o.last_zone = e.zone;
    o.reached_target = e.zone == Zone::kGreen;
    if (std::optional<double> sd = rules.Sd(post.instrument_id)) {
      o.effect_size = (o.post - o.pre) / 10.0 / *sd;
      if (e.expected.has_value() && e.expected->available) {
        o.severity_adjusted_effect_size =
            (o.post / 10.0 - e.expected->target) / *sd;
      }
    }
    out.push_back(o);
  }
  return out;
}

std::vector<std::pair<std::string, ReferenceCell>> ReferenceContributions(
    const std::vector<AdministrationInput>& administrations) {
  std::vector<std::pair<std::string, ReferenceCell>> out;
  // Per client outcome series: the intake, then one cell per scored session.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> series;
  for (size_t i = 0; i < administrations.size(); ++i) {
    const AdministrationInput& a = administrations[i];
    if (a.measures != kOutcomeMeasures || a.collateral || !HasTotal(a))
      continue;
    series[{a.series, a.instrument_id}].push_back(i);
  }
  for (auto& [key, indices] : series) {
    std::stable_sort(indices.begin(), indices.end(), [&](size_t x, size_t y) {
      return administrations[x].session < administrations[y].session;
    });
    const Tenths intake = *administrations[indices.front()].score.total;
    const int64_t intake_value = intake;
    out.push_back({key.second,
                   {intake, 0, 1, intake_value, intake_value * intake_value}});
    for (size_t i : indices) {
      const int64_t total = *administrations[i].score.total;
      out.push_back(
          {key.second,
           {intake, administrations[i].session, 1, total, total * total}});
    }
  }
  return out;
}

}  // namespace tilbake::scoring
