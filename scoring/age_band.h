#ifndef TILBAKE_SCORING_AGE_BAND_H_
#define TILBAKE_SCORING_AGE_BAND_H_

namespace tilbake::scoring {

// The age bands that select cutoffs (instruments.md, "Clinical cutoff").
enum class AgeBand { kUnspecified, kUnder6, kChild, kAdolescent, kAdult };

// Adult 18+, adolescent 13–17, child 6–12, under 6. Expects 0 <= years.
AgeBand AgeBandForAge(int years);

}  // namespace tilbake::scoring

#endif  // TILBAKE_SCORING_AGE_BAND_H_
