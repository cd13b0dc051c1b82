#ifndef TILBAKE_CLIENT_CLI_PLOT_H_
#define TILBAKE_CLIENT_CLI_PLOT_H_

#include <string>
#include <vector>

#include "tilbake/v1/feedback.pb.h"
#include "tilbake/v1/trends.pb.h"

// SVG charts for `tilbake plot`. Self-contained SVG 1.1, no scripts, no
// external fonts: it opens in any browser and prints as it looks.
namespace tilbake::cli {

// An episode's outcome scores by session against the expected trajectory
// (target and lower bound, where the rule set's model has them) and the
// clinical cutoff; the client's SRS on the same scale, dashed.
std::string EpisodeSvg(const v1::Episode& episode);

// Mean change per bucket: all series, intake below and above the cutoff.
std::string TrendSvg(const std::vector<v1::TrendRow>& rows,
                     const std::string& title);

}  // namespace tilbake::cli

#endif  // TILBAKE_CLIENT_CLI_PLOT_H_
