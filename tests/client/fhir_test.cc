#include "client/fhir/fhir.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::fhir {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

v1::Rating Base(int session, const std::string& instrument) {
  v1::Rating r;
  r.set_tenant_id("tenant-a");
  r.set_episode_id("e-1");
  r.set_client_id("c-17");
  r.set_clinician_id("k-4");
  r.set_org_unit("psykisk-helse/team-nord");
  r.set_episode_type(v1::EPISODE_TYPE_INDIVIDUAL);
  r.set_session_number(session);
  r.mutable_session_date()->set_year(2026);
  r.mutable_session_date()->set_month(3);
  r.mutable_session_date()->set_day(session * 7 - 5);
  r.set_instrument_id(instrument);
  r.set_instrument_version("1");
  r.mutable_rater()->set_kind(v1::Rater::KIND_CLIENT);
  return r;
}

v1::Administration Scored(v1::Rating rating, v1::ScoreStatus status,
                          std::optional<double> total, const std::string& id) {
  v1::Administration a;
  a.set_administration_id(id);
  a.mutable_score()->set_status(status);
  if (total) a.mutable_score()->set_total(*total);
  *a.mutable_rating() = std::move(rating);
  return a;
}

void AddItem(v1::Rating& r, const std::string& key, std::optional<double> value,
             v1::Importance importance = v1::IMPORTANCE_UNSPECIFIED) {
  v1::ItemAnswer* item = r.mutable_items()->add_items();
  item->set_key(key);
  if (value) item->set_value(*value);
  item->set_importance(importance);
}

// An episode with every shape of administration: items, total only,
// skipped, a collateral's child form, and a gated INSPIRE form with a
// section score.
v1::Episode TestEpisode() {
  v1::Episode e;
  e.set_tenant_id("tenant-a");
  e.set_episode_id("e-1");
  e.set_episode_type(v1::EPISODE_TYPE_INDIVIDUAL);
  v1::Rating ors = Base(1, "ors");
  ors.set_client_age_years(15);
  AddItem(ors, "individual", 5.1);
  AddItem(ors, "interpersonal", 6.0);
  AddItem(ors, "social", 7.3);
  AddItem(ors, "overall", 8.9);
  *e.add_administrations() =
      Scored(ors, v1::SCORE_STATUS_SCORED, 27.3, "1/ors/c-17/client");
  v1::Rating srs = Base(1, "srs");
  srs.mutable_total_only()->set_total(36.5);
  *e.add_administrations() =
      Scored(srs, v1::SCORE_STATUS_TOTAL_ONLY, 36.5, "1/srs/c-17/client");
  v1::Rating skipped = Base(2, "ors");
  skipped.mutable_skipped()->set_reason("client too upset");
  *e.add_administrations() = Scored(skipped, v1::SCORE_STATUS_SKIPPED,
                                    std::nullopt, "2/ors/c-17/client");
  v1::Rating cors = Base(2, "cors");
  cors.mutable_rater()->set_kind(v1::Rater::KIND_COLLATERAL);
  cors.mutable_rater()->set_relation(v1::Rater::RELATION_PARENT);
  cors.mutable_rater()->set_rater_id("mor");
  AddItem(cors, "me", 4.0);
  AddItem(cors, "family", 4.0);
  AddItem(cors, "school", 4.0);
  AddItem(cors, "everything", 4.0);
  *e.add_administrations() =
      Scored(cors, v1::SCORE_STATUS_SCORED, 16.0, "2/cors/c-17/parent-mor");
  v1::Rating inspire = Base(2, "inspire-brief");
  AddItem(inspire, "connectedness", 3.0, v1::IMPORTANCE_IMPORTANT);
  AddItem(inspire, "hope", std::nullopt, v1::IMPORTANCE_NOT_IMPORTANT);
  v1::Administration gated = Scored(inspire, v1::SCORE_STATUS_SCORED, 75.0,
                                    "2/inspire-brief/c-17/client");
  v1::SubScore* support = gated.mutable_score()->add_subscores();
  support->set_key("support");
  support->set_value(75.0);
  gated.mutable_score()->add_subscores()->set_key("withheld-one");
  *e.add_administrations() = gated;
  return e;
}

std::vector<v1::InstrumentDefinition> Instruments() {
  std::vector<v1::InstrumentDefinition> out(2);
  out[0].set_id("ors");
  out[0].set_snomed_ct_code("716613004");
  out[1].set_id("cors");
  out[1].set_snomed_ct_code("718458005");
  return out;
}

// The bundle's resources, parsed back with protobuf's JSON mapping.
std::vector<google::protobuf::Struct> Resources(const std::string& json) {
  google::protobuf::Struct bundle;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &bundle).ok());
  std::vector<google::protobuf::Struct> out;
  for (const auto& entry : bundle.fields().at("entry").list_value().values()) {
    out.push_back(entry.struct_value().fields().at("resource").struct_value());
  }
  return out;
}

