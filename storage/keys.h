#ifndef TILBAKE_STORAGE_KEYS_H_
#define TILBAKE_STORAGE_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "analytics/aggregates.h"
#include "domain/types.h"

// Key layout. Keys sort the way they are read: every key starts with the
// tenant id, components are joined by NUL (identifiers never contain one,
// see common/identifiers.h) and integers are fixed-width big-endian, so byte
// order equals numeric order.
namespace tilbake::storage::keys {

// Column families, one per record kind.
// "default": store metadata (schema version).
inline constexpr char kMetaFamily[] = "default";
// tenant \0 episode -> EpisodeRecord
inline constexpr char kEpisodesFamily[] = "episodes";
// tenant \0 episode \0 be32(session) instrument \0 client \0 series
//   -> AdministrationRecord. One episode is one contiguous range.
inline constexpr char kAdministrationsFamily[] = "administrations";
// tenant \0 idempotency key -> IdempotencyRecord
inline constexpr char kIdempotencyFamily[] = "idempotency";

// tenant \0 instrument \0 be32(intake tenths) be32(session)
//   -> 3 × be64 (count, sum, sum of squares), added by a merge operator.
//   An instrument's cells are one range, ordered by intake, then session.
inline constexpr char kReferenceFamily[] = "trajectory_reference";

// tenant \0 kind gran org_unit \0 be32(bucket) instrument \0 clinician \0
//   age_band intake_class -> be64 sums (see analytics/aggregates.h), added by
//   a merge operator. An org unit's buckets of one kind are one range, so a
//   trend query seeks to the buckets it asks for.
inline constexpr char kAggregatesFamily[] = "aggregates";

// tenant \0 be64(time µs) be64(sequence) -> AuditRecord: a tenant's access
//   log in time order. Written only with Put of a new key (append-only);
//   deleted only by the retention run, past the legal period.
inline constexpr char kAuditFamily[] = "audit";
// tenant \0 client \0 be64(time µs) be64(sequence) -> AuditRecord (a copy):
//   one client's entries as one range, for a citizen's access request.
inline constexpr char kAuditByClientFamily[] = "audit_by_client";
// As `aggregates`: what retired episodes (deleted by the retention policy)
//   had added to the cells, which keep it. The rebuild from raw records adds
//   it back, so it still equals the cells.
inline constexpr char kRetiredAggregatesFamily[] = "retired_aggregates";
// tenant \0 request id -> ErasureRequestRecord
inline constexpr char kErasureRequestsFamily[] = "erasure_requests";
// The Administration key of the version \0 be64(changed at µs) change key
//   -> RevisionRecord: the versions an administration had before a
//   correction or a void, under its episode's prefix (one range per
//   episode, one per administration id, oldest first). The change's
//   idempotency key, unique in the tenant, keeps two changes apart.
inline constexpr char kRevisionsFamily[] = "revisions";
// tenant \0 client -> ClientFactsRecord: what each of a client's episodes
//   adds to the distinct-client cells (analytics/distinct_clients.h), so a
//   change to one episode can take the client's old cells out and put the
//   new ones in. Derived from the raw records: rebuilt with the aggregates,
//   deleted with the client's last episode (erasure, retention).
inline constexpr char kClientFactsFamily[] = "client_facts";

inline constexpr char kSchemaVersionKey[] = "tilbake/schema_version";
// The layout of the aggregate cells ("2": week, month and year cells).
inline constexpr char kAggregatesVersionKey[] = "tilbake/aggregates_version";
// Present while a server has the database open; deleted on a clean close.
inline constexpr char kOpenMarkerKey[] = "tilbake/open";

std::string Episode(absl::string_view tenant, absl::string_view episode);

// The prefix every administration key of one episode starts with.
std::string EpisodeAdministrationsPrefix(absl::string_view tenant,
                                         absl::string_view episode);

std::string Administration(const domain::Rating& rating);

std::string Revision(const domain::Revision& revision);

std::string Idempotency(absl::string_view tenant, absl::string_view key);

std::string ClientFacts(absl::string_view tenant, absl::string_view client);

std::string ReferencePrefix(absl::string_view tenant,
                            absl::string_view instrument);
std::string Reference(absl::string_view tenant, absl::string_view instrument,
                      int32_t intake, int32_t session);
// Decodes (intake, session) from a Reference key with the given prefix size.
bool DecodeReference(absl::string_view key, size_t prefix_size, int32_t* intake,
                     int32_t* session);

std::string Aggregate(absl::string_view tenant, const analytics::CellKey& key);
// The prefix of one kind, granularity and scope of a tenant's aggregates:
// tenant \0 kind granularity scope (unit totals are the cells whose
// clinician_id is empty, so a query reads them without stepping over the
// per-clinician cells).
std::string AggregatePrefix(absl::string_view tenant, analytics::CellKind kind,
                            analytics::Granularity granularity,
                            analytics::CellScope scope);
// The start of `org_unit`'s cells at `bucket` under `prefix`.
std::string AggregateSeek(absl::string_view prefix, absl::string_view org_unit,
                          int32_t bucket);
// Decodes a key (without its tenant prefix, which must be `tenant`).
bool DecodeAggregate(absl::string_view key, absl::string_view tenant,
                     analytics::CellKey* out);

// The prefix of a tenant's access log, or of one client's entries in it
// (`client` non-empty).
std::string AuditPrefix(absl::string_view tenant, absl::string_view client);
// An entry's position in the log: be64(time µs) be64(sequence). Appended to
// AuditPrefix it is the entry's key; alone it is a query's page token.
std::string AuditPosition(uint64_t micros, uint64_t sequence);

std::string ErasureRequest(absl::string_view tenant,
                           absl::string_view request_id);

// The smallest key greater than every key with `prefix` (for
// iterate_upper_bound). `prefix` must not be all 0xff bytes.
std::string PrefixUpperBound(absl::string_view prefix);

void AppendBigEndian32(std::string* out, uint32_t value);
void AppendBigEndian64(std::string* out, uint64_t value);

}  // namespace tilbake::storage::keys

#endif  // TILBAKE_STORAGE_KEYS_H_
