// Writes to the RocksDB store: a commit queue that writes concurrent
// WriteSets as one WriteBatch (each still all or nothing), flushes, WAL
// syncs and compaction after an erasure.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "analytics/aggregates.h"
#include "common/status_macros.h"
#include "rocksdb/write_batch.h"
#include "storage/codec.h"
#include "storage/keys.h"
#include "storage/rocksdb_store.h"
#include "storage/sum_merge.h"

namespace tilbake::storage {

absl::Status RocksStore::Apply(const WriteSet& changes) {
  return Write(changes, write_options_.sync);
}

absl::Status RocksStore::ApplyDeferred(const WriteSet& changes) {
  return Write(changes, /*sync=*/false);
}

absl::Status RocksStore::Flush() {
  rocksdb::FlushOptions options;
  options.wait = true;
  return FromRocks(db_->Flush(options, handles_), "flushing memtables");
}

absl::Status RocksStore::SyncWal() {
  if (!write_options_.sync) return absl::OkStatus();
  return FromRocks(db_->SyncWAL(), "syncing the write-ahead log");
}

namespace {

// Enough to share one sync among all the in-flight calls the server
// admits, small enough that one batch stays a few hundred KiB.
constexpr size_t kMaxGroup = 128;

}  // namespace

absl::Status RocksStore::Write(const WriteSet& changes, bool sync) {
  PendingWrite self{.changes = &changes, .sync = sync};
  std::vector<PendingWrite*> group;
  bool group_sync = false;
  {
    absl::MutexLock lock(&commit_mu_);
    commit_queue_.push_back(&self);
    while (!self.done && commit_queue_.front() != &self) {
      self.wake.Wait(&commit_mu_);
    }
    if (self.done) return self.status;  // A leader wrote it.
    for (PendingWrite* w : commit_queue_) {
      if (group.size() == kMaxGroup) break;
      group.push_back(w);
      group_sync = group_sync || w->sync;
    }
  }
  // Leading: the others of the group wait; newcomers queue behind them.
  WriteGroup(group, group_sync);
  absl::MutexLock lock(&commit_mu_);
  for (PendingWrite* w : group) {
    commit_queue_.pop_front();
    w->done = true;
    if (w != &self) w->wake.Signal();
  }
  if (!commit_queue_.empty()) commit_queue_.front()->wake.Signal();
  return self.status;
}

void RocksStore::WriteGroup(const std::vector<PendingWrite*>& group,
                            bool sync) {
  rocksdb::WriteBatch batch;
  std::map<std::string, Sums> reference_sums;
  std::map<std::string, Sums> aggregate_sums;
  std::map<std::string, Sums> retired_sums;
  std::vector<PendingWrite*> batched;
  for (PendingWrite* w : group) {
    const WriteSet& changes = *w->changes;
    batch.SetSavePoint();
    w->status = BatchRecords(changes, batch);
    if (!w->status.ok()) {
      // Take its records out again; the rest of the group still goes.
      batch.RollbackToSavePoint().PermitUncheckedError();
      continue;
    }
    batch.PopSavePoint().PermitUncheckedError();
    for (const ReferenceDelta& d : changes.reference) {
      analytics::AddInto(
          reference_sums[keys::Reference(d.tenant_id, d.instrument_id,
                                         d.cell.intake, d.cell.session)],
          {d.cell.count, d.cell.sum, d.cell.sum_squares});
    }
    for (const auto& [key, sums] : changes.aggregates) {
      analytics::AddInto(
          aggregate_sums[keys::Aggregate(changes.aggregates_tenant, key)],
          sums);
    }
    for (const auto& [key, sums] : changes.retired_aggregates) {
      analytics::AddInto(
          retired_sums[keys::Aggregate(changes.aggregates_tenant, key)], sums);
    }
    batched.push_back(w);
  }
  absl::Status status = absl::OkStatus();
  for (const auto& [key, sums] : reference_sums) {
    if (!status.ok()) break;
    status = FromRocks(batch.Merge(reference(), key, EncodeSums(sums)),
                       "batching reference delta");
  }
  for (const auto& [key, sums] : aggregate_sums) {
    if (!status.ok()) break;
    status = FromRocks(batch.Merge(aggregates(), key, EncodeSums(sums)),
                       "batching aggregate delta");
  }
  for (const auto& [key, sums] : retired_sums) {
    if (!status.ok()) break;
    status = FromRocks(batch.Merge(retired_aggregates(), key, EncodeSums(sums)),
                       "batching retired aggregate");
  }
  if (status.ok() && !batched.empty()) {
    rocksdb::WriteOptions options = write_options_;
    options.sync = sync;
    status = FromRocks(db_->Write(options, &batch), "writing batch");
  }
  for (PendingWrite* w : batched) w->status = status;
}

absl::Status RocksStore::BatchRecords(const WriteSet& changes,
                                      rocksdb::WriteBatch& batch) {
  for (const domain::Episode& e : changes.episodes) {
    RETURN_IF_ERROR(FromRocks(
        batch.Put(episodes(), keys::Episode(e.tenant_id, e.episode_id),
                  codec::EncodeEpisode(e)),
        "batching episode"));
  }
  for (const domain::Administration& a : changes.administrations) {
    RETURN_IF_ERROR(
        FromRocks(batch.Put(administrations(), keys::Administration(a.rating),
                            codec::EncodeAdministration(a)),
                  "batching administration"));
  }
  for (const domain::Revision& r : changes.revisions) {
    RETURN_IF_ERROR(FromRocks(
        batch.Put(revisions(), keys::Revision(r), codec::EncodeRevision(r)),
        "batching revision"));
  }
  for (const IdempotencyEntry& entry : changes.idempotency) {
    RETURN_IF_ERROR(FromRocks(
        batch.Put(idempotency(), keys::Idempotency(entry.tenant_id, entry.key),
                  codec::EncodeIdempotency(
                      {entry.episode_id, entry.administration_id})),
        "batching idempotency key"));
  }
  for (domain::AuditEntry entry : changes.audit) {
    entry.sequence = next_audit_sequence_.fetch_add(1);
    const std::string position =
        keys::AuditPosition(static_cast<uint64_t>(std::max<int64_t>(
                                0, absl::ToUnixMicros(entry.time))),
                            entry.sequence);
    const std::string value = codec::EncodeAudit(entry);
    RETURN_IF_ERROR(FromRocks(
        batch.Put(audit(), keys::AuditPrefix(entry.tenant_id, "") + position,
                  value),
        "batching audit entry"));
    if (!entry.client_id.empty()) {
      RETURN_IF_ERROR(FromRocks(
          batch.Put(
              audit_by_client(),
              keys::AuditPrefix(entry.tenant_id, entry.client_id) + position,
              value),
          "batching audit entry"));
    }
  }
  for (const domain::ErasureRequest& r : changes.erasure_requests) {
    RETURN_IF_ERROR(
        FromRocks(batch.Put(erasure_requests(),
                            keys::ErasureRequest(r.tenant_id, r.request_id),
                            codec::EncodeErasureRequest(r)),
                  "batching erasure request"));
  }
  for (const RecordKey& k : changes.deleted_episodes) {
    RETURN_IF_ERROR(
        FromRocks(batch.Delete(episodes(), keys::Episode(k.tenant_id, k.id)),
                  "batching episode deletion"));
  }
  for (const domain::Rating& r : changes.deleted_administrations) {
    RETURN_IF_ERROR(
        FromRocks(batch.Delete(administrations(), keys::Administration(r)),
                  "batching administration deletion"));
  }
  for (const domain::Revision& r : changes.deleted_revisions) {
    RETURN_IF_ERROR(FromRocks(batch.Delete(revisions(), keys::Revision(r)),
                              "batching revision deletion"));
  }
  for (const RecordKey& k : changes.deleted_idempotency) {
    RETURN_IF_ERROR(FromRocks(
        batch.Delete(idempotency(), keys::Idempotency(k.tenant_id, k.id)),
        "batching idempotency key deletion"));
  }
  for (const ClientFactsRow& row : changes.client_facts) {
    const std::string key = keys::ClientFacts(row.tenant_id, row.client_id);
    RETURN_IF_ERROR(FromRocks(
        row.facts.empty() ? batch.Delete(client_facts(), key)
                          : batch.Put(client_facts(), key,
                                      codec::EncodeClientFacts(row.facts)),
        "batching client facts"));
  }
  return absl::OkStatus();
}

absl::Status RocksStore::CompactErased(const WriteSet& erasure) {
  rocksdb::CompactRangeOptions options;
  // Down to the last level, where deletion markers and what they hide are
  // dropped for good.
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  auto compact = [&](rocksdb::ColumnFamilyHandle* family,
                     const std::string& key) {
    const rocksdb::Slice slice(key);
    return FromRocks(db_->CompactRange(options, family, &slice, &slice),
                     "compacting erased records");
  };
  for (const RecordKey& k : erasure.deleted_episodes) {
    RETURN_IF_ERROR(compact(episodes(), keys::Episode(k.tenant_id, k.id)));
  }
  for (const domain::Rating& r : erasure.deleted_administrations) {
    RETURN_IF_ERROR(compact(administrations(), keys::Administration(r)));
  }
  for (const domain::Revision& r : erasure.deleted_revisions) {
    RETURN_IF_ERROR(compact(revisions(), keys::Revision(r)));
  }
  for (const RecordKey& k : erasure.deleted_idempotency) {
    RETURN_IF_ERROR(
        compact(idempotency(), keys::Idempotency(k.tenant_id, k.id)));
  }
  for (const ClientFactsRow& row : erasure.client_facts) {
    if (!row.facts.empty()) continue;  // Only a deleted row held erased data.
    RETURN_IF_ERROR(compact(client_facts(),
                            keys::ClientFacts(row.tenant_id, row.client_id)));
  }
  return absl::OkStatus();
}

absl::Status RocksStore::CompactTenant(absl::string_view tenant_id) {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForce;
  const std::string start = absl::StrCat(tenant_id, std::string(1, '\0'));
  const std::string end = keys::PrefixUpperBound(start);
  const rocksdb::Slice from(start), to(end);
  for (rocksdb::ColumnFamilyHandle* family :
       {episodes(), administrations(), revisions(), idempotency(), audit(),
        audit_by_client(), client_facts()}) {
    RETURN_IF_ERROR(FromRocks(db_->CompactRange(options, family, &from, &to),
                              "compacting retired records"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RocksStore::DeleteAuditBefore(
    absl::string_view tenant_id, absl::Time before) {
  const std::string prefix = keys::AuditPrefix(tenant_id, "");
  const std::string upper =
      prefix + keys::AuditPosition(static_cast<uint64_t>(std::max<int64_t>(
                                       0, absl::ToUnixMicros(before))),
                                   0);
  rocksdb::WriteBatch batch;
  int64_t deleted = 0;
  RETURN_IF_ERROR(ScanRange(
      audit(), prefix, upper, "reading old access-log entries",
      [&](absl::string_view key,
          absl::string_view value) -> absl::StatusOr<Next> {
        ASSIGN_OR_RETURN(domain::AuditEntry entry, codec::DecodeAudit(value));
        const absl::string_view position = key.substr(prefix.size());
        RETURN_IF_ERROR(FromRocks(batch.Delete(audit(), std::string(key)),
                                  "batching access-log deletion"));
        if (!entry.client_id.empty()) {
          RETURN_IF_ERROR(FromRocks(
              batch.Delete(
                  audit_by_client(),
                  absl::StrCat(keys::AuditPrefix(tenant_id, entry.client_id),
                               position)),
              "batching access-log deletion"));
        }
        ++deleted;
        return Next::kContinue;
      }));
  if (deleted > 0) {
    RETURN_IF_ERROR(
        FromRocks(db_->Write(write_options_, &batch), "deleting old entries"));
  }
  return deleted;
}

absl::Status RocksStore::ReplaceAggregates(
    const std::map<std::string, analytics::Cells>& cells,
    const std::map<std::string, std::map<std::string, analytics::ClientFacts>>&
        facts) {
  rocksdb::WriteBatch batch;
  // Everything in the families: from the empty key to past any tenant.
  for (rocksdb::ColumnFamilyHandle* family : {aggregates(), client_facts()}) {
    RETURN_IF_ERROR(
        FromRocks(batch.DeleteRange(family, rocksdb::Slice(""),
                                    rocksdb::Slice(std::string(1, '\xff'))),
                  "batching aggregate delete"));
  }
  for (const auto& [tenant, clients] : facts) {
    for (const auto& [client, client_facts_of] : clients) {
      if (client_facts_of.empty()) continue;
      RETURN_IF_ERROR(
          FromRocks(batch.Put(client_facts(), keys::ClientFacts(tenant, client),
                              codec::EncodeClientFacts(client_facts_of)),
                    "batching client facts"));
    }
  }
  for (const auto& [tenant, tenant_cells] : cells) {
    for (const auto& [key, sums] : tenant_cells) {
      RETURN_IF_ERROR(
          FromRocks(batch.Put(aggregates(), keys::Aggregate(tenant, key),
                              EncodeSums(sums)),
                    "batching aggregate"));
    }
  }
  RETURN_IF_ERROR(FromRocks(batch.Put(meta(), keys::kAggregatesVersionKey,
                                      std::to_string(kAggregatesVersion)),
                            "batching aggregates version"));
  RETURN_IF_ERROR(
      FromRocks(db_->Write(write_options_, &batch), "replacing aggregates"));
  aggregates_version_ = kAggregatesVersion;
  return absl::OkStatus();
}

}  // namespace tilbake::storage
