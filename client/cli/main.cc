// tilbake: the command line for Tilbake, built on the C++ SDK.
//
// Exit codes: 0 success; 1 the server refused or could not be reached;
// 2 bad usage; 3 an import stored some records and rejected others.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "client/cli/cli_support.h"
#include "client/cli/plot.h"
#include "client/csv/text_encoding.h"
#include "client/csv/vendor_csv.h"
#include "client/fhir/fhir.h"
#include "client/sdk/client.h"
#include "server/auth/tokens.h"
#include "storage/store.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "tilbake-server address.");
ABSL_FLAG(std::string, tls_ca, "",
          "TLS: the CA that signed the server's certificate (PEM). Any of "
          "--tls_ca, --tls_cert, --tls_key turns TLS on.");
ABSL_FLAG(std::string, tls_cert, "",
          "Mutual TLS: this client's certificate (PEM).");
ABSL_FLAG(std::string, tls_key, "", "Mutual TLS: this client's key (PEM).");
ABSL_FLAG(std::string, token, "",
          "Bearer token for the server's --tokens_file (default: the "
          "TILBAKE_TOKEN environment variable, which keeps it out of ps).");
ABSL_FLAG(std::string, name, "", "token: who will hold the new token.");
ABSL_FLAG(std::string, role, "",
          "token: clinician, quality, admin or integration.");
ABSL_FLAG(bool, json, false, "Print JSON instead of tables.");
ABSL_FLAG(int, deadline_seconds, 10, "Deadline of each call.");
ABSL_FLAG(int, attempts, 4, "Attempts for calls that fail transiently.");
ABSL_FLAG(int, streams, 4,
          "import: streams sent at once (the server takes up to its "
          "--max_import_streams).");
ABSL_FLAG(std::string, tenant, "", "Tenant id.");
ABSL_FLAG(std::string, episode, "", "Episode id.");
ABSL_FLAG(std::string, client, "", "Client pseudonym.");
ABSL_FLAG(std::string, clinician, "", "Clinician id.");
ABSL_FLAG(std::string, org_unit, "",
          "Org unit path, e.g. psykisk-helse/team-nord.");
ABSL_FLAG(std::string, format, "",
          "import: jsonl (default; SubmitRatingRequest per line), csv (the "
          "FIT vendors' layout, docs/import.md) or fhir (QuestionnaireResponse"
          "s, docs/fhir.md); export: fhir (default) or json.");
ABSL_FLAG(std::string, encoding, "utf-8",
          "import: the file's text encoding: utf-8 (checked), latin1 or "
          "cp1252 (converted to UTF-8 before sending).");
ABSL_FLAG(std::string, org_unit_prefix, "",
          "import --format csv: prepended to the org unit made from "
          "Service_Location.");
ABSL_FLAG(std::string, episode_type, "individual",
          "individual, couple, family or group.");
ABSL_FLAG(int, session, 0, "Session number (1 = first).");
ABSL_FLAG(std::string, date, "", "Session date, YYYY-MM-DD.");
ABSL_FLAG(std::string, instrument, "", "Instrument id, e.g. ors, srs.");
ABSL_FLAG(std::string, instrument_version, "", "Version (default: current).");
ABSL_FLAG(std::string, items, "",
          "Item values: 5.1,6,7.3,8.9 or individual=5.1,interpersonal=6,…");
ABSL_FLAG(std::string, total, "", "Total only (entry format B), e.g. 26.5.");
ABSL_FLAG(bool, skipped, false, "The form was handed out but not completed.");
ABSL_FLAG(std::string, skip_reason, "", "Optional reason for --skipped.");
ABSL_FLAG(std::string, rater, "client",
          "client, or a collateral rater: parent, carer, partner, sibling, "
          "other-family, teacher, other.");
ABSL_FLAG(std::string, rater_id, "", "Tells two collateral raters apart.");
ABSL_FLAG(int, age, -1, "Client's age in years at the session (optional).");
ABSL_FLAG(std::string, key, "",
          "Idempotency key; default: a new random key. Reuse it to retry.");
ABSL_FLAG(std::string, ending, "", "planned or unilateral.");
ABSL_FLAG(std::string, end_date, "", "Episode end date, YYYY-MM-DD.");
ABSL_FLAG(std::string, family, "", "instruments: only this family (fit, …).");
ABSL_FLAG(std::string, from, "",
          "trends/report/audit: first day, YYYY-MM-DD (audit: UTC).");
ABSL_FLAG(std::string, to, "",
          "trends/report/audit: last day, YYYY-MM-DD (included).");
ABSL_FLAG(std::string, reason, "",
          "erasure request: why (the citizen's request and its reference); "
          "no health data.");
