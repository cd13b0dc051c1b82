#ifndef TILBAKE_SCORING_SCORE_H_
#define TILBAKE_SCORING_SCORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scoring/instrument.h"

namespace tilbake::scoring {

enum class Importance { kUnspecified, kImportant, kNotImportant };

struct ItemAnswer {
  std::string key;  // If every answer leaves it empty, items match by position.
  std::optional<Tenths> value;  // nullopt = not answered (never 0).
  Importance importance = Importance::kUnspecified;

  bool operator==(const ItemAnswer&) const = default;
};

// The three ways a form arrives (instruments.md, "Entry formats").
enum class AnswerFormat {
  kItems,      // Format A: every item; total computed.
  kTotalOnly,  // Format B: the total only; items stay unknown.
  kSkipped,    // Handed out, not completed. Not a zero.
};

struct Answers {
  AnswerFormat format = AnswerFormat::kItems;
  std::vector<ItemAnswer> items;       // kItems only.
  std::optional<Tenths> stated_total;  // kItems: must equal the sum if set.
  Tenths total = 0;                    // kTotalOnly only.
  std::string skip_reason;             // kSkipped only; optional.

  bool operator==(const Answers&) const = default;
};

enum class ScoreStatus {
  kScored,
  kTotalOnly,
  kSkipped,
  kUnscored,
  kWithheld,  // Too few answers for the primary score; see withheld_reason.
};

// A section's (or a section's domain's) score, 0–100 in tenths.
struct SubScore {
  std::string key;              // "support", "support/hope", "relationship"
  std::optional<Tenths> value;  // nullopt: withheld.
  int answered = 0;  // Items that count (answered and, if gated, important).
  int eligible = 0;  // Items that could count (not marked not important).
  std::string withheld_reason;

  bool operator==(const SubScore&) const = default;
};

// What an administration scored. Items are in the definition's order.
struct Score {
  ScoreStatus status = ScoreStatus::kScored;
  std::optional<Tenths> total;
  std::vector<ItemAnswer> items;
  std::vector<SubScore> subscores;  // kSectionMeans only.
  std::string withheld_reason;      // kWithheld only.

  bool operator==(const Score&) const = default;
};

// Validates `answers` against `definition` and computes the score.
//
// Section-means instruments (INSPIRE) score each section as 100 × the mean
// of its items scaled to 0–1 (reverse-scored items flipped), rounded to a
// tenth. An item behind an importance gate counts only when rated important;
// "not important" is neither missing nor zero. Blank items are missing; a
// section with fewer than min_answered counting items is withheld.
//
// Format B leaves the items unknown rather than filling in total/4: a derived
// item would look like a real answer to per-item rules and item reports.
//
// Errors are InvalidArgument, and the message starts with the offending part
// ("items[2] (goals)", "total", "format"), e.g. a value out of range, more
// than one decimal, an unknown or repeated key, some items blank and others
// answered, a stated total that disagrees with the items, a total-only entry
// for an instrument that does not accept one.
absl::StatusOr<Score> ScoreAnswers(const InstrumentDefinition& definition,
                                   const Answers& answers);

}  // namespace tilbake::scoring

#endif  // TILBAKE_SCORING_SCORE_H_
