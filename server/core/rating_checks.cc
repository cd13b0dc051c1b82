#include "server/core/rating_checks.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/identifiers.h"
#include "common/status_macros.h"

namespace tilbake::core {
namespace {

using domain::Administration;
using domain::Episode;
using domain::Rating;

// Bounds of plausible values; not clinical thresholds (those are rule sets).
constexpr int kMaxSessionNumber = 10000;
constexpr int kMaxAgeYears = 130;
constexpr size_t kMaxSkipReasonLength = 200;
constexpr int kEarliestYear = 1900;

}  // namespace

std::string ShowDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

absl::Status CheckRatingFields(const Rating& r, absl::CivilDay today) {
  RETURN_IF_ERROR(CheckIdentifier("rating.tenant_id", r.tenant_id));
  RETURN_IF_ERROR(CheckIdentifier("rating.episode_id", r.episode_id));
  RETURN_IF_ERROR(CheckIdentifier("rating.client_id", r.client_id));
  RETURN_IF_ERROR(CheckIdentifier("rating.clinician_id", r.clinician_id));
  RETURN_IF_ERROR(CheckOrgUnit("rating.org_unit", r.org_unit));
  if (r.session_number < 1 || r.session_number > kMaxSessionNumber) {
    return absl::InvalidArgumentError(
        absl::StrCat("rating.session_number: must be 1–", kMaxSessionNumber,
                     ", got ", r.session_number));
  }
  if (r.session_date.year() < kEarliestYear || r.session_date > today + 1) {
    // A day of slack: the caller's calendar may be ahead of the server's UTC.
    return absl::InvalidArgumentError(absl::StrCat(
        "rating.session_date: ", ShowDay(r.session_date),
        " is not a plausible session date (today is ", ShowDay(today), ")"));
  }
  if (r.rater.kind == domain::RaterKind::kCollateral) {
    if (r.rater.relation == domain::RaterRelation::kUnspecified) {
      return absl::InvalidArgumentError(
          "rating.rater.relation: required for a collateral rater");
    }
    if (!r.rater.rater_id.empty()) {
      RETURN_IF_ERROR(
          CheckIdentifier("rating.rater.rater_id", r.rater.rater_id));
      // An administration id is "session/instrument/client/rater series",
      // and a client id may hold '/': with none in the rater series, its
      // last '/' ends the client id, so two ratings never share an id.
      if (absl::StrContains(r.rater.rater_id, '/')) {
        return absl::InvalidArgumentError(
            "rating.rater.rater_id: must not contain '/' (it separates the "
            "parts of an administration id)");
      }
    }
  } else if (r.rater.relation != domain::RaterRelation::kUnspecified ||
             !r.rater.rater_id.empty()) {
    return absl::InvalidArgumentError(
        "rating.rater: relation and rater_id are for collateral raters only");
  }
  if (r.client_age_years.has_value() &&
      (*r.client_age_years < 0 || *r.client_age_years > kMaxAgeYears)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rating.client_age_years: must be 0–", kMaxAgeYears));
  }
  if (r.answers.skip_reason.size() > kMaxSkipReasonLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("rating.skipped.reason: longer than ",
                     kMaxSkipReasonLength, " characters"));
  }
  return absl::OkStatus();
}

absl::Status CheckFitsEpisode(const Episode& episode,
                              const std::vector<Administration>& stored,
                              const Rating& r) {
  if (episode.closed()) {
    return absl::FailedPreconditionError(
        absl::StrCat("rating.episode_id: episode ", r.episode_id,
                     " was closed on ", ShowDay(episode.ending->end_date)));
  }
  if (episode.type != r.episode_type) {
    return absl::FailedPreconditionError(
        absl::StrCat("rating.episode_type: episode ", r.episode_id,
                     " was started with another episode type"));
  }
  if (episode.type == domain::EpisodeType::kIndividual &&
      episode.client_ids.front() != r.client_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("rating.client_id: individual episode ", r.episode_id,
                     " belongs to another client"));
  }
  for (const Administration& a : stored) {
    const Rating& s = a.rating;
    const bool same_session = s.session_number == r.session_number;
    if ((same_session && s.session_date != r.session_date) ||
        (s.session_number < r.session_number &&
         s.session_date > r.session_date) ||
        (s.session_number > r.session_number &&
         s.session_date < r.session_date)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rating.session_date: ", ShowDay(r.session_date),
          " does not fit session ", s.session_number, " dated ",
          ShowDay(s.session_date), "; sessions are numbered in date order"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckReason(absl::string_view reason) {
  if (reason.empty() || reason.size() > kMaxReasonLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: required, at most ", kMaxReasonLength,
                     " characters, and no client-identifying text"));
  }
  return absl::OkStatus();
}

absl::Status CheckEndDate(absl::CivilDay end_date, absl::CivilDay today) {
  if (end_date > today + 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ending.end_date: ", ShowDay(end_date), " is in the future"));
  }
  return absl::OkStatus();
}

}  // namespace tilbake::core
