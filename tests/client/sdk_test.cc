// The SDK against the generated mock stub: retries and idempotency keys.
#include <string>
#include <vector>

#include "client/sdk/client.h"
#include "gmock/gmock.h"
#include "grpcpp/test/mock_stream.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tilbake/v1/feedback_mock.grpc.pb.h"

namespace tilbake::client {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::Return;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

class SdkTest : public ::testing::Test {
 protected:
  SdkTest() {
    auto stub = std::make_unique<v1::MockFeedbackStub>();
    stub_ = stub.get();
    ClientOptions options;
    options.max_attempts = 3;
    options.initial_backoff = absl::Milliseconds(1);
    client_ = std::make_unique<Client>(std::move(stub), options);
  }

  v1::MockFeedbackStub* stub_;
  std::unique_ptr<Client> client_;
};

TEST_F(SdkTest, RetriesReuseTheIdempotencyKeyTheSdkChose) {
  std::vector<std::string> keys;
  EXPECT_CALL(*stub_, SubmitRating(_, _, _))
      .Times(3)
      .WillRepeatedly(Invoke([&](grpc::ClientContext*,
                                 const v1::SubmitRatingRequest& request,
                                 v1::SubmitRatingResponse* response) {
        keys.push_back(request.idempotency_key());
        if (keys.size() < 3) {
          return grpc::Status(grpc::StatusCode::UNAVAILABLE, "down");
        }
        response->set_replayed(true);
        return grpc::Status::OK;
      }));
  auto response = client_->SubmitRating(v1::SubmitRatingRequest());
  ASSERT_THAT(response, IsOk());
  EXPECT_TRUE(response->replayed());
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].rfind("tb-", 0), 0u);
  EXPECT_EQ(keys[0].size(), 35u);  // "tb-" + 32 hex digits
  EXPECT_EQ(keys[1], keys[0]);
  EXPECT_EQ(keys[2], keys[0]);
}

TEST_F(SdkTest, KeepsTheCallersKeyAndStopsAfterMaxAttempts) {
  std::vector<std::string> keys;
  EXPECT_CALL(*stub_, SubmitRating(_, _, _))
      .Times(3)
      .WillRepeatedly(Invoke([&](grpc::ClientContext*,
                                 const v1::SubmitRatingRequest& request,
                                 v1::SubmitRatingResponse*) {
        keys.push_back(request.idempotency_key());
        return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow");
      }));
  v1::SubmitRatingRequest request;
  request.set_idempotency_key("journal-4711");
  EXPECT_THAT(client_->SubmitRating(request),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(keys, std::vector<std::string>(3, "journal-4711"));
}

TEST_F(SdkTest, DoesNotRetryARefusal) {
  EXPECT_CALL(*stub_, SubmitRating(_, _, _))
      .Times(1)
      .WillOnce(Return(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                    "rating.items[2] (social): too high")));
  EXPECT_THAT(client_->SubmitRating(v1::SubmitRatingRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("items[2]")));
}

TEST(SdkKeyTest, NewKeysDiffer) {
  EXPECT_NE(Client::NewIdempotencyKey(), Client::NewIdempotencyKey());
}

// A server that takes the stream as ended early (the old server did, at a
// record that did not parse) answers OK with a short tally: the SDK turns
// that into DataLoss, never a short OK.
TEST_F(SdkTest, ImportFailsWhenTheServerReceivedFewerRecordsThanSent) {
  EXPECT_CALL(*stub_, ImportRatingsRaw(_, _))
      .WillOnce(Invoke([](grpc::ClientContext*,
                          v1::ImportRatingsResponse* response) {
        auto* writer =
            new grpc::testing::MockClientWriter<v1::ImportRatingsRequest>();
        EXPECT_CALL(*writer, Write(_, _)).Times(6).WillRepeatedly(Return(true));
        EXPECT_CALL(*writer, WritesDone()).WillOnce(Return(true));
        EXPECT_CALL(*writer, Finish()).WillOnce(Invoke([response] {
          response->set_received(4);
          response->set_stored(4);
          return grpc::Status::OK;
        }));
        return writer;
      }));
  int left = 6;
  auto response = client_->ImportRatings([&](v1::ImportRatingsRequest* r) {
    r->set_record_number(7 - left);
    return left-- > 0;
  });
  EXPECT_THAT(response, StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(std::string(response.status().message()),
              ::testing::HasSubstr("sent 6 records but the server received 4"));
}

TEST(CheckImportTallyTest, AcceptsOnlyATallyOfEveryRecord) {
  const struct {
    const char* name;
    int64_t sent, received, stored, replayed, rejected;
    bool ok;
  } rows[] = {
      {"all stored", 6, 6, 6, 0, 0, true},
      {"mixed", 6, 6, 2, 3, 1, true},
      {"nothing sent", 0, 0, 0, 0, 0, true},
      {"short stream", 6, 4, 4, 0, 0, false},
      {"more than sent", 6, 7, 7, 0, 0, false},
      {"unaccounted record", 6, 6, 3, 1, 1, false},
  };
  for (const auto& row : rows) {
    v1::ImportRatingsResponse response;
    response.set_received(row.received);
    response.set_stored(row.stored);
    response.set_replayed(row.replayed);
    response.set_rejected(row.rejected);
    auto checked = CheckImportTally(row.sent, response);
    EXPECT_EQ(checked.ok(), row.ok) << row.name << ": " << checked.status();
    if (!row.ok) {
      EXPECT_THAT(checked, StatusIs(absl::StatusCode::kDataLoss)) << row.name;
    }
  }
}

}  // namespace
}  // namespace tilbake::client
