#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "client/cli/cli_support.h"
#include "client/cli/command.h"

namespace tilbake::cli {

bool Output::colour() const {
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

void Output::Print(const google::protobuf::Message& message,
                   const std::string& table) const {
  std::cout << (global_.json ? ToJson(message) + "\n" : table);
}

int Output::Fail(const absl::Status& status) const {
  std::cerr << "tilbake: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument &&
                 status.message().rfind("--", 0) == 0
             ? kExitUsage
             : kExitFailure;
}

}  // namespace tilbake::cli
