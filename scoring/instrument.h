#ifndef TILBAKE_SCORING_INSTRUMENT_H_
#define TILBAKE_SCORING_INSTRUMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tilbake::scoring {

// Every value on every item scale is an integer number of tenths: a mark at
// 7.3 cm on the ORS's 10 cm line is 73, a "3" on a 0–4 scale is 30. Totals of
// FIT instruments are then exact integer sums, free of float drift.
using Tenths = int32_t;

// How an instrument's answers become a total.
enum class ScoringMethod {
  kSumOfItems,    // Total = sum of all items (ORS, CORS, SRS, CSRS, GSRS).
  kUnscored,      // Answers are stored, nothing is computed (YCORS).
  kSectionMeans,  // Each section: 100 × mean of its items scaled to 0–1
                  // (INSPIRE). Gated items count only when important.
};

// A part of an instrument scored on its own (INSPIRE: "support",
// "relationship"), 0–100.
struct SectionDefinition {
  std::string key;
  // Fewer answered (and, if gated, important) items than this: the score is
  // withheld, with the reason.
  int min_answered = 1;
  // Also score each domain of the section (INSPIRE Support per CHIME domain).
  bool by_domain = false;
  int min_answered_per_domain = 1;
};

struct ItemDefinition {
  std::string key;  // Stable key, never the licensed item wording.
  Tenths min = 0;
  Tenths max = 100;
  Tenths step = 1;               // Allowed values are min, min+step, …, max.
  bool importance_gate = false;  // Asks "is this important to you?" first.
  bool reverse_scored = false;
  std::string domain;   // e.g. a CHIME domain; empty where none.
  std::string section;  // e.g. "support"; empty where none.
};

// The names the definition files give a family and what an instrument
// measures, spelled here once: the rules and the aggregates test against
// these. Kept as names, not an enum: a definition file may name a family
// or a measure no rule knows (tenant-defined forms), which then gets none.
inline constexpr char kFitFamily[] = "fit";
inline constexpr char kInspireFamily[] = "inspire";
inline constexpr char kOutcomeMeasures[] = "outcome";
inline constexpr char kAllianceMeasures[] = "alliance";

// One version of one instrument, as loaded from its definition file.
struct InstrumentDefinition {
  std::string id;        // "ors"
  std::string version;   // "1"
  bool current = false;  // Used when a submission names no version.
  std::string family;    // "fit", "inspire"
  std::string title;     // Short descriptive title, not licensed wording.
  std::string measures;  // "outcome", "alliance", …
  ScoringMethod method = ScoringMethod::kSumOfItems;
  bool higher_is_better = true;
  bool accepts_total_only = false;  // Entry format B (total, items blank).
  std::vector<ItemDefinition> items;
  // kSectionMeans: the sections, and the one whose score is the total.
  std::vector<SectionDefinition> sections;
  std::string primary_section;
  // The SNOMED CT concept of the total score; empty when none exists.
  std::string snomed_ct_code;

  bool scored() const { return method != ScoringMethod::kUnscored; }
  // Range of the total under kSumOfItems (sum of item minima / maxima).
  Tenths total_min() const;
  Tenths total_max() const;
};

// Checks that a definition is usable: id, version and unique item keys are
// present, every item range is non-empty and divisible by its step.
// Returns InvalidArgument naming the offending field.
absl::Status ValidateDefinition(const InstrumentDefinition& definition);

// The instruments a server knows. Immutable after Create, so safe to share
// between threads without locking.
class InstrumentCatalog {
 public:
  // Validates every definition and that (id, version) pairs are unique and
  // each id has exactly one current version.
  static absl::StatusOr<InstrumentCatalog> Create(
      std::vector<InstrumentDefinition> definitions);

  // Finds `id` at `version`, or at its current version if `version` is empty.
  // Unknown id: InvalidArgument. Known id, version not configured:
  // FailedPrecondition. The pointer lives as long as the catalog.
  absl::StatusOr<const InstrumentDefinition*> Find(
      absl::string_view id, absl::string_view version) const;

  // Every definition, sorted by family, id, version.
  const std::vector<InstrumentDefinition>& definitions() const {
    return definitions_;
  }

 private:
  explicit InstrumentCatalog(std::vector<InstrumentDefinition> definitions)
      : definitions_(std::move(definitions)) {}
  std::vector<InstrumentDefinition> definitions_;
};

}  // namespace tilbake::scoring

#endif  // TILBAKE_SCORING_INSTRUMENT_H_