ABSL_FLAG(std::string, request, "", "erasure approve/reject: the request id.");
ABSL_FLAG(std::string, bucket, "month", "week, month, quarter, year or all.");
ABSL_FLAG(std::string, group_by, "instrument",
          "Comma-separated: org_unit, clinician, instrument, age_band.");
ABSL_FLAG(int, depth, 0, "With --group_by=org_unit: levels to group by.");
ABSL_FLAG(std::string, age_band, "", "under-6, child, adolescent or adult.");
ABSL_FLAG(bool, split, false, "trends: also intake below / above the cutoff.");
ABSL_FLAG(std::string, out, "",
          "plot: the SVG file to write; export: the file (default stdout).");
ABSL_FLAG(uint32_t, keep, 0, "backup: backups to keep (0: the server's).");
ABSL_FLAG(std::string, backup_dir, "", "restore: the backup directory.");
ABSL_FLAG(std::string, data_dir, "", "restore: an empty data directory.");

namespace {

using tilbake::client::Client;
namespace cli = tilbake::cli;
namespace v1 = tilbake::v1;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitPartial = 3;

constexpr char kUsage[] =
    R"(tilbake: session feedback (FIT, INSPIRE) from the command line.

Usage: tilbake COMMAND [--flags]

Commands:
  submit         one administration: --tenant --episode --client --clinician
                 --org_unit --session --date --instrument and one of
                 --items / --total / --skipped [--rater --age --key]
  import FILE    JSON lines, one SubmitRatingRequest per line; or with
                 --format=csv --tenant [--org_unit_prefix --org_unit] the
                 FIT vendors' CSV layout (docs/import.md); or with
                 --format=fhir --tenant FHIR R4 QuestionnaireResponses
                 (a Bundle, one resource, or NDJSON; docs/fhir.md);
                 --streams=N streams at once (default 4);
                 --encoding=latin1|cp1252 converts a file that is not UTF-8
  export         --tenant --episode [--format=fhir|json --out=FILE]: the
                 episode as a FHIR R4 Bundle (QuestionnaireResponses and
                 survey Observations) or as the API's JSON; with --client
                 instead of --episode (admin): everything about the client
  audit          --tenant [--client --from --to] (admin): the access log,
                 who read or changed which client's data, and refusals
  erasure request --tenant --client --reason (admin): ask for a client's
                 data to be erased; nothing is deleted yet
  erasure approve|reject --tenant --request (a second admin): decide it
  erasure list   --tenant: the tenant's erasure requests
  episode        --tenant --episode: every administration and its score
  close-episode  --tenant --episode --ending planned|unilateral --end_date
  instruments    the instruments the server scores [--family]
  rule-sets      the rule sets, their thresholds and sources [--tenant]
  trends         --tenant --from --to [--org_unit --clinician --instrument
                 --age_band --bucket=week|month|quarter|year|all
                 --group_by=org_unit,clinician,instrument,age_band --depth
                 --split]
  report         --tenant --from --to [--org_unit]: the quality report
  backup         [--keep=N]: a backup into the server's --backup_dir
  restore        --backup_dir --data_dir: restore the newest backup into an
                 empty directory (offline; the server must be stopped)
  plot episode   --tenant --episode --out=FILE.svg: scores, target, cutoff
  plot trend     (the trends flags) --out=FILE.svg: mean change by bucket
  token          --name --tenant --role [--clinician --org_unit]: a new
                 bearer token and its entry for the server's --tokens_file
  health         SERVING or NOT_SERVING (exit 0 only when serving)

Common flags: --server=127.0.0.1:50051 --json --deadline_seconds=10
              --tls_ca=CA.pem [--tls_cert=C.pem --tls_key=K.pem] for TLS
              --token=T (or TILBAKE_TOKEN) when the server wants tokens
Run `tilbake --helpfull` for every flag.)";

int Fail(const absl::Status& status) {
  std::cerr << "tilbake: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument &&
                 status.message().rfind("--", 0) == 0
             ? kExitUsage
             : kExitFailure;
}

absl::Status Require(const char* flag, const std::string& value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  }
  return absl::OkStatus();
}

