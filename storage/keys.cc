#include "storage/keys.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "analytics/distinct_clients.h"

namespace tilbake::storage::keys {
namespace {
constexpr char kSep = '\0';
}  // namespace

namespace {
uint32_t ReadBigEndian32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
}  // namespace

void AppendBigEndian32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void AppendBigEndian64(std::string* out, uint64_t value) {
  AppendBigEndian32(out, static_cast<uint32_t>(value >> 32));
  AppendBigEndian32(out, static_cast<uint32_t>(value));
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

std::string Revision(const domain::Revision& revision) {
  std::string key = Administration(revision.version.rating);
  key.push_back(kSep);
  AppendBigEndian64(&key, static_cast<uint64_t>(std::max<int64_t>(
                              0, absl::ToUnixMicros(revision.changed_at))));
  absl::StrAppend(&key, revision.change_key);
  return key;
}

std::string ClientFacts(absl::string_view tenant, absl::string_view client) {
  return Idempotency(tenant, client);  // The same layout: tenant \0 id.
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

bool DecodeReference(absl::string_view key, size_t prefix_size, int32_t* intake,
                     int32_t* session) {
  if (key.size() != prefix_size + 8) return false;
  *intake = static_cast<int32_t>(ReadBigEndian32(key.data() + prefix_size));
  *session =
      static_cast<int32_t>(ReadBigEndian32(key.data() + prefix_size + 4));
  return true;
}

std::string AggregatePrefix(absl::string_view tenant, analytics::CellKind kind,
                            analytics::Granularity granularity,
                            analytics::CellScope scope) {
  std::string key(tenant);
  key.push_back(kSep);
  key.push_back(static_cast<char>(kind));
  key.push_back(static_cast<char>(granularity));
  key.push_back(static_cast<char>(scope));
  return key;
}

std::string AggregateSeek(absl::string_view prefix, absl::string_view org_unit,
                          int32_t bucket) {
  std::string key(prefix);
  absl::StrAppend(&key, org_unit);
  key.push_back(kSep);
  // Buckets are never negative (months since year 0, weeks since 1970).
  AppendBigEndian32(&key, static_cast<uint32_t>(bucket));
  return key;
}

namespace {

analytics::CellScope ScopeOf(const analytics::CellKey& k) {
  if (analytics::IsDistinctKind(k.kind)) return analytics::ScopeOfDistinct(k);
  return k.clinician_id.empty() ? analytics::CellScope::kUnitTotal
                                : analytics::CellScope::kClinician;
}

}  // namespace

std::string Aggregate(absl::string_view tenant, const analytics::CellKey& k) {
  const analytics::CellScope scope = ScopeOf(k);
  std::string key =
      AggregateSeek(AggregatePrefix(tenant, k.kind, k.granularity, scope),
                    k.org_unit, k.bucket);
  absl::StrAppend(&key, k.instrument_id);
  key.push_back(kSep);
  absl::StrAppend(&key, k.clinician_id);
  key.push_back(kSep);
  key.push_back(static_cast<char>(k.age_band));
  key.push_back(static_cast<char>(k.intake_class));
  return key;
}

bool DecodeAggregate(absl::string_view key, absl::string_view tenant,
                     analytics::CellKey* out) {
  if (key.size() < tenant.size() + 4 ||
      key.substr(0, tenant.size()) != tenant || key[tenant.size()] != kSep) {
    return false;
  }
  absl::string_view rest = key.substr(tenant.size() + 1);
  out->kind = static_cast<analytics::CellKind>(rest[0]);
  out->granularity = static_cast<analytics::Granularity>(rest[1]);
  const auto scope = static_cast<analytics::CellScope>(rest[2]);
  if (!analytics::IsDistinctKind(out->kind) &&
      scope != analytics::CellScope::kClinician &&
      scope != analytics::CellScope::kUnitTotal) {
    return false;  // Not this layout (a key of layout 2 has no scope byte).
  }
  rest.remove_prefix(3);
  size_t sep = rest.find(kSep);
  if (sep == rest.npos || rest.size() < sep + 5) return false;
  out->org_unit = std::string(rest.substr(0, sep));
  rest.remove_prefix(sep + 1);
  out->bucket = static_cast<int32_t>(ReadBigEndian32(rest.data()));
  rest.remove_prefix(4);
  sep = rest.find(kSep);
  if (sep == rest.npos) return false;
  out->instrument_id = std::string(rest.substr(0, sep));
  rest.remove_prefix(sep + 1);
  sep = rest.find(kSep);
  if (sep == rest.npos || rest.size() != sep + 3) return false;
  out->clinician_id = std::string(rest.substr(0, sep));
  out->age_band = static_cast<scoring::AgeBand>(rest[sep + 1]);
  out->intake_class = static_cast<domain::IntakeClass>(rest[sep + 2]);
  // The scope byte and the key must agree (a unit total has no clinician).
  return ScopeOf(*out) == scope;
}

std::string AuditPrefix(absl::string_view tenant, absl::string_view client) {
  std::string key(tenant);
  key.push_back(kSep);
  if (!client.empty()) {
    absl::StrAppend(&key, client);
    key.push_back(kSep);
  }
  return key;
}

std::string AuditPosition(uint64_t micros, uint64_t sequence) {
  std::string position;
  AppendBigEndian64(&position, micros);
  AppendBigEndian64(&position, sequence);
  return position;
}

std::string ErasureRequest(absl::string_view tenant,
                           absl::string_view request_id) {
  return Episode(tenant, request_id);  // Same shape: tenant \0 id.
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
