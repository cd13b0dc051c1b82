#include "scoring/score.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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

absl::StatusOr<Score> ScoreItems(const InstrumentDefinition& definition,
                                 const Answers& answers) {
  absl::StatusOr<std::vector<ItemAnswer>> items =
      Normalize(definition, answers.items);
  if (!items.ok()) return items.status();

  size_t answered = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    const ItemAnswer& a = (*items)[i];
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
    if (!a.value.has_value()) continue;
    ++answered;
    absl::Status status = CheckValue(where, def, *a.value);
    if (!status.ok()) return status;
  }

  Score score;
  score.items = *std::move(items);
  if (answered == 0) {
    return absl::InvalidArgumentError(
        "items: none answered; submit it as skipped instead");
  }
  if (answered != definition.items.size()) {
    // Some answered, some blank: the vendors' spec calls this invalid.
    return absl::InvalidArgumentError(absl::StrCat(
        "items: ", answered, " of ", definition.items.size(),
        " answered; give every item, or the total only, or mark it skipped"));
  }
  if (!definition.scored()) {
    if (answers.stated_total.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("total: ", definition.id, " is not scored"));
    }
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
