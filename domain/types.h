#ifndef TILBAKE_DOMAIN_TYPES_H_
#define TILBAKE_DOMAIN_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "scoring/age_band.h"
#include "scoring/evaluation.h"
#include "scoring/score.h"

// Plain structs for what Tilbake records: ratings, administrations, episodes.
// The core, storage and the gRPC adapters all speak these; none of them is a
// protobuf type. Enum values are persisted: never renumber one.
namespace tilbake::domain {

enum class EpisodeType {
  kIndividual = 1,
  kCouple = 2,
  kFamily = 3,
  kGroup = 4
};

enum class RaterKind { kClient = 1, kCollateral = 2 };

enum class RaterRelation {
  kUnspecified = 0,
  kParent = 1,
  kCarer = 2,
  kPartner = 3,
  kSibling = 4,
  kOtherFamily = 5,
  kTeacher = 6,
  kOther = 7,
};

struct Rater {
  RaterKind kind = RaterKind::kClient;
  RaterRelation relation = RaterRelation::kUnspecified;  // Collateral only.
  std::string rater_id;  // Tells two collateral raters of one relation apart.

  bool operator==(const Rater&) const = default;
};

// "client", or "collateral.parent" / "collateral.parent.r2": the series an
// administration belongs to. Collateral raters are scored as their own series.
std::string RaterSeries(const Rater& rater);

// One administration of one instrument, as submitted (after normalization:
// instrument version resolved, items in definition order).
struct Rating {
  std::string tenant_id;
  std::string episode_id;
  std::string client_id;  // Pseudonym.
  std::string clinician_id;
  std::string org_unit;  // "department/team"
  EpisodeType episode_type = EpisodeType::kIndividual;
  int32_t session_number = 0;
  absl::CivilDay session_date;
  std::string instrument_id;
  std::string instrument_version;
  Rater rater;
  scoring::Answers answers;
  std::optional<int32_t> client_age_years;
  scoring::AgeBand age_band = scoring::AgeBand::kUnspecified;

  bool operator==(const Rating&) const = default;
};

// A stored, scored administration.
struct Administration {
  Rating rating;
  scoring::Score score;
  absl::Time recorded_at;       // When this version was stored.
  std::string idempotency_key;  // Of the submission that first stored it.
  // 0 as submitted; each correction stores the next version (FHIR's
  // "amended" when > 0). The versions before are Revisions.
  int32_t revision = 0;
};

// What ended a version of an administration.
enum class RevisionChange {
  kCorrected = 1,       // Replaced by the next version (CorrectRating).
  kEnteredInError = 2,  // Voided: it counts nowhere any more (VoidRating).
};

// A version of an administration that is no longer current, and who ended
// it, when and why: the trail of a correction or a void. Kept beside the
// episode until the client is erased or the episode retires.
struct Revision {
  Administration version;  // As it was; version.revision is its number.
  RevisionChange change = RevisionChange::kCorrected;
  absl::Time changed_at;
  std::string changed_by;  // The actor's name and role: "kari (clinician)".
  std::string reason;      // Required; at most 500 characters.
  std::string change_key;  // The correction's or void's idempotency key.
};

// The administration's stable id within its episode: one administration per
// session, instrument, client and rater series ("3/ors/c-17/client").
// Unambiguous because only the client id may hold '/': instrument ids and
// rater ids are refused with one (so the client id ends at the last '/').
std::string AdministrationId(const Rating& rating);

// The client id inside an administration id (between the instrument and the
// rater series), or "" when `id` has not that form.
std::string ClientOfAdministrationId(const std::string& id);

enum class EndingType { kPlanned = 1, kUnilateral = 2 };

struct Ending {
  EndingType type = EndingType::kPlanned;
  absl::CivilDay end_date;

  bool operator==(const Ending&) const = default;
};

// The intake class of a closed episode's outcome series.
enum class IntakeClass : char {
  kNone = '-',
  kBelowCutoff = 'B',  // Intake in the clinical range.
  kAboveCutoff = 'U',  // Intake above the cutoff (reported apart).
  kUnknown = '?',      // No cutoff for the instrument / band.
  kCollateral = 'C',   // A collateral rater's series: counted, not in figures.
};

// One outcome series of a closed episode as recorded at closing, with the
// rule set of that moment: reports use it, so they never drift as the
// tenant's reference data grows.
struct FrozenOutcome {
  scoring::SeriesOutcome outcome;
  scoring::AgeBand intake_age_band = scoring::AgeBand::kUnspecified;
  IntakeClass intake_class = IntakeClass::kUnknown;
  std::optional<double> target_at_last;  // points, when a target existed

  bool operator==(const FrozenOutcome&) const = default;
};

// An episode's own state; its administrations are stored beside it.
struct Episode {
  std::string tenant_id;
  std::string episode_id;
  EpisodeType type = EpisodeType::kIndividual;
  std::vector<std::string> client_ids;  // In order of first appearance.
  std::string org_unit;                 // Of the first administration.
  std::string clinician_id;             // Of the first administration.
  absl::CivilDay first_session_date;
  absl::CivilDay last_session_date;
  std::optional<Ending> ending;  // Set once closed.
  // Set at closing: the outcomes and the rule set that produced them.
  std::vector<FrozenOutcome> outcomes;
  std::string closed_rule_set;
  std::string closed_rule_set_version;

  bool closed() const { return ending.has_value(); }
  bool operator==(const Episode&) const = default;
};

// The episode its first rating opens: the rating's tenant, episode, type,
// client, org unit and clinician, its day as first and last session.
Episode EpisodeOpenedBy(const Rating& rating);

}  // namespace tilbake::domain

#endif  // TILBAKE_DOMAIN_TYPES_H_
