// Reads from the RocksDB store: point lookups and prefix scans, each scan
// through ScanRange so that every iterator is bounded and checked.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/rocksdb_store.h"
#include "storage/sum_merge.h"

namespace tilbake::storage {

absl::Status RocksStore::ScanRange(rocksdb::ColumnFamilyHandle* family,
                                   absl::string_view start,
                                   absl::string_view upper,
                                   absl::string_view what,
                                   Visitor visit) const {
  const rocksdb::Slice upper_slice(upper.data(), upper.size());
  rocksdb::ReadOptions read;
  if (!upper.empty()) read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, family));
  for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid();
       it->Next()) {
    ASSIGN_OR_RETURN(
        Next next,
        visit(absl::string_view(it->key().data(), it->key().size()),
              absl::string_view(it->value().data(), it->value().size())));
    if (next == Next::kStop) break;
  }
  return FromRocks(it->status(), what);
}

absl::Status RocksStore::ScanPrefix(rocksdb::ColumnFamilyHandle* family,
                                    absl::string_view prefix,
                                    absl::string_view what,
                                    Visitor visit) const {
  return ScanRange(family, prefix, keys::PrefixUpperBound(prefix), what, visit);
}

absl::StatusOr<std::optional<domain::Episode>> RocksStore::GetEpisode(
    absl::string_view tenant_id, absl::string_view episode_id) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), episodes(),
                               keys::Episode(tenant_id, episode_id), &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "reading episode"));
  ASSIGN_OR_RETURN(domain::Episode episode, codec::DecodeEpisode(value));
  return episode;
}

absl::StatusOr<std::vector<domain::Administration>>
RocksStore::ListAdministrations(absl::string_view tenant_id,
                                absl::string_view episode_id) const {
  std::vector<domain::Administration> out;
  RETURN_IF_ERROR(ScanPrefix(
      administrations(),
      keys::EpisodeAdministrationsPrefix(tenant_id, episode_id),
      "listing administrations",
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<Next> {
        ASSIGN_OR_RETURN(domain::Administration a,
                         codec::DecodeAdministration(value));
        out.push_back(std::move(a));
        return Next::kContinue;
      }));
  return out;
}

absl::StatusOr<std::vector<domain::Revision>> RocksStore::ListRevisions(
    absl::string_view tenant_id, absl::string_view episode_id) const {
  std::vector<domain::Revision> out;
  RETURN_IF_ERROR(ScanPrefix(
      revisions(), keys::EpisodeAdministrationsPrefix(tenant_id, episode_id),
      "listing revisions",
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<Next> {
        ASSIGN_OR_RETURN(domain::Revision r, codec::DecodeRevision(value));
        out.push_back(std::move(r));
        return Next::kContinue;
      }));
  return out;
}

absl::StatusOr<analytics::ClientFacts> RocksStore::GetClientFacts(
    absl::string_view tenant_id, absl::string_view client_id) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), client_facts(),
                               keys::ClientFacts(tenant_id, client_id), &value);
  if (s.IsNotFound()) return analytics::ClientFacts();
  RETURN_IF_ERROR(FromRocks(s, "reading client facts"));
  return codec::DecodeClientFacts(value);
}

absl::StatusOr<std::optional<IdempotencyEntry>> RocksStore::GetIdempotency(
    absl::string_view tenant_id, absl::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), idempotency(),
                               keys::Idempotency(tenant_id, key), &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "reading idempotency key"));
  ASSIGN_OR_RETURN(codec::IdempotencyTarget target,
                   codec::DecodeIdempotency(value));
  return IdempotencyEntry{std::string(tenant_id), std::string(key),
                          std::move(target.episode_id),
                          std::move(target.administration_id)};
}

