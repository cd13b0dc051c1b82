#include "scoring/trajectory.h"

#include <cmath>
#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"

namespace tilbake::scoring {
namespace {

bool InWindow(const ReferenceCell& cell, Tenths intake, Tenths window) {
  return std::abs(cell.intake - intake) <= window;
}

// Reference episodes within the window (session-0 cells count episodes).
int64_t EpisodesInWindow(Tenths intake, Tenths window,
                         const std::vector<ReferenceCell>& cells) {
  int64_t episodes = 0;
  for (const ReferenceCell& c : cells) {
    if (c.session == 0 && InWindow(c, intake, window)) episodes += c.count;
  }
  return episodes;
}

Expected Unavailable(std::string reason) {
  Expected e;
  e.reason = std::move(reason);
  return e;
}

Expected FromTable(const TrajectoryConfig& config,
                   const std::string& instrument, Tenths intake, int session) {
  // The table is keyed by whole intake points, rounded half up.
  const int intake_points = static_cast<int>(std::floor(intake / 10.0 + 0.5));
  auto it = config.table.find({instrument, intake_points, session});
  if (it == config.table.end()) {
    return Unavailable(absl::StrCat("the table has no row for intake ",
                                    intake_points, " at session ", session));
  }
  Expected e;
  e.available = true;
  e.target = it->second.first;
  e.lower_bound = it->second.second;
  return e;
}

Expected FromIntakeBand(const TrajectoryConfig& config, Tenths intake,
                        int session, const std::vector<ReferenceCell>& cells) {
  int64_t n = 0;
  double sum = 0, sum_squares = 0;
  for (const ReferenceCell& c : cells) {
    if (c.session != session || !InWindow(c, intake, config.intake_window)) {
      continue;
    }
    n += c.count;
    sum += static_cast<double>(c.sum);
    sum_squares += static_cast<double>(c.sum_squares);
  }
  if (n < config.min_episodes) {
    return Unavailable(absl::StrCat(n, " reference episodes reached session ",
                                    session, "; the model needs ",
                                    config.min_episodes));
  }
  const double mean = sum / static_cast<double>(n);  // tenths
  const double variance =
      n > 1 ? (sum_squares - sum * sum / static_cast<double>(n)) /
                  static_cast<double>(n - 1)
            : 0.0;
  const double sd = std::sqrt(std::max(0.0, variance));
  Expected e;
  e.available = true;
  e.target = mean / 10.0;
  e.lower_bound = (mean - config.lower_bound_sd * sd) / 10.0;
  return e;
}

}  // namespace

std::optional<LogFit> FitLogSession(Tenths intake, Tenths window,
                                    const std::vector<ReferenceCell>& cells) {
  // Least squares of y on x = ln(session), from per-session sums:
  // each cell holds `count` points with the same x.
  double n = 0, sx = 0, sxx = 0, sy = 0, sxy = 0, syy = 0;
  std::set<int32_t> sessions;
  for (const ReferenceCell& c : cells) {
    if (c.session < 1 || !InWindow(c, intake, window) || c.count == 0) continue;
    const double x = std::log(static_cast<double>(c.session));
    const double count = static_cast<double>(c.count);
    const double y = static_cast<double>(c.sum) / 10.0;            // points
    const double yy = static_cast<double>(c.sum_squares) / 100.0;  // points²
    n += count;
    sx += count * x;
    sxx += count * x * x;
    sy += y;
    sxy += y * x;
    syy += yy;
    sessions.insert(c.session);
  }
  if (sessions.size() < 2 || n < 3) return std::nullopt;
  const double denominator = n * sxx - sx * sx;
  if (denominator <= 0) return std::nullopt;
  LogFit fit;
  fit.b = (n * sxy - sx * sy) / denominator;
  fit.a = (sy - fit.b * sx) / n;
  const double sse = syy - 2 * fit.a * sy - 2 * fit.b * sxy +
                     n * fit.a * fit.a + 2 * fit.a * fit.b * sx +
                     fit.b * fit.b * sxx;
  fit.residual_sd = std::sqrt(std::max(0.0, sse) / (n - 2));
  fit.scores = static_cast<int64_t>(n);
  return fit;
}

Expected ExpectedResponse(const TrajectoryConfig& config,
                          const std::string& instrument, Tenths intake,
                          int session,
                          const std::vector<ReferenceCell>& cells) {
  switch (config.model) {
    case TrajectoryModel::kNone:
      return Unavailable("the rule set has no trajectory model");
    case TrajectoryModel::kTable:
      return FromTable(config, instrument, intake, session);
    case TrajectoryModel::kIntakeBand:
      return FromIntakeBand(config, intake, session, cells);
    case TrajectoryModel::kLogSession: {
      const int64_t episodes =
          EpisodesInWindow(intake, config.intake_window, cells);
      if (episodes < config.min_episodes) {
        return Unavailable(absl::StrCat(episodes,
                                        " reference episodes near this intake; "
                                        "the model needs ",
                                        config.min_episodes));
      }
      std::optional<LogFit> fit =
          FitLogSession(intake, config.intake_window, cells);
      if (!fit.has_value()) {
        return Unavailable("too few sessions in the reference to fit a curve");
      }
      Expected e;
      e.available = true;
      e.target = fit->a + fit->b * std::log(static_cast<double>(session));
      e.lower_bound = e.target - config.lower_bound_sd * fit->residual_sd;
      return e;
    }
  }
  return Unavailable("unknown model");
}

}  // namespace tilbake::scoring
