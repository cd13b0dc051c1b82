#include "server/config/instrument_loader.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/config/text_files.h"
#include "tilbake/config/instruments.pb.h"

namespace tilbake::config {

// Defined in the generated builtin_instruments.cc.
std::vector<std::pair<std::string_view, std::string_view>>
BuiltinInstrumentFiles();

namespace {

absl::StatusOr<scoring::ScoringMethod> ToMethod(const std::string& name) {
  if (name == "sum") return scoring::ScoringMethod::kSumOfItems;
  if (name == "unscored") return scoring::ScoringMethod::kUnscored;
  if (name == "section-means") return scoring::ScoringMethod::kSectionMeans;
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", name, "\" is not one of: sum, unscored, section-means"));
}

absl::StatusOr<scoring::ItemDefinition> ToItem(const ItemConfig& c) {
  scoring::ItemDefinition item;
  item.key = c.key();
  ASSIGN_OR_RETURN(item.min, Named(PointsToTenths(c.min()), "min"));
  ASSIGN_OR_RETURN(item.max, Named(PointsToTenths(c.max()), "max"));
  ASSIGN_OR_RETURN(item.step, Named(PointsToTenths(c.step()), "step"));
  item.importance_gate = c.importance_gate();
  item.reverse_scored = c.reverse_scored();
  item.domain = c.domain();
  item.section = c.section();
  return item;
}

absl::StatusOr<scoring::InstrumentDefinition> ToDefinition(
    const InstrumentConfig& c) {
  scoring::InstrumentDefinition d;
  d.id = c.id();
  d.version = c.version();
  d.current = c.current();
  d.family = c.family();
  d.title = c.title();
  d.measures = c.measures();
  d.snomed_ct_code = c.snomed_ct_code();
  ASSIGN_OR_RETURN(d.method, Named(ToMethod(c.scoring()), "scoring"));
  d.higher_is_better = c.higher_is_better();
  d.accepts_total_only = c.accepts_total_only();
  for (int i = 0; i < c.items_size(); ++i) {
    absl::StatusOr<scoring::ItemDefinition> item = ToItem(c.items(i));
    if (!item.ok()) {
      return Prefixed(item.status(), absl::StrCat("items[", i, "]"));
    }
    d.items.push_back(*std::move(item));
  }
  for (const SectionConfig& section : c.section()) {
    d.sections.push_back({section.key(), section.min_answered(),
                          section.by_domain(),
                          section.min_answered_per_domain()});
  }
  d.primary_section = c.primary_section();
  RETURN_IF_ERROR(scoring::ValidateDefinition(d));
  return d;
}

}  // namespace

absl::StatusOr<std::vector<scoring::InstrumentDefinition>> ParseInstrumentFile(
    absl::string_view source, absl::string_view text) {
  InstrumentFile file;
  RETURN_IF_ERROR(ParseTextProto(source, text, &file));
  std::vector<scoring::InstrumentDefinition> out;
  for (int i = 0; i < file.instrument_size(); ++i) {
    absl::StatusOr<scoring::InstrumentDefinition> d =
        ToDefinition(file.instrument(i));
    if (!d.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": instrument[", i, "] (",
                       file.instrument(i).id(), ").", d.status().message()));
    }
    out.push_back(*std::move(d));
  }
  return out;
}

absl::StatusOr<scoring::InstrumentCatalog> LoadInstrumentCatalog(
    const std::string& extra_dir) {
  std::vector<scoring::InstrumentDefinition> all;
  auto add = [&all](absl::string_view source,
                    absl::string_view text) -> absl::Status {
    ASSIGN_OR_RETURN(auto definitions, ParseInstrumentFile(source, text));
    for (auto& d : definitions) all.push_back(std::move(d));
    return absl::OkStatus();
  };
  for (const auto& [name, text] : BuiltinInstrumentFiles()) {
    // Debian's Abseil has its own string_view: convert explicitly.
    RETURN_IF_ERROR(add(
        absl::StrCat("built-in ", absl::string_view(name.data(), name.size())),
        absl::string_view(text.data(), text.size())));
  }
  if (!extra_dir.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> files,
                     ListTextProtoFiles(extra_dir));
    for (const std::string& path : files) {
      ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
      RETURN_IF_ERROR(add(path, text));
    }
  }
  return scoring::InstrumentCatalog::Create(std::move(all));
}

}  // namespace tilbake::config
