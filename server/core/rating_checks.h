#ifndef TILBAKE_SERVER_CORE_RATING_CHECKS_H_
#define TILBAKE_SERVER_CORE_RATING_CHECKS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "domain/types.h"

namespace tilbake::core {

// The checks of a rating that need no lock and no I/O: pure functions of
// the rating, what is stored, and today's date. Each error names the
// request field at fault ("rating.session_date: …").

// A day as in messages: 2026-12-01.
std::string ShowDay(absl::CivilDay day);

// The fields that need no stored state. The answers are checked by the
// scoring engine against the instrument's definition.
absl::Status CheckRatingFields(const domain::Rating& r, absl::CivilDay today);

// That `r` fits its episode as stored: type, client, open, and that
// session numbers and dates run in the same order.
absl::Status CheckFitsEpisode(const domain::Episode& episode,
                              const std::vector<domain::Administration>& stored,
                              const domain::Rating& r);

// The longest reason an erasure request, a correction or a void carries.
inline constexpr size_t kMaxReasonLength = 500;

// Such a reason: required, at most kMaxReasonLength.
absl::Status CheckReason(absl::string_view reason);

// An episode cannot end in the future (a day of slack for time zones).
absl::Status CheckEndDate(absl::CivilDay end_date, absl::CivilDay today);

}  // namespace tilbake::core

#endif  // TILBAKE_SERVER_CORE_RATING_CHECKS_H_
