#ifndef TILBAKE_SERVER_CONFIG_INSTRUMENT_LOADER_H_
#define TILBAKE_SERVER_CONFIG_INSTRUMENT_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scoring/instrument.h"

namespace tilbake::config {

// Parses the text of one instrument file (textproto of
// tilbake.config.InstrumentFile). Errors are InvalidArgument and start with
// `source` and the line or field at fault, e.g.
// "fit.textpb: instrument[0] (ors).items[2].max: ...".
absl::StatusOr<std::vector<scoring::InstrumentDefinition>> ParseInstrumentFile(
    absl::string_view source, absl::string_view text);

// The definitions shipped with the server (config/instruments/*.textpb,
// compiled in), plus every *.textpb file in `extra_dir` when it is not empty,
// validated together into one catalog. A bad file fails the whole load.
absl::StatusOr<scoring::InstrumentCatalog> LoadInstrumentCatalog(
    const std::string& extra_dir);

}  // namespace tilbake::config

#endif  // TILBAKE_SERVER_CONFIG_INSTRUMENT_LOADER_H_
