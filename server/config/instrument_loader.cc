#include "server/config/instrument_loader.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "tilbake/config/instruments.pb.h"

namespace tilbake::config {

// Defined in the generated builtin_instruments.cc.
std::vector<std::pair<std::string_view, std::string_view>>
BuiltinInstrumentFiles();

namespace {

// Keeps the first parse error with its position.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty()) {
      error_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
    }
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

absl::StatusOr<scoring::Tenths> ToTenths(double value) {
  const double tenths = value * 10.0;
  const double rounded = std::round(tenths);
  if (std::fabs(tenths - rounded) > 1e-6 || std::fabs(rounded) > 1e6) {
    return absl::InvalidArgumentError(
        absl::StrCat(value, " is not a whole number of tenths"));
  }
  return static_cast<scoring::Tenths>(rounded);
}

absl::StatusOr<scoring::ScoringMethod> ToMethod(const std::string& name) {
  if (name == "sum") return scoring::ScoringMethod::kSumOfItems;
  if (name == "unscored") return scoring::ScoringMethod::kUnscored;
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name, "\" is not one of: sum, unscored"));
}

// Puts `field` before the error of `value`, if any.
template <typename T>
absl::StatusOr<T> Named(absl::StatusOr<T> value, absl::string_view field) {
  if (!value.ok()) return Prefixed(value.status(), field);
  return value;
}

absl::StatusOr<scoring::ItemDefinition> ToItem(const ItemConfig& c) {
  scoring::ItemDefinition item;
  item.key = c.key();
  ASSIGN_OR_RETURN(item.min, Named(ToTenths(c.min()), "min"));
  ASSIGN_OR_RETURN(item.max, Named(ToTenths(c.max()), "max"));
  ASSIGN_OR_RETURN(item.step, Named(ToTenths(c.step()), "step"));
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
  RETURN_IF_ERROR(scoring::ValidateDefinition(d));
  return d;
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::vector<scoring::InstrumentDefinition>> ParseInstrumentFile(
    absl::string_view source, absl::string_view text) {
  InstrumentFile file;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &file)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", errors.error()));
  }
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
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::directory_iterator(extra_dir, ec)) {
      if (entry.path().extension() == ".textpb") files.push_back(entry.path());
    }
    if (ec) {
      return absl::NotFoundError(absl::StrCat("cannot list instrument dir ",
                                              extra_dir, ": ", ec.message()));
    }
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      ASSIGN_OR_RETURN(std::string text, ReadFile(path));
      RETURN_IF_ERROR(add(path.string(), text));
    }
  }
  return scoring::InstrumentCatalog::Create(std::move(all));
}

}  // namespace tilbake::config