// The first of `flags` (name, value) that is empty, as an error.
absl::Status RequireAll(
    std::initializer_list<std::pair<const char*, std::string>> flags) {
  for (const auto& [flag, value] : flags) {
    if (absl::Status s = Require(flag, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

void Print(const google::protobuf::Message& message, const std::string& table) {
  std::cout << (absl::GetFlag(FLAGS_json) ? cli::ToJson(message) + "\n"
                                          : table);
}

// Zone colours only on a terminal, and not when NO_COLOR is set.
bool Colour() {
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

absl::StatusOr<v1::SubmitRatingRequest> SubmitRequestFromFlags() {
  if (absl::Status s =
          RequireAll({{"tenant", absl::GetFlag(FLAGS_tenant)},
                      {"episode", absl::GetFlag(FLAGS_episode)},
                      {"client", absl::GetFlag(FLAGS_client)},
                      {"clinician", absl::GetFlag(FLAGS_clinician)},
                      {"org_unit", absl::GetFlag(FLAGS_org_unit)},
                      {"date", absl::GetFlag(FLAGS_date)},
                      {"instrument", absl::GetFlag(FLAGS_instrument)}});
      !s.ok())
    return s;
  v1::SubmitRatingRequest request;
  request.set_idempotency_key(absl::GetFlag(FLAGS_key));
  v1::Rating* r = request.mutable_rating();
  r->set_tenant_id(absl::GetFlag(FLAGS_tenant));
  r->set_episode_id(absl::GetFlag(FLAGS_episode));
  r->set_client_id(absl::GetFlag(FLAGS_client));
  r->set_clinician_id(absl::GetFlag(FLAGS_clinician));
  r->set_org_unit(absl::GetFlag(FLAGS_org_unit));
  auto type = cli::ParseEpisodeType(absl::GetFlag(FLAGS_episode_type));
  if (!type.ok()) return type.status();
  r->set_episode_type(*type);
  r->set_session_number(absl::GetFlag(FLAGS_session));
  auto date = cli::ParseDate("date", absl::GetFlag(FLAGS_date));
  if (!date.ok()) return date.status();
  *r->mutable_session_date() = *date;
  r->set_instrument_id(absl::GetFlag(FLAGS_instrument));
  r->set_instrument_version(absl::GetFlag(FLAGS_instrument_version));
  auto rater = cli::ParseRater(absl::GetFlag(FLAGS_rater),
                               absl::GetFlag(FLAGS_rater_id));
  if (!rater.ok()) return rater.status();
  *r->mutable_rater() = *rater;
  if (absl::GetFlag(FLAGS_age) >= 0) {
    r->set_client_age_years(absl::GetFlag(FLAGS_age));
  }
  const std::string items = absl::GetFlag(FLAGS_items);
  const std::string total = absl::GetFlag(FLAGS_total);
  const bool skipped = absl::GetFlag(FLAGS_skipped);
  if (!items.empty() + !total.empty() + skipped != 1) {
    return absl::InvalidArgumentError(
        "--items, --total or --skipped: give exactly one");
  }
  if (!items.empty()) {
    auto parsed = cli::ParseItems(items);
    if (!parsed.ok()) return parsed.status();
    *r->mutable_items() = *parsed;
  } else if (!total.empty()) {
    double value = 0;
    if (!absl::SimpleAtod(total, &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--total: \"", total, "\" is not a number"));
    }
    r->mutable_total_only()->set_total(value);
  } else {
    r->mutable_skipped()->set_reason(absl::GetFlag(FLAGS_skip_reason));
  }
  return request;
}

int Submit(Client& client) {
  auto request = SubmitRequestFromFlags();
  if (!request.ok()) return Fail(request.status());
  auto response = client.SubmitRating(*request);
  if (!response.ok()) return Fail(response.status());
  Print(*response, cli::RenderSubmit(*response, Colour()));
  return EXIT_SUCCESS;
}

// Streams `records` through ImportRatings (--streams at once, each
// episode's records in one stream), showing progress on a terminal.
absl::StatusOr<v1::ImportRatingsResponse> Stream(
    Client& client, const std::vector<v1::ImportRatingsRequest>& records) {
  const bool progress = isatty(STDERR_FILENO);
  auto response = client.ImportRatingsInStreams(
      records, absl::GetFlag(FLAGS_streams), [&](size_t sent) {
        if (progress && (sent % 500 == 0 || sent == records.size())) {
          std::cerr << "\rsent " << sent << " of " << records.size()
                    << " records" << std::flush;
        }
      });
  if (progress && !records.empty()) std::cerr << "\n";
  return response;
}

// Sends `records`, then prints the server's answer with the entries refused
// before sending (`refused`: number and reason, by line or resource) merged
// in by number. `read` says what was read ("4 rows", "6 resources").
int SendAndReport(Client& client,
                  const std::vector<v1::ImportRatingsRequest>& records,
                  const std::vector<std::pair<int, std::string>>& refused,
                  const std::string& read) {
  auto response = Stream(client, records);
  if (!response.ok()) return Fail(response.status());
  for (const auto& [number, message] : refused) {
    v1::ImportError* e = response->add_errors();
    e->set_record_number(number);
    e->set_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
    e->set_message(message);
  }
  std::sort(response->mutable_errors()->begin(),
            response->mutable_errors()->end(),
            [](const v1::ImportError& a, const v1::ImportError& b) {
              return a.record_number() < b.record_number();
            });
  response->set_rejected(response->rejected() +
                         static_cast<int64_t>(refused.size()));
  if (!absl::GetFlag(FLAGS_json)) {
    std::cout << read << ", " << refused.size()
              << " refused before sending; records: ";
  }
  Print(*response, cli::RenderImport(*response));
  return response->rejected() > 0 ? kExitPartial : EXIT_SUCCESS;
}

int ImportCsv(Client& client, const std::string& contents) {
  if (absl::Status s = Require("tenant", absl::GetFlag(FLAGS_tenant));
      !s.ok()) {
    return Fail(s);
  }
  auto converted = tilbake::csv::ConvertVendorCsv(
      contents, {.tenant_id = absl::GetFlag(FLAGS_tenant),
                 .org_unit_prefix = absl::GetFlag(FLAGS_org_unit_prefix),
                 .default_org_unit = absl::GetFlag(FLAGS_org_unit)});
  if (!converted.ok()) return Fail(converted.status());
  for (const std::string& warning : converted->warnings) {
    std::cerr << "tilbake: warning: " << warning << "\n";
  }
  std::vector<std::pair<int, std::string>> refused;
  for (const auto& error : converted->errors) {
    refused.emplace_back(error.line, error.message);
  }
  return SendAndReport(client, converted->records, refused,
                       absl::StrCat(converted->rows, " rows"));
}

int ImportFhir(Client& client, const std::string& contents) {
  if (absl::Status s = Require("tenant", absl::GetFlag(FLAGS_tenant));
      !s.ok()) {
    return Fail(s);
  }
  auto converted = tilbake::fhir::ImportQuestionnaireResponses(
      contents, absl::GetFlag(FLAGS_tenant));
  if (!converted.ok()) return Fail(converted.status());
  std::vector<std::pair<int, std::string>> refused;
  for (const auto& error : converted->errors) {
    refused.emplace_back(error.number, error.message);
  }
  return SendAndReport(client, converted->records, refused,
                       absl::StrCat(converted->resources, " resources"));
}

// An episode as FHIR (a Bundle) or as the API's JSON.
// An episode, or (--client) everything about one client, as FHIR (a
// Bundle) or as the API's JSON.
int Export(Client& client) {
  const std::string tenant = absl::GetFlag(FLAGS_tenant);
  const std::string episode_id = absl::GetFlag(FLAGS_episode);
  const std::string client_id = absl::GetFlag(FLAGS_client);
  if (absl::Status s = Require("tenant", tenant); !s.ok()) return Fail(s);
  if (episode_id.empty() == client_id.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--episode or --client: give one (an episode, or all of a client)"));
  }
  std::string format = absl::GetFlag(FLAGS_format);
  if (format.empty()) format = "fhir";
  if (format != "fhir" && format != "json") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--format: \"", format, "\" is not one of fhir, json")));
  }
  std::vector<v1::Episode> episodes;
  if (!client_id.empty()) {
    auto exported = client.ExportClient(tenant, client_id);
    if (!exported.ok()) return Fail(exported.status());
    episodes = *std::move(exported);
  } else {
    auto episode = client.GetEpisode(tenant, episode_id);
    if (!episode.ok()) return Fail(episode.status());
    episodes.push_back(*std::move(episode));
  }
  std::string text;
  if (format == "json") {
    if (client_id.empty()) {
      text = cli::ToJson(episodes.front()) + "\n";
    } else {
      v1::ExportClientResponse all;
      for (const v1::Episode& e : episodes) *all.add_episodes() = e;
      text = cli::ToJson(all) + "\n";
    }
  } else {
    auto instruments = client.ListInstruments();
    if (!instruments.ok()) return Fail(instruments.status());
    auto bundle = tilbake::fhir::EpisodesToBundle(episodes, *instruments);
    if (!bundle.ok()) return Fail(bundle.status());
    text = *bundle + "\n";
  }
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    std::cout << text;
  } else if (!(std::ofstream(out) << text)) {
    return Fail(absl::UnavailableError(absl::StrCat("cannot write ", out)));
  }
  return EXIT_SUCCESS;
}

