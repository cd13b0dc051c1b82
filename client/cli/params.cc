#include "client/cli/params.h"

#include <initializer_list>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "client/cli/cli_support.h"
#include "common/status_macros.h"
#include "proto/names.h"

namespace tilbake::cli {
namespace {

// The first of `options` (name, value) that is empty, as an error.
absl::Status RequireAll(
    std::initializer_list<std::pair<const char*, const std::string*>> options) {
  for (const auto& [option, value] : options) {
    if (value->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", option, " is required"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::AgeBand> ParseAgeBand(const std::string& text) {
  if (text.empty()) return v1::AGE_BAND_UNSPECIFIED;
  if (auto band = names::AgeBandFromName(text)) return *band;
  return absl::InvalidArgumentError(absl::StrCat(
      "--age_band: \"", text, "\" is not one of ", names::kAgeBandNames));
}

absl::Status ParsePeriod(const std::string& tenant, const std::string& from,
                         const std::string& to, v1::Date* from_out,
                         v1::Date* to_out) {
  RETURN_IF_ERROR(
      RequireAll({{"tenant", &tenant}, {"from", &from}, {"to", &to}}));
  ASSIGN_OR_RETURN(*from_out, ParseDate("from", from));
  ASSIGN_OR_RETURN(*to_out, ParseDate("to", to));
  return absl::OkStatus();
}

// Sets `r`'s answers from --items, --total or --skipped (the first given).
absl::Status SetAnswers(const std::string& items, const std::string& total,
                        bool skipped, const std::string& skip_reason,
                        v1::Rating* r) {
  if (!items.empty()) {
    ASSIGN_OR_RETURN(*r->mutable_items(), ParseItems(items));
  } else if (!total.empty()) {
    double value = 0;
    if (!absl::SimpleAtod(total, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--total: \"", total, "\" is not a number"));
    }
    r->mutable_total_only()->set_total(value);
  } else if (skipped) {
    r->mutable_skipped()->set_reason(skip_reason);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::SubmitRatingRequest> ToRequest(const SubmitParams& p) {
  RETURN_IF_ERROR(RequireAll({{"tenant", &p.tenant},
                              {"episode", &p.episode},
                              {"client", &p.client},
                              {"clinician", &p.clinician},
                              {"org_unit", &p.org_unit},
                              {"date", &p.date},
                              {"instrument", &p.instrument}}));
  v1::SubmitRatingRequest request;
  request.set_idempotency_key(p.key);
  v1::Rating* r = request.mutable_rating();
  r->set_tenant_id(p.tenant);
  r->set_episode_id(p.episode);
  r->set_client_id(p.client);
  r->set_clinician_id(p.clinician);
  r->set_org_unit(p.org_unit);
  ASSIGN_OR_RETURN(v1::EpisodeType type, ParseEpisodeType(p.episode_type));
  r->set_episode_type(type);
  r->set_session_number(p.session);
  ASSIGN_OR_RETURN(*r->mutable_session_date(), ParseDate("date", p.date));
  r->set_instrument_id(p.instrument);
  r->set_instrument_version(p.instrument_version);
  ASSIGN_OR_RETURN(*r->mutable_rater(), ParseRater(p.rater, p.rater_id));
  if (p.age >= 0) r->set_client_age_years(p.age);
  if (!p.items.empty() + !p.total.empty() + p.skipped != 1) {
    return absl::InvalidArgumentError(
        "--items, --total or --skipped: give exactly one");
  }
  RETURN_IF_ERROR(SetAnswers(p.items, p.total, p.skipped, p.skip_reason, r));
  return request;
}

absl::Status Check(const ImportParams& p) {
  if (!p.format.empty() && p.format != "jsonl" && p.format != "csv" &&
      p.format != "fhir") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format: \"", p.format, "\" is not one of jsonl, csv, fhir"));
  }
  if (p.format == "csv" || p.format == "fhir") {
    RETURN_IF_ERROR(RequireAll({{"tenant", &p.tenant}}));
  }
  if (p.streams < 1) {
    return absl::InvalidArgumentError("--streams: must be at least 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::CorrectRatingRequest> ToCorrection(
    const CorrectParams& p, const v1::Episode& episode) {
  RETURN_IF_ERROR(RequireAll({{"tenant", &p.tenant},
                              {"episode", &p.episode},
                              {"administration", &p.administration},
                              {"reason", &p.reason}}));
  const v1::Administration* stored = nullptr;
  for (const v1::Administration& a : episode.administrations()) {
    if (a.administration_id() == p.administration) stored = &a;
  }
  if (stored == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "--administration: episode ", p.episode, " has no ", p.administration,
        " (tilbake episode shows its administrations)"));
  }
  v1::CorrectRatingRequest request;
  request.set_tenant_id(p.tenant);
  request.set_episode_id(p.episode);
  request.set_administration_id(p.administration);
  request.set_reason(p.reason);
  request.set_idempotency_key(p.key);
  v1::Rating* r = request.mutable_rating();
  *r = stored->rating();
  if (!p.items.empty() + !p.total.empty() + p.skipped > 1) {
    return absl::InvalidArgumentError(
        "--items, --total or --skipped: give at most one");
  }
  RETURN_IF_ERROR(SetAnswers(p.items, p.total, p.skipped, p.skip_reason, r));
  if (!p.date.empty()) {
    ASSIGN_OR_RETURN(*r->mutable_session_date(), ParseDate("date", p.date));
  }
  if (p.age >= 0) {
    r->set_client_age_years(p.age);
    r->set_age_band(v1::AGE_BAND_UNSPECIFIED);  // Derived from the new age.
  }
  if (!p.rater.empty() || !p.rater_id.empty()) {
    ASSIGN_OR_RETURN(
        *r->mutable_rater(),
        ParseRater(p.rater.empty() ? "client" : p.rater, p.rater_id));
  }
  return request;
}

absl::StatusOr<v1::VoidRatingRequest> ToVoid(const VoidParams& p) {
  RETURN_IF_ERROR(RequireAll({{"tenant", &p.tenant},
                              {"episode", &p.episode},
                              {"administration", &p.administration},
                              {"reason", &p.reason}}));
  v1::VoidRatingRequest request;
  request.set_tenant_id(p.tenant);
  request.set_episode_id(p.episode);
  request.set_administration_id(p.administration);
  request.set_reason(p.reason);
  request.set_idempotency_key(p.key);
  return request;
}

absl::Status Check(const EpisodeParams& p) {
  return RequireAll({{"tenant", &p.tenant}, {"episode", &p.episode}});
}

absl::StatusOr<v1::Ending> ToEnding(const CloseParams& p) {
  RETURN_IF_ERROR(RequireAll({{"tenant", &p.tenant},
                              {"episode", &p.episode},
                              {"ending", &p.ending},
                              {"end_date", &p.end_date}}));
  v1::Ending ending;
  ASSIGN_OR_RETURN(v1::EndingType type, ParseEndingType(p.ending));
  ending.set_type(type);
  ASSIGN_OR_RETURN(*ending.mutable_end_date(),
                   ParseDate("end_date", p.end_date));
  return ending;
}

absl::Status Check(const ExportParams& p) {
  RETURN_IF_ERROR(RequireAll({{"tenant", &p.tenant}}));
  if (p.episode.empty() == p.client.empty()) {
    return absl::InvalidArgumentError(
        "--episode or --client: give one (an episode, or all of a client)");
  }
  if (p.format != "fhir" && p.format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("--format: \"", p.format, "\" is not one of fhir, json"));
  }
  return absl::OkStatus();
}

absl::StatusOr<exports::CsvOptions> CheckFormat(const FiguresFormat& f) {
  if (f.format != "table" && f.format != "json" && f.format != "csv" &&
      f.format != "xlsx") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format: \"", f.format, "\" is not one of table, json, csv, xlsx"));
  }
  if (f.format == "xlsx" && f.out.empty()) {
    return absl::InvalidArgumentError(
        "--out: name the .xlsx file to write (it is not text for a terminal)");
  }
  if (!f.lang.empty() && f.lang != "nb" && f.lang != "da" && f.lang != "en") {
    return absl::InvalidArgumentError(
        absl::StrCat("--lang: \"", f.lang, "\" is not one of nb, da, en"));
  }
  exports::CsvOptions csv;
  csv.decimal_comma = f.decimal_comma;
  csv.bom = f.bom;
  csv.keys = f.column_keys;
  if (f.separator == "tab" || f.separator == "\t") {
    csv.separator = '\t';
  } else if (f.separator == "," || f.separator == ";") {
    csv.separator = f.separator[0];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--separator: \"", f.separator, "\" is not one of ',', ';', tab"));
  }
  if (csv.decimal_comma && csv.separator == ',') {
    return absl::InvalidArgumentError(
        "--decimal_comma: give --separator=';' (or tab) too, or every "
        "number would split in two");
  }
  return csv;
}

