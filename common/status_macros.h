#ifndef TILBAKE_COMMON_STATUS_MACROS_H_
#define TILBAKE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// Abseil 20220623 has no public RETURN_IF_ERROR / ASSIGN_OR_RETURN. Each macro
// evaluates its expression exactly once.

// Returns the status of `expr` from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                                     \
  do {                                                            \
    ::absl::Status tilbake_status_ = ::tilbake::AsStatus((expr)); \
    if (!tilbake_status_.ok()) return tilbake_status_;            \
  } while (false)

#define TILBAKE_CONCAT_INNER_(a, b) a##b
#define TILBAKE_CONCAT_(a, b) TILBAKE_CONCAT_INNER_(a, b)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from an OK StatusOr, or returns
// its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr)                                           \
  TILBAKE_ASSIGN_OR_RETURN_IMPL_(TILBAKE_CONCAT_(tilbake_or_, __LINE__), lhs, \
                                 expr)

#define TILBAKE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return std::move(tmp).status();       \
  lhs = *std::move(tmp)

namespace tilbake {

inline const absl::Status& AsStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// Returns `status` with "`field`: " put before its message (OK stays OK), so
// an error raised deep down names the request field it came from.
inline absl::Status Prefixed(const absl::Status& status,
                             absl::string_view field) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(field, ": ", status.message()));
}

}  // namespace tilbake

#endif  // TILBAKE_COMMON_STATUS_MACROS_H_
