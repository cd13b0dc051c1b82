// The whole server through a real gRPC channel, with a real RocksDB.
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_server.h"
#include "tilbake/v1/feedback.grpc.pb.h"

namespace tilbake {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::OrsRequest;
using ::tilbake::testing::StatusIs;
using ::tilbake::testing::TestServer;

// The session numbers of an episode's administrations, in order.
std::vector<int> SessionNumbers(const v1::Episode& episode) {
  std::vector<int> sessions;
  for (const auto& a : episode.administrations()) {
    sessions.push_back(a.rating().session_number());
  }
  return sessions;
}

class FeedbackE2eTest : public ::testing::Test {
 protected:
  // `records` in one ImportRatings stream, in order.
  absl::StatusOr<v1::ImportRatingsResponse> ImportOneStream(
      const std::vector<v1::ImportRatingsRequest>& records) {
    size_t next = 0;
    return client_->ImportRatings([&](v1::ImportRatingsRequest* r) {
      if (next == records.size()) return false;
      *r = records[next++];
      return true;
    });
  }

  // Episode e-1 as the server returns it; a failed read fails the test.
  v1::Episode Episode() {
    auto episode = client_->GetEpisode("tenant-a", "e-1");
    EXPECT_THAT(episode, IsOk());
    return episode.ok() ? *episode : v1::Episode();
  }

  TestServer server_;
  std::unique_ptr<client::Client> client_ = server_.NewClient();
};

TEST_F(FeedbackE2eTest, SubmitReturnsTheScoreAndGetEpisodeShowsIt) {
  auto response = client_->SubmitRating(OrsRequest(1, "k1"));
  ASSERT_THAT(response, IsOk());
  EXPECT_FALSE(response->replayed());
  const v1::Administration& a = response->administration();
  EXPECT_EQ(a.administration_id(), "1/ors/c-17/client");
  EXPECT_EQ(a.score().status(), v1::SCORE_STATUS_SCORED);
  EXPECT_THAT(a.score().total(), DoubleEq(27.3));  // 5.1+6.0+7.3+8.9
  EXPECT_EQ(a.rating().instrument_version(), "1");
  EXPECT_EQ(a.score().items(2).key(), "social");
  EXPECT_THAT(a.score().items(2).value(), DoubleEq(7.3));

  auto total_only = OrsRequest(2, "k2");
  total_only.mutable_rating()->mutable_total_only()->set_total(31.5);
  ASSERT_THAT(client_->SubmitRating(total_only), IsOk());

  auto episode = client_->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(episode, IsOk());
  ASSERT_THAT(episode->administrations(), SizeIs(2));
  EXPECT_THAT(episode->administrations(1).score().total(), DoubleEq(31.5));
  EXPECT_EQ(episode->administrations(1).score().status(),
            v1::SCORE_STATUS_TOTAL_ONLY);
  EXPECT_THAT(episode->client_ids(), ElementsAre("c-17"));
  EXPECT_EQ(episode->last_session_date().day(), 9);
}

TEST_F(FeedbackE2eTest, RetryReturnsTheStoredRecordNeverADuplicate) {
  auto first = client_->SubmitRating(OrsRequest(1, "k1"));
  ASSERT_THAT(first, IsOk());
  auto retry = client_->SubmitRating(OrsRequest(1, "k1"));
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(retry->replayed());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      first->administration(), retry->administration()));
  EXPECT_THAT(Episode().administrations(), SizeIs(1));
}

