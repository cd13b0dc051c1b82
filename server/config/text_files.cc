#include "server/config/text_files.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace tilbake::config {
namespace {

// Keeps the first parse error with its position.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty()) {
      error_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
    }
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::Status ParseTextProto(absl::string_view source, absl::string_view text,
                            google::protobuf::Message* message) {
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", errors.error()));
  }
  return absl::OkStatus();
}

absl::StatusOr<int32_t> PointsToTenths(double points) {
  const double tenths = points * 10.0;
  const double rounded = std::round(tenths);
  if (std::fabs(tenths - rounded) > 1e-6 || std::fabs(rounded) > 1e6) {
    return absl::InvalidArgumentError(
        absl::StrCat(points, " is not a whole number of tenths"));
  }
  return static_cast<int32_t>(rounded);
}

absl::StatusOr<std::vector<std::string>> ListTextProtoFiles(
    const std::string& dir) {
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".textpb") {
      files.push_back(entry.path().string());
    }
  }
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot list ", dir, ": ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace tilbake::config
