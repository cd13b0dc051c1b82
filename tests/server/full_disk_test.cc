// tilbake-server on a real, small file system (a tmpfs mounted for the
// test) that fills up: writes are refused with RESOURCE_EXHAUSTED, health
// turns NOT_SERVING, the process stays up, and once space is freed health
// is SERVING again and writes are accepted. No acknowledged rating is lost.
//
// Mounting needs root (CAP_SYS_ADMIN), as `make test` runs in CI.
#include <signal.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/sdk/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::ServerProcess;
using ::tilbake::testing::StatusIs;

// A tmpfs of `megabytes` at `path` for the life of the object.
class SmallFileSystem {
 public:
  SmallFileSystem(const std::string& path, int megabytes) : path_(path) {
    std::filesystem::create_directories(path);
    const std::string options = absl::StrCat("size=", megabytes, "m");
    if (mount("tilbake-test", path.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      error_ = absl::StrCat("mount tmpfs on ", path, ": ", strerror(errno),
                            " (this test needs root, as CI runs it)");
    }
  }
  ~SmallFileSystem() {
    if (error_.empty()) umount2(path_.c_str(), MNT_DETACH);
  }
  const std::string& error() const { return error_; }

  // Writes `name` until the file system is full; the bytes written.
  size_t Fill(const std::string& name) {
    std::ofstream out(path_ + "/" + name, std::ios::binary);
    const std::string chunk(64 << 10, 'x');
    size_t written = 0;
    // Bounded: a tmpfs of this test's size fills in a few hundred chunks.
    for (int i = 0; i < 100000 && out.write(chunk.data(), chunk.size()); ++i) {
      out.flush();
      if (!out) break;
      written += chunk.size();
    }
    return written;
  }

 private:
  std::string path_;
  std::string error_;
};

v1::SubmitRatingRequest FirstSession(const std::string& episode) {
  v1::SubmitRatingRequest request = testing::OrsRequest(1, "key-" + episode);
  request.mutable_rating()->set_episode_id(episode);
  return request;
}

// Calls `done` every 50 ms until it is true, at most `seconds`.
bool Eventually(const std::function<bool()>& done, int seconds = 60) {
  const absl::Time give_up = absl::Now() + absl::Seconds(seconds);
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

TEST(FullDiskTest, RefusesWritesStaysUpAndRecoversWhenSpaceIsFreed) {
  testing::TempDir dir;
  SmallFileSystem disk(dir.Sub("disk"), 48);
  ASSERT_EQ(disk.error(), "");
  ServerProcess server(TILBAKE_SERVER_PATH, dir.Sub("disk/data"),
                       dir.Sub("server.log"),
                       {"--storage_memtable_mb=4", "--storage_cache_mb=4"});
  std::optional<int> port = server.WaitForPort();
  ASSERT_TRUE(port.has_value()) << server.log();
  auto client = client::Client::Connect(
      {.target = absl::StrCat("127.0.0.1:", *port), .max_attempts = 1});
  ASSERT_THAT(client->SubmitRating(FirstSession("e-before")), IsOk());

  // Fill the disk, then write until the store refuses (what RocksDB had
  // preallocated for its log may take a few more writes first).
  ASSERT_GT(disk.Fill("filler"), 0u);
  std::vector<std::string> acknowledged = {"e-before"};
  absl::Status refused;
  for (int i = 0; i < 5000 && refused.ok(); ++i) {
    const std::string episode = absl::StrCat("e-full-", i);
    absl::StatusOr<v1::SubmitRatingResponse> r =
        client->SubmitRating(FirstSession(episode));
    if (r.ok()) {
      acknowledged.push_back(episode);
    } else {
      refused = r.status();
    }
  }
  ASSERT_THAT(refused, StatusIs(absl::StatusCode::kResourceExhausted))
      << server.log();
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<bool> serving = client->Health();
    return serving.ok() && !*serving;
  })) << server.log();
  // Still refusing, and still up: no abort from RocksDB's own log file.
  EXPECT_THAT(client->SubmitRating(FirstSession("e-while-full")), Not(IsOk()));
  EXPECT_EQ(kill(server.pid(), 0), 0) << server.log();

  // Free the space: health comes back and writes are accepted again.
  std::filesystem::remove(dir.Sub("disk/filler"));
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<bool> serving = client->Health();
    return serving.ok() && *serving;
  })) << server.log();
  EXPECT_TRUE(Eventually([&] {
    return client->SubmitRating(FirstSession("e-after")).ok();
  })) << server.log();
  acknowledged.push_back("e-after");
  for (const std::string& episode : acknowledged) {
    EXPECT_THAT(client->GetEpisode("tenant-a", episode), IsOk()) << episode;
  }
  client.reset();
  EXPECT_EQ(server.StopWith(SIGTERM), 0) << server.log();
  EXPECT_THAT(server.log(), HasSubstr("event=health_not_serving"));
  EXPECT_THAT(server.log(), HasSubstr("event=health_serving"));
}

}  // namespace
}  // namespace tilbake