absl::StatusOr<std::vector<scoring::ReferenceCell>> RocksStore::ReadReference(
    absl::string_view tenant_id, absl::string_view instrument_id,
    scoring::Tenths intake_from, scoring::Tenths intake_to) const {
  const std::string prefix = keys::ReferencePrefix(tenant_id, instrument_id);
  std::vector<scoring::ReferenceCell> out;
  RETURN_IF_ERROR(ScanRange(
      reference(),
      keys::Reference(tenant_id, instrument_id, std::max(0, intake_from), 0),
      // Up to and including every session of intake_to.
      keys::Reference(tenant_id, instrument_id, std::max(0, intake_to) + 1, 0),
      "reading trajectory reference",
      [&](absl::string_view key,
          absl::string_view value) -> absl::StatusOr<Next> {
        scoring::ReferenceCell cell;
        std::optional<Sums> sums = DecodeSums(value);
        if (!sums.has_value() ||
            !keys::DecodeReference(key, prefix.size(), &cell.intake,
                                   &cell.session)) {
          return absl::DataLossError("unreadable trajectory reference cell");
        }
        cell.count = (*sums)[0];
        cell.sum = (*sums)[1];
        cell.sum_squares = (*sums)[2];
        out.push_back(cell);
        return Next::kContinue;
      }));
  return out;
}

// Not a plain prefix scan: it jumps between org units and buckets with
// Seek, so it keeps its own iterator (and checks it the same way).
absl::StatusOr<std::vector<std::pair<analytics::CellKey, analytics::Sums>>>
RocksStore::ReadAggregates(absl::string_view tenant_id,
                           analytics::CellKind kind,
                           analytics::Granularity granularity,
                           analytics::CellScope scope,
                           absl::string_view org_unit, int32_t from, int32_t to,
                           const OrgUnitFilter& wanted) const {
  const std::string prefix =
      keys::AggregatePrefix(tenant_id, kind, granularity, scope);
  const std::string upper = keys::PrefixUpperBound(prefix);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, aggregates()));
  std::vector<std::pair<analytics::CellKey, analytics::Sums>> out;
  // Walk org units: for each, seek to its first wanted bucket, read to the
  // last, then jump past its range.
  std::string seek = prefix + std::string(org_unit);
  it->Seek(seek);
  // The last org unit `wanted` was asked about, and its answer.
  std::optional<std::string> judged_org;
  bool judged_wanted = true;
  while (it->Valid()) {
    analytics::CellKey key;
    const absl::string_view raw(it->key().data(), it->key().size());
    if (!keys::DecodeAggregate(raw, tenant_id, &key)) {
      return absl::DataLossError("unreadable aggregate key");
    }
    if (!absl::StartsWith(key.org_unit, org_unit)) {
      break;  // Past every org unit that starts with the prefix.
    }
    // `org_unit` itself or below it: "a/b" is below "a", "ab" is not.
    const bool inside = org_unit.empty() ||
                        key.org_unit.size() == org_unit.size() ||
                        key.org_unit[org_unit.size()] == '/';
    if (wanted && (!judged_org.has_value() || key.org_unit != *judged_org)) {
      judged_org = key.org_unit;
      judged_wanted = wanted(key.org_unit);
    }
    if (!inside || key.bucket > to || (wanted && !judged_wanted)) {
      // Next org unit: every key of this one sorts below org_unit + "\x01".
      it->Seek(prefix + key.org_unit + std::string(1, '\x01'));
      continue;
    }
    if (key.bucket < from) {
      it->Seek(keys::AggregateSeek(prefix, key.org_unit, from));
      continue;
    }
    std::optional<Sums> sums =
        DecodeSums(absl::string_view(it->value().data(), it->value().size()));
    if (!sums.has_value()) return absl::DataLossError("unreadable aggregate");
    out.emplace_back(std::move(key), *std::move(sums));
    it->Next();
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading aggregates"));
  return out;
}

