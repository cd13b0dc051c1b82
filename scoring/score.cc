#include "scoring/score.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace tilbake::scoring {
namespace {

// "7.3" for 73 tenths: error messages speak the scale the rater used.
std::string Show(Tenths tenths) {
  return absl::StrFormat("%.1f", tenths / 10.0);
}

std::string ItemName(size_t index, const ItemDefinition& item) {
  return absl::StrCat("items[", index, "] (", item.key, ")");
}

absl::Status CheckValue(const std::string& where, const ItemDefinition& item,
                        Tenths value) {
  if (value < item.min) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": ", Show(value), " is below the minimum ", Show(item.min)));
  }
  if (value > item.max) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": ", Show(value), " is above the maximum ", Show(item.max)));
  }
  if ((value - item.min) % item.step != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", Show(value),
                     " is not on the scale (steps of ", Show(item.step), ")"));
  }
  return absl::OkStatus();
}

// Puts the answers in definition order, matching by key, or by position when
// no answer carries a key. Refuses unknown, repeated and missing keys.
absl::StatusOr<std::vector<ItemAnswer>> Normalize(
    const InstrumentDefinition& definition,
    const std::vector<ItemAnswer>& answers) {
  const size_t n = definition.items.size();
  if (answers.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "items: ", definition.id, " has ", n, " items, got ", answers.size()));
  }
  size_t keyed = 0;
  for (const ItemAnswer& a : answers) keyed += a.key.empty() ? 0 : 1;
  if (keyed == 0) {
    std::vector<ItemAnswer> ordered = answers;
    for (size_t i = 0; i < n; ++i) ordered[i].key = definition.items[i].key;
    return ordered;
  }
  if (keyed != n) {
    return absl::InvalidArgumentError(
        "items: give a key for every item or for none (then order counts)");
  }
  std::vector<ItemAnswer> ordered(n);
  std::vector<bool> filled(n, false);
  for (size_t j = 0; j < n; ++j) {
    const ItemAnswer& a = answers[j];
    size_t i = 0;
    while (i < n && definition.items[i].key != a.key) ++i;
    if (i == n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "items[", j, "]: \"", a.key, "\" is not an item of ", definition.id));
    }
    if (filled[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("items[", j, "]: \"", a.key, "\" is given twice"));
    }
    filled[i] = true;
    ordered[i] = a;
  }
  return ordered;
}

