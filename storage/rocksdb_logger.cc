#include "storage/rocksdb_logger.h"

#include <cstdarg>
#include <cstdio>
#include <string>

#include "absl/strings/ascii.h"
#include "common/log.h"

namespace tilbake::storage {
namespace {

class ServerLogger final : public rocksdb::Logger {
 public:
  explicit ServerLogger(rocksdb::InfoLogLevel level) : Logger(level) {}

  // RocksDB calls this overload only through the default of the other.
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }

  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::HEADER_LEVEL) return;
    char buffer[1024];  // Longer lines are cut: a log line, not a report.
    va_list copy;
    va_copy(copy, ap);
    const int n = vsnprintf(buffer, sizeof(buffer), format, copy);
    va_end(copy);
    if (n < 0) return;
    std::string message(buffer);
    absl::StripTrailingAsciiWhitespace(&message);
    LogEvent(level >= rocksdb::InfoLogLevel::ERROR_LEVEL  ? LogLevel::kError
             : level == rocksdb::InfoLogLevel::WARN_LEVEL ? LogLevel::kWarning
                                                          : LogLevel::kInfo,
             "rocksdb", {{"message", std::move(message)}});
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewServerLogger(rocksdb::InfoLogLevel level) {
  return std::make_shared<ServerLogger>(level);
}

}  // namespace tilbake::storage
