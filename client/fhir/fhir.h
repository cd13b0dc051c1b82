#ifndef TILBAKE_CLIENT_FHIR_FHIR_H_
#define TILBAKE_CLIENT_FHIR_FHIR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tilbake/v1/feedback.pb.h"

// FHIR R4 for Tilbake's ratings: a QuestionnaireResponse per administration
// and an Observation (category "survey") per score, and back. JSON is read
// and written through protobuf's JSON mapping of google.protobuf.Struct, so
// there is no JSON parser of our own. The mapping is in docs/fhir.md.
namespace tilbake::fhir {

// An episode as a FHIR Bundle of type "collection": for each administration
// a QuestionnaireResponse and one Observation per score it has (the total,
// and each section score of INSPIRE), the total coded with the SNOMED CT
// concept from `instruments` where one exists. A corrected administration
// is "amended" with meta.versionId its revision + 1; the voided versions in
// the episode's history go out too, "entered-in-error" (so a system that
// took them before learns it). Pretty-printed JSON.
absl::StatusOr<std::string> EpisodeToBundle(
    const v1::Episode& episode,
    const std::vector<v1::InstrumentDefinition>& instruments);

// Several episodes of one tenant (a client's whole record) in one Bundle,
// as EpisodeToBundle. InvalidArgument when `episodes` is empty.
absl::StatusOr<std::string> EpisodesToBundle(
    const std::vector<v1::Episode>& episodes,
    const std::vector<v1::InstrumentDefinition>& instruments);

// A resource that could not be imported, by its place among the file's
// QuestionnaireResponses (1 = the first).
struct ResourceError {
  int number = 0;
  std::string message;
};

struct FhirImport {
  // record_number = the resource's number; keys from the resource's
  // identifier (or its identity), so importing again stores nothing twice.
  std::vector<v1::ImportRatingsRequest> records;
  int resources = 0;  // QuestionnaireResponses read.
  std::vector<ResourceError> errors;
};

// QuestionnaireResponses (a Bundle of them, one on its own, or NDJSON: one
// resource per line) -> ImportRatings records for `tenant_id`. Other
// resource types in a Bundle (Observations) are skipped: scores are
// recomputed from the answers. Fails as a whole only when the text is not
// FHIR JSON.
absl::StatusOr<FhirImport> ImportQuestionnaireResponses(
    absl::string_view json, const std::string& tenant_id);

}  // namespace tilbake::fhir

#endif  // TILBAKE_CLIENT_FHIR_FHIR_H_
