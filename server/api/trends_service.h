#ifndef TILBAKE_SERVER_API_TRENDS_SERVICE_H_
#define TILBAKE_SERVER_API_TRENDS_SERVICE_H_

#include "absl/status/statusor.h"
#include "scoring/instrument.h"
#include "server/api/access.h"
#include "server/api/admission.h"
#include "server/core/trends.h"
#include "tilbake/v1/trends.grpc.pb.h"

namespace tilbake::api {

// tilbake.v1.Trends on gRPC's callback API. `trends` and `catalog` must
// outlive it. Thread-safe.
class TrendsService final : public v1::Trends::CallbackService {
 public:
  // `admission` (may be null: no limit) sheds load.
  TrendsService(const core::TrendService* trends,
                const scoring::InstrumentCatalog* catalog,
                const scoring::RuleSetRegistry* rule_sets,
                AdmissionControl* admission = nullptr, Gate gate = {});

  grpc::ServerWriteReactor<v1::TrendRow>* QueryTrends(
      grpc::CallbackServerContext* context,
      const v1::QueryTrendsRequest* request) override;

  grpc::ServerUnaryReactor* GetQualityReport(
      grpc::CallbackServerContext* context,
      const v1::QualityReportRequest* request,
      v1::QualityReport* response) override;

 private:
  const core::TrendService* trends_;
  const scoring::InstrumentCatalog* catalog_;
  const scoring::RuleSetRegistry* rule_sets_;
  AdmissionControl* admission_;
  const Gate gate_;
};

// The quality report without gRPC (used by the handler and tests).
absl::StatusOr<v1::QualityReport> BuildQualityReport(
    const core::TrendService& trends, const scoring::InstrumentCatalog& catalog,
    const scoring::RuleSetRegistry& rule_sets,
    const v1::QualityReportRequest& request);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_TRENDS_SERVICE_H_
