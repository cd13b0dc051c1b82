#include "server/api/trends_service.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/api/access.h"
#include "server/api/status_mapping.h"
#include "server/api/trends_convert.h"
#include "server/core/quality_report.h"

namespace tilbake::api {
namespace {

// Streams prepared rows, one write at a time.
class RowWriter final : public grpc::ServerWriteReactor<v1::TrendRow> {
 public:
  RowWriter(std::vector<v1::TrendRow> rows, grpc::Status status)
      : rows_(std::move(rows)) {
    if (!status.ok()) {
      Finish(status);
      return;
    }
    Next();
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "stream closed"));
      return;
    }
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (next_ == rows_.size()) {
      Finish(grpc::Status::OK);
      return;
    }
    StartWrite(&rows_[next_++]);
  }
  std::vector<v1::TrendRow> rows_;
  size_t next_ = 0;
};

}  // namespace

TrendsService::TrendsService(const core::TrendService* trends,
                             const scoring::InstrumentCatalog* catalog,
                             const scoring::RuleSetRegistry* rule_sets,
                             AdmissionControl* admission, Gate gate,
                             SmallCells small_cells)
    : trends_(trends),
      catalog_(catalog),
      rule_sets_(rule_sets),
      admission_(admission),
      gate_(gate),
      small_cells_(std::move(small_cells)) {}

int64_t TrendsService::MinClients(
    const std::optional<auth::Principal>& principal,
    const std::string& tenant) const {
  // Aggregates are read by quality leads, admins and integrations, never by
  // the clinician of an episode: every authenticated reader gets them with
  // small cells left out. Without authentication (loopback development)
  // nothing is.
  return principal.has_value() ? small_cells_.For(tenant) : 0;
}

grpc::ServerWriteReactor<v1::TrendRow>* TrendsService::QueryTrends(
    grpc::CallbackServerContext* context,
    const v1::QueryTrendsRequest* request) {
  const bool per_clinician =
      !request->clinician_id().empty() ||
      std::find(request->group_by().begin(), request->group_by().end(),
                v1::TREND_GROUP_BY_CLINICIAN) != request->group_by().end();
  auto principal = CheckAccess(*context, gate_, auth::Rpc::kQueryTrends,
                               {.tenant_id = request->tenant_id(),
                                .org_unit = request->org_unit(),
                                .per_clinician = per_clinician});
  if (!principal.ok()) {
    return new RowWriter({}, ToGrpcStatus(principal.status()));
  }
  absl::StatusOr<std::vector<core::TrendRow>> rows;
  {
    // Held while the rows are computed; streaming them needs no storage.
    absl::StatusOr<AdmissionControl::Ticket> ticket =
        Admit(*context, admission_, CallerOf(*principal, request->tenant_id()));
    absl::StatusOr<core::TrendQuery> query =
        ticket.ok() ? QueryFromProto(*request) : ticket.status();
    rows = query.ok() ? trends_->Query(*query) : query.status();
  }
  if (!rows.ok()) return new RowWriter({}, ToGrpcStatus(rows.status()));
  const std::string rule_set = rule_sets_->ForTenant(request->tenant_id()).name;
  const int64_t min_clients = MinClients(*principal, request->tenant_id());
  std::vector<v1::TrendRow> out;
  out.reserve(rows->size());
  for (core::TrendRow& row : *rows) {
    if (min_clients > 0) core::SuppressSmallCells(row, min_clients);
    out.push_back(ToProto(row, rule_set));
    out.back().set_small_cell_threshold(static_cast<int32_t>(min_clients));
  }
  return new RowWriter(std::move(out), grpc::Status::OK);
}

absl::StatusOr<v1::QualityReport> BuildQualityReport(
    const core::TrendService& trends, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets,
    const v1::QualityReportRequest& request, int64_t min_clients) {
  ASSIGN_OR_RETURN(const absl::CivilDay from,
                   FromProto(request.from(), "from"));
  ASSIGN_OR_RETURN(const absl::CivilDay to, FromProto(request.to(), "to"));
  ASSIGN_OR_RETURN(
      const core::QualityReport report,
      core::BuildQualityReport(trends, catalog, rule_sets, request.tenant_id(),
                               request.org_unit(), from, to, min_clients));
  return ToProto(report);
}

grpc::ServerUnaryReactor* TrendsService::GetQualityReport(
    grpc::CallbackServerContext* context,
    const v1::QualityReportRequest* request, v1::QualityReport* response) {
  absl::StatusOr<v1::QualityReport> report;
  auto principal = CheckAccess(
      *context, gate_, auth::Rpc::kGetQualityReport,
      {.tenant_id = request->tenant_id(), .org_unit = request->org_unit()});
  if (!principal.ok()) {
    report = principal.status();
  } else {
    // Freed before the answer goes out.
    absl::StatusOr<AdmissionControl::Ticket> ticket =
        Admit(*context, admission_, CallerOf(*principal, request->tenant_id()));
    report = ticket.ok() ? BuildQualityReport(
                               *trends_, *catalog_, *rule_sets_, *request,
                               MinClients(*principal, request->tenant_id()))
                         : ticket.status();
  }
  if (report.ok()) *response = *std::move(report);
  return Finish(context, report.status());
}

}  // namespace tilbake::api
