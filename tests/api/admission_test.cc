// Load shedding with fair shares: a tenant or a token fills its own share,
// never the whole server.
#include "server/api/admission.h"

#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::api {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

constexpr AdmissionLimits kLimits = {.max_in_flight = 6,
                                     .max_in_flight_per_tenant = 4,
                                     .max_import_streams = 5,
                                     .max_import_streams_per_tenant = 3,
                                     .max_import_streams_per_principal = 2};

TEST(AdmissionTest, ImportStreamsAreLimitedPerCallerTenantAndServer) {
  AdmissionControl admission(kLimits);
  std::vector<AdmissionControl::Ticket> held;
  auto open = [&](const Caller& caller) -> absl::Status {
    auto ticket = admission.AdmitImportStream(caller);
    if (ticket.ok()) held.push_back(*std::move(ticket));
    return ticket.status();
  };
  const Caller dips{"tenant-a", "dips"};
  const Caller other_a{"tenant-a", "cosdoc"};
  EXPECT_THAT(open(dips), IsOk());
  EXPECT_THAT(open(dips), IsOk());
  EXPECT_THAT(open(dips),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("2 import streams open for dips (per caller) "
                                 "(limit 2)")));
  EXPECT_THAT(open(other_a), IsOk());
  EXPECT_THAT(open(other_a),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("3 import streams open for tenant tenant-a "
                                 "(per tenant) (limit 3)")));
  EXPECT_THAT(open({"tenant-b", "vendor"}), IsOk());
  EXPECT_THAT(open({"tenant-c", "vendor-c"}), IsOk());
  EXPECT_THAT(open({"tenant-d", "vendor-d"}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("5 import streams open (limit 5)")));
  // A closed stream frees its slot in every count it was in.
  held.erase(held.begin());  // One of dips's.
  EXPECT_THAT(open(dips), IsOk());
}

TEST(AdmissionTest, OneTenantsCallsLeaveRoomForOthers) {
  AdmissionControl admission(kLimits);
  std::vector<AdmissionControl::Ticket> held;
  for (int i = 0; i < 4; ++i) {
    auto ticket = admission.AdmitCall({"tenant-a", "dips"});
    ASSERT_THAT(ticket, IsOk());
    held.push_back(*std::move(ticket));
  }
  EXPECT_THAT(admission.AdmitCall({"tenant-a", "kari"}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("4 calls in flight for tenant tenant-a")));
  auto b = admission.AdmitCall({"tenant-b", "berit"});
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->calls_at_admission(), 5);
}

TEST(AdmissionTest, CallerOfUsesTheTokensTenantUnlessItSpansTenants) {
  auth::Principal dips{.name = "dips", .tenant_id = "tenant-a"};
  auth::Principal root{.name = "root", .tenant_id = "*"};
  EXPECT_EQ(CallerOf(dips, "tenant-b").tenant, "tenant-a");
  EXPECT_EQ(CallerOf(root, "tenant-b").tenant, "tenant-b");
  EXPECT_EQ(CallerOf(root, "tenant-b").principal, "root");
  EXPECT_EQ(CallerOf(std::nullopt, "tenant-c").tenant, "tenant-c");
  EXPECT_EQ(CallerOf(std::nullopt, "tenant-c").principal, "(anonymous)");
}

}  // namespace
}  // namespace tilbake::api
