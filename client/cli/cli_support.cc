// Over 500 lines for now: the parsing of option values and every table the
// CLI prints. The tables move to a rendering library shared with
// tilbake-web (issue 19), which splits this file by what it renders.
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
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "proto/names.h"

namespace tilbake::cli {

size_t DisplayWidth(absl::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      // An ANSI colour sequence (ESC [ … m) takes no column.
      const size_t end = text.find('m', i);
      if (end == absl::string_view::npos) break;
      i = end;
      continue;
    }
    // One column per code point: count every byte but UTF-8 continuations.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++width;
  }
  return width;
}

namespace {

std::string Utc(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

// Left-aligned columns separated by two spaces, aligned by display width
// (an en dash or "ø" is one column, a colour code none), not by bytes.
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
        widths[i] = std::max(widths[i], DisplayWidth(row[i]));
      }
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        absl::StrAppend(&line, row[i]);
        if (i + 1 < row.size()) {
          line.append(widths[i] - DisplayWidth(row[i]) + 2, ' ');
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

// Unspecified is taken as individual (feedback.proto).
std::string EpisodeTypeName(v1::EpisodeType type) {
  const std::string name = names::EpisodeTypeName(type);
  return name.empty() ? "individual" : name;
}

std::string RaterName(const v1::Rater& rater) {
  if (rater.kind() != v1::Rater::KIND_COLLATERAL) return "client";
  std::string name = names::RelationName(rater.relation());
  if (name.empty()) name = "collateral";
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
    case v1::SCORE_STATUS_WITHHELD:
      return "withheld";
    default:
      return "?";
  }
}

std::string ItemsText(const v1::Score& score) {
  if (score.subscores_size() > 0) {
    // Section-means instruments have many items: summarise.
    int rated = 0, not_important = 0;
    for (const v1::ItemAnswer& item : score.items()) {
      rated += item.has_value() ? 1 : 0;
      not_important += item.importance() == v1::IMPORTANCE_NOT_IMPORTANT;
    }
    return absl::StrCat(
        rated, " of ", score.items_size(), " rated",
        not_important > 0 ? absl::StrCat(", ", not_important, " not important")
                          : "");
  }
  std::vector<std::string> parts;
  for (const v1::ItemAnswer& item : score.items()) {
    parts.push_back(item.has_value() ? Decimal(item.value()) : "-");
  }
  return absl::StrJoin(parts, " ");
}

std::string ZoneName(v1::Zone zone, bool colour) {
  const char* name = "";
  const char* ansi = "";
  switch (zone) {
    case v1::ZONE_GREY:
      name = "grey";
      ansi = "\033[90m";
      break;
    case v1::ZONE_GREEN:
      name = "GREEN";
      ansi = "\033[32m";
      break;
    case v1::ZONE_ORANGE:
      name = "ORANGE";
      ansi = "\033[33m";
      break;
    case v1::ZONE_RED:
      name = "RED";
      ansi = "\033[31m";
      break;
    default:
      return "-";
  }
  return colour ? absl::StrCat(ansi, name, "\033[0m") : name;
}

std::string CategoryName(v1::ChangeCategory category) {
  switch (category) {
    case v1::CHANGE_CATEGORY_NO_RELIABLE_CHANGE:
      return "no reliable change";
    case v1::CHANGE_CATEGORY_RELIABLE_IMPROVEMENT:
      return "improved";
    case v1::CHANGE_CATEGORY_RELIABLE_DETERIORATION:
      return "deteriorated";
    case v1::CHANGE_CATEGORY_RELIABLE_RECOVERY:
      return "recovered";
    default:
      return "-";
  }
}

std::string Signed(double value) { return absl::StrFormat("%+.1f", value); }

std::string RangeText(const v1::Evaluation& e) {
  if (!e.has_clinical_range()) return "-";
  return e.clinical_range().in_range() ? "below cutoff" : "above cutoff";
}

std::string TargetText(const v1::Evaluation& e) {
  if (!e.has_expected() || !e.expected().available()) return "-";
  return absl::StrFormat("%.1f/%.1f", e.expected().target(),
                         e.expected().lower_bound());
}

std::vector<std::string> AdministrationRow(const v1::Administration& a,
                                           bool colour) {
  const v1::Rating& r = a.rating();
  const v1::Evaluation& e = a.score().evaluation();
  return {absl::StrCat(r.session_number()),
          FormatDate(r.session_date()),
          absl::StrCat(r.instrument_id(), " v", r.instrument_version()),
          r.client_id(),
          RaterName(r.rater()),
          StatusName(a.score().status()),
          a.score().has_total() ? Decimal(a.score().total()) : "-",
          ItemsText(a.score()),
          RangeText(e),
          e.has_change_since_intake() ? Signed(e.change_since_intake()) : "-",
          CategoryName(e.change_category()),
          TargetText(e),
          ZoneName(e.zone(), colour)};
}

const std::vector<std::string>& AdministrationHeader() {
  static const auto* header = new std::vector<std::string>{
      "session", "date",         "instrument", "client", "rater",
      "status",  "total",        "items",      "range",  "since intake",
      "change",  "target/lower", "zone"};
  return *header;
}

// "support 62.5 (connectedness 75.0, hope withheld), relationship 83.3"
std::string SubScoreLine(const v1::Administration& a) {
  std::vector<std::string> parts;
  std::vector<std::string> domains;
  auto value = [](const v1::SubScore& s) {
    return s.has_value() ? Decimal(s.value()) : std::string("withheld");
  };
  auto flush = [&] {
    if (!domains.empty() && !parts.empty()) {
      absl::StrAppend(&parts.back(), " (", absl::StrJoin(domains, ", "), ")");
    }
    domains.clear();
  };
  for (const v1::SubScore& s : a.score().subscores()) {
    const size_t slash = s.key().find('/');
    if (slash == std::string::npos) {
      flush();
      parts.push_back(absl::StrCat(s.key(), " ", value(s)));
    } else {
      domains.push_back(absl::StrCat(s.key().substr(slash + 1), " ", value(s)));
    }
  }
  flush();
  std::string line =
      absl::StrCat("  session ", a.rating().session_number(), " ",
                   a.rating().instrument_id(), " (", a.rating().client_id(),
                   "): ", absl::StrJoin(parts, ", "));
  if (!a.score().withheld_reason().empty()) {
    absl::StrAppend(&line, "; withheld: ", a.score().withheld_reason());
  }
  return line + "\n";
}

// Alerts other than green zones, one line each.
std::string AlertLines(const v1::Administration& a, bool colour) {
  std::string out;
  for (const v1::Alert& alert : a.score().evaluation().alerts()) {
    if (alert.colour() == v1::ZONE_GREEN) continue;
    absl::StrAppend(&out, "  session ", a.rating().session_number(), " ",
                    a.rating().instrument_id(), " (", a.rating().client_id(),
                    "): ", ZoneName(alert.colour(), colour), " ",
                    alert.message(), "\n");
  }
  return out;
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
  if (auto type = names::EpisodeTypeFromName(text)) return *type;
  return absl::InvalidArgumentError(
      absl::StrCat("--episode_type: \"", text,
                   "\" is not one of individual, couple, family, group"));
}

absl::StatusOr<v1::Rater> ParseRater(absl::string_view text,
                                     absl::string_view rater_id) {
  if (auto rater = names::RaterFromName(text, rater_id)) return *rater;
  return absl::InvalidArgumentError(absl::StrCat(
      "--rater: \"", text, "\" is not one of client, ", names::kRelationNames));
}

absl::StatusOr<v1::EndingType> ParseEndingType(absl::string_view text) {
  if (auto type = names::EndingTypeFromName(text)) return *type;
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

std::string RenderSubmit(const v1::SubmitRatingResponse& response,
                         bool colour) {
  const v1::Administration& a = response.administration();
  Table table(AdministrationHeader());
  table.Add(AdministrationRow(a, colour));
  std::string out = absl::StrCat(
      response.replayed() ? "Already stored (replayed): " : "Stored: ",
      a.administration_id(), " in episode ", a.rating().episode_id(),
      " (rules: ", a.score().rule_set(), " v", a.score().rule_set_version(),
      ")\n", table.Render());
  if (a.score().subscores_size() > 0) {
    absl::StrAppend(&out, "Scores (0–100):\n", SubScoreLine(a));
  }
  const std::string alerts = AlertLines(a, colour);
  if (!alerts.empty()) absl::StrAppend(&out, "Alerts:\n", alerts);
  return out;
}

std::string RenderEpisode(const v1::Episode& e, bool colour) {
  std::string out = absl::StrCat(
      "Episode ", e.episode_id(), "  (", EpisodeTypeName(e.episode_type()),
      ", ", e.closed() ? "closed" : "open", ")\n",
      "  tenant:     ", e.tenant_id(), "\n", "  org unit:   ", e.org_unit(),
      "\n", "  clinician:  ", e.clinician_id(), "\n",
      "  clients:    ", absl::StrJoin(e.client_ids(), ", "), "\n",
      "  sessions:   ", FormatDate(e.first_session_date()), " to ",
      FormatDate(e.last_session_date()), "\n");
  if (e.closed()) {
    absl::StrAppend(&out,
                    "  ending:     ", names::EndingTypeName(e.ending().type()),
                    " on ", FormatDate(e.ending().end_date()), "\n");
  }
  absl::StrAppend(&out, "  rules:      ", e.rule_set(), " v",
                  e.rule_set_version(), "\n");
  Table table(AdministrationHeader());
  std::string alerts;
  std::string subscores;
  for (const v1::Administration& a : e.administrations()) {
    table.Add(AdministrationRow(a, colour));
    absl::StrAppend(&alerts, AlertLines(a, colour));
    if (a.score().subscores_size() > 0) {
      absl::StrAppend(&subscores, SubScoreLine(a));
    }
  }
  absl::StrAppend(&out, "\n", table.Render());
  if (!subscores.empty())
    absl::StrAppend(&out, "\nScores (0–100):\n", subscores);
  if (!alerts.empty()) absl::StrAppend(&out, "\nAlerts:\n", alerts);
  if (e.outcomes_size() > 0) {
    Table outcomes({"client", "rater", "instrument", "pre", "post", "change",
                    "effect size", "SAES", "category", "target reached"});
    for (const v1::SeriesOutcome& o : e.outcomes()) {
      outcomes.Add(
          {o.client_id(), o.rater(), o.instrument_id(),
           absl::StrCat(Decimal(o.pre()), " (s", o.pre_session(), ")"),
           absl::StrCat(Decimal(o.post()), " (s", o.post_session(), ")"),
           Signed(o.post() - o.pre()),
           o.has_effect_size() ? absl::StrFormat("%.2f", o.effect_size()) : "-",
           o.has_severity_adjusted_effect_size()
               ? absl::StrFormat("%.2f", o.severity_adjusted_effect_size())
               : "-",
           CategoryName(o.change_category()),
           o.reached_target() ? "yes" : "no"});
    }
    absl::StrAppend(&out, "\nOutcome:\n", outcomes.Render());
  }
  std::vector<std::string> amended;
  for (const v1::Administration& a : e.administrations()) {
    if (a.revision() > 0) {
      amended.push_back(
          absl::StrCat(a.administration_id(), " (version ", a.revision(), ")"));
    }
  }
  if (!amended.empty()) {
    absl::StrAppend(
        &out, "\nCorrected: ", absl::StrJoin(amended, ", "),
        e.history_size() == 0 ? " (--history shows the versions before)" : "",
        "\n");
  }
  if (e.history_size() > 0) {
    Table history({"administration", "version", "date", "status", "total",
                   "items", "ended", "when", "by", "reason"});
    for (const v1::Revision& r : e.history()) {
      const v1::Administration& v = r.version();
      history.Add({v.administration_id(), absl::StrCat(v.revision()),
                   FormatDate(v.rating().session_date()),
                   StatusName(v.score().status()),
                   v.score().has_total() ? Decimal(v.score().total()) : "-",
                   ItemsText(v.score()),
                   r.change() == v1::RECORD_STATUS_ENTERED_IN_ERROR
                       ? "entered in error"
                       : "corrected",
                   Utc(r.changed_at()), r.changed_by(), r.reason()});
    }
    absl::StrAppend(&out,
                    "\nHistory (versions ended by corrections and voids):\n",
                    history.Render());
  }
  return out;
}

std::string RenderRetention(const v1::RetentionReport& r) {
  std::string out = absl::StrCat(
      "tenant ", r.tenant_id(),
      r.dry_run() ? " (dry run, nothing deleted)" : "", ":\n  episodes: ");
  if (r.has_episodes_ended_before()) {
    absl::StrAppend(&out, r.dry_run() ? "would retire " : "retired ",
                    r.episodes(), " ended before ",
                    FormatDate(r.episodes_ended_before()), " (",
                    r.administrations(), " administrations, ", r.revisions(),
                    " revisions, ", r.idempotency_keys(),
                    " keys); their trend figures stay\n");
  } else {
    absl::StrAppend(&out, "no retention policy for this tenant\n");
  }
  absl::StrAppend(&out, "  access log: ");
  if (r.has_audit_before()) {
    absl::StrAppend(&out, r.dry_run() ? "would delete " : "deleted ",
                    r.audit_entries(), " entries before ",
                    Utc(r.audit_before()), "\n");
  } else {
    absl::StrAppend(&out, "kept (no --audit_retention_years)\n");
  }
  return out;
}

std::string RenderRuleSets(const v1::ListRuleSetsResponse& response) {
  std::string out;
  for (const v1::RuleSetInfo& r : response.rule_sets()) {
    std::string marks;
    if (r.name() == response.default_rule_set()) marks += " (default)";
    if (r.name() == response.active()) marks += " (active for this tenant)";
    absl::StrAppend(&out, r.name(), " v", r.version(), marks, "\n  ",
                    r.description(), "\n");
    Table cutoffs({"  cutoff", "age band", "value", "operator", "verified"});
    for (const v1::CutoffInfo& c : r.cutoffs()) {
      const std::string band =
          c.age_band() == v1::AGE_BAND_UNSPECIFIED
              ? "any"
              : absl::AsciiStrToLower(v1::AgeBand_Name(c.age_band()).substr(9));
      cutoffs.Add({absl::StrCat("  ", c.instrument_id()), band,
                   Decimal(c.value()),
                   c.operator_() == v1::CUTOFF_OPERATOR_BELOW ? "<" : "<=",
                   c.verified() ? "yes" : "no (default)"});
    }
    absl::StrAppend(&out, cutoffs.Render());
    Table rc({"  reliable change", "points", "definition", "verified"});
    for (const v1::ReliableChangeInfo& c : r.reliable_change()) {
      rc.Add({absl::StrCat("  ", c.instrument_id()),
              absl::StrFormat("%.2f", c.points()), c.definition(),
              c.verified() ? "yes" : "no (default)"});
    }
    absl::StrAppend(&out, rc.Render());
    absl::StrAppend(&out, "  trajectory: ", r.trajectory_model(), " (intake ±",
                    Decimal(r.intake_window()), ", at least ", r.min_episodes(),
                    " episodes, lower bound ", r.lower_bound_sd(),
                    " SD below)\n", "  alerts: zone ",
                    r.alert_ors_zone() ? "on" : "off", ", srs below cutoff ",
                    r.alert_srs_below_cutoff() ? "on" : "off",
                    ", srs drop >= ", Decimal(r.srs_drop_points()), " ",
                    r.alert_srs_drop() ? "on" : "off", ", srs missing ",
                    r.alert_srs_missing() ? "on" : "off", ", srs item < ",
                    Decimal(r.srs_item_threshold()), " ",
                    r.alert_srs_item_below() ? "on" : "off", "\n\n");
  }
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
    // INSPIRE's 27 keys would swamp the table; --json lists them all.
    const std::string key_list =
        keys.size() > 5 ? absl::StrCat(keys.size(), " items in ",
                                       d.sections_size(), " section(s)")
                        : absl::StrJoin(keys, ",");
    table.Add(
        {d.id(), absl::StrCat(d.version(), d.current() ? " (current)" : ""),
         d.family(), d.measures(), key_list,
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

namespace {

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string RenderAuditLog(const std::vector<v1::AuditEntry>& entries) {
  if (entries.empty()) return "no entries\n";
  Table table(
      {"time", "who", "action", "episode", "client", "outcome", "detail"});
  for (const v1::AuditEntry& e : entries) {
    std::string who = e.actor();
    if (!e.actor_role().empty())
      absl::StrAppend(&who, " (", e.actor_role(), ")");
    table.Add({Utc(e.time()), who, e.action(), OrDash(e.episode_id()),
               OrDash(e.client_id()), e.outcome_name(), e.detail()});
  }
  return table.Render();
}

std::string RenderErasureRequests(
    const std::vector<v1::ErasureRequest>& requests) {
  if (requests.empty()) return "no erasure requests\n";
  Table table({"request", "client", "state", "requested", "by", "decided by",
               "erased", "reason"});
  for (const v1::ErasureRequest& r : requests) {
    std::string state = v1::ErasureRequest::State_Name(r.state());
    absl::AsciiStrToLower(&state);
    table.Add({r.request_id(), r.client_id(), state, Utc(r.requested_at()),
               r.requested_by(), OrDash(r.decided_by()),
               r.state() == v1::ErasureRequest::APPROVED
                   ? absl::StrCat(r.administrations_erased(), " ratings")
                   : "-",
               r.reason()});
  }
  return table.Render();
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

namespace {

std::string Opt(bool has, double value,
                const absl::FormatSpec<double>& format = "%.1f") {
  return has ? absl::StrFormat(format, value) : "-";
}

std::string BandName(v1::AgeBand band) {
  const std::string name = names::AgeBandName(band);
  return name.empty() ? "unknown" : name;
}

std::string Count(bool has, int64_t value) {
  return has ? absl::StrCat(value) : "-";
}

std::vector<std::string> OutcomeCells(const v1::OutcomeFigures& o) {
  return {
      o.suppressed() ? "<k" : absl::StrCat(o.series()),
      o.suppressed() ? "<k"
                     : Count(o.has_distinct_clients(), o.distinct_clients()),
      Opt(o.has_mean_intake(), o.mean_intake()),
      Opt(o.has_mean_change(), o.mean_change(), "%+.1f"),
      Opt(o.has_effect_size(), o.effect_size(), "%.2f"),
      Opt(o.has_severity_adjusted_effect_size(),
          o.severity_adjusted_effect_size(), "%.2f"),
      Opt(o.has_pct_reliable_improvement(), o.pct_reliable_improvement(),
          "%.0f%%"),
      Opt(o.has_pct_reliable_recovery(), o.pct_reliable_recovery(), "%.0f%%"),
      Opt(o.has_pct_reliable_deterioration(), o.pct_reliable_deterioration(),
          "%.0f%%"),
      Opt(o.has_pct_reached_target(), o.pct_reached_target(), "%.0f%%"),
      absl::StrCat(o.unilateral_endings(), " (", o.unilateral_with_effect(),
                   " w/ effect)")};
}

}  // namespace

std::string RenderTrends(const std::vector<v1::TrendRow>& rows, bool split) {
  // "clients": people with forms of their own; "of clients": the people
  // whose series ended. Each counted once, however many episodes.
  Table table({"bucket",     "org unit",    "clinician", "instrument",
               "age band",   "clients",     "forms",     "sessions",
               "ORS%",       "SRS%",        "intake",    "ended",
               "of clients", "mean intake", "change",    "ES",
               "SAES",       "improved",    "recovered", "deteriorated",
               "target",     "dropout"});
  for (const v1::TrendRow& r : rows) {
    const v1::ActivityFigures& a = r.activity();
    auto line = [&](const std::string& intake, const v1::OutcomeFigures& o) {
      std::vector<std::string> cells = {
          absl::StrCat(FormatDate(r.bucket_start()), "..",
                       FormatDate(r.bucket_end())),
          r.org_unit().empty() ? "*" : r.org_unit(),
          r.clinician_id().empty() ? "*" : r.clinician_id(),
          r.instrument_id().empty() ? "*" : r.instrument_id(),
          r.age_band() == v1::AGE_BAND_UNSPECIFIED ? "*"
                                                   : BandName(r.age_band()),
          r.activity_suppressed()
              ? "<k"
              : Count(r.has_distinct_clients(), r.distinct_clients()),
          r.activity_suppressed() ? "<k" : absl::StrCat(a.administrations()),
          a.sessions() > 0 ? absl::StrCat(a.sessions()) : "-",
          Opt(a.has_pct_sessions_with_ors(), a.pct_sessions_with_ors(),
              "%.0f%%"),
          Opt(a.has_pct_sessions_with_srs(), a.pct_sessions_with_srs(),
              "%.0f%%"),
          intake};
      for (std::string& cell : OutcomeCells(o))
        cells.push_back(std::move(cell));
      table.Add(std::move(cells));
    };
    line("all", r.all());
    if (split) {
      line("below cutoff", r.intake_below_cutoff());
      line("above cutoff", r.intake_above_cutoff());
    }
  }
  std::string out = table.Render();
  if (!rows.empty() && rows.front().small_cell_threshold() > 0) {
    // "<k": left out, from fewer clients than the tenant's threshold.
    absl::StrAppend(&out, "<k: from fewer than ",
                    rows.front().small_cell_threshold(),
                    " clients, left out (docs/security.md)\n");
  }
  return out;
}

std::string RenderQualityReport(const v1::QualityReport& r) {
  std::string out = absl::StrCat(
      "Quality report: ", r.tenant_id(),
      r.org_unit().empty() ? "" : absl::StrCat(" / ", r.org_unit()), ", ",
      FormatDate(r.from()), " to ", FormatDate(r.to()),
      " (rules: ", r.rule_set(), ")\n\n",
      "  episodes started:        ", r.episodes_started(), "\n",
      "  client sessions:         ", r.sessions(), "\n",
      "  sessions with ORS:       ",
      Opt(r.has_pct_sessions_with_ors(), r.pct_sessions_with_ors(), "%.0f%%"),
      "\n", "  sessions with SRS:       ",
      Opt(r.has_pct_sessions_with_srs(), r.pct_sessions_with_srs(), "%.0f%%"),
      "\n", "  sessions with INSPIRE:   ",
      Opt(r.has_pct_sessions_with_inspire(), r.pct_sessions_with_inspire(),
          "%.0f%%"),
      "\n", "  collateral forms:        ", r.collateral_administrations(),
      "\n");
  for (const v1::AllianceShare& a : r.alliance()) {
    absl::StrAppend(
        &out, "  ", a.instrument_id(), " below cutoff:",
        std::string(
            std::max<int>(1, 11 - static_cast<int>(a.instrument_id().size())),
            ' '),
        a.suppressed()
            ? std::string("<k")
            : absl::StrCat(
                  Opt(a.has_pct_below_cutoff(), a.pct_below_cutoff(), "%.0f%%"),
                  " (", a.below_cutoff(), " of ", a.completed(), " forms)"),
        "\n");
  }
  for (const v1::OutcomeIndices& o : r.outcomes()) {
    absl::StrAppend(&out, "\n", o.instrument_id(),
                    " (episodes ended in the period)\n");
    // "series" as the report has always counted them (one per episode),
    // "clients" the people behind them, each once.
    Table bands({"   1/4 age band", "series", "clients", "mean intake"});
    for (const v1::AgeBandFigures& b : o.by_age_band()) {
      bands.Add({absl::StrCat("   ", BandName(b.age_band())),
                 absl::StrCat(b.clients()),
                 Count(b.has_distinct_clients(), b.distinct_clients()),
                 Opt(b.has_mean_intake(), b.mean_intake())});
    }
    absl::StrAppend(&out, bands.Render());
    absl::StrAppend(
        &out, "    2 episodes:                 ", o.episodes(),
        o.has_distinct_clients()
            ? absl::StrCat(" (", o.distinct_clients(), " clients)")
            : "",
        "\n", "    3 collateral series:        ", o.collateral_series(), "\n",
        "    5 mean intake SRS:          ",
        Opt(o.has_mean_intake_srs(), o.mean_intake_srs()), "\n",
        "    6 mean sessions:            ",
        Opt(o.has_mean_sessions(), o.mean_sessions()), "\n",
        "    7 mean length (days):       ",
        Opt(o.has_mean_days(), o.mean_days()), "\n",
        "    8 effect size / SAES:       ",
        Opt(o.has_effect_size(), o.effect_size(), "%.2f"), " / ",
        Opt(o.has_severity_adjusted_effect_size(),
            o.severity_adjusted_effect_size(), "%.2f"),
        "\n", "    9 relative effect size:     ",
        Opt(o.has_relative_effect_size(), o.relative_effect_size(), "%.2f"),
        "\n", "   10 reached target:           ",
        Opt(o.has_pct_reached_target(), o.pct_reached_target(), "%.0f%%"), "\n",
        "   11 endings: planned ", o.planned_endings(),
        ", unilateral with effect ", o.unilateral_with_effect(), ", without ",
        o.unilateral_without_effect(), "\n");
    const v1::OutcomeFigures& below = o.intake_below_cutoff();
    const v1::OutcomeFigures& above = o.intake_above_cutoff();
    absl::StrAppend(
        &out, "      intake below cutoff: ", below.series(), " series, change ",
        Opt(below.has_mean_change(), below.mean_change(), "%+.1f"),
        "; above: ", above.series(), " series, change ",
        Opt(above.has_mean_change(), above.mean_change(), "%+.1f"), "\n");
  }
  for (const v1::MeanScore& m : r.recovery_support()) {
    absl::StrAppend(&out, "\n", m.instrument_id(), ": mean ",
                    Opt(m.has_mean(), m.mean()), " over ", m.completed(),
                    " completed forms\n");
  }
  return out;
}

}  // namespace tilbake::cli
