// The commands about ratings and episodes: submit, import, episode,
// close-episode, correct, void, export.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/options.h"
#include "client/csv/text_encoding.h"
#include "client/csv/vendor_csv.h"
#include "client/fhir/fhir.h"
#include "common/stable_key.h"
#include "common/status_macros.h"
#include "proto/names.h"

namespace tilbake::cli {
namespace {

using client::Client;

// Streams `records` through ImportRatings (`streams` at once, each
// episode's records in one stream), showing progress on a terminal.
absl::StatusOr<v1::ImportRatingsResponse> Stream(
    Client& client, const std::vector<v1::ImportRatingsRequest>& records,
    int streams) {
  const bool progress = isatty(STDERR_FILENO);
  auto response =
      client.ImportRatingsInStreams(records, streams, [&](size_t sent) {
        if (progress && (sent % 500 == 0 || sent == records.size())) {
          std::cerr << "\rsent " << sent << " of " << records.size()
                    << " records" << std::flush;
        }
      });
  if (progress && !records.empty()) std::cerr << "\n";
  return response;
}

// --corrections: the records refused because their key stored other values
// before (a vendor's file re-exported after a fix) are corrected, with
// `reason`, under a key derived from the record, so a rerun replays the
// same correction; then their rows are sent again (now replayed, or stored
// where a row's other record is new). Their refusals in `response` are
// replaced by the outcome. Returns how many were corrected.
absl::StatusOr<int> CorrectChanged(
    Client& client, int streams,
    const std::vector<v1::ImportRatingsRequest>& records,
    const std::string& reason, v1::ImportRatingsResponse& response) {
  std::set<int64_t> changed;
  for (const v1::ImportError& e : response.errors()) {
    if (e.code() == static_cast<int>(absl::StatusCode::kAlreadyExists) &&
        absl::StrContains(e.message(), "already used for a different rating")) {
      changed.insert(e.record_number());
    }
  }
  if (changed.empty()) return 0;
  int corrected = 0;
  std::vector<v1::ImportRatingsRequest> again;
  std::map<int64_t, std::string> failed;  // A correction's own refusal.
  for (const v1::ImportRatingsRequest& record : records) {
    if (!changed.contains(record.record_number())) continue;
    again.push_back(record);
    const v1::Rating& rating = record.record().rating();
    v1::CorrectRatingRequest request;
    request.set_tenant_id(rating.tenant_id());
    request.set_episode_id(rating.episode_id());
    request.set_administration_id(names::AdministrationIdOf(rating));
    *request.mutable_rating() = rating;
    request.set_reason(reason);
    request.set_idempotency_key(
        StableKey("reimport", absl::StrCat(record.record().idempotency_key(),
                                           "\n", rating.SerializeAsString())));
    auto done = client.CorrectRating(request);
    if (done.ok()) {
      ++corrected;
      continue;
    }
    // A row's record that did not change, or was never stored, is sent
    // again below; anything else is this record's answer.
    const absl::StatusCode code = done.status().code();
    if (code != absl::StatusCode::kFailedPrecondition &&
        code != absl::StatusCode::kNotFound) {
      failed[record.record_number()] = absl::StrCat(
          absl::StatusCodeToString(code), ": ", done.status().message());
    }
  }
  ASSIGN_OR_RETURN(v1::ImportRatingsResponse resent,
                   Stream(client, again, streams));
  // The first answers for these records give way to the second.
  auto* errors = response.mutable_errors();
  const auto first_of_them = std::remove_if(
      errors->begin(), errors->end(), [&](const v1::ImportError& e) {
        return changed.contains(e.record_number());
      });
  response.set_rejected(response.rejected() -
                        static_cast<int64_t>(errors->end() - first_of_them));
  errors->erase(first_of_them, errors->end());
  response.set_stored(response.stored() + resent.stored());
  response.set_replayed(response.replayed() + resent.replayed());
  response.set_rejected(response.rejected() + resent.rejected());
  for (const v1::ImportError& e : resent.errors()) {
    v1::ImportError* kept = response.add_errors();
    *kept = e;
    if (auto it = failed.find(e.record_number()); it != failed.end()) {
      kept->set_message(
          absl::StrCat(e.message(), " (correction: ", it->second, ")"));
    }
  }
  return corrected;
}

// Sends `records`, then prints one tally of everything read: the entries
// refused before sending (`refused`: number and reason, by line or
// resource) count as received and rejected, merged in by number, so that
// received = stored + already stored + rejected = what was read. `read`
// says what was read ("4 rows", "6 resources").
int SendAndReport(Client& client, const Output& out, const ImportParams& p,
                  const std::vector<v1::ImportRatingsRequest>& records,
                  const std::vector<std::pair<int, std::string>>& refused,
                  const std::string& read) {
  auto response = Stream(client, records, p.streams);
  if (!response.ok()) return out.Fail(response.status());
  int corrected = 0;
  if (p.corrections) {
    const std::string file = std::filesystem::path(p.path).filename();
    auto changed =
        CorrectChanged(client, p.streams, records,
                       absl::StrCat("re-import from ", file), *response);
    if (!changed.ok()) return out.Fail(changed.status());
    corrected = *changed;
  }
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
  const auto refused_count = static_cast<int64_t>(refused.size());
  response->set_received(response->received() + refused_count);
  response->set_rejected(response->rejected() + refused_count);
  if (!out.json()) {
    if (p.corrections) {
      std::cout << corrected << " corrected (stored before with other "
                << "values); ";
    }
    std::cout << read << ", " << refused.size()
              << " refused before sending; records: ";
  }
  out.Print(*response, RenderImport(*response));
  return response->rejected() > 0 ? kExitPartial : kExitSuccess;
}

int Import(Client& client, const Output& out, const ImportParams& p) {
  if (absl::Status s = Check(p); !s.ok()) return out.Fail(s);
  std::ifstream in(p.path);
  if (!in) {
    return out.Fail(absl::NotFoundError(absl::StrCat("cannot read ", p.path)));
  }
  std::stringstream raw;
  raw << in.rdbuf();
  // Checked (or converted) before anything is sent: the API carries UTF-8.
  auto encoding = csv::ParseTextEncoding(p.encoding);
  if (!encoding.ok()) return out.Fail(encoding.status());
  absl::StatusOr<std::string> text = csv::ToUtf8(raw.str(), *encoding);
  if (!text.ok()) {
    return out.Fail(
        absl::Status(text.status().code(),
                     absl::StrCat(p.path, ": ", text.status().message())));
  }
  if (p.format == "csv") {
    auto converted =
        csv::ConvertVendorCsv(*text, {.tenant_id = p.tenant,
                                      .org_unit_prefix = p.org_unit_prefix,
                                      .default_org_unit = p.org_unit});
    if (!converted.ok()) return out.Fail(converted.status());
    for (const std::string& warning : converted->warnings) {
      std::cerr << "tilbake: warning: " << warning << "\n";
    }
    std::vector<std::pair<int, std::string>> refused;
    for (const auto& error : converted->errors) {
      refused.emplace_back(error.line, error.message);
    }
    return SendAndReport(client, out, p, converted->records, refused,
                         absl::StrCat(converted->rows, " rows"));
  }
  if (p.format == "fhir") {
    auto converted = fhir::ImportQuestionnaireResponses(*text, p.tenant);
    if (!converted.ok()) return out.Fail(converted.status());
    std::vector<std::pair<int, std::string>> refused;
    for (const auto& error : converted->errors) {
      refused.emplace_back(error.number, error.message);
    }
    return SendAndReport(client, out, p, converted->records, refused,
                         absl::StrCat(converted->resources, " resources"));
  }
  auto records = ParseImportLines(*text);
  if (!records.ok()) return out.Fail(records.status());
  auto response = Stream(client, *records, p.streams);
  if (!response.ok()) return out.Fail(response.status());
  out.Print(*response, RenderImport(*response));
  return response->rejected() > 0 ? kExitPartial : kExitSuccess;
}

// An episode, or (--client) everything about one client, as FHIR (a
// Bundle) or as the API's JSON.
int Export(Client& client, const Output& out, const ExportParams& p) {
  if (absl::Status s = Check(p); !s.ok()) return out.Fail(s);
  std::vector<v1::Episode> episodes;
  if (!p.client.empty()) {
    auto exported = client.ExportClient(p.tenant, p.client);
    if (!exported.ok()) return out.Fail(exported.status());
    episodes = *std::move(exported);
  } else {
    // With its history: the voided versions go out as entered-in-error.
    auto episode = client.GetEpisode(p.tenant, p.episode,
                                     /*include_history=*/true);
    if (!episode.ok()) return out.Fail(episode.status());
    episodes.push_back(*std::move(episode));
  }
  std::string text;
  if (p.format == "json") {
    if (p.client.empty()) {
      text = ToJson(episodes.front()) + "\n";
    } else {
      v1::ExportClientResponse all;
      for (const v1::Episode& e : episodes) *all.add_episodes() = e;
      text = ToJson(all) + "\n";
    }
  } else {
    auto instruments = client.ListInstruments();
    if (!instruments.ok()) return out.Fail(instruments.status());
    auto bundle = fhir::EpisodesToBundle(episodes, *instruments);
    if (!bundle.ok()) return out.Fail(bundle.status());
    text = *bundle + "\n";
  }
  if (p.out.empty()) {
    std::cout << text;
  } else if (!(std::ofstream(p.out) << text)) {
    return out.Fail(
        absl::UnavailableError(absl::StrCat("cannot write ", p.out)));
  }
  return kExitSuccess;
}

}  // namespace

void AddRatingCommands(CLI::App& app, Run& chosen) {
  const char* group = "Ratings and episodes";

  auto submit = std::make_shared<SubmitParams>();
  CLI::App* c = app.add_subcommand(
      "submit", "Submit one administration (--items, --total or --skipped)");
  c->group(group);
  AddOptions(*c, *submit);
  c->callback([&chosen, submit] {
    chosen = [submit](Client& client, const Output& out) {
      auto request = ToRequest(*submit);
      if (!request.ok()) return out.Fail(request.status());
      auto response = client.SubmitRating(*request);
      if (!response.ok()) return out.Fail(response.status());
      out.Print(*response, RenderSubmit(*response, out.colour()));
      return kExitSuccess;
    };
  });

  auto import = std::make_shared<ImportParams>();
  c = app.add_subcommand(
      "import",
      "Import a file: JSON lines, the FIT vendors' CSV or FHIR responses");
  c->group(group);
  AddOptions(*c, *import);
  c->callback([&chosen, import] {
    chosen = [import](Client& client, const Output& out) {
      return Import(client, out, *import);
    };
  });

  auto episode = std::make_shared<EpisodeParams>();
  c = app.add_subcommand("episode",
                         "Show an episode: every administration and its score");
  c->group(group);
  AddOptions(*c, *episode);
  c->callback([&chosen, episode] {
    chosen = [episode](Client& client, const Output& out) {
      if (absl::Status s = Check(*episode); !s.ok()) return out.Fail(s);
      auto view = client.GetEpisode(episode->tenant, episode->episode,
                                    episode->history);
      if (!view.ok()) return out.Fail(view.status());
      out.Print(*view, RenderEpisode(*view, out.colour()));
      return kExitSuccess;
    };
  });

  auto close = std::make_shared<CloseParams>();
  c = app.add_subcommand("close-episode",
                         "End an episode (planned or unilateral)");
  c->group(group);
  AddOptions(*c, *close);
  c->callback([&chosen, close] {
    chosen = [close](Client& client, const Output& out) {
      auto ending = ToEnding(*close);
      if (!ending.ok()) return out.Fail(ending.status());
      auto view = client.CloseEpisode(close->tenant, close->episode, *ending);
      if (!view.ok()) return out.Fail(view.status());
      out.Print(*view, RenderEpisode(*view, out.colour()));
      return kExitSuccess;
    };
  });

  auto correct = std::make_shared<CorrectParams>();
  c = app.add_subcommand(
      "correct",
      "Correct a stored administration (answers, date, age or rater), with "
      "a reason; the version before stays in the history");
  c->group(group);
  AddOptions(*c, *correct);
  c->callback([&chosen, correct] {
    chosen = [correct](Client& client, const Output& out) {
      // The stored rating is the starting point: what is not given stays.
      auto stored = client.GetEpisode(correct->tenant, correct->episode);
      if (!stored.ok()) return out.Fail(stored.status());
      auto request = ToCorrection(*correct, *stored);
      if (!request.ok()) return out.Fail(request.status());
      auto response = client.CorrectRating(*request);
      if (!response.ok()) return out.Fail(response.status());
      out.Print(*response,
                absl::StrCat(response->replayed() ? "Already corrected: "
                                                  : "Corrected: ",
                             response->administration_id(), "\n\n",
                             RenderEpisode(response->episode(), out.colour())));
      return kExitSuccess;
    };
  });

  auto voided = std::make_shared<VoidParams>();
  c = app.add_subcommand(
      "void",
      "Mark a stored administration entered in error: it counts nowhere "
      "and stays in the history");
  c->group(group);
  AddOptions(*c, *voided);
  c->callback([&chosen, voided] {
    chosen = [voided](Client& client, const Output& out) {
      auto request = ToVoid(*voided);
      if (!request.ok()) return out.Fail(request.status());
      auto response = client.VoidRating(*request);
      if (!response.ok()) return out.Fail(response.status());
      out.Print(
          *response,
          absl::StrCat(response->replayed() ? "Already voided: " : "Voided: ",
                       voided->administration, "\n\n",
                       RenderEpisode(response->episode(), out.colour())));
      return kExitSuccess;
    };
  });

  auto exported = std::make_shared<ExportParams>();
  c = app.add_subcommand(
      "export", "Export an episode, or all of a client, as FHIR R4 or JSON");
  c->group(group);
  AddOptions(*c, *exported);
  c->callback([&chosen, exported] {
    chosen = [exported](Client& client, const Output& out) {
      return Export(client, out, *exported);
    };
  });
}

}  // namespace tilbake::cli