std::string Text(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

TEST(FhirExportTest, AResponsePerAdministrationAndAnObservationPerScore) {
  auto json = EpisodeToBundle(TestEpisode(), Instruments());
  ASSERT_THAT(json, IsOk());
  std::vector<google::protobuf::Struct> resources = Resources(*json);
  std::vector<std::string> kinds;
  for (const auto& r : resources) kinds.push_back(Text(r, "resourceType"));
  // ORS + total, SRS + total, skipped ORS (no score), CORS + total,
  // INSPIRE + total + one section score (the withheld one has no value).
  EXPECT_THAT(kinds, ::testing::ElementsAre(
                         "QuestionnaireResponse", "Observation",
                         "QuestionnaireResponse", "Observation",
                         "QuestionnaireResponse", "QuestionnaireResponse",
                         "Observation", "QuestionnaireResponse", "Observation",
                         "Observation"));
  EXPECT_EQ(Text(resources[0], "status"), "completed");
  EXPECT_EQ(Text(resources[0], "questionnaire"),
            "urn:tilbake:questionnaire:ors|1");
  EXPECT_EQ(Text(resources[0], "authored"), "2026-03-02");
  EXPECT_EQ(Text(resources[4], "status"), "stopped");
  EXPECT_EQ(resources[4].fields().count("item"), 0u);

  // The ORS total: a survey Observation coded with SNOMED CT 716613004.
  const std::string ors_total = *json;
  EXPECT_THAT(ors_total, HasSubstr("\"716613004\""));
  EXPECT_THAT(ors_total, HasSubstr("\"718458005\""));  // CORS.
  EXPECT_THAT(ors_total, HasSubstr("\"survey\""));
  EXPECT_THAT(ors_total, HasSubstr("\"ors/total\""));
  EXPECT_THAT(ors_total, HasSubstr("\"inspire-brief/support\""));
  EXPECT_THAT(ors_total, ::testing::Not(HasSubstr("withheld-one")));
  EXPECT_EQ(resources[1]
                .fields()
                .at("valueQuantity")
                .struct_value()
                .fields()
                .at("value")
                .number_value(),
            27.3);
  // No client identity beyond the pseudonym, no free text.
  EXPECT_THAT(ors_total, ::testing::Not(HasSubstr("too upset")));
}

TEST(FhirExportTest, AClientsEpisodesShareOneBundle) {
  v1::Episode second = TestEpisode();
  second.set_episode_id("e-2");
  for (v1::Administration& a : *second.mutable_administrations()) {
    a.mutable_rating()->set_episode_id("e-2");
  }
  auto json = EpisodesToBundle({TestEpisode(), second}, Instruments());
  ASSERT_THAT(json, IsOk());
  // Ten resources per episode (see above), in episode order.
  std::vector<google::protobuf::Struct> resources = Resources(*json);
  ASSERT_EQ(resources.size(), 20u);
  EXPECT_NE(json->find("\"e-2\""), std::string::npos);
  EXPECT_THAT(EpisodesToBundle({}, Instruments()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A corrected administration is amended (its version in meta); a voided
// version in the history goes out entered-in-error, with an id of its own
// even where the session was entered anew; import leaves it out.
TEST(FhirExportTest, CorrectedIsAmendedAndVoidedIsEnteredInError) {
  v1::Episode episode = TestEpisode();
  v1::Administration* ors = episode.mutable_administrations(0);
  ors->set_revision(2);
  ors->set_status(v1::RECORD_STATUS_AMENDED);
  v1::Revision* voided = episode.add_history();
  *voided->mutable_version() = *ors;  // The same session, entered before.
  voided->mutable_version()->set_revision(0);
  voided->mutable_version()->set_status(v1::RECORD_STATUS_ENTERED_IN_ERROR);
  voided->set_change(v1::RECORD_STATUS_ENTERED_IN_ERROR);
  voided->set_change_key("void-1");
  v1::Revision* corrected = episode.add_history();
  *corrected->mutable_version() = *ors;
  corrected->set_change(v1::RECORD_STATUS_AMENDED);
  auto json = EpisodeToBundle(episode, Instruments());
  ASSERT_THAT(json, IsOk());
  std::vector<google::protobuf::Struct> resources = Resources(*json);
  // The ten current resources, then the voided ORS and its total.
  ASSERT_EQ(resources.size(), 12u);
  EXPECT_EQ(Text(resources[0], "status"), "amended");
  EXPECT_EQ(Text(resources[0].fields().at("meta").struct_value(), "versionId"),
            "3");
  EXPECT_EQ(Text(resources[1], "status"), "amended");
  EXPECT_EQ(Text(resources[2], "status"), "completed");
  EXPECT_EQ(Text(resources[10], "resourceType"), "QuestionnaireResponse");
  EXPECT_EQ(Text(resources[10], "status"), "entered-in-error");
  EXPECT_EQ(Text(resources[11], "status"), "entered-in-error");
  EXPECT_NE(Text(resources[10], "id"), Text(resources[0], "id"));
  EXPECT_NE(Text(resources[11], "id"), Text(resources[1], "id"));

  auto imported = ImportQuestionnaireResponses(*json, "tenant-b");
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(imported->records.size(), 5u);
  ASSERT_EQ(imported->errors.size(), 1u);
  EXPECT_THAT(imported->errors[0].message,
              HasSubstr("entered-in-error\": a voided rating is not imported"));
}

TEST(FhirImportTest, AnExportedEpisodeImportsBackToTheSameRatings) {
  const v1::Episode episode = TestEpisode();
  auto json = EpisodeToBundle(episode, Instruments());
  ASSERT_THAT(json, IsOk());
  auto imported = ImportQuestionnaireResponses(*json, "tenant-b");
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ(imported->resources, 5);
  EXPECT_THAT(imported->errors, IsEmpty());
  ASSERT_THAT(imported->records, SizeIs(5));
  for (int i = 0; i < 5; ++i) {
    v1::Rating expected = episode.administrations(i).rating();
    expected.set_tenant_id("tenant-b");
    if (expected.has_skipped()) {
      // Free text does not travel; the import says where it came from.
      expected.mutable_skipped()->set_reason(
          "FHIR QuestionnaireResponse stopped");
    }
    const v1::ImportRatingsRequest& record = imported->records[i];
    EXPECT_EQ(record.record_number(), i + 1);
    std::string diff;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differencer.Compare(expected, record.record().rating()))
        << "administration " << i << ": " << diff;
  }
  // Keys from the administration's name, unique in the tenant.
  EXPECT_EQ(imported->records[0].record().idempotency_key(),
            "fhir:e-1/1/ors/c-17/client");
}

TEST(FhirImportTest, ResourcesWithoutWhatARatingNeedsAreRefusedOneByOne) {
  const std::string good = R"({"resourceType":"QuestionnaireResponse",
    "questionnaire":"https://example.org/Questionnaire/ors",
    "status":"completed","authored":"2026-04-01T10:00:00Z",
    "subject":{"reference":"Patient/p-1"},"author":{"reference":"Practitioner/k-1"},
    "extension":[{"url":"urn:tilbake:fhir:episode","valueString":"e-9"},
      {"url":"urn:tilbake:fhir:session-number","valueInteger":1},
      {"url":"urn:tilbake:fhir:org-unit","valueString":"dept/team"}],
    "item":[{"linkId":"individual","answer":[{"valueDecimal":5}]},
      {"linkId":"interpersonal","answer":[{"valueInteger":6}]},
      {"linkId":"social","answer":[{"valueDecimal":7}]},
      {"linkId":"overall","answer":[{"valueDecimal":8}]}]})";
  std::string no_episode = good;
  no_episode.replace(no_episode.find("urn:tilbake:fhir:episode"),
                     std::string("urn:tilbake:fhir:episode").size(),
                     "urn:other:episode");
  std::string in_progress = good;
  in_progress.replace(in_progress.find("\"completed\""), 11, "\"in-progress\"");
  // NDJSON: one resource per line.
  auto flatten = [](std::string s) {
    s.erase(std::remove(s.begin(), s.end(), '\n'), s.end());
    return s;
  };
  auto imported =
      ImportQuestionnaireResponses(flatten(good) + "\n" + flatten(no_episode) +
                                       "\n" + flatten(in_progress) + "\n",
                                   "tenant-a");
  ASSERT_THAT(imported, IsOk());
  ASSERT_THAT(imported->records, SizeIs(1));
  const v1::Rating& r = imported->records[0].record().rating();
  EXPECT_EQ(r.instrument_id(), "ors");  // From a web-style canonical.
  EXPECT_EQ(r.client_id(), "p-1");      // From a literal reference.
  EXPECT_EQ(r.clinician_id(), "k-1");
  EXPECT_EQ(r.session_date().day(), 1);
  EXPECT_EQ(r.items().items(1).value(), 6);
  ASSERT_THAT(imported->errors, SizeIs(2));
  EXPECT_EQ(imported->errors[0].number, 2);
  EXPECT_THAT(imported->errors[0].message,
              HasSubstr("extension urn:tilbake:fhir:episode: is required"));
  EXPECT_EQ(imported->errors[1].number, 3);
  EXPECT_THAT(imported->errors[1].message,
              HasSubstr("QuestionnaireResponse.status: \"in-progress\""));

  EXPECT_THAT(ImportQuestionnaireResponses("{not json", "t"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 1: not JSON")));
  EXPECT_THAT(
      ImportQuestionnaireResponses(R"({"resourceType":"Patient"})", "t"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("resourceType: \"Patient\"")));
}

}  // namespace
}  // namespace tilbake::fhir
