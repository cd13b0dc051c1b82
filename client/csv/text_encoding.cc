#include "client/csv/text_encoding.h"

#include <array>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tilbake::csv {
namespace {

// Windows-1252's code points for 0x80–0x9F (0: undefined in the code page).
constexpr std::array<char32_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// "line 5, byte 123 (0xF8)": where a reader finds the byte in an editor.
std::string Position(absl::string_view bytes, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (bytes[i] == '\n') ++line;
  }
  return absl::StrFormat("line %d, byte %d (0x%02X)", line, offset,
                         static_cast<uint8_t>(bytes[offset]));
}

}  // namespace

absl::StatusOr<TextEncoding> ParseTextEncoding(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower.empty() || lower == "utf-8" || lower == "utf8") {
    return TextEncoding::kUtf8;
  }
  if (lower == "latin1" || lower == "latin-1" || lower == "iso-8859-1") {
    return TextEncoding::kLatin1;
  }
  if (lower == "cp1252" || lower == "windows-1252") {
    return TextEncoding::kCp1252;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--encoding: \"", name,
                   "\" is not one of utf-8, latin1 (iso-8859-1), cp1252 "
                   "(windows-1252)"));
}

int Utf8SequenceLength(absl::string_view bytes) {
  if (bytes.empty()) return 0;
  const auto b = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  const uint8_t lead = b(0);
  if (lead < 0x80) return 1;
  int length = 0;
  uint32_t min = 0;
  uint32_t c = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, min = 0x80, c = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, min = 0x800, c = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, c = lead & 0x07;
  } else {
    return 0;  // A continuation byte, or 0xF8–0xFF.
  }
  if (bytes.size() < static_cast<size_t>(length)) return 0;
  for (int i = 1; i < length; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (b(i) & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  return length;
}

absl::StatusOr<std::string> ToUtf8(absl::string_view bytes,
                                   TextEncoding encoding) {
  if (encoding == TextEncoding::kUtf8) {
    for (size_t i = 0; i < bytes.size();) {
      const int length = Utf8SequenceLength(bytes.substr(i));
      if (length == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            Position(bytes, i),
            ": the file is not UTF-8; if it was saved as Latin-1 or "
            "Windows-1252 (common for spreadsheets on Windows), give "
            "--encoding=latin1 or --encoding=cp1252, or save it as UTF-8"));
      }
      i += static_cast<size_t>(length);
    }
    return std::string(bytes);
  }
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const uint8_t byte = static_cast<uint8_t>(bytes[i]);
    char32_t c = byte;
    if (encoding == TextEncoding::kCp1252 && byte >= 0x80 && byte <= 0x9F) {
      c = kCp1252High[byte - 0x80];
      if (c == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(Position(bytes, i),
                         ": not a character in Windows-1252; is the file "
                         "in another encoding?"));
      }
    }
    AppendUtf8(c, out);
  }
  return out;
}

}  // namespace tilbake::csv
