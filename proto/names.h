#ifndef TILBAKE_PROTO_NAMES_H_
#define TILBAKE_PROTO_NAMES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "tilbake/v1/feedback.pb.h"

// The names of API enum values in the CLI's options and tables, the CSV
// import's columns and FHIR codes: one table per enum, so they cannot drift
// apart.
namespace tilbake::names {

// "parent", "carer", "partner", "sibling", "other-family", "teacher",
// "other"; "" for RELATION_UNSPECIFIED.
std::string RelationName(v1::Rater::Relation relation);
std::optional<v1::Rater::Relation> RelationFromName(absl::string_view name);
// For messages: "parent, carer, …, other".
inline constexpr char kRelationNames[] =
    "parent, carer, partner, sibling, other-family, teacher, other";

// "client", or a collateral's relation name with `rater_id`; nullopt for
// any other name.
// The server's administration id of `rating`: session/instrument/client/
// series ("3/ors/c-17/client", "1/cors/c-4/collateral.parent.mor").
std::string AdministrationIdOf(const v1::Rating& rating);

std::optional<v1::Rater> RaterFromName(absl::string_view name,
                                       absl::string_view rater_id);

// "individual", "couple", "family", "group"; "" for UNSPECIFIED.
std::string EpisodeTypeName(v1::EpisodeType type);
std::optional<v1::EpisodeType> EpisodeTypeFromName(absl::string_view name);

// "under-6", "child", "adolescent", "adult"; "" for UNSPECIFIED.
std::string AgeBandName(v1::AgeBand band);
std::optional<v1::AgeBand> AgeBandFromName(absl::string_view name);
inline constexpr char kAgeBandNames[] = "under-6, child, adolescent, adult";

// "planned", "unilateral"; "" for UNSPECIFIED.
std::string EndingTypeName(v1::EndingType type);
std::optional<v1::EndingType> EndingTypeFromName(absl::string_view name);

}  // namespace tilbake::names

#endif  // TILBAKE_PROTO_NAMES_H_
