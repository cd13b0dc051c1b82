// The Feedback handlers called directly, without a server or a channel:
// gRPC's DefaultReactorTestPeer catches the status a handler finishes
// with, so the conversion and the status mapping are tested where they
// are, cheaply. End-to-end tests (tests/server/) cover the wire.
#include <memory>

#include "gmock/gmock.h"
#include "grpcpp/test/default_reactor_test_peer.h"
#include "gtest/gtest.h"
#include "server/api/feedback_service.h"
#include "tests/testing/core_test_base.h"
#include "tests/testing/proto_builders.h"

namespace tilbake::api {
namespace {

using ::testing::HasSubstr;

class FeedbackHandlerTest : public testing::CoreTestBase {
 protected:
  void SetUp() override {
    CoreTestBase::SetUp();
    if (HasFatalFailure()) return;
    feedback_ = std::make_unique<FeedbackService>(service_.get());
  }

  // Calls `handler` with a fresh context and returns the status it
  // finished with.
  template <typename Handler>
  grpc::Status Call(Handler handler) {
    grpc::CallbackServerContext context;
    grpc::testing::DefaultReactorTestPeer peer(&context);
    grpc::ServerUnaryReactor* reactor = handler(&context);
    EXPECT_EQ(reactor, peer.reactor());
    EXPECT_TRUE(peer.test_status_set());
    return peer.test_status();
  }

  grpc::Status Submit(const v1::SubmitRatingRequest& request,
                      v1::SubmitRatingResponse& response) {
    return Call([&](grpc::CallbackServerContext* context) {
      return feedback_->SubmitRating(context, &request, &response);
    });
  }

  std::unique_ptr<FeedbackService> feedback_;
};

TEST_F(FeedbackHandlerTest, ASubmissionIsConvertedScoredAndAnswered) {
  v1::SubmitRatingResponse response;
  const grpc::Status status = Submit(testing::OrsRequest(1, "k-1"), response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.replayed());
  EXPECT_EQ(response.administration().rating().episode_id(), "e-1");
  EXPECT_TRUE(response.administration().score().has_total());
}

TEST_F(FeedbackHandlerTest, EachFailureMapsToItsStatusNamingTheField) {
  v1::SubmitRatingResponse response;
  v1::SubmitRatingRequest bad_date = testing::OrsRequest(1, "k-1");
  bad_date.mutable_rating()->mutable_session_date()->set_day(31);
  bad_date.mutable_rating()->mutable_session_date()->set_month(2);
  grpc::Status status = Submit(bad_date, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("rating.session_date"));

  ASSERT_TRUE(Submit(testing::OrsRequest(1, "k-1"), response).ok());
  v1::SubmitRatingRequest reused = testing::OrsRequest(2, "k-1");
  status = Submit(reused, response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("idempotency_key"));

  v1::GetEpisodeRequest missing;
  missing.set_tenant_id("tenant-a");
  missing.set_episode_id("e-404");
  v1::GetEpisodeResponse episode;
  status = Call([&](grpc::CallbackServerContext* context) {
    return feedback_->GetEpisode(context, &missing, &episode);
  });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("episode_id"));
}

TEST_F(FeedbackHandlerTest, ListsTheCatalogAndTheRuleSets) {
  v1::ListRuleSetsRequest request;
  request.set_tenant_id("tenant-a");
  v1::ListRuleSetsResponse response;
  const grpc::Status status = Call([&](grpc::CallbackServerContext* context) {
    return feedback_->ListRuleSets(context, &request, &response);
  });
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GE(response.rule_sets_size(), 1);
  EXPECT_EQ(response.active(), "jt-5");  // The default: tenant-a names none.
}

}  // namespace
}  // namespace tilbake::api
