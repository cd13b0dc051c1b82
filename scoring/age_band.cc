#include "scoring/age_band.h"

namespace tilbake::scoring {

AgeBand AgeBandForAge(int years) {
  if (years >= 18) return AgeBand::kAdult;
  if (years >= 13) return AgeBand::kAdolescent;
  if (years >= 6) return AgeBand::kChild;
  return AgeBand::kUnder6;
}

}  // namespace tilbake::scoring