TEST_F(FeedbackE2eTest, BadInputGetsTheRightStatusNamingTheField) {
  ASSERT_THAT(client_->SubmitRating(OrsRequest(1, "k1")), IsOk());
  struct Row {
    std::string name;
    v1::SubmitRatingRequest request;
    absl::StatusCode code;
    std::string message;
  };
  auto no_answers = OrsRequest(2, "k-none");
  no_answers.mutable_rating()->clear_items();
  auto bad_date = OrsRequest(2, "k-date");
  bad_date.mutable_rating()->mutable_session_date()->set_day(31);
  bad_date.mutable_rating()->mutable_session_date()->set_month(2);
  auto two_decimals = OrsRequest(2, "k-dec", {5.15, 6, 7, 8});
  auto version = OrsRequest(2, "k-ver");
  version.mutable_rating()->set_instrument_version("9");
  auto many_items = OrsRequest(2, "k-many", std::vector<double>(65, 5.0));
  auto long_key = OrsRequest(2, "k-long-item");
  long_key.mutable_rating()->mutable_items()->mutable_items(0)->set_key(
      std::string(65, 'k'));
  auto long_reason = OrsRequest(2, "k-reason");
  long_reason.mutable_rating()->mutable_skipped()->set_reason(
      std::string(201, 'r'));
  auto huge = OrsRequest(2, "k-huge");  // Over the 4 MiB message limit.
  huge.mutable_rating()->mutable_skipped()->set_reason(
      std::string(5 << 20, 'r'));
  const std::vector<Row> rows = {
      {"ItemAboveTen", OrsRequest(2, "k-big", {5, 6, 10.5, 8}),
       absl::StatusCode::kInvalidArgument,
       "rating.items[2] (social): 10.5 is above the maximum 10.0"},
      {"TwoDecimals", two_decimals, absl::StatusCode::kInvalidArgument,
       "rating.items.items[0].value: 5.15 has more than one decimal"},
      {"NoAnswers", no_answers, absl::StatusCode::kInvalidArgument,
       "rating: give items, total_only or skipped"},
      {"NotACalendarDate", bad_date, absl::StatusCode::kInvalidArgument,
       "rating.session_date: 2026-2-31 is not a calendar date"},
      {"NoKey", OrsRequest(2, ""), absl::StatusCode::kInvalidArgument,
       "idempotency_key: is required"},
      {"KeyReusedForOtherContent", OrsRequest(1, "k1", {1, 1, 1, 1}),
       absl::StatusCode::kAlreadyExists, "idempotency_key: already used"},
      {"UnconfiguredVersion", version, absl::StatusCode::kFailedPrecondition,
       "rating.instrument_version"},
      {"TooManyItems", many_items, absl::StatusCode::kInvalidArgument,
       "rating.items.items: 65 answers; at most 64"},
      {"LongItemKey", long_key, absl::StatusCode::kInvalidArgument,
       "rating.items.items[0].key: longer than 64 characters"},
      {"LongSkipReason", long_reason, absl::StatusCode::kInvalidArgument,
       "rating.skipped.reason: longer than 200 characters"},
      {"LongIdempotencyKey", OrsRequest(2, std::string(129, 'k')),
       absl::StatusCode::kInvalidArgument, "idempotency_key"},
      {"MessageTooLarge", huge, absl::StatusCode::kResourceExhausted,
       "message larger than max"},
  };
  // SubmitRating fills in a key when none is given; call the stub the way
  // a journal system without our SDK would, through a raw channel.
  auto channel = grpc::CreateChannel(server_.address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::Feedback::NewStub(channel);
  for (const Row& row : rows) {
    grpc::ClientContext context;
    v1::SubmitRatingResponse response;
    grpc::Status status = stub->SubmitRating(&context, row.request, &response);
    EXPECT_EQ(static_cast<int>(status.error_code()), static_cast<int>(row.code))
        << row.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(row.message)) << row.name;
  }
  EXPECT_THAT(Episode().administrations(), SizeIs(1));
  EXPECT_THAT(client_->GetEpisode("tenant-a", "e-404"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("episode_id")));
  v1::Ending ending;  // No type.
  EXPECT_THAT(
      client_->CloseEpisode("tenant-a", "e-1", ending),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ending.type")));
}

TEST_F(FeedbackE2eTest, ImportStoresGoodRecordsAndReportsBadOnes) {
  ASSERT_THAT(client_->SubmitRating(OrsRequest(1, "k1")), IsOk());
  std::vector<v1::ImportRatingsRequest> records;
  auto add = [&](int64_t line, v1::SubmitRatingRequest request) {
    v1::ImportRatingsRequest r;
    r.set_record_number(line);
    *r.mutable_record() = std::move(request);
    records.push_back(std::move(r));
  };
  add(10, OrsRequest(1, "k1"));                 // replay
  add(11, OrsRequest(2, "k2"));                 // stored
  add(12, OrsRequest(3, "k3", {5, 6, 11, 8}));  // item out of range
  add(13, OrsRequest(4, "k4", {5, 6, 7}));      // three items
  add(14, OrsRequest(5, "k5"));                 // stored
  auto response = ImportOneStream(records);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->received(), 5);
  EXPECT_EQ(response->stored(), 2);
  EXPECT_EQ(response->replayed(), 1);
  EXPECT_EQ(response->rejected(), 2);
  ASSERT_THAT(response->errors(), SizeIs(2));
  EXPECT_EQ(response->errors(0).record_number(), 12);
  EXPECT_EQ(response->errors(0).code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(response->errors(0).message(), HasSubstr("items[2] (social)"));
  EXPECT_EQ(response->errors(1).record_number(), 13);
  EXPECT_THAT(response->errors(1).message(), HasSubstr("has 4 items, got 3"));

  auto episode = client_->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(episode, IsOk());
  EXPECT_THAT(SessionNumbers(*episode), ElementsAre(1, 2, 5));
}

// A record whose text is not UTF-8 (a Latin-1 "ø" from a spreadsheet) does
// not parse. It is rejected on its own, under the number the client gave
// it, and the records after it are read and stored: the stream is never
// taken as ended early behind an OK.
TEST_F(FeedbackE2eTest, ImportRejectsARecordThatDoesNotParseAndStoresTheRest) {
  std::vector<v1::ImportRatingsRequest> records;
  for (int session = 1; session <= 5; ++session) {
    v1::ImportRatingsRequest r;
    r.set_record_number(9 + session);
    *r.mutable_record() =
        OrsRequest(session, absl::StrCat("k", session), {5, 6, 7, 8});
    records.push_back(std::move(r));
  }
  // Record 13 (session 4): "p-bjørn" in Latin-1. Protobuf's C++ serializer
  // only logs invalid UTF-8, so the bytes reach the server as they are.
  records[3].mutable_record()->mutable_rating()->set_client_id("p-bj\xf8rn");
  auto response = ImportOneStream(records);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->received(), 5);
  EXPECT_EQ(response->stored(), 4);
  EXPECT_EQ(response->rejected(), 1);
  ASSERT_THAT(response->errors(), SizeIs(1));
  EXPECT_EQ(response->errors(0).record_number(), 13);
  EXPECT_EQ(response->errors(0).code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(response->errors(0).message(), HasSubstr("UTF-8"));

  auto episode = client_->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(episode, IsOk());
  EXPECT_THAT(SessionNumbers(*episode), ElementsAre(1, 2, 3, 5));
}

// Several streams at once: the tallies add up over the streams, errors come
// back by record number, every episode gets all its good records, and a
// re-run stores nothing twice.
TEST_F(FeedbackE2eTest, ImportInStreamsAddsUpAndIsSafeToRerun) {
  std::vector<v1::ImportRatingsRequest> records;
  for (int e = 1; e <= 6; ++e) {
    for (int session = 1; session <= 3; ++session) {
      v1::ImportRatingsRequest r;
      r.set_record_number(static_cast<int64_t>(records.size()) + 1);
      const bool bad = (e == 2 && session == 3) || (e == 5 && session == 1);
      *r.mutable_record() =
          bad ? OrsRequest(session, absl::StrCat("s-", e, "-", session),
                           {5, 6, 11, 8})
              : OrsRequest(session, absl::StrCat("s-", e, "-", session));
      r.mutable_record()->mutable_rating()->set_episode_id(
          absl::StrCat("e-", e));
      records.push_back(std::move(r));
    }
  }
  size_t last_sent = 0;
  auto first = client_->ImportRatingsInStreams(
      records, 3, [&](size_t sent) { last_sent = sent; });
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(last_sent, 18u);
  EXPECT_EQ(first->received(), 18);
  EXPECT_EQ(first->stored(), 16);
  EXPECT_EQ(first->replayed(), 0);
  EXPECT_EQ(first->rejected(), 2);
  ASSERT_THAT(first->errors(), SizeIs(2));
  EXPECT_EQ(first->errors(0).record_number(), 6);   // e-2 session 3
  EXPECT_EQ(first->errors(1).record_number(), 13);  // e-5 session 1
  EXPECT_THAT(first->errors(1).message(), HasSubstr("items[2] (social)"));
  for (int e = 1; e <= 6; ++e) {
    auto episode = client_->GetEpisode("tenant-a", absl::StrCat("e-", e));
    ASSERT_THAT(episode, IsOk());
    const std::vector<int> sessions = SessionNumbers(*episode);
    if (e == 2) {
      EXPECT_THAT(sessions, ElementsAre(1, 2));
    } else if (e == 5) {
      EXPECT_THAT(sessions, ElementsAre(2, 3));
    } else {
      EXPECT_THAT(sessions, ElementsAre(1, 2, 3)) << "e-" << e;
    }
  }
  auto rerun = client_->ImportRatingsInStreams(records, 4);
  ASSERT_THAT(rerun, IsOk());
  EXPECT_EQ(rerun->stored(), 0);
  EXPECT_EQ(rerun->replayed(), 16);
  EXPECT_EQ(rerun->rejected(), 2);
}

TEST_F(FeedbackE2eTest, EverythingIsReadBackAfterARestart) {
  ASSERT_THAT(client_->SubmitRating(OrsRequest(1, "k1")), IsOk());
  ASSERT_THAT(client_->SubmitRating(OrsRequest(2, "k2")), IsOk());
  v1::Ending ending;
  ending.set_type(v1::ENDING_TYPE_UNILATERAL);
  ending.mutable_end_date()->set_year(2026);
  ending.mutable_end_date()->set_month(4);
  ending.mutable_end_date()->set_day(1);
  ASSERT_THAT(client_->CloseEpisode("tenant-a", "e-1", ending), IsOk());
  auto before = client_->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(before, IsOk());

  server_.Restart();
  client_ = server_.NewClient();
  auto after = client_->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(after, IsOk());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(*before, *after))
      << after->DebugString();
  EXPECT_TRUE(after->closed());
  // The idempotency keys survived too.
  auto retry = client_->SubmitRating(OrsRequest(2, "k2"));
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(retry->replayed());
}

