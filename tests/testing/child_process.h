#ifndef TILBAKE_TESTS_TESTING_CHILD_PROCESS_H_
#define TILBAKE_TESTS_TESTING_CHILD_PROCESS_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"

namespace tilbake::testing {

// What a finished command did.
struct CommandRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through the shell to its end (a CLI call: bounded by the
// command's own deadlines) and collects its output.
inline CommandRun RunCommand(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, n);
  }
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A program run as a child process with stdout and stderr captured to
// `log`. Killed (SIGKILL) when destroyed if it is still running.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> args, const std::string& log)
      : log_(log) {
    pid_ = fork();
    if (pid_ == 0) {
      FILE* out = freopen(log.c_str(), "w", stderr);
      if (out != nullptr) dup2(fileno(stderr), fileno(stdout));
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
  }
  ~ChildProcess() {
    if (pid_ > 0 && !exit_code_.has_value()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits, at most `attempts` × 50 ms, for `pattern` in the log; returns its
  // first capture group (or the whole match), or nullopt if the process
  // exited or the wait ran out.
  std::optional<std::string> WaitForLog(const std::string& pattern,
                                        int attempts = 400) {
    const std::regex re(pattern);
    for (int i = 0; i < attempts; ++i) {
      std::smatch match;
      const std::string text = log();
      if (std::regex_search(text, match, re)) {
        return match.size() > 1 ? match[1].str() : match[0].str();
      }
      if (Exited()) return std::nullopt;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return std::nullopt;
  }

  // Sends `signal` and returns the exit code.
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
  pid_t pid() const { return pid_; }

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

// tilbake-server (TILBAKE_SERVER_PATH) on 127.0.0.1 with free gRPC and
// metrics ports.
class ServerProcess : public ChildProcess {
 public:
  ServerProcess(const std::string& server_path, const std::string& data_dir,
                const std::string& log, std::vector<std::string> flags = {})
      : ChildProcess(Args(server_path, data_dir, std::move(flags)), log) {}

  // The gRPC port once started, nullopt if the server did not start.
  std::optional<int> WaitForPort() {
    auto port = WaitForLog("event=server_started .* port=([0-9]+)");
    if (!port.has_value()) return std::nullopt;
    return std::stoi(*port);
  }
  std::optional<int> MetricsPort() {
    auto port = WaitForLog("event=server_started .*metrics_port=([0-9]+)");
    if (!port.has_value()) return std::nullopt;
    return std::stoi(*port);
  }

 private:
  static std::vector<std::string> Args(const std::string& server_path,
                                       const std::string& data_dir,
                                       std::vector<std::string> flags) {
    std::vector<std::string> args = {server_path, "--listen=127.0.0.1:0",
                                     "--metrics_listen=127.0.0.1:0",
                                     "--data_dir=" + data_dir};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }
};

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_CHILD_PROCESS_H_
