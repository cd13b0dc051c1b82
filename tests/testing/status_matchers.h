#ifndef TILBAKE_TESTS_TESTING_STATUS_MATCHERS_H_
#define TILBAKE_TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

// IsOk() and StatusIs(code[, message matcher]) for absl::Status and
// absl::StatusOr<T> (Abseil 20220623 ships none).
namespace tilbake::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code,
          "has code " +
              absl::StatusCodeToString(static_cast<absl::StatusCode>(code))) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " +
               absl::StatusCodeToString(static_cast<absl::StatusCode>(code))) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(
             message_matcher, std::string(s.message()), result_listener);
}

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_STATUS_MATCHERS_H_
