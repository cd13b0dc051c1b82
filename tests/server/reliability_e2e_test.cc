// Overload and storage faults, end to end through a real gRPC channel and a
// real RocksDB: the server sheds with RESOURCE_EXHAUSTED and recovers, and a
// full disk turns health NOT_SERVING without losing an acknowledged rating.
#include <atomic>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/testing/faulty_file_system.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_server.h"
#include "tests/testing/token_entries.h"
#include "tilbake/v1/feedback.grpc.pb.h"

namespace tilbake {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::OrsRequest;
using ::tilbake::testing::StatusIs;
using ::tilbake::testing::TestServer;

// The first session of episode `episode`, keyed by the episode.
v1::SubmitRatingRequest FirstSession(const std::string& episode) {
  v1::SubmitRatingRequest request = OrsRequest(1, "key-" + episode);
  request.mutable_rating()->set_episode_id(episode);
  return request;
}

// Waits (bounded) for `condition`; false if it never held.
bool WaitFor(const std::function<bool()>& condition) {
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (!condition()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

// An ImportRatings stream opened on a raw stub, held open until Finish().
class OpenImport {
 public:
  explicit OpenImport(const std::string& address, const std::string& token = "")
      : stub_(v1::Feedback::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        writer_(Open(token)) {
    // The server sends its metadata when it has admitted (or refused) the
    // stream, so after this the server has decided.
    writer_->WaitForInitialMetadata();
  }
  bool Write(const v1::SubmitRatingRequest& record) {
    v1::ImportRatingsRequest request;
    request.set_record_number(++records_);
    *request.mutable_record() = record;
    return writer_->Write(request);
  }
  grpc::Status Finish() {
    writer_->WritesDone();
    return writer_->Finish();
  }
  const v1::ImportRatingsResponse& response() const { return response_; }

 private:
  std::unique_ptr<grpc::ClientWriter<v1::ImportRatingsRequest>> Open(
      const std::string& token) {
    if (!token.empty()) {
      context_.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    return stub_->ImportRatings(&context_, &response_);
  }

  std::unique_ptr<v1::Feedback::Stub> stub_;
  grpc::ClientContext context_;
  v1::ImportRatingsResponse response_;
  std::unique_ptr<grpc::ClientWriter<v1::ImportRatingsRequest>> writer_;
  int records_ = 0;
};

TEST(OverloadTest, AFullServerShedsAndRecoversWhenLoadDrops) {
  TestServer server([](app::ServerOptions& o) { o.max_in_flight = 1; });
  auto client = server.NewClient();

  // An open import stream holds the one call slot.
  OpenImport holder(server.address());
  ASSERT_TRUE(holder.Write(FirstSession("held")));

  EXPECT_THAT(client->SubmitRating(FirstSession("shed")),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("server busy: 1 calls in flight (limit 1)")));
  EXPECT_THAT(client->GetEpisode("tenant-a", "held"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  OpenImport second(server.address());
  EXPECT_EQ(second.Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Health and the catalogue need no storage and are never shed.
  EXPECT_THAT(client->Health(), IsOk());
  EXPECT_THAT(client->ListInstruments(""), IsOk());

  ASSERT_TRUE(holder.Finish().ok());
  EXPECT_EQ(holder.response().stored(), 1);

  // Load dropped: the same rating goes through, and the shed attempt left
  // nothing behind (it is stored once, as session 1).
  auto stored = client->SubmitRating(FirstSession("shed"));
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->replayed());
  auto episode = client->GetEpisode("tenant-a", "shed");
  ASSERT_THAT(episode, IsOk());
  EXPECT_THAT(episode->administrations(), SizeIs(1));
}

TEST(OverloadTest, ImportStreamsHaveTheirOwnLimit) {
  TestServer server([](app::ServerOptions& o) { o.max_import_streams = 1; });
  auto client = server.NewClient();
  OpenImport first(server.address());

  OpenImport second(server.address());
  grpc::Status refused = second.Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("1 import streams open (limit 1)"));
  // Single submissions still have room.
  EXPECT_THAT(client->SubmitRating(FirstSession("single")), IsOk());

  ASSERT_TRUE(first.Write(FirstSession("imported")));
  ASSERT_TRUE(first.Finish().ok());
  OpenImport third(server.address());  // The slot is free again.
  ASSERT_TRUE(third.Write(FirstSession("third")));
  ASSERT_TRUE(third.Finish().ok());
  EXPECT_EQ(third.response().stored(), 1);
}

// Idle streams (opened, then nothing sent) are ended with
// DEADLINE_EXCEEDED and their slots freed, so they cannot hold every import
// slot for ever. The wait is polled (bounded), not timed.
TEST(OverloadTest, IdleImportStreamsAreEndedAndTheirSlotsFreed) {
  TestServer server([](app::ServerOptions& o) {
    o.max_import_streams = 2;
    o.import_idle = absl::Milliseconds(200);
  });
  auto idle_1 = std::make_unique<OpenImport>(server.address());
  auto idle_2 = std::make_unique<OpenImport>(server.address());
  ASSERT_TRUE(idle_2->Write(FirstSession("sent-then-idle")));
  // Until the watcher has ended both, two new streams cannot both be
  // admitted: each idle stream holds one of the two slots. (Waiting for one
  // admission only would race with the second idle stream's end.)
  bool admitted = false;
  for (int i = 0; i < 600 && !admitted; ++i) {
    OpenImport third(server.address());
    OpenImport fourth(server.address());
    const bool third_in = third.Write(FirstSession("third"));
    const bool fourth_in = fourth.Write(FirstSession("fourth"));
    const grpc::Status third_end = third.Finish();
    const grpc::Status fourth_end = fourth.Finish();
    for (const grpc::Status& end : {third_end, fourth_end}) {
      EXPECT_THAT(
          end.error_code(),
          AnyOf(grpc::StatusCode::OK, grpc::StatusCode::RESOURCE_EXHAUSTED));
    }
    admitted = third_in && fourth_in && third_end.ok() && fourth_end.ok();
    if (!admitted) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(admitted);
  for (OpenImport* idle : {idle_1.get(), idle_2.get()}) {
    const grpc::Status ended = idle->Finish();
    EXPECT_EQ(ended.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    EXPECT_THAT(ended.error_message(), HasSubstr("no record for 200ms"));
  }
}

// A call that waits longer than --max_queue_wait_ms for a worker changes
// nothing and says so; its client retries. (A zero limit: every call has
// waited too long.)
TEST(OverloadTest, ACallThatWaitedTooLongForAWorkerChangesNothing) {
  TestServer server(
      [](app::ServerOptions& o) { o.max_queue_wait = absl::ZeroDuration(); });
  auto client = server.NewClient();
  EXPECT_THAT(client->SubmitRating(FirstSession("late")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("waited")));
  server.Stop();
  auto store = storage::Store::Open({server.data_dir()});
  ASSERT_THAT(store, IsOk());
  auto episode = (*store)->GetEpisode("tenant-a", "late");
  ASSERT_THAT(episode, IsOk());
  EXPECT_FALSE(episode->has_value());
}

// One tenant's integrations fill their own share of the import slots;
// another tenant's still get in.
TEST(OverloadTest, OneTenantCannotTakeEveryImportSlot) {
  testing::TempDir dir;
  const std::string tokens = dir.Sub("tokens.textpb");
  std::ofstream(tokens)
      << testing::TokenEntry("dips", "tenant-a", "integration", "t-dips")
      << testing::TokenEntry("cosdoc", "tenant-a", "integration", "t-cos")
      << testing::TokenEntry("vendor-b", "tenant-b", "integration", "t-b");
  TestServer server([&](app::ServerOptions& o) {
    o.tokens_file = tokens;
    o.max_import_streams = 6;
    o.max_import_streams_per_tenant = 3;
    o.max_import_streams_per_principal = 2;
  });
  std::vector<std::unique_ptr<OpenImport>> open;
  auto admitted = [&](const std::string& token) {
    open.push_back(std::make_unique<OpenImport>(server.address(), token));
    return open.back()->Write(FirstSession(absl::StrCat("e-", open.size())));
  };
  auto refusal = [&](const std::string& token) {
    OpenImport refused(server.address(), token);
    return refused.Finish();
  };
  EXPECT_TRUE(admitted("t-dips"));
  EXPECT_TRUE(admitted("t-dips"));
  grpc::Status third = refusal("t-dips");
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third.error_message(), HasSubstr("for dips (per caller)"));
  EXPECT_TRUE(admitted("t-cos"));
  grpc::Status tenant = refusal("t-cos");
  EXPECT_THAT(tenant.error_message(),
              HasSubstr("for tenant tenant-a (per tenant)"));
  // tenant-a holds 3 of 6: tenant-b gets in.
  EXPECT_TRUE(admitted("t-b"));
  EXPECT_TRUE(admitted("t-b"));
  for (auto& stream : open) EXPECT_TRUE(stream->Finish().ok());
}

TEST(OverloadTest, SheddingUnderLoadLosesAndDoublesNothing) {
  // Far more callers than slots: whichever calls are shed, the SDK's
  // retries (same idempotency key) store every rating exactly once.
  TestServer server([](app::ServerOptions& o) { o.max_in_flight = 2; });
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  client::ClientOptions options;
  options.target = server.address();
  options.max_attempts = 1000;
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(20);
  auto client = client::Client::Connect(options);

  std::atomic<int> failed = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!client->SubmitRating(FirstSession(absl::StrCat("e-", t, "-", i)))
                 .ok()) {
          ++failed;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);

  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      auto episode =
          client->GetEpisode("tenant-a", absl::StrCat("e-", t, "-", i));
      ASSERT_THAT(episode, IsOk());
      EXPECT_THAT(episode->administrations(), SizeIs(1));
    }
  }
}

TEST(StorageFaultTest, FullDiskMeansNotServingAndLosesNothingAcknowledged) {
  testing::FaultyFileSystem disk;
  TestServer server([&disk](app::ServerOptions& o) {
    o.storage_env = disk.env();
    o.storage_check_interval = absl::Milliseconds(5);
  });
  auto client = server.NewClient();
  ASSERT_THAT(client->SubmitRating(FirstSession("before")), IsOk());

  disk.Set(testing::DiskFault::kNoSpace);
  EXPECT_THAT(client->SubmitRating(FirstSession("during")),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("No space left on device")));
  EXPECT_TRUE(WaitFor([&] {
    absl::StatusOr<bool> serving = client->Health();
    return serving.ok() && !*serving;
  })) << "health never went NOT_SERVING";
  // A read must be in the access log before it is answered: with the log
  // unwritable, reads of client data are refused too (fail closed).
  EXPECT_THAT(client->GetEpisode("tenant-a", "before"),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // What needs no log entry still works.
  EXPECT_THAT(client->ListInstruments(), IsOk());

  disk.Set(testing::DiskFault::kNone);  // Space freed.
  EXPECT_TRUE(WaitFor([&] {
    absl::StatusOr<bool> serving = client->Health();
    return serving.ok() && *serving;
  })) << "health never came back to SERVING";
  ASSERT_THAT(client->SubmitRating(FirstSession("after")), IsOk());

  server.Restart();
  client = server.NewClient();
  for (const char* id : {"before", "after"}) {
    auto episode = client->GetEpisode("tenant-a", id);
    ASSERT_THAT(episode, IsOk()) << id;
    EXPECT_THAT(episode->administrations(), SizeIs(1)) << id;
  }
  EXPECT_THAT(client->GetEpisode("tenant-a", "during"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(StorageFaultTest, ReadOnlyDataDirectoryFailsStartWithAClearError) {
  testing::TempDir dir;
  testing::FaultyFileSystem disk;
  disk.Set(testing::DiskFault::kReadOnly);
  app::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = dir.Sub("data");
  options.metrics_listen = "";
  options.storage_env = disk.env();
  EXPECT_THAT(app::Server::Start(options),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::AllOf(HasSubstr(options.data_dir),
                                        HasSubstr("read-only file system"))));
}

}  // namespace
}  // namespace tilbake