int Import(Client& client, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(absl::NotFoundError(absl::StrCat("cannot read ", path)));
  std::stringstream raw;
  raw << in.rdbuf();
  // Checked (or converted) before anything is sent: the API carries UTF-8.
  auto encoding =
      tilbake::csv::ParseTextEncoding(absl::GetFlag(FLAGS_encoding));
  if (!encoding.ok()) return Fail(encoding.status());
  absl::StatusOr<std::string> text = tilbake::csv::ToUtf8(raw.str(), *encoding);
  if (!text.ok()) {
    return Fail(
        absl::Status(text.status().code(),
                     absl::StrCat(path, ": ", text.status().message())));
  }
  const std::string& contents = *text;
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "csv") return ImportCsv(client, contents);
  if (format == "fhir") return ImportFhir(client, contents);
  if (!format.empty() && format != "jsonl") {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--format: \"", format, "\" is not one of jsonl, csv, fhir")));
  }
  auto records = cli::ParseImportLines(contents);
  if (!records.ok()) return Fail(records.status());
  auto response = Stream(client, *records);
  if (!response.ok()) return Fail(response.status());
  Print(*response, cli::RenderImport(*response));
  return response->rejected() > 0 ? kExitPartial : EXIT_SUCCESS;
}

int ShowEpisode(Client& client) {
  if (absl::Status s = RequireAll({{"tenant", absl::GetFlag(FLAGS_tenant)},
                                   {"episode", absl::GetFlag(FLAGS_episode)}});
      !s.ok())
    return Fail(s);
  auto episode = client.GetEpisode(absl::GetFlag(FLAGS_tenant),
                                   absl::GetFlag(FLAGS_episode));
  if (!episode.ok()) return Fail(episode.status());
  Print(*episode, cli::RenderEpisode(*episode, Colour()));
  return EXIT_SUCCESS;
}

