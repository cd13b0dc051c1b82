#ifndef TILBAKE_TESTS_SCORING_ENGINE_TEST_SUPPORT_H_
#define TILBAKE_TESTS_SCORING_ENGINE_TEST_SUPPORT_H_

#include <string>
#include <vector>

#include "scoring/evaluation.h"
#include "scoring/rule_set.h"

// Rule sets and administrations for the engine's tests, written out here
// (not loaded from config/) so each expectation can be checked by hand.
namespace tilbake::scoring::test {

// jt-5 as shipped: ORS adult 25 / adolescent 28 / any 25, CORS 32,
// SRS family 36 ("below"); RC 5 points for ORS and CORS; SD 7.0.
inline RuleSet Jt5() {
  RuleSet r;
  r.name = "jt-5";
  r.version = "1";
  r.cutoffs = {
      {"ors", AgeBand::kAdult, 250, CutoffOperator::kBelow, true},
      {"ors", AgeBand::kAdolescent, 280, CutoffOperator::kBelow, false},
      {"ors", std::nullopt, 250, CutoffOperator::kBelow, true},
      {"cors", std::nullopt, 320, CutoffOperator::kBelow, true},
      {"srs", std::nullopt, 360, CutoffOperator::kBelow, true},
  };
  r.reliable_change = {
      {"ors", ReliableChangeKind::kPoints, 5.0},
      {"cors", ReliableChangeKind::kPoints, 5.0},
  };
  r.effect_size_sd = {{"ors", {7.0}}, {"cors", {7.0}}};
  return r;
}

inline AdministrationInput Ors(int session, Tenths total,
                               AgeBand band = AgeBand::kAdult) {
  AdministrationInput a;
  a.series = "c-1/client";
  a.client_id = "c-1";
  a.instrument_id = "ors";
  a.family = "fit";
  a.measures = "outcome";
  a.session = session;
  a.score.status = ScoreStatus::kScored;
  a.score.total = total;
  a.age_band = band;
  return a;
}

inline AdministrationInput Srs(int session, Tenths total) {
  AdministrationInput a = Ors(session, total);
  a.instrument_id = "srs";
  a.measures = "alliance";
  return a;
}

}  // namespace tilbake::scoring::test

#endif  // TILBAKE_TESTS_SCORING_ENGINE_TEST_SUPPORT_H_
