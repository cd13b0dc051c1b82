// Refusals before authentication: counted, summarised once per interval
// into one access-log entry per tenant, bounded however many callers lie.
#include "server/api/refusal_summary.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/testing/builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::tilbake::testing::IsOk;

class RefusalSummaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open({dir_.path()});
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    audit_ = std::make_unique<core::AuditTrail>(store_.get(),
                                                [] { return testing::Now(); });
    summary_ = std::make_unique<RefusalSummary>(
        audit_.get(), nullptr, absl::Minutes(1), [this] { return now_; });
  }

  std::vector<domain::AuditEntry> Log(const std::string& tenant) {
    auto page = store_->ReadAudit({.tenant_id = tenant, .limit = 1000});
    EXPECT_THAT(page, IsOk());
    return page.ok() ? page->entries : std::vector<domain::AuditEntry>();
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<core::AuditTrail> audit_;
  absl::Time now_ = absl::FromUnixSeconds(1'780'000'000);  // 2026-05-28
  std::unique_ptr<RefusalSummary> summary_;
};

TEST_F(RefusalSummaryTest, OneEntryPerTenantOncePerInterval) {
  for (int i = 0; i < 1000; ++i) {
    summary_->Count("tenant-a", i % 4 == 0 ? "GetEpisode" : "SubmitRating",
                    absl::StrCat("ipv4:127.0.0.", i % 3, ":5000"));
  }
  summary_->Count("tenant-b", "QueryTrends", "ipv4:127.0.0.9:1");
  now_ += absl::Seconds(59);
  summary_->FlushIfDue();  // Not yet an interval.
  EXPECT_THAT(Log("tenant-a"), IsEmpty());

  now_ += absl::Seconds(1);
  summary_->FlushIfDue();
  std::vector<domain::AuditEntry> a = Log("tenant-a");
  ASSERT_THAT(a, SizeIs(1));
  EXPECT_EQ(a[0].action, "UnauthenticatedRefusals");
  EXPECT_EQ(a[0].actor.name, "(unauthenticated)");
  EXPECT_EQ(a[0].client_id, "");
  EXPECT_EQ(a[0].outcome, static_cast<int>(absl::StatusCode::kUnauthenticated));
  // 1000 calls, a quarter GetEpisode; 4 peers in the interval (3 + 1).
  EXPECT_EQ(a[0].detail,
            "1000 refused calls 20:26:40–20:27:40Z from 4 peers: "
            "GetEpisode 250, SubmitRating 750");
  std::vector<domain::AuditEntry> b = Log("tenant-b");
  ASSERT_THAT(b, SizeIs(1));
  EXPECT_THAT(b[0].detail, StartsWith("1 refused calls "));

  // Nothing counted: nothing written at the next interval.
  now_ += absl::Minutes(2);
  summary_->FlushIfDue();
  EXPECT_THAT(Log("tenant-a"), SizeIs(1));
}

// Crafted tenant ids, and more tenants than are told apart, land under "*":
// an attacker cannot make the summary grow with the names it sends.
TEST_F(RefusalSummaryTest, CraftedAndExcessTenantsCountUnderTheSystemTenant) {
  summary_->Count("../../etc", "GetEpisode", "p");
  summary_->Count(std::string(5000, 'x') + "/", "GetEpisode", "p");
  for (size_t i = 0; i < RefusalSummary::kMaxTenants + 10; ++i) {
    summary_->Count(absl::StrCat("t-", i), "GetEpisode", "p");
  }
  summary_->Flush();
  std::vector<domain::AuditEntry> system = Log(domain::kSystemTenant);
  ASSERT_THAT(system, SizeIs(1));
  // 2 crafted; "*" then holds one of the 64 places, t-0 … t-62 the rest,
  // and t-63 … t-73 (11) go to "*" too: 13.
  EXPECT_THAT(system[0].detail, StartsWith("13 refused calls "));
  EXPECT_THAT(Log("t-0"), SizeIs(1));
  EXPECT_THAT(Log(absl::StrCat("t-", RefusalSummary::kMaxTenants + 5)),
              IsEmpty());
}

}  // namespace
}  // namespace tilbake::api