absl::StatusOr<analytics::Cells> RocksStore::ReadAllAggregates(
    absl::string_view tenant_id) const {
  std::string prefix(tenant_id);
  prefix.push_back('\0');
  analytics::Cells out;
  RETURN_IF_ERROR(
      ScanPrefix(aggregates(), prefix, "reading aggregates",
                 [&](absl::string_view key,
                     absl::string_view value) -> absl::StatusOr<Next> {
                   analytics::CellKey cell;
                   std::optional<Sums> sums = DecodeSums(value);
                   if (!keys::DecodeAggregate(key, tenant_id, &cell) ||
                       !sums.has_value()) {
                     return absl::DataLossError("unreadable aggregate");
                   }
                   out[cell] = *std::move(sums);
                   return Next::kContinue;
                 }));
  return out;
}

absl::StatusOr<std::vector<std::string>> RocksStore::ListAuditTenants() const {
  std::vector<std::string> tenants;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), audit()));
  // Each tenant's entries are one range: read its first key, then seek past.
  for (it->Seek(""); it->Valid();) {
    const absl::string_view key(it->key().data(), it->key().size());
    tenants.emplace_back(key.substr(0, key.find('\0')));
    it->Seek(keys::PrefixUpperBound(keys::AuditPrefix(tenants.back(), "")));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "listing access-log tenants"));
  return tenants;
}

absl::StatusOr<std::map<std::string, analytics::Cells>>
RocksStore::ReadRetiredAggregates() const {
  std::map<std::string, analytics::Cells> out;
  RETURN_IF_ERROR(ScanPrefix(
      retired_aggregates(), "", "reading retired aggregates",
      [&](absl::string_view key,
          absl::string_view value) -> absl::StatusOr<Next> {
        const absl::string_view tenant = key.substr(0, key.find('\0'));
        analytics::CellKey cell;
        std::optional<Sums> sums = DecodeSums(value);
        if (!keys::DecodeAggregate(key, tenant, &cell) || !sums.has_value()) {
          return absl::DataLossError("unreadable retired aggregate");
        }
        out[std::string(tenant)][cell] = *std::move(sums);
        return Next::kContinue;
      }));
  return out;
}

absl::Status RocksStore::ScanEpisodes(
    absl::string_view tenant_id,
    const std::function<absl::Status(
        const domain::Episode&, const std::vector<domain::Administration>&)>&
        visit) const {
  // Every tenant's episodes when tenant_id is empty.
  const std::string prefix =
      tenant_id.empty() ? "" : keys::Episode(tenant_id, "");  // tenant \0
  return ScanPrefix(
      episodes(), prefix, "scanning episodes",
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<Next> {
        ASSIGN_OR_RETURN(domain::Episode episode, codec::DecodeEpisode(value));
        ASSIGN_OR_RETURN(
            std::vector<domain::Administration> administrations,
            ListAdministrations(episode.tenant_id, episode.episode_id));
        RETURN_IF_ERROR(visit(episode, administrations));
        return Next::kContinue;
      });
}

absl::Status RocksStore::ScanEpisodesWhere(
    absl::string_view tenant_id, const EpisodeFilter& filter,
    const std::function<absl::Status(
        const domain::Episode&, const std::vector<domain::Administration>&)>&
        visit) const {
  auto matches = [&filter](const domain::Episode& e) {
    if (!filter.client_id.empty() &&
        std::find(e.client_ids.begin(), e.client_ids.end(), filter.client_id) ==
            e.client_ids.end()) {
      return false;
    }
    if (!filter.clinician_id.empty() && e.clinician_id != filter.clinician_id)
      return false;
    return !(filter.open_only && e.closed());
  };
  return ScanPrefix(
      episodes(), keys::Episode(tenant_id, ""), "scanning episodes",
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<Next> {
        ASSIGN_OR_RETURN(domain::Episode episode, codec::DecodeEpisode(value));
        // No index: only the matching episodes are read further.
        if (!matches(episode)) return Next::kContinue;
        ASSIGN_OR_RETURN(
            std::vector<domain::Administration> administrations,
            ListAdministrations(episode.tenant_id, episode.episode_id));
        RETURN_IF_ERROR(visit(episode, administrations));
        return Next::kContinue;
      });
}

