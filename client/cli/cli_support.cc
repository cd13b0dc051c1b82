#include "client/cli/cli_support.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/util/json_util.h"

namespace tilbake::cli {
namespace {

// Left-aligned columns separated by two spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> header) {
    rows_.push_back(std::move(header));
  }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string Render() const {
    std::vector<size_t> widths;
    for (const auto& row : rows_) {
      widths.resize(std::max(widths.size(), row.size()), 0);
      for (size_t i = 0; i < row.size(); ++i) {
        widths[i] = std::max(widths[i], row[i].size());
      }
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        absl::StrAppend(&line, row[i]);
        if (i + 1 < row.size()) {
          line.append(widths[i] - row[i].size() + 2, ' ');
        }
      }
      absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(line), "\n");
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string Decimal(double value) { return absl::StrFormat("%.1f", value); }

std::string EpisodeTypeName(v1::EpisodeType type) {
  switch (type) {
    case v1::EPISODE_TYPE_COUPLE:
      return "couple";
    case v1::EPISODE_TYPE_FAMILY:
      return "family";
    case v1::EPISODE_TYPE_GROUP:
      return "group";
    default:
      return "individual";
  }
}

const std::vector<std::pair<std::string, v1::Rater::Relation>>& Relations() {
  static const auto* relations =
      new std::vector<std::pair<std::string, v1::Rater::Relation>>{
          {"parent", v1::Rater::RELATION_PARENT},
          {"carer", v1::Rater::RELATION_CARER},
          {"partner", v1::Rater::RELATION_PARTNER},
          {"sibling", v1::Rater::RELATION_SIBLING},
          {"other-family", v1::Rater::RELATION_OTHER_FAMILY},
          {"teacher", v1::Rater::RELATION_TEACHER},
          {"other", v1::Rater::RELATION_OTHER},
      };
  return *relations;
}

std::string RaterName(const v1::Rater& rater) {
  if (rater.kind() != v1::Rater::KIND_COLLATERAL) return "client";
  std::string name = "collateral";
  for (const auto& [text, relation] : Relations()) {
    if (relation == rater.relation()) name = text;
  }
  if (!rater.rater_id().empty())
    absl::StrAppend(&name, " (", rater.rater_id(), ")");
  return name;
}

std::string StatusName(v1::ScoreStatus status) {
  switch (status) {
    case v1::SCORE_STATUS_SCORED:
      return "scored";
    case v1::SCORE_STATUS_TOTAL_ONLY:
      return "total only";
    case v1::SCORE_STATUS_SKIPPED:
      return "skipped";
    case v1::SCORE_STATUS_UNSCORED:
      return "unscored";
    default:
      return "?";
  }
}

std::string ItemsText(const v1::Score& score) {
  std::vector<std::string> parts;
  for (const v1::ItemAnswer& item : score.items()) {
    parts.push_back(item.has_value() ? Decimal(item.value()) : "-");
  }
  return absl::StrJoin(parts, " ");
}

std::vector<std::string> AdministrationRow(const v1::Administration& a) {
  const v1::Rating& r = a.rating();
  return {absl::StrCat(r.session_number()),
          FormatDate(r.session_date()),
          absl::StrCat(r.instrument_id(), " v", r.instrument_version()),
          r.client_id(),
          RaterName(r.rater()),
          StatusName(a.score().status()),
          a.score().has_total() ? Decimal(a.score().total()) : "-",
          ItemsText(a.score())};
}

const std::vector<std::string>& AdministrationHeader() {
  static const auto* header =
      new std::vector<std::string>{"session", "date",   "instrument", "client",
                                   "rater",   "status", "total",      "items"};
  return *header;
}

}  // namespace

absl::StatusOr<v1::Date> ParseDate(absl::string_view flag,
                                   absl::string_view text) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(text, &day) || absl::FormatCivilTime(day) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": \"", text, "\" is not a date YYYY-MM-DD"));
  }
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

std::string FormatDate(const v1::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

absl::StatusOr<v1::ItemAnswers> ParseItems(absl::string_view text) {
  v1::ItemAnswers items;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    v1::ItemAnswer* item = items.add_items();
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    absl::string_view value = part;
    if (part.find('=') != part.npos) {
      item->set_key(std::string(absl::StripAsciiWhitespace(kv.first)));
      value = absl::StripAsciiWhitespace(kv.second);
    }
    if (value.empty()) continue;  // Unanswered.
    double number = 0;
    if (!absl::SimpleAtod(value, &number)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--items: \"", value, "\" is not a number (use 7.3, not 7,3)"));
    }
    item->set_value(number);
  }
  return items;
}