absl::StatusOr<v1::QueryTrendsRequest> ToRequest(const TrendsParams& p) {
  v1::QueryTrendsRequest request;
  RETURN_IF_ERROR(ParsePeriod(p.tenant, p.from, p.to, request.mutable_from(),
                              request.mutable_to()));
  request.set_tenant_id(p.tenant);
  request.set_org_unit(p.org_unit);
  request.set_clinician_id(p.clinician);
  for (absl::string_view id :
       absl::StrSplit(p.instrument, ',', absl::SkipEmpty())) {
    request.add_instrument_ids(std::string(id));
  }
  ASSIGN_OR_RETURN(v1::AgeBand band, ParseAgeBand(p.age_band));
  request.set_age_band(band);
  static const auto* buckets = new std::map<std::string, v1::TrendBucket>{
      {"week", v1::TREND_BUCKET_WEEK},
      {"month", v1::TREND_BUCKET_MONTH},
      {"quarter", v1::TREND_BUCKET_QUARTER},
      {"year", v1::TREND_BUCKET_YEAR},
      {"all", v1::TREND_BUCKET_WHOLE_PERIOD}};
  auto bucket = buckets->find(p.bucket);
  if (bucket == buckets->end()) {
    return absl::InvalidArgumentError(
        "--bucket: give week, month, quarter, year or all");
  }
  request.set_bucket(bucket->second);
  static const auto* groups = new std::map<std::string, v1::TrendGroupBy>{
      {"org_unit", v1::TREND_GROUP_BY_ORG_UNIT},
      {"clinician", v1::TREND_GROUP_BY_CLINICIAN},
      {"instrument", v1::TREND_GROUP_BY_INSTRUMENT},
      {"age_band", v1::TREND_GROUP_BY_AGE_BAND}};
  for (absl::string_view g :
       absl::StrSplit(p.group_by, ',', absl::SkipEmpty())) {
    auto it = groups->find(std::string(g));
    if (it == groups->end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--group_by: \"", g,
                       "\" is not one of org_unit, clinician, instrument, "
                       "age_band"));
    }
    request.add_group_by(it->second);
  }
  request.set_org_unit_depth(p.depth);
  return request;
}

