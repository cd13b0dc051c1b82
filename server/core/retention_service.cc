#include "server/core/retention_service.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/identifiers.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "server/core/aggregation.h"
#include "server/core/audited_call.h"
#include "server/core/episode_locks.h"
#include "server/core/rating_checks.h"

namespace tilbake::core {
namespace {

using domain::Administration;
using domain::Episode;

// The day `years` calendar years before `today` (29 February: 1 March).
absl::CivilDay YearsBefore(absl::CivilDay today, int years) {
  return absl::CivilDay(today.year() - years, today.month(), today.day());
}

std::string Counts(const RetentionReport& r) {
  return absl::StrCat(r.episodes, " episodes (", r.administrations,
                      " administrations, ", r.revisions, " revisions, ",
                      r.idempotency_keys, " keys)");
}

}  // namespace

RetentionService::RetentionService(EpisodeRecords* records,
                                   RetentionPolicy policy, RunObserver observer)
    : records_(records),
      policy_(std::move(policy)),
      observer_(std::move(observer)) {}

absl::StatusOr<RetentionReport> RetentionService::Run(
    const domain::Actor& actor, absl::string_view tenant_id, bool dry_run) {
  const AuditSubject subject{"Retention", std::string(tenant_id), "", ""};
  absl::StatusOr<RetentionReport> report =
      RunAudited(records_->audit(), actor, subject,
                 [&] { return RunLogged(actor, tenant_id, dry_run); });
  if (!dry_run && observer_) observer_(report);
  return report;
}

absl::StatusOr<RetentionReport> RetentionService::RunLogged(
    const domain::Actor& actor, absl::string_view tenant_id, bool dry_run) {
  if (tenant_id != domain::kSystemTenant) {
    RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
  }
  RetentionReport report;
  report.tenant_id = std::string(tenant_id);
  report.dry_run = dry_run;
  if (auto it = policy_.ended_episode_years.find(report.tenant_id);
      it != policy_.ended_episode_years.end()) {
    report.episodes_ended_before = YearsBefore(records_->Today(), it->second);
    RETURN_IF_ERROR(RetireEpisodes(actor, report));
  }
  if (policy_.audit_years > 0) {
    report.audit_before =
        absl::FromCivil(YearsBefore(records_->Today(), policy_.audit_years),
                        absl::UTCTimeZone());
    RETURN_IF_ERROR(TrimAuditLog(report));
  }
  RETURN_IF_ERROR(records_->audit().Record({records_->audit().Entry(
      actor, "Retention", tenant_id, "", "", absl::OkStatus(),
      absl::StrCat(dry_run ? "dry run: would retire " : "retired ",
                   Counts(report),
                   report.episodes_ended_before.has_value()
                       ? absl::StrCat(" ended before ",
                                      ShowDay(*report.episodes_ended_before))
                       : std::string(" (no episode policy)"),
                   "; ", dry_run ? "would delete " : "deleted ",
                   report.audit_entries, " access-log entries"))}));
  if (!dry_run && (report.episodes > 0 || report.audit_entries > 0)) {
    // Gone from the files too, as for an erasure. If this fails the records
    // are still deleted; the next compaction of those files finishes it.
    const absl::Status compacted = records_->store().CompactTenant(tenant_id);
    if (!compacted.ok()) {
      LogEvent(LogLevel::kError, "retention_compaction_failed",
               {{"error", std::string(compacted.message())}});
    }
  }
  return report;
}

absl::Status RetentionService::RetireEpisodes(const domain::Actor& actor,
                                              RetentionReport& report) {
  storage::Store& store = records_->store();
  const std::string& tenant = report.tenant_id;
  const absl::CivilDay cutoff = *report.episodes_ended_before;
  // Which episodes, from one scan; each is read again under its lock.
  std::vector<std::string> due;
  RETURN_IF_ERROR(store.ScanEpisodesWhere(
      tenant, {}, [&](const Episode& e, const std::vector<Administration>&) {
        if (e.closed() && e.ending->end_date < cutoff) {
          due.push_back(e.episode_id);
        }
        return absl::OkStatus();
      }));
  for (size_t start = 0; start < due.size(); start += kEpisodesPerWrite) {
    const std::vector<std::string> ids(
        due.begin() + static_cast<std::ptrdiff_t>(start),
        due.begin() + static_cast<std::ptrdiff_t>(
                          std::min(due.size(), start + kEpisodesPerWrite)));
    // Read again and deleted under their stripes.
    const EpisodesGuard held(records_->locks(), tenant, ids);
    storage::WriteSet changes;
    changes.aggregates_tenant = tenant;
    RetentionReport batch;
    std::vector<EpisodeAfter> retired;
    std::vector<std::string> clients;
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(std::optional<Episode> episode,
                       store.GetEpisode(tenant, id));
      if (!episode.has_value() || !episode->closed() ||
          !(episode->ending->end_date < cutoff)) {
        continue;  // Erased meanwhile.
      }
      ASSIGN_OR_RETURN(std::vector<Administration> all,
                       store.ListAdministrations(tenant, id));
      ASSIGN_OR_RETURN(std::vector<domain::Revision> trail,
                       store.ListRevisions(tenant, id));
      ++batch.episodes;
      changes.deleted_episodes.push_back({tenant, id});
      retired.push_back({id});
      clients.insert(clients.end(), episode->client_ids.begin(),
                     episode->client_ids.end());
      std::set<std::string> keys;
      for (const Administration& a : all) {
        changes.deleted_administrations.push_back(a.rating);
        keys.insert(a.idempotency_key);
        ++batch.administrations;
      }
      for (const domain::Revision& r : trail) {
        changes.deleted_revisions.push_back(r);
        keys.insert(r.version.idempotency_key);
        keys.insert(r.change_key);
        ++batch.revisions;
      }
      for (const std::string& key : keys) {
        changes.deleted_idempotency.push_back({tenant, key});
      }
      batch.idempotency_keys += static_cast<int64_t>(keys.size());
      // Its figures stay in the cells; the ledger remembers them.
      AddEpisode(*episode, all, records_->catalog(), records_->rule_sets(),
                 changes.retired_aggregates);
    }
    report.episodes += batch.episodes;
    report.administrations += batch.administrations;
    report.revisions += batch.revisions;
    report.idempotency_keys += batch.idempotency_keys;
    if (report.dry_run || batch.episodes == 0) continue;
    // The clients' facts of these episodes go from their rows (a client
    // who comes back later is then new to the distinct counts); what they
    // added to the distinct-client cells stays, in the ledger too.
    const ClientFactsGuard facts_held(records_->locks(), tenant, clients);
    RETURN_IF_ERROR(AddClientFactsChange(store, tenant, clients, retired,
                                         FactsChange::kRetired, facts_held,
                                         changes));
    changes.retired_aggregates =
        NonZeroCells(std::move(changes.retired_aggregates));
    changes.audit.push_back(records_->audit().Entry(
        actor, "Retention", tenant, "", "", absl::OkStatus(),
        absl::StrCat("retired ", Counts(batch), " ended before ",
                     ShowDay(cutoff))));
    RETURN_IF_ERROR(store.Apply(changes));
  }
  return absl::OkStatus();
}