TEST_F(FeedbackE2eTest, ListsTheFitInstrumentsAndReportsHealth) {
  auto instruments = client_->ListInstruments("fit");
  ASSERT_THAT(instruments, IsOk());
  std::vector<std::string> ids;
  for (const auto& d : *instruments) ids.push_back(d.id());
  EXPECT_THAT(ids, ElementsAre("cors", "csrs", "gsrs", "ors", "srs", "ycors"));
  const v1::InstrumentDefinition& ors = (*instruments)[3];
  EXPECT_THAT(ors.total_max(), DoubleEq(40.0));
  EXPECT_THAT(ors.items(0).step(), DoubleEq(0.1));
  EXPECT_FALSE((*instruments)[5].scored());  // ycors
  // SNOMED CT concepts of the totals where one exists (none for the GSRS).
  std::vector<std::string> snomed;
  for (const auto& d : *instruments) snomed.push_back(d.snomed_ct_code());
  EXPECT_THAT(snomed, ElementsAre("718458005", "718762000", "", "716613004",
                                  "720482000", ""));
  EXPECT_THAT(*client_->ListInstruments("inspire"), SizeIs(4));
  EXPECT_THAT(*client_->ListInstruments("no-such-family"), SizeIs(0));
  EXPECT_THAT(client_->Health(), IsOk());
  EXPECT_TRUE(*client_->Health());
}

