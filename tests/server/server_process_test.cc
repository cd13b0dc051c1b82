// tilbake-server as a child process: start-up, refusal messages, SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/sdk/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One tilbake-server child with stderr captured to a file.
class ServerProcess {
 public:
  ServerProcess(const std::string& data_dir, const std::string& log,
                std::vector<std::string> extra_flags = {})
      : log_(log) {
    std::vector<std::string> args = {
        TILBAKE_SERVER_PATH, "--listen=127.0.0.1:0", "--data_dir=" + data_dir};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    pid_ = fork();
    if (pid_ == 0) {
      FILE* err = freopen(log.c_str(), "w", stderr);
      (void)err;
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~ServerProcess() {
    if (pid_ > 0 && !exit_code_.has_value()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Waits (bounded: 20 s) for "server_started" and returns the port, or for
  // the process to exit (returns nullopt).
  std::optional<int> WaitForPort() {
    const std::regex started("event=server_started .*port=([0-9]+)");
    for (int i = 0; i < 400; ++i) {
      std::smatch match;
      const std::string text = ReadAll(log_);
      if (std::regex_search(text, match, started)) return std::stoi(match[1]);
      if (Exited()) return std::nullopt;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return std::nullopt;
  }

  // Sends `signal` and waits for the exit code (bounded by the server's own
  // shutdown grace).
  int StopWith(int signal) {
    kill(pid_, signal);
    return Wait();
  }

  int Wait() {
    if (!exit_code_.has_value()) {
      int status = 0;
      waitpid(pid_, &status, 0);
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return *exit_code_;
  }

  std::string log() const { return ReadAll(log_); }

 private:
  bool Exited() {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return true;
    }
    return false;
  }

  std::string log_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

TEST(ServerProcessTest, SigtermStopsCleanlyAndDataSurvives) {
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  {
    ServerProcess server(data, dir.Sub("1.log"));
    std::optional<int> port = server.WaitForPort();
    ASSERT_TRUE(port.has_value()) << server.log();
    auto client =
        client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
    ASSERT_THAT(client->SubmitRating(testing::OrsRequest(1, "k1")), IsOk());
    // Close the channel first: with an idle client connected, gRPC's
    // graceful GOAWAY makes shutdown wait ~5 s (the SIGINT stop below covers
    // that path).
    client.reset();
    EXPECT_EQ(server.StopWith(SIGTERM), 0);
    EXPECT_THAT(server.log(), HasSubstr("event=signal_received signal=15"));
    EXPECT_THAT(server.log(), HasSubstr("event=server_stopped"));
  }
  ServerProcess again(data, dir.Sub("2.log"));
  std::optional<int> port = again.WaitForPort();
  ASSERT_TRUE(port.has_value()) << again.log();
  auto client =
      client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
  auto episode = client->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(episode, IsOk());
  EXPECT_EQ(episode->administrations_size(), 1);
  EXPECT_EQ(again.StopWith(SIGINT), 0);
}

TEST(ServerProcessTest, ASecondServerOnTheSameDirectoryIsRefused) {
  testing::TempDir dir;
  ServerProcess first(dir.Sub("data"), dir.Sub("1.log"));
  ASSERT_TRUE(first.WaitForPort().has_value()) << first.log();
  ServerProcess second(dir.Sub("data"), dir.Sub("2.log"));
  EXPECT_FALSE(second.WaitForPort().has_value());
  EXPECT_EQ(second.Wait(), 1);
  EXPECT_THAT(second.log(), HasSubstr("event=start_failed code=UNAVAILABLE"));
  EXPECT_THAT(second.log(), HasSubstr("is another tilbake-server using this"));
}

TEST(ServerProcessTest, RefusesBadFlagsAndPlaintextBeyondLoopback) {
  testing::TempDir dir;
  ServerProcess bad_durability(dir.Sub("a"), dir.Sub("1.log"),
                               {"--durability=sometimes"});
  EXPECT_EQ(bad_durability.Wait(), 1);
  EXPECT_THAT(bad_durability.log(), HasSubstr("flag=durability"));
  ServerProcess open_port(dir.Sub("b"), dir.Sub("2.log"),
                          {"--listen=0.0.0.0:0"});
  EXPECT_EQ(open_port.Wait(), 1);
  EXPECT_THAT(open_port.log(), HasSubstr("only served on loopback"));
}

}  // namespace
}  // namespace tilbake
