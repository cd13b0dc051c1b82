#ifndef TILBAKE_STORAGE_CODEC_H_
#define TILBAKE_STORAGE_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "analytics/distinct_clients.h"
#include "domain/audit.h"
#include "domain/types.h"

// Encodes domain records as RocksDB values (storage-private protobuf
// messages) and back. Decoding fails with DataLoss on bytes that do not parse.
namespace tilbake::storage::codec {

std::string EncodeEpisode(const domain::Episode& episode);
absl::StatusOr<domain::Episode> DecodeEpisode(absl::string_view bytes);

std::string EncodeAdministration(const domain::Administration& a);
absl::StatusOr<domain::Administration> DecodeAdministration(
    absl::string_view bytes);

std::string EncodeRevision(const domain::Revision& revision);
absl::StatusOr<domain::Revision> DecodeRevision(absl::string_view bytes);

// Where an idempotency key points.
struct IdempotencyTarget {
  std::string episode_id;
  std::string administration_id;
};

std::string EncodeIdempotency(const IdempotencyTarget& target);
absl::StatusOr<IdempotencyTarget> DecodeIdempotency(absl::string_view bytes);

std::string EncodeAudit(const domain::AuditEntry& entry);
absl::StatusOr<domain::AuditEntry> DecodeAudit(absl::string_view bytes);

std::string EncodeClientFacts(const analytics::ClientFacts& facts);
absl::StatusOr<analytics::ClientFacts> DecodeClientFacts(
    absl::string_view bytes);

std::string EncodeErasureRequest(const domain::ErasureRequest& request);
absl::StatusOr<domain::ErasureRequest> DecodeErasureRequest(
    absl::string_view bytes);

}  // namespace tilbake::storage::codec

#endif  // TILBAKE_STORAGE_CODEC_H_