// A unary request whose bytes do not parse (a pseudonym that is not UTF-8)
// gets INVALID_ARGUMENT saying so; gRPC's callback server alone answers
// UNIMPLEMENTED with an empty message.
TEST_F(FeedbackE2eTest, ARequestThatDoesNotParseIsInvalidArgument) {
  auto stub = v1::Feedback::NewStub(grpc::CreateChannel(
      server_.address(), grpc::InsecureChannelCredentials()));
  v1::SubmitRatingRequest request = OrsRequest(1, "k1");
  request.mutable_rating()->set_client_id("p-bj\xf8rn");  // Latin-1 ø.
  grpc::ClientContext context;
  v1::SubmitRatingResponse response;
  const grpc::Status status = stub->SubmitRating(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("does not parse"));
  EXPECT_THAT(status.error_message(), HasSubstr("UTF-8"));
  EXPECT_THAT(client_->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kNotFound));
}

// What a generic tool (grpcurl, Postman) does first: list the services over
// server reflection. Debian ships no reflection .proto, so the request is
// written as bytes: ServerReflectionRequest{list_services: ""} is field 7,
// wire type 2, length 0.
TEST_F(FeedbackE2eTest, ReflectionListsTheServices) {
  auto channel = grpc::CreateChannel(server_.address(),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto call = stub.PrepareCall(
      &context,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  auto step = [&cq](intptr_t tag) {
    void* got = nullptr;
    bool ok = false;
    return cq.Next(&got, &ok) && ok && reinterpret_cast<intptr_t>(got) == tag;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(step(1));
  grpc::Slice request(std::string("\x3a\x00", 2));
  call->Write(grpc::ByteBuffer(&request, 1), reinterpret_cast<void*>(2));
  ASSERT_TRUE(step(2));
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(step(3));
  call->WritesDone(reinterpret_cast<void*>(4));
  ASSERT_TRUE(step(4));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  ASSERT_TRUE(step(5));
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_THAT(bytes, HasSubstr("tilbake.v1.Feedback"));
  EXPECT_THAT(bytes, HasSubstr("grpc.health.v1.Health"));
  cq.Shutdown();
  void* ignored_tag;
  bool ignored_ok;
  while (cq.Next(&ignored_tag, &ignored_ok)) {
  }
}

TEST_F(FeedbackE2eTest, ScoresCarryTheRuleEnginesEvaluation) {
  // ORS 20.0 then 26.0 (+6.0 from below 25 to above): recovered under jt-5.
  ASSERT_THAT(client_->SubmitRating(OrsRequest(1, "k1", {5, 5, 5, 5})), IsOk());
  auto second =
      client_->SubmitRating(OrsRequest(2, "k2", {6.5, 6.5, 6.5, 6.5}));
  ASSERT_THAT(second, IsOk());
  const v1::Score& score = second->administration().score();
  EXPECT_EQ(score.rule_set(), "jt-5");
  EXPECT_EQ(score.rule_set_version(), "1");
  const v1::Evaluation& e = score.evaluation();
  EXPECT_THAT(e.clinical_range().cutoff(), DoubleEq(25.0));
  EXPECT_EQ(e.clinical_range().operator_(), v1::CUTOFF_OPERATOR_BELOW);
  EXPECT_FALSE(e.clinical_range().in_range());
  EXPECT_THAT(e.change_since_intake(), DoubleEq(6.0));
  EXPECT_THAT(e.reliable_change(), DoubleEq(5.0));
  EXPECT_EQ(e.change_category(), v1::CHANGE_CATEGORY_RELIABLE_RECOVERY);
  EXPECT_EQ(e.zone(), v1::ZONE_GREY);  // no reference episodes yet
  EXPECT_EQ(e.expected().model(), "intake-band");
  EXPECT_FALSE(e.expected().available());

  // An SRS that dropped from 38.0 to 35.5: below the cutoff and a drop.
  auto srs = OrsRequest(1, "k3", {9.5, 9.5, 9.5, 9.5});
  srs.mutable_rating()->set_instrument_id("srs");
  ASSERT_THAT(client_->SubmitRating(srs), IsOk());
  srs = OrsRequest(2, "k4", {9, 9, 8.5, 9});
  srs.mutable_rating()->set_instrument_id("srs");
  auto dropped = client_->SubmitRating(srs);
  ASSERT_THAT(dropped, IsOk());
  std::vector<v1::AlertKind> kinds;
  for (const auto& alert :
       dropped->administration().score().evaluation().alerts()) {
    kinds.push_back(alert.kind());
    EXPECT_EQ(alert.colour(), v1::ZONE_RED);
  }
  EXPECT_THAT(kinds, ElementsAre(v1::ALERT_KIND_SRS_BELOW_CUTOFF,
                                 v1::ALERT_KIND_SRS_DROP));

  v1::Ending ending;
  ending.set_type(v1::ENDING_TYPE_PLANNED);
  ending.mutable_end_date()->set_year(2026);
  ending.mutable_end_date()->set_month(3);
  ending.mutable_end_date()->set_day(20);
  auto closed = client_->CloseEpisode("tenant-a", "e-1", ending);
  ASSERT_THAT(closed, IsOk());
  ASSERT_EQ(closed->outcomes_size(), 1);
  const v1::SeriesOutcome& o = closed->outcomes(0);
  EXPECT_EQ(o.client_id(), "c-17");
  EXPECT_EQ(o.rater(), "client");
  EXPECT_THAT(o.effect_size(), DoubleEq(6.0 / 7.0));
  EXPECT_EQ(o.change_category(), v1::CHANGE_CATEGORY_RELIABLE_RECOVERY);
  EXPECT_EQ(closed->rule_set(), "jt-5");
  // What the close answered is what a later read derives.
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(*closed, Episode()))
      << closed->DebugString();
}

TEST_F(FeedbackE2eTest, ListsRuleSetsWithTheirSources) {
  auto response = client_->ListRuleSets("tenant-a");
  ASSERT_THAT(response, IsOk());
  std::vector<std::string> names;
  for (const auto& r : response->rule_sets()) names.push_back(r.name());
  EXPECT_THAT(names, ElementsAre("cyp-iapt-2015", "essa-0.8", "jt-5"));
  EXPECT_EQ(response->default_rule_set(), "jt-5");
  EXPECT_EQ(response->active(), "jt-5");
  const v1::RuleSetInfo& essa = response->rule_sets(1);
  ASSERT_EQ(essa.reliable_change_size(), 3);  // ors, cors, brief-inspire-o
  EXPECT_THAT(essa.reliable_change(0).points(), DoubleEq(0.8 * 7.0));
  EXPECT_EQ(essa.reliable_change(0).definition(), "0.8 SD");
  EXPECT_THAT(
      client_->ListRuleSets("bad tenant"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tenant_id")));
}

TEST_F(FeedbackE2eTest, AStoppedServerIsUnavailable) {
  server_.Stop();
  EXPECT_THAT(client_->GetEpisode("tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(FeedbackE2eTest, WhoAmIWithAuthenticationOffSaysSo) {
  auto caller = client_->WhoAmI();
  ASSERT_THAT(caller, IsOk());
  EXPECT_FALSE(caller->authenticated());
  EXPECT_EQ(caller->role(), v1::CALLER_ROLE_UNSPECIFIED);
}

}  // namespace
}  // namespace tilbake