// Checks each answer against its item: the importance gate, then the value.
absl::Status CheckAnswers(const InstrumentDefinition& definition,
                          const std::vector<ItemAnswer>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    const ItemAnswer& a = items[i];
    const ItemDefinition& def = definition.items[i];
    const std::string where = ItemName(i, def);
    if (!def.importance_gate && a.importance != Importance::kUnspecified) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": this item has no importance question"));
    }
    if (a.importance == Importance::kNotImportant && a.value.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": rated although marked not important; leave it blank"));
    }
    if (def.importance_gate && a.importance == Importance::kUnspecified &&
        a.value.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": rated without saying whether it is important"));
    }
    if (a.value.has_value()) {
      absl::Status status = CheckValue(where, def, *a.value);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

// 100 × mean of the counting items scaled to 0–1, over `indices`.
SubScore ScoreGroup(const InstrumentDefinition& definition,
                    const std::vector<ItemAnswer>& items,
                    const std::vector<size_t>& indices, std::string key,
                    int min_answered) {
  SubScore sub;
  sub.key = std::move(key);
  double sum = 0;
  for (size_t i : indices) {
    const ItemAnswer& a = items[i];
    const ItemDefinition& def = definition.items[i];
    if (a.importance == Importance::kNotImportant) continue;
    ++sub.eligible;
    if (!a.value.has_value()) continue;
    ++sub.answered;
    const double scaled =
        static_cast<double>(*a.value - def.min) / (def.max - def.min);
    sum += def.reverse_scored ? 1.0 - scaled : scaled;
  }
  if (sub.answered < min_answered) {
    sub.withheld_reason = absl::StrCat(
        sub.answered, " item(s) count (answered",
        definition.items[indices.front()].importance_gate ? " and important"
                                                          : "",
        "); at least ", min_answered, " needed");
    return sub;
  }
  // Tenths of a 0–100 score: 1000 × mean.
  sub.value = static_cast<Tenths>(std::lround(1000.0 * sum / sub.answered));
  return sub;
}

absl::StatusOr<Score> ScoreSections(const InstrumentDefinition& definition,
                                    std::vector<ItemAnswer> items) {
  Score score;
  for (const SectionDefinition& section : definition.sections) {
    std::vector<size_t> indices;
    std::vector<std::string> domains;
    for (size_t i = 0; i < definition.items.size(); ++i) {
      const ItemDefinition& def = definition.items[i];
      if (def.section != section.key) continue;
      indices.push_back(i);
      if (std::find(domains.begin(), domains.end(), def.domain) ==
          domains.end()) {
        domains.push_back(def.domain);
      }
    }
    score.subscores.push_back(ScoreGroup(definition, items, indices,
                                         section.key, section.min_answered));
    if (!section.by_domain) continue;
    for (const std::string& domain : domains) {
      std::vector<size_t> in_domain;
      for (size_t i : indices) {
        if (definition.items[i].domain == domain) in_domain.push_back(i);
      }
      score.subscores.push_back(ScoreGroup(
          definition, items, in_domain, absl::StrCat(section.key, "/", domain),
          section.min_answered_per_domain));
    }
  }
  for (const SubScore& sub : score.subscores) {
    if (sub.key != definition.primary_section) continue;
    score.total = sub.value;
    score.status =
        sub.value.has_value() ? ScoreStatus::kScored : ScoreStatus::kWithheld;
    if (!sub.value.has_value()) {
      score.withheld_reason = absl::StrCat(sub.key, ": ", sub.withheld_reason);
    }
  }
  score.items = std::move(items);
  return score;
}

absl::StatusOr<Score> ScoreItems(const InstrumentDefinition& definition,
                                 const Answers& answers) {
  absl::StatusOr<std::vector<ItemAnswer>> items =
      Normalize(definition, answers.items);
  if (!items.ok()) return items.status();
  absl::Status checked = CheckAnswers(definition, *items);
  if (!checked.ok()) return checked;

  size_t answered = 0;
  for (const ItemAnswer& a : *items) answered += a.value.has_value() ? 1 : 0;
  const bool any_not_important =
      std::any_of(items->begin(), items->end(), [](const ItemAnswer& a) {
        return a.importance == Importance::kNotImportant;
      });
  if (answered == 0 && !any_not_important) {
    return absl::InvalidArgumentError(
        "items: none answered; submit it as skipped instead");
  }
  if (answers.stated_total.has_value() &&
      definition.method != ScoringMethod::kSumOfItems) {
    return absl::InvalidArgumentError(
        absl::StrCat("total: ", definition.id, " takes no stated total"));
  }
  if (definition.method == ScoringMethod::kSectionMeans) {
    return ScoreSections(definition, *std::move(items));
  }

  Score score;
  score.items = *std::move(items);
  if (answered != definition.items.size()) {
    // Some answered, some blank: the vendors' spec calls this invalid. Name
    // the blanks, as the form shows them (key and place, from 1), so the
    // clinician can ask the client for exactly those.
    std::vector<std::string> blank;
    for (size_t i = 0; i < score.items.size(); ++i) {
      if (score.items[i].value.has_value()) continue;
      blank.push_back(
          absl::StrCat(definition.items[i].key, " (item ", i + 1, ")"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "items: ", absl::StrJoin(blank, ", "), " not answered (", answered,
        " of ", definition.items.size(),
        "); give every item, or the total only, or mark it skipped"));
  }
  if (!definition.scored()) {
    score.status = ScoreStatus::kUnscored;
    return score;
  }
  Tenths total = 0;
  for (const ItemAnswer& a : score.items) total += *a.value;
  if (answers.stated_total.has_value() && *answers.stated_total != total) {
    return absl::InvalidArgumentError(
        absl::StrCat("total: ", Show(*answers.stated_total),
                     " disagrees with the items, which sum to ", Show(total)));
  }
  score.status = ScoreStatus::kScored;
  score.total = total;
  return score;
}

}  // namespace

absl::StatusOr<Score> ScoreAnswers(const InstrumentDefinition& definition,
                                   const Answers& answers) {
  switch (answers.format) {
    case AnswerFormat::kItems:
      return ScoreItems(definition, answers);
    case AnswerFormat::kTotalOnly: {
      if (!definition.accepts_total_only) {
        return absl::InvalidArgumentError(absl::StrCat(
            "total: ", definition.id, " must be entered item by item"));
      }
      if (answers.total < definition.total_min() ||
          answers.total > definition.total_max()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "total: ", Show(answers.total), " is outside ",
            Show(definition.total_min()), "–", Show(definition.total_max())));
      }
      Score score;
      score.status = ScoreStatus::kTotalOnly;
      score.total = answers.total;
      return score;
    }
    case AnswerFormat::kSkipped: {
      Score score;
      score.status = ScoreStatus::kSkipped;
      return score;
    }
  }
  return absl::InvalidArgumentError("format: unknown answer format");
}

}  // namespace tilbake::scoring