int CloseEpisode(Client& client) {
  if (absl::Status s =
          RequireAll({{"tenant", absl::GetFlag(FLAGS_tenant)},
                      {"episode", absl::GetFlag(FLAGS_episode)},
                      {"ending", absl::GetFlag(FLAGS_ending)},
                      {"end_date", absl::GetFlag(FLAGS_end_date)}});
      !s.ok())
    return Fail(s);
  v1::Ending ending;
  auto type = cli::ParseEndingType(absl::GetFlag(FLAGS_ending));
  if (!type.ok()) return Fail(type.status());
  ending.set_type(*type);
  auto date = cli::ParseDate("end_date", absl::GetFlag(FLAGS_end_date));
  if (!date.ok()) return Fail(date.status());
  *ending.mutable_end_date() = *date;
  auto episode = client.CloseEpisode(absl::GetFlag(FLAGS_tenant),
                                     absl::GetFlag(FLAGS_episode), ending);
  if (!episode.ok()) return Fail(episode.status());
  Print(*episode, cli::RenderEpisode(*episode, Colour()));
  return EXIT_SUCCESS;
}

int RuleSets(Client& client) {
  auto response = client.ListRuleSets(absl::GetFlag(FLAGS_tenant));
  if (!response.ok()) return Fail(response.status());
  Print(*response, cli::RenderRuleSets(*response));
  return EXIT_SUCCESS;
}

absl::StatusOr<v1::AgeBand> ParseAgeBand(const std::string& text) {
  if (text.empty()) return v1::AGE_BAND_UNSPECIFIED;
  if (text == "under-6") return v1::AGE_BAND_UNDER_6;
  if (text == "child") return v1::AGE_BAND_CHILD;
  if (text == "adolescent") return v1::AGE_BAND_ADOLESCENT;
  if (text == "adult") return v1::AGE_BAND_ADULT;
  return absl::InvalidArgumentError(
      absl::StrCat("--age_band: \"", text,
                   "\" is not one of under-6, child, adolescent, adult"));
}

absl::Status PeriodFromFlags(v1::Date* from, v1::Date* to) {
  if (absl::Status s = RequireAll({{"tenant", absl::GetFlag(FLAGS_tenant)},
                                   {"from", absl::GetFlag(FLAGS_from)},
                                   {"to", absl::GetFlag(FLAGS_to)}});
      !s.ok())
    return s;
  auto f = cli::ParseDate("from", absl::GetFlag(FLAGS_from));
  if (!f.ok()) return f.status();
  auto t = cli::ParseDate("to", absl::GetFlag(FLAGS_to));
  if (!t.ok()) return t.status();
  *from = *f;
  *to = *t;
  return absl::OkStatus();
}