absl::StatusOr<v1::EpisodeType> ParseEpisodeType(absl::string_view text) {
  if (text == "individual") return v1::EPISODE_TYPE_INDIVIDUAL;
  if (text == "couple") return v1::EPISODE_TYPE_COUPLE;
  if (text == "family") return v1::EPISODE_TYPE_FAMILY;
  if (text == "group") return v1::EPISODE_TYPE_GROUP;
  return absl::InvalidArgumentError(
      absl::StrCat("--episode_type: \"", text,
                   "\" is not one of individual, couple, family, group"));
}

absl::StatusOr<v1::Rater> ParseRater(absl::string_view text,
                                     absl::string_view rater_id) {
  v1::Rater rater;
  if (text == "client") {
    rater.set_kind(v1::Rater::KIND_CLIENT);
    return rater;
  }
  for (const auto& [name, relation] : Relations()) {
    if (text == name) {
      rater.set_kind(v1::Rater::KIND_COLLATERAL);
      rater.set_relation(relation);
      rater.set_rater_id(std::string(rater_id));
      return rater;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--rater: \"", text,
                   "\" is not one of client, parent, carer, partner, sibling, "
                   "other-family, teacher, other"));
}

absl::StatusOr<v1::EndingType> ParseEndingType(absl::string_view text) {
  if (text == "planned") return v1::ENDING_TYPE_PLANNED;
  if (text == "unilateral") return v1::ENDING_TYPE_UNILATERAL;
  return absl::InvalidArgumentError(absl::StrCat(
      "--ending: \"", text, "\" is not one of planned, unilateral"));
}

absl::StatusOr<std::vector<v1::ImportRatingsRequest>> ParseImportLines(
    absl::string_view contents) {
  std::vector<v1::ImportRatingsRequest> records;
  int64_t line_number = 0;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    v1::ImportRatingsRequest request;
    request.set_record_number(line_number);
    auto status = google::protobuf::util::JsonStringToMessage(
        std::string(line), request.mutable_record());
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": not a SubmitRatingRequest in JSON: ",
          std::string(status.message())));
    }
    records.push_back(std::move(request));
  }
  return records;
}

std::string RenderSubmit(const v1::SubmitRatingResponse& response) {
  const v1::Administration& a = response.administration();
  Table table(AdministrationHeader());
  table.Add(AdministrationRow(a));
  return absl::StrCat(
      response.replayed() ? "Already stored (replayed): " : "Stored: ",
      a.administration_id(), " in episode ", a.rating().episode_id(), "\n",
      table.Render());
}

std::string RenderEpisode(const v1::Episode& e) {
  std::string out = absl::StrCat(
      "Episode ", e.episode_id(), "  (", EpisodeTypeName(e.episode_type()),
      ", ", e.closed() ? "closed" : "open", ")\n",
      "  tenant:     ", e.tenant_id(), "\n", "  org unit:   ", e.org_unit(),
      "\n", "  clinician:  ", e.clinician_id(), "\n",
      "  clients:    ", absl::StrJoin(e.client_ids(), ", "), "\n",
      "  sessions:   ", FormatDate(e.first_session_date()), " to ",
      FormatDate(e.last_session_date()), "\n");
  if (e.closed()) {
    absl::StrAppend(
        &out, "  ending:     ",
        e.ending().type() == v1::ENDING_TYPE_PLANNED ? "planned" : "unilateral",
        " on ", FormatDate(e.ending().end_date()), "\n");
  }
  Table table(AdministrationHeader());
  for (const v1::Administration& a : e.administrations()) {
    table.Add(AdministrationRow(a));
  }
  absl::StrAppend(&out, "\n", table.Render());
  return out;
}

std::string RenderInstruments(
    const std::vector<v1::InstrumentDefinition>& instruments) {
  Table table({"id", "version", "family", "measures", "items", "scale", "total",
               "title"});
  for (const v1::InstrumentDefinition& d : instruments) {
    std::vector<std::string> keys;
    for (const auto& item : d.items()) keys.push_back(item.key());
    const auto& first = d.items(0);
    table.Add(
        {d.id(), absl::StrCat(d.version(), d.current() ? " (current)" : ""),
         d.family(), d.measures(), absl::StrJoin(keys, ","),
         absl::StrCat(Decimal(first.min()), "–", Decimal(first.max()), " by ",
                      Decimal(first.step())),
         d.scored()
             ? absl::StrCat(Decimal(d.total_min()), "–", Decimal(d.total_max()))
             : "not scored",
         d.title()});
  }
  return table.Render();
}

std::string RenderImport(const v1::ImportRatingsResponse& response) {
  std::string out =
      absl::StrCat("received ", response.received(), ", stored ",
                   response.stored(), ", already stored ", response.replayed(),
                   ", rejected ", response.rejected(), "\n");
  for (const v1::ImportError& error : response.errors()) {
    absl::StrAppend(&out, "  line ", error.record_number(), ": ",
                    error.message(), "\n");
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace tilbake::cli
