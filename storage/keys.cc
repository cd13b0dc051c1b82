#include "storage/keys.h"

#include "absl/strings/str_cat.h"

namespace tilbake::storage::keys {
namespace {
constexpr char kSep = '\0';
}  // namespace

void AppendBigEndian32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

std::string Episode(absl::string_view tenant, absl::string_view episode) {
  std::string key;
  absl::StrAppend(&key, tenant);
  key.push_back(kSep);
  absl::StrAppend(&key, episode);
  return key;
}

std::string EpisodeAdministrationsPrefix(absl::string_view tenant,
                                         absl::string_view episode) {
  std::string key = Episode(tenant, episode);
  key.push_back(kSep);
  return key;
}

std::string Administration(const domain::Rating& rating) {
  std::string key =
      EpisodeAdministrationsPrefix(rating.tenant_id, rating.episode_id);
  AppendBigEndian32(&key, static_cast<uint32_t>(rating.session_number));
  absl::StrAppend(&key, rating.instrument_id);
  key.push_back(kSep);
  absl::StrAppend(&key, rating.client_id);
  key.push_back(kSep);
  absl::StrAppend(&key, domain::RaterSeries(rating.rater));
  return key;
}

std::string Idempotency(absl::string_view tenant, absl::string_view key) {
  std::string out;
  absl::StrAppend(&out, tenant);
  out.push_back(kSep);
  absl::StrAppend(&out, key);
  return out;
}

std::string ReferencePrefix(absl::string_view tenant,
                            absl::string_view instrument) {
  std::string key = Episode(tenant, instrument);
  key.push_back(kSep);
  return key;
}

std::string Reference(absl::string_view tenant, absl::string_view instrument,
                      int32_t intake, int32_t session) {
  std::string key = ReferencePrefix(tenant, instrument);
  // Intakes and sessions are never negative, so unsigned order is numeric.
  AppendBigEndian32(&key, static_cast<uint32_t>(intake));
  AppendBigEndian32(&key, static_cast<uint32_t>(session));
  return key;
}

namespace {
uint32_t ReadBigEndian32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
}  // namespace

bool DecodeReference(absl::string_view key, size_t prefix_size, int32_t* intake,
                     int32_t* session) {
  if (key.size() != prefix_size + 8) return false;
  *intake = static_cast<int32_t>(ReadBigEndian32(key.data() + prefix_size));
  *session =
      static_cast<int32_t>(ReadBigEndian32(key.data() + prefix_size + 4));
  return true;
}

std::string PrefixUpperBound(absl::string_view prefix) {
  std::string bound(prefix);
  while (!bound.empty()) {
    unsigned char last = static_cast<unsigned char>(bound.back());
    if (last != 0xff) {
      bound.back() = static_cast<char>(last + 1);
      return bound;
    }
    bound.pop_back();
  }
  return bound;
}

}  // namespace tilbake::storage::keys
