#ifndef TILBAKE_CLIENT_CSV_TEXT_ENCODING_H_
#define TILBAKE_CLIENT_CSV_TEXT_ENCODING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// Import files arrive in whatever a spreadsheet saved: UTF-8, or on Windows
// often Latin-1 (ISO-8859-1) or Windows-1252. The API carries UTF-8 only, so
// a file is checked (or converted) before a single record is sent.
namespace tilbake::csv {

enum class TextEncoding {
  kUtf8,    // Checked, not changed.
  kLatin1,  // ISO-8859-1: every byte is the code point of that number.
  kCp1252,  // Windows-1252: Latin-1 with printable characters at 0x80–0x9F.
};

// "utf-8"/"utf8", "latin1"/"iso-8859-1", "cp1252"/"windows-1252" (any
// case); InvalidArgument naming --encoding and the accepted names.
absl::StatusOr<TextEncoding> ParseTextEncoding(absl::string_view name);

// `bytes` as UTF-8. For kUtf8, InvalidArgument at the first byte that is
// not UTF-8, naming its line (from 1) and byte offset (from 0), and the
// encodings to try; for kCp1252, likewise for the five bytes Windows-1252
// leaves undefined.
absl::StatusOr<std::string> ToUtf8(absl::string_view bytes,
                                   TextEncoding encoding);

// The length of the valid UTF-8 sequence at the start of `bytes` (1–4), or
// 0 if it does not start with one (overlong forms, surrogates and code
// points above U+10FFFF are not valid).
int Utf8SequenceLength(absl::string_view bytes);

}  // namespace tilbake::csv

#endif  // TILBAKE_CLIENT_CSV_TEXT_ENCODING_H_
