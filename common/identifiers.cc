#include "common/identifiers.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"

namespace tilbake {

namespace {

constexpr size_t kMaxIdentifierLength = 128;
constexpr size_t kMaxOrgUnitSegments = 8;
constexpr size_t kMaxOrgUnitSegmentLength = 64;

bool IsIdentifierChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == ':' || c == '@' || c == '/' || c == '-';
}

bool IsOrgUnitChar(char c) {
  return absl::ascii_islower(static_cast<unsigned char>(c)) ||
         absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

absl::Status CheckIdentifier(absl::string_view field, absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  if (value.size() > kMaxIdentifierLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": longer than ", kMaxIdentifierLength, " characters"));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(value.front()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must start with a letter or digit"));
  }
  for (char c : value) {
    if (!IsIdentifierChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": only letters, digits and ._:@/- are allowed"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOrgUnit(absl::string_view field, absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  std::vector<absl::string_view> segments = absl::StrSplit(value, '/');
  if (segments.size() > kMaxOrgUnitSegments) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": more than ", kMaxOrgUnitSegments, " levels"));
  }
  for (absl::string_view segment : segments) {
    if (segment.empty() || segment.size() > kMaxOrgUnitSegmentLength) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": each level needs 1–", kMaxOrgUnitSegmentLength,
                       " characters, as in \"department/team\""));
    }
    for (char c : segment) {
      if (!IsOrgUnitChar(c)) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ": only lower-case letters, digits and ._- within a level"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace tilbake