absl::StatusOr<v1::QueryTrendsRequest> TrendsRequestFromFlags() {
  v1::QueryTrendsRequest request;
  if (absl::Status s =
          PeriodFromFlags(request.mutable_from(), request.mutable_to());
      !s.ok()) {
    return s;
  }
  request.set_tenant_id(absl::GetFlag(FLAGS_tenant));
  request.set_org_unit(absl::GetFlag(FLAGS_org_unit));
  request.set_clinician_id(absl::GetFlag(FLAGS_clinician));
  for (absl::string_view id : absl::StrSplit(absl::GetFlag(FLAGS_instrument),
                                             ',', absl::SkipEmpty())) {
    request.add_instrument_ids(std::string(id));
  }
  auto band = ParseAgeBand(absl::GetFlag(FLAGS_age_band));
  if (!band.ok()) return band.status();
  request.set_age_band(*band);
  const std::string bucket = absl::GetFlag(FLAGS_bucket);
  const std::map<std::string, v1::TrendBucket> buckets = {
      {"week", v1::TREND_BUCKET_WEEK},
      {"month", v1::TREND_BUCKET_MONTH},
      {"quarter", v1::TREND_BUCKET_QUARTER},
      {"year", v1::TREND_BUCKET_YEAR},
      {"all", v1::TREND_BUCKET_WHOLE_PERIOD}};
  if (!buckets.contains(bucket)) {
    return (absl::InvalidArgumentError(
        "--bucket: give week, month, quarter, year or all"));
  }
  request.set_bucket(buckets.at(bucket));
  const std::map<std::string, v1::TrendGroupBy> groups = {
      {"org_unit", v1::TREND_GROUP_BY_ORG_UNIT},
      {"clinician", v1::TREND_GROUP_BY_CLINICIAN},
      {"instrument", v1::TREND_GROUP_BY_INSTRUMENT},
      {"age_band", v1::TREND_GROUP_BY_AGE_BAND}};
  for (absl::string_view g :
       absl::StrSplit(absl::GetFlag(FLAGS_group_by), ',', absl::SkipEmpty())) {
    auto it = groups.find(std::string(g));
    if (it == groups.end()) {
      return (absl::InvalidArgumentError(
          absl::StrCat("--group_by: \"", g,
                       "\" is not one of org_unit, clinician, "
                       "instrument, age_band")));
    }
    request.add_group_by(it->second);
  }
  request.set_org_unit_depth(absl::GetFlag(FLAGS_depth));
  return request;
}

int Trends(Client& client) {
  auto request = TrendsRequestFromFlags();
  if (!request.ok()) return Fail(request.status());
  auto rows = client.QueryTrends(*request);
  if (!rows.ok()) return Fail(rows.status());
  if (absl::GetFlag(FLAGS_json)) {
    for (const v1::TrendRow& row : *rows) std::cout << cli::ToJson(row) << "\n";
  } else {
    std::cout << cli::RenderTrends(*rows, absl::GetFlag(FLAGS_split));
  }
  return EXIT_SUCCESS;
}

int Plot(Client& client, const std::string& what) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return Fail(absl::InvalidArgumentError("--out is required"));
  std::string svg;
  if (what == "episode") {
    if (absl::Status s =
            RequireAll({{"tenant", absl::GetFlag(FLAGS_tenant)},
                        {"episode", absl::GetFlag(FLAGS_episode)}});
        !s.ok())
      return Fail(s);
    auto episode = client.GetEpisode(absl::GetFlag(FLAGS_tenant),
                                     absl::GetFlag(FLAGS_episode));
    if (!episode.ok()) return Fail(episode.status());
    svg = cli::EpisodeSvg(*episode);
  } else if (what == "trend") {
    auto request = TrendsRequestFromFlags();
    if (!request.ok()) return Fail(request.status());
    // One line over time: no grouping other than the bucket.
    request->clear_group_by();
    auto rows = client.QueryTrends(*request);
    if (!rows.ok()) return Fail(rows.status());
    svg = cli::TrendSvg(
        *rows,
        absl::StrCat(
            "Mean change, ", request->tenant_id(),
            request->org_unit().empty()
                ? ""
                : absl::StrCat(" / ", request->org_unit()),
            absl::GetFlag(FLAGS_instrument).empty()
                ? ""
                : absl::StrCat(" (", absl::GetFlag(FLAGS_instrument), ")")));
  } else {
    return Fail(absl::InvalidArgumentError("plot: give episode or trend"));
  }
  std::ofstream file(out);
  file << svg;
  if (!file)
    return Fail(absl::UnavailableError(absl::StrCat("cannot write ", out)));
  std::cout << "wrote " << out << "\n";
  return EXIT_SUCCESS;
}

int Backup(Client& client) {
  auto backup = client.CreateBackup(absl::GetFlag(FLAGS_keep));
  if (!backup.ok()) return Fail(backup.status());
  Print(*backup,
        absl::StrCat("backup ", backup->backup_id(), ": ", backup->files(),
                     " files, ", backup->bytes(), " bytes; ",
                     backup->backups_kept(), " backups kept\n"));
  return EXIT_SUCCESS;
}

