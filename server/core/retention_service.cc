#include "server/core/retention_service.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/identifiers.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "server/core/aggregation.h"
#include "server/core/audited_call.h"
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
                                   RetentionPolicy policy)
    : records_(records), policy_(std::move(policy)) {}

absl::StatusOr<RetentionReport> RetentionService::Run(
    const domain::Actor& actor, absl::string_view tenant_id, bool dry_run) {
  const AuditSubject subject{"Retention", std::string(tenant_id), "", ""};
  return RunAudited(
      records_->audit(), actor, subject,
      [&]() -> absl::StatusOr<RetentionReport> {
        if (tenant_id != domain::kSystemTenant) {
          RETURN_IF_ERROR(CheckIdentifier("tenant_id", tenant_id));
        }
        storage::Store& store = records_->store();
        RetentionReport report;
        report.tenant_id = std::string(tenant_id);
        report.dry_run = dry_run;
        const std::string dry = dry_run ? "dry run: would retire " : "retired ";
        if (auto it = policy_.ended_episode_years.find(report.tenant_id);
            it != policy_.ended_episode_years.end()) {
          const absl::CivilDay cutoff =
              YearsBefore(records_->Today(), it->second);
          report.episodes_ended_before = cutoff;
          // Which episodes, from one scan; each is read again under its
          // lock before it goes.
          std::vector<std::string> due;
          RETURN_IF_ERROR(store.ScanEpisodesWhere(
              tenant_id, {},
              [&](const Episode& e, const std::vector<Administration>&) {
                if (e.closed() && e.ending->end_date < cutoff) {
                  due.push_back(e.episode_id);
                }
                return absl::OkStatus();
              }));
          for (size_t start = 0; start < due.size();
               start += kEpisodesPerWrite) {
            storage::WriteSet changes;
            changes.aggregates_tenant = report.tenant_id;
            RetentionReport batch;
            // Each stripe once, in address order, as the guards take them
            // (episode_locks.h), so no change waits on this crosswise.
            std::set<absl::Mutex*> stripes;
            for (size_t i = start;
                 i < std::min(due.size(), start + kEpisodesPerWrite); ++i) {
              stripes.insert(&records_->locks().ForRecord(tenant_id, due[i]));
            }
            std::deque<absl::MutexLock> held;
            for (absl::Mutex* stripe : stripes) held.emplace_back(stripe);
            for (size_t i = start;
                 i < std::min(due.size(), start + kEpisodesPerWrite); ++i) {
              ASSIGN_OR_RETURN(std::optional<Episode> episode,
                               store.GetEpisode(tenant_id, due[i]));
              if (!episode.has_value() || !episode->closed() ||
                  !(episode->ending->end_date < cutoff)) {
                continue;  // Erased or reopened meanwhile.
              }
              ASSIGN_OR_RETURN(std::vector<Administration> all,
                               store.ListAdministrations(tenant_id, due[i]));
              ASSIGN_OR_RETURN(std::vector<domain::Revision> trail,
                               store.ListRevisions(tenant_id, due[i]));
              ++batch.episodes;
              changes.deleted_episodes.push_back({report.tenant_id, due[i]});
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
                changes.deleted_idempotency.push_back({report.tenant_id, key});
              }
              batch.idempotency_keys += static_cast<int64_t>(keys.size());
              // Its figures stay in the cells; the ledger remembers them.
              AddEpisode(*episode, all, records_->catalog(),
                         records_->rule_sets(), changes.retired_aggregates);
            }
            report.episodes += batch.episodes;
            report.administrations += batch.administrations;
            report.revisions += batch.revisions;
            report.idempotency_keys += batch.idempotency_keys;
            if (dry_run || batch.episodes == 0) continue;
            changes.retired_aggregates =
                NonZeroCells(std::move(changes.retired_aggregates));
            changes.audit.push_back(records_->audit().Entry(
                actor, "Retention", tenant_id, "", "", absl::OkStatus(),
                absl::StrCat("retired ", Counts(batch), " ended before ",
                             ShowDay(cutoff))));
            RETURN_IF_ERROR(store.Apply(changes));
          }
        }
        if (policy_.audit_years > 0) {
          const absl::Time before = absl::FromCivil(
              YearsBefore(records_->Today(), policy_.audit_years),
              absl::UTCTimeZone());
          report.audit_before = before;
          if (dry_run) {
            // Counted a page at a time (bounded: a million pages).
            std::string token;
            for (int pages = 0; pages < 1'000'000; ++pages) {
              ASSIGN_OR_RETURN(
                  domain::AuditPage page,
                  store.ReadAudit({.tenant_id = report.tenant_id,
                                   .to = before,
                                   .page_token = token,
                                   .limit = 1000}));
              report.audit_entries += static_cast<int64_t>(page.entries.size());
              token = page.next_page_token;
              if (token.empty()) break;
            }
          } else {
            ASSIGN_OR_RETURN(report.audit_entries,
                             store.DeleteAuditBefore(tenant_id, before));
          }
        }
        const std::string detail = absl::StrCat(
            dry, Counts(report),
            report.episodes_ended_before.has_value()
                ? absl::StrCat(" ended before ",
                               ShowDay(*report.episodes_ended_before))
                : std::string(" (no episode policy)"),
            "; ", dry_run ? "would delete " : "deleted ", report.audit_entries,
            " access-log entries");
        RETURN_IF_ERROR(records_->audit().Record({records_->audit().Entry(
            actor, "Retention", tenant_id, "", "", absl::OkStatus(), detail)}));
        if (!dry_run && (report.episodes > 0 || report.audit_entries > 0)) {
          // Gone from the files too, as for an erasure. If this fails the
          // records are still deleted; the next compaction finishes it.
          const absl::Status compacted = store.CompactTenant(tenant_id);
          if (!compacted.ok()) {
            LogEvent(LogLevel::kError, "retention_compaction_failed",
                     {{"error", std::string(compacted.message())}});
          }
        }
        return report;
      });
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
