#include "scoring/instrument.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace tilbake::scoring {

Tenths InstrumentDefinition::total_min() const {
  Tenths sum = 0;
  for (const ItemDefinition& item : items) sum += item.min;
  return sum;
}

Tenths InstrumentDefinition::total_max() const {
  Tenths sum = 0;
  for (const ItemDefinition& item : items) sum += item.max;
  return sum;
}

absl::Status ValidateDefinition(const InstrumentDefinition& definition) {
  if (definition.id.empty()) return absl::InvalidArgumentError("id: is empty");
  // The id is a part of every administration id ("3/ors/c-17/client"), whose
  // parts are split at '/'.
  if (definition.id.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("id: must not contain '/'");
  }
  if (definition.version.empty()) {
    return absl::InvalidArgumentError("version: is empty");
  }
  if (definition.items.empty()) {
    return absl::InvalidArgumentError("items: an instrument needs items");
  }
  std::set<std::string> keys;
  for (size_t i = 0; i < definition.items.size(); ++i) {
    const ItemDefinition& item = definition.items[i];
    const std::string where = absl::StrCat("items[", i, "]");
    if (item.key.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".key: is empty"));
    }
    if (!keys.insert(item.key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".key: \"", item.key, "\" appears twice"));
    }
    if (item.step <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".step: must be positive"));
    }
    if (item.max <= item.min || (item.max - item.min) % item.step != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": max must exceed min by a whole number of steps"));
    }
  }
  if (definition.accepts_total_only &&
      definition.method != ScoringMethod::kSumOfItems) {
    return absl::InvalidArgumentError(
        "accepts_total_only: only summed instruments take a total alone");
  }
  if (definition.method != ScoringMethod::kSectionMeans) {
    if (!definition.sections.empty()) {
      return absl::InvalidArgumentError(
          "section: only section-means instruments have sections");
    }
    return absl::OkStatus();
  }
  if (definition.sections.empty()) {
    return absl::InvalidArgumentError(
        "section: a section-means instrument needs sections");
  }
  std::set<std::string> sections;
  for (size_t i = 0; i < definition.sections.size(); ++i) {
    const SectionDefinition& section = definition.sections[i];
    const std::string where = absl::StrCat("section[", i, "]");
    if (!sections.insert(section.key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".key: \"", section.key, "\" appears twice"));
    }
    int items = 0;
    for (const ItemDefinition& item : definition.items) {
      if (item.section == section.key) ++items;
    }
    if (section.min_answered < 1 || section.min_answered > items) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".min_answered: must be 1–", items, " (the section's items)"));
    }
    if (section.by_domain && section.min_answered_per_domain < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".min_answered_per_domain: must be at least 1"));
    }
  }
  for (size_t i = 0; i < definition.items.size(); ++i) {
    if (!sections.contains(definition.items[i].section)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "items[", i, "].section: \"", definition.items[i].section,
          "\" is not a section of this instrument"));
    }
  }
  if (!sections.contains(definition.primary_section)) {
    return absl::InvalidArgumentError(
        absl::StrCat("primary_section: \"", definition.primary_section,
                     "\" is not a section of this instrument"));
  }
  return absl::OkStatus();
}

absl::StatusOr<InstrumentCatalog> InstrumentCatalog::Create(
    std::vector<InstrumentDefinition> definitions) {
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> ids;
  std::set<std::string> with_current;
  for (const InstrumentDefinition& d : definitions) {
    absl::Status status = ValidateDefinition(d);
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "instrument ", d.id, " version ", d.version, ": ", status.message()));
    }
    if (!seen.emplace(d.id, d.version).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "instrument ", d.id, " version ", d.version, " is defined twice"));
    }
    ids.insert(d.id);
    if (d.current && !with_current.insert(d.id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("instrument ", d.id, " has two current versions"));
    }
  }
  for (const std::string& id : ids) {
    if (!with_current.contains(id)) {
      return absl::InvalidArgumentError(
          absl::StrCat("instrument ", id, " has no current version"));
    }
  }
  std::sort(definitions.begin(), definitions.end(),
            [](const InstrumentDefinition& a, const InstrumentDefinition& b) {
              return std::tie(a.family, a.id, a.version) <
                     std::tie(b.family, b.id, b.version);
            });
  return InstrumentCatalog(std::move(definitions));
}

absl::StatusOr<const InstrumentDefinition*> InstrumentCatalog::Find(
    absl::string_view id, absl::string_view version) const {
  bool id_known = false;
  for (const InstrumentDefinition& d : definitions_) {
    if (d.id != id) continue;
    id_known = true;
    if (version.empty() ? d.current : d.version == version) return &d;
  }
  if (!id_known) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown instrument \"", id, "\""));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "instrument ", id, " version \"", version, "\" is not configured"));
}

}  // namespace tilbake::scoring