std::string Describe(const TrendsParams& p) {
  std::vector<std::string> parts = {
      absl::StrCat("tenant ", p.tenant, ", ", p.from, " to ", p.to)};
  for (const auto& [name, value] : {std::pair{"org unit", &p.org_unit},
                                    {"clinician", &p.clinician},
                                    {"instrument", &p.instrument},
                                    {"age band", &p.age_band}}) {
    if (!value->empty()) parts.push_back(absl::StrCat(name, " ", *value));
  }
  return absl::StrJoin(parts, ", ");
}

absl::StatusOr<v1::QualityReportRequest> ToRequest(const ReportParams& p) {
  v1::QualityReportRequest request;
  RETURN_IF_ERROR(ParsePeriod(p.tenant, p.from, p.to, request.mutable_from(),
                              request.mutable_to()));
  request.set_tenant_id(p.tenant);
  request.set_org_unit(p.org_unit);
  return request;
}

absl::StatusOr<v1::QueryAuditLogRequest> ToRequest(const AuditParams& p) {
  RETURN_IF_ERROR(RequireAll({{"tenant", &p.tenant}}));
  v1::QueryAuditLogRequest request;
  request.set_tenant_id(p.tenant);
  request.set_client_id(p.client);
  request.set_page_size(1000);
  // Whole UTC days: --to is included, so the period ends the day after.
  auto day_start = [](const char* option, const std::string& text,
                      int add) -> absl::StatusOr<google::protobuf::Timestamp> {
    ASSIGN_OR_RETURN(v1::Date date, ParseDate(option, text));
    const absl::CivilDay day(date.year(), date.month(), date.day());
    google::protobuf::Timestamp out;
    out.set_seconds(
        absl::ToUnixSeconds(absl::FromCivil(day + add, absl::UTCTimeZone())));
    return out;
  };
  // Unset when not given: from the first entry, to the last.
  if (!p.from.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_from(), day_start("from", p.from, 0));
  }
  if (!p.to.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_to(), day_start("to", p.to, 1));
  }
  return request;
}

}  // namespace tilbake::cli