absl::Status RocksStore::ScanIdempotency(
    absl::string_view tenant_id,
    const std::function<absl::Status(const IdempotencyEntry&)>& visit) const {
  const std::string prefix = keys::Idempotency(tenant_id, "");
  return ScanPrefix(
      idempotency(), prefix, "scanning idempotency keys",
      [&](absl::string_view key,
          absl::string_view value) -> absl::StatusOr<Next> {
        ASSIGN_OR_RETURN(codec::IdempotencyTarget target,
                         codec::DecodeIdempotency(value));
        RETURN_IF_ERROR(visit({std::string(tenant_id),
                               std::string(key.substr(prefix.size())),
                               std::move(target.episode_id),
                               std::move(target.administration_id)}));
        return Next::kContinue;
      });
}

absl::StatusOr<domain::AuditPage> RocksStore::ReadAudit(
    const domain::AuditQuery& query) const {
  constexpr size_t kPositionSize = 16;
  const std::string prefix =
      keys::AuditPrefix(query.tenant_id, query.client_id);
  auto micros = [](absl::Time t) {
    if (t <= absl::UnixEpoch()) return uint64_t{0};
    if (t == absl::InfiniteFuture()) return ~uint64_t{0};
    return static_cast<uint64_t>(absl::ToUnixMicros(t));
  };
  std::string start = prefix + keys::AuditPosition(micros(query.from), 0);
  if (!query.page_token.empty()) {
    std::string position;
    if (!absl::WebSafeBase64Unescape(query.page_token, &position) ||
        position.size() != kPositionSize) {
      return absl::InvalidArgumentError(
          "page_token: not a token from an earlier page of this query");
    }
    // Just after the last entry of the previous page.
    start = std::max(start, prefix + position + std::string(1, '\0'));
  }
  domain::AuditPage page;
  std::string last_position;  // Of the last entry on the page.
  RETURN_IF_ERROR(ScanRange(
      query.client_id.empty() ? audit() : audit_by_client(), start,
      prefix + keys::AuditPosition(micros(query.to), 0),
      "reading the access log",
      [&](absl::string_view key,
          absl::string_view value) -> absl::StatusOr<Next> {
        if (key.size() != prefix.size() + kPositionSize) {
          return absl::DataLossError("unreadable audit key");
        }
        if (page.entries.size() >= static_cast<size_t>(query.limit)) {
          // More follow: the next page starts after the last one shown.
          page.next_page_token = absl::WebSafeBase64Escape(last_position);
          return Next::kStop;
        }
        ASSIGN_OR_RETURN(domain::AuditEntry entry, codec::DecodeAudit(value));
        page.entries.push_back(std::move(entry));
        last_position = std::string(key.substr(prefix.size()));
        return Next::kContinue;
      }));
  return page;
}

absl::StatusOr<std::optional<domain::ErasureRequest>>
RocksStore::GetErasureRequest(absl::string_view tenant_id,
                              absl::string_view request_id) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), erasure_requests(),
               keys::ErasureRequest(tenant_id, request_id), &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(FromRocks(s, "reading erasure request"));
  ASSIGN_OR_RETURN(domain::ErasureRequest request,
                   codec::DecodeErasureRequest(value));
  return request;
}

absl::StatusOr<std::vector<domain::ErasureRequest>>
RocksStore::ListErasureRequests(absl::string_view tenant_id) const {
  std::vector<domain::ErasureRequest> out;
  RETURN_IF_ERROR(ScanPrefix(
      erasure_requests(), keys::ErasureRequest(tenant_id, ""),
      "reading erasure requests",
      [&](absl::string_view, absl::string_view value) -> absl::StatusOr<Next> {
        ASSIGN_OR_RETURN(domain::ErasureRequest request,
                         codec::DecodeErasureRequest(value));
        out.push_back(std::move(request));
        return Next::kContinue;
      }));
  return out;
}

}  // namespace tilbake::storage
