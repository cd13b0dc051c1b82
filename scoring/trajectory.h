#ifndef TILBAKE_SCORING_TRAJECTORY_H_
#define TILBAKE_SCORING_TRAJECTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scoring/instrument.h"
#include "scoring/rule_set.h"

namespace tilbake::scoring {

// Sums over the tenant's completed episodes: at `session`, `count` scores
// whose episode began at `intake`, summing to `sum` (tenths) with `sum_squares`
// (tenths²). Session 0 counts the episodes themselves (one per episode, the
// intake score as value). Sums, not means, so contributions add and subtract
// exactly.
struct ReferenceCell {
  Tenths intake = 0;
  int32_t session = 0;
  int64_t count = 0;
  int64_t sum = 0;
  int64_t sum_squares = 0;

  bool operator==(const ReferenceCell&) const = default;
};

// What a trajectory model expects at one session, or why it has nothing.
struct Expected {
  bool available = false;
  double target = 0;       // points
  double lower_bound = 0;  // points
  std::string reason;      // Why not available; empty when available.
};

// The expected response at `session` for an episode of `instrument` that
// began at `intake`, from `rules.trajectory`. `cells` are the reference cells
// of that instrument (any intakes; those outside the window are ignored).
// Models that lack data say so rather than invent a target.
Expected ExpectedResponse(const TrajectoryConfig& config,
                          const std::string& instrument, Tenths intake,
                          int session, const std::vector<ReferenceCell>& cells);

// The fit of the log-session model: score = a + b·ln(session), with the
// residual SD, over the cells within the intake window. nullopt with fewer
// than two distinct sessions or three scores.
struct LogFit {
  double a = 0;
  double b = 0;
  double residual_sd = 0;
  int64_t scores = 0;
};
std::optional<LogFit> FitLogSession(Tenths intake, Tenths window,
                                    const std::vector<ReferenceCell>& cells);

}  // namespace tilbake::scoring

#endif  // TILBAKE_SCORING_TRAJECTORY_H_
