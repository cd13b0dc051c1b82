#ifndef TILBAKE_SERVER_CONFIG_TEXT_FILES_H_
#define TILBAKE_SERVER_CONFIG_TEXT_FILES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "google/protobuf/message.h"

// Reading configuration files: protobuf text format (no hand-written parser),
// with errors that name the file and line.
namespace tilbake::config {

// Parses `text` into `message`. InvalidArgument "<source>: line L:C: …".
absl::Status ParseTextProto(absl::string_view source, absl::string_view text,
                            google::protobuf::Message* message);

using ::tilbake::ReadTextFile;  // common/files.h

// The *.textpb files directly in `dir`, sorted. NotFound if `dir` cannot be
// listed.
absl::StatusOr<std::vector<std::string>> ListTextProtoFiles(
    const std::string& dir);

// A value written in points (7.3) as integer tenths (73). InvalidArgument
// if it has more than one decimal.
absl::StatusOr<int32_t> PointsToTenths(double points);

// Puts `field` before the error of `value`, if any.
template <typename T>
absl::StatusOr<T> Named(absl::StatusOr<T> value, absl::string_view field) {
  if (!value.ok()) return Prefixed(value.status(), field);
  return value;
}

}  // namespace tilbake::config

#endif  // TILBAKE_SERVER_CONFIG_TEXT_FILES_H_