// The access log, every page of it, oldest first.
int Audit(Client& client) {
  if (absl::Status s = Require("tenant", absl::GetFlag(FLAGS_tenant));
      !s.ok()) {
    return Fail(s);
  }
  v1::QueryAuditLogRequest request;
  request.set_tenant_id(absl::GetFlag(FLAGS_tenant));
  request.set_client_id(absl::GetFlag(FLAGS_client));
  request.set_page_size(1000);
  // Whole UTC days: --to is included, so the period ends the day after.
  auto set_day = [](const char* flag, const std::string& text, int add,
                    google::protobuf::Timestamp* out) -> absl::Status {
    absl::StatusOr<v1::Date> date = cli::ParseDate(flag, text);
    if (!date.ok()) return date.status();
    const absl::CivilDay day(date->year(), date->month(), date->day());
    out->set_seconds(
        absl::ToUnixSeconds(absl::FromCivil(day + add, absl::UTCTimeZone())));
    return absl::OkStatus();
  };
  const std::string from = absl::GetFlag(FLAGS_from);
  const std::string to = absl::GetFlag(FLAGS_to);
  if (absl::Status s = from.empty()
                           ? absl::OkStatus()
                           : set_day("from", from, 0, request.mutable_from());
      !s.ok()) {
    return Fail(s);
  }
  if (absl::Status s = to.empty() ? absl::OkStatus()
                                  : set_day("to", to, 1, request.mutable_to());
      !s.ok()) {
    return Fail(s);
  }
  v1::QueryAuditLogResponse all;
  do {
    auto page = client.QueryAuditLog(request);
    if (!page.ok()) return Fail(page.status());
    for (const v1::AuditEntry& e : page->entries()) *all.add_entries() = e;
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  Print(all, cli::RenderAuditLog(std::vector<v1::AuditEntry>(
                 all.entries().begin(), all.entries().end())));
  return EXIT_SUCCESS;
}

int Erasure(Client& client, const std::string& action) {
  const std::string tenant = absl::GetFlag(FLAGS_tenant);
  if (absl::Status s = Require("tenant", tenant); !s.ok()) return Fail(s);
  if (action == "list") {
    auto requests = client.ListErasureRequests(tenant);
    if (!requests.ok()) return Fail(requests.status());
    v1::ListErasureRequestsResponse all;
    for (const v1::ErasureRequest& r : *requests) *all.add_requests() = r;
    Print(all, cli::RenderErasureRequests(*requests));
    return EXIT_SUCCESS;
  }
  absl::StatusOr<v1::ErasureRequest> result;
  if (action == "request") {
    if (absl::Status s = RequireAll({{"client", absl::GetFlag(FLAGS_client)},
                                     {"reason", absl::GetFlag(FLAGS_reason)}});
        !s.ok()) {
      return Fail(s);
    }
    result = client.RequestErasure(tenant, absl::GetFlag(FLAGS_client),
                                   absl::GetFlag(FLAGS_reason));
  } else if (action == "approve" || action == "reject") {
    if (absl::Status s = Require("request", absl::GetFlag(FLAGS_request));
        !s.ok()) {
      return Fail(s);
    }
    result = client.DecideErasure(tenant, absl::GetFlag(FLAGS_request),
                                  action == "approve");
  } else {
    std::cerr << "tilbake: erasure takes request, approve, reject or list\n";
    return kExitUsage;
  }
  if (!result.ok()) return Fail(result.status());
  std::string line;
  if (result->state() == v1::ErasureRequest::PENDING) {
    line = absl::StrCat("erasure request ", result->request_id(),
                        " for client ", result->client_id(),
                        ": waiting for a second admin to approve\n");
  } else if (result->state() == v1::ErasureRequest::APPROVED) {
    line =
        absl::StrCat("erased client ", result->client_id(), ": ",
                     result->administrations_erased(), " ratings, ",
                     result->episodes_erased(), " episodes; ",
                     result->episodes_changed(), " group episodes changed\n");
  } else {
    line = absl::StrCat("erasure request ", result->request_id(),
                        " rejected; nothing was deleted\n");
  }
  Print(*result, line);
  return EXIT_SUCCESS;
}

int Restore() {
  if (absl::Status s =
          RequireAll({{"backup_dir", absl::GetFlag(FLAGS_backup_dir)},
                      {"data_dir", absl::GetFlag(FLAGS_data_dir)}});
      !s.ok()) {
    return Fail(s);
  }
  absl::Status status = tilbake::storage::Store::RestoreLatestBackup(
      absl::GetFlag(FLAGS_backup_dir), absl::GetFlag(FLAGS_data_dir));
  if (!status.ok()) return Fail(status);
  std::cout << "restored the newest backup into "
            << absl::GetFlag(FLAGS_data_dir) << "\n";
  return EXIT_SUCCESS;
}

int Report(Client& client) {
  v1::QualityReportRequest request;
  if (absl::Status s =
          PeriodFromFlags(request.mutable_from(), request.mutable_to());
      !s.ok()) {
    return Fail(s);
  }
  request.set_tenant_id(absl::GetFlag(FLAGS_tenant));
  request.set_org_unit(absl::GetFlag(FLAGS_org_unit));
  auto report = client.GetQualityReport(request);
  if (!report.ok()) return Fail(report.status());
  Print(*report, cli::RenderQualityReport(*report));
  return EXIT_SUCCESS;
}

int Instruments(Client& client) {
  auto instruments = client.ListInstruments(absl::GetFlag(FLAGS_family));
  if (!instruments.ok()) return Fail(instruments.status());
  v1::ListInstrumentsResponse all;
  for (const auto& d : *instruments) *all.add_instruments() = d;
  Print(all, cli::RenderInstruments(*instruments));
  return EXIT_SUCCESS;
}

// A new bearer token: the token on stdout's first line (give it to its
// holder), then the entry for the server's --tokens_file, which holds only
// a salted hash of it.
int NewTokenEntry() {
  if (absl::Status s = RequireAll({{"name", absl::GetFlag(FLAGS_name)},
                                   {"tenant", absl::GetFlag(FLAGS_tenant)},
                                   {"role", absl::GetFlag(FLAGS_role)}});
      !s.ok())
    return Fail(s);
  auto role = tilbake::auth::ParseRole(absl::GetFlag(FLAGS_role));
  if (!role.ok()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--", role.status().message())));
  }
  if (*role == tilbake::auth::Role::kClinician &&
      absl::GetFlag(FLAGS_clinician).empty()) {
    return Fail(absl::InvalidArgumentError(
        "--clinician is required for a clinician's token"));
  }
  const std::string token = tilbake::auth::NewToken();
  const std::string salt = tilbake::auth::NewSalt();
  std::cout << "token: " << token << "\n"
            << "# Add to the tokens file; the server reloads it.\n"
            << "token {\n  name: \"" << absl::GetFlag(FLAGS_name) << "\"\n"
            << "  tenant_id: \"" << absl::GetFlag(FLAGS_tenant) << "\"\n"
            << "  role: \"" << tilbake::auth::RoleName(*role) << "\"\n";
  if (!absl::GetFlag(FLAGS_clinician).empty()) {
    std::cout << "  clinician_id: \"" << absl::GetFlag(FLAGS_clinician)
              << "\"\n";
  }
  if (!absl::GetFlag(FLAGS_org_unit).empty()) {
    std::cout << "  org_unit: \"" << absl::GetFlag(FLAGS_org_unit) << "\"\n";
  }
  std::cout << "  salt: \"" << salt << "\"\n"
            << "  sha256: \"" << tilbake::auth::HashToken(salt, token)
            << "\"\n}\n";
  return EXIT_SUCCESS;
}

int Health(Client& client) {
  auto serving = client.Health();
  if (!serving.ok()) return Fail(serving.status());
  std::cout << (*serving ? "SERVING" : "NOT_SERVING") << "\n";
  return *serving ? EXIT_SUCCESS : kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::cerr << kUsage << "\n";
    return kExitUsage;
  }
  const std::string command = args[1];
  tilbake::client::ClientOptions options;
  options.target = absl::GetFlag(FLAGS_server);
  options.deadline = absl::Seconds(absl::GetFlag(FLAGS_deadline_seconds));
  options.max_attempts = absl::GetFlag(FLAGS_attempts);
  options.tls_ca_file = absl::GetFlag(FLAGS_tls_ca);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.bearer_token = absl::GetFlag(FLAGS_token);
  if (options.bearer_token.empty() && std::getenv("TILBAKE_TOKEN") != nullptr) {
    options.bearer_token = std::getenv("TILBAKE_TOKEN");
  }
  absl::StatusOr<std::unique_ptr<Client>> opened = Client::Open(options);
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<Client> client = *std::move(opened);

  if (command == "submit" && args.size() == 2) return Submit(*client);
  if (command == "import" && args.size() == 3) return Import(*client, args[2]);
  if (command == "episode" && args.size() == 2) return ShowEpisode(*client);
  if (command == "export" && args.size() == 2) return Export(*client);
  if (command == "close-episode" && args.size() == 2) {
    return CloseEpisode(*client);
  }
  if (command == "instruments" && args.size() == 2) return Instruments(*client);
  if (command == "health" && args.size() == 2) return Health(*client);
  if (command == "rule-sets" && args.size() == 2) return RuleSets(*client);
  if (command == "trends" && args.size() == 2) return Trends(*client);
  if (command == "report" && args.size() == 2) return Report(*client);
  if (command == "backup" && args.size() == 2) return Backup(*client);
  if (command == "restore" && args.size() == 2) return Restore();
  if (command == "audit" && args.size() == 2) return Audit(*client);
  if (command == "erasure" && args.size() == 3) {
    return Erasure(*client, args[2]);
  }
  if (command == "token" && args.size() == 2) return NewTokenEntry();
  if (command == "plot" && args.size() == 3) return Plot(*client, args[2]);
  std::cerr << "tilbake: unknown command or wrong arguments: " << command
            << "\n\n"
            << kUsage << "\n";
  return kExitUsage;
}
