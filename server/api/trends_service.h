#ifndef TILBAKE_SERVER_API_TRENDS_SERVICE_H_
#define TILBAKE_SERVER_API_TRENDS_SERVICE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "scoring/instrument.h"
#include "server/api/access.h"
#include "server/api/admission.h"
#include "server/core/trends.h"
#include "tilbake/v1/trends.grpc.pb.h"

namespace tilbake::api {

// Figures from fewer clients than this are left out (core::SuppressSmallCells)
// for every authenticated reader of aggregates; with authentication off
// (development on loopback) nothing is.
struct SmallCells {
  int64_t default_min_clients = 5;
  std::map<std::string, int64_t> per_tenant;  // Tenants that set their own.
  int64_t For(const std::string& tenant) const {
    auto it = per_tenant.find(tenant);
    return it == per_tenant.end() ? default_min_clients : it->second;
  }
};

// tilbake.v1.Trends on gRPC's callback API. `trends` and `catalog` must
// outlive it. Thread-safe.
class TrendsService final : public v1::Trends::CallbackService {
 public:
  // `admission` (may be null: no limit) sheds load.
  TrendsService(const core::TrendService* trends,
                const scoring::InstrumentCatalog* catalog,
                const scoring::RuleSetRegistry* rule_sets,
                AdmissionControl* admission = nullptr, Gate gate = {},
                SmallCells small_cells = {});

  grpc::ServerWriteReactor<v1::TrendRow>* QueryTrends(
      grpc::CallbackServerContext* context,
      const v1::QueryTrendsRequest* request) override;

  grpc::ServerUnaryReactor* GetQualityReport(
      grpc::CallbackServerContext* context,
      const v1::QualityReportRequest* request,
      v1::QualityReport* response) override;

 private:
  int64_t MinClients(const std::optional<auth::Principal>& principal,
                     const std::string& tenant) const;

  const core::TrendService* trends_;
  const scoring::InstrumentCatalog* catalog_;
  const scoring::RuleSetRegistry* rule_sets_;
  AdmissionControl* admission_;
  const Gate gate_;
  const SmallCells small_cells_;
};

// The quality report without gRPC (used by the handler and tests). With
// `min_clients` above 0, figures from fewer clients are left out.
absl::StatusOr<v1::QualityReport> BuildQualityReport(
    const core::TrendService& trends, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets,
    const v1::QualityReportRequest& request, int64_t min_clients = 0);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_TRENDS_SERVICE_H_
