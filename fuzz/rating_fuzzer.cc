// libFuzzer target over what a request goes through before storage:
// decoding (binary protobuf, and protobuf JSON as `tilbake import` reads
// it), proto -> domain conversion, field checks, scoring against every
// shipped instrument, and evaluation in an episode under each rule set.
// Any crash, sanitizer report or uncaught exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/identifiers.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/json_util.h"
#include "scoring/evaluation.h"
#include "scoring/score.h"
#include "server/api/feedback_convert.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "tilbake/v1/feedback.pb.h"

namespace {

const tilbake::scoring::InstrumentCatalog& Catalog() {
  static const auto* catalog = new tilbake::scoring::InstrumentCatalog(
      *tilbake::config::LoadInstrumentCatalog(""));
  return *catalog;
}

const tilbake::scoring::RuleSetRegistry& RuleSets() {
  static const auto* rules =
      new tilbake::scoring::RuleSetRegistry(*tilbake::config::LoadRuleSets({}));
  return *rules;
}

void Exercise(const tilbake::v1::SubmitRatingRequest& request) {
  (void)tilbake::CheckIdentifier("idempotency_key", request.idempotency_key());
  absl::StatusOr<tilbake::domain::Rating> rating =
      tilbake::api::FromProto(request.rating());
  if (!rating.ok()) return;
  (void)tilbake::CheckIdentifier("tenant_id", rating->tenant_id);
  (void)tilbake::CheckOrgUnit("org_unit", rating->org_unit);
  auto definition =
      Catalog().Find(rating->instrument_id, rating->instrument_version);
  if (!definition.ok()) return;
  absl::StatusOr<tilbake::scoring::Score> score =
      tilbake::scoring::ScoreAnswers(**definition, rating->answers);
  if (!score.ok()) return;
  // Two sessions of the same score: change, categories, zones, alerts.
  std::vector<tilbake::scoring::AdministrationInput> episode;
  for (int session : {1, 2}) {
    tilbake::scoring::AdministrationInput in;
    in.series = "c/client";
    in.instrument_id = (*definition)->id;
    in.family = (*definition)->family;
    in.measures = (*definition)->measures;
    in.session = session;
    in.score = *score;
    in.age_band = rating->age_band;
    episode.push_back(in);
  }
  for (const tilbake::scoring::RuleSet& rules : RuleSets().rule_sets()) {
    auto evaluations = tilbake::scoring::EvaluateEpisode(episode, rules, {});
    (void)tilbake::scoring::EpisodeOutcomes(episode, evaluations, rules);
  }
}

}  // namespace

// Protobuf logs every rejected input (e.g. invalid UTF-8); silence it so a
// real crash report is not buried in the output.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tilbake::v1::SubmitRatingRequest request;
  if (request.ParseFromArray(data, static_cast<int>(size))) Exercise(request);
  tilbake::v1::SubmitRatingRequest from_json;
  if (google::protobuf::util::JsonStringToMessage(
          std::string(reinterpret_cast<const char*>(data), size), &from_json)
          .ok()) {
    Exercise(from_json);
  }
  return 0;
}