absl::Status RetentionService::TrimAuditLog(RetentionReport& report) {
  storage::Store& store = records_->store();
  if (!report.dry_run) {
    ASSIGN_OR_RETURN(
        report.audit_entries,
        store.DeleteAuditBefore(report.tenant_id, *report.audit_before));
    return absl::OkStatus();
  }
  // Counted a page at a time (bounded: a million pages).
  std::string token;
  for (int pages = 0; pages < 1'000'000; ++pages) {
    ASSIGN_OR_RETURN(domain::AuditPage page,
                     store.ReadAudit({.tenant_id = report.tenant_id,
                                      .to = *report.audit_before,
                                      .page_token = token,
                                      .limit = 1000}));
    report.audit_entries += static_cast<int64_t>(page.entries.size());
    token = page.next_page_token;
    if (token.empty()) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RetentionReport>> RetentionService::RunAll(
    const domain::Actor& actor, bool dry_run) {
  std::set<std::string> tenants;
  for (const auto& [tenant, years] : policy_.ended_episode_years) {
    tenants.insert(tenant);
  }
  if (policy_.audit_years > 0) {
    ASSIGN_OR_RETURN(std::vector<std::string> logged,
                     records_->store().ListAuditTenants());
    tenants.insert(logged.begin(), logged.end());
  }
  std::vector<RetentionReport> reports;
  for (const std::string& tenant : tenants) {
    ASSIGN_OR_RETURN(RetentionReport report, Run(actor, tenant, dry_run));
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace tilbake::core
