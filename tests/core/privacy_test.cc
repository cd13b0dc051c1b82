// The access log of each core call, a client's export, and reviewed erasure
// (with the trend aggregates and trajectory reference checked after it).
#include <atomic>
#include <memory>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/aggregation.h"
#include "server/core/privacy_service.h"
#include "server/core/rating_service.h"
#include "tests/testing/builders.h"
#include "tests/testing/core_test_base.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

domain::Actor Admin(std::string name) {
  return {std::move(name), "admin", "tenant-a", "req-admin", "test"};
}

// An entry as "action client outcome detail" (outcome as the code number).
std::string Line(const domain::AuditEntry& e) {
  return absl::StrCat(e.action, " ", e.episode_id, "/", e.client_id, " ",
                      e.outcome, " ", e.detail);
}

class PrivacyTest : public testing::CoreTestBase {
 protected:
  void SetUp() override {
    CoreTestBase::SetUp();
    if (HasFatalFailure()) return;
    privacy_ = std::make_unique<PrivacyService>(records_.get());
  }

  // An ORS of `client` in session `session` of `episode` (total 27.3 less
  // `lower` tenths on the first item).
  domain::Rating Ors(
      const std::string& episode, const std::string& client, int session,
      int lower = 0,
      domain::EpisodeType type = domain::EpisodeType::kIndividual) {
    domain::Rating r = testing::OrsRating(session);
    r.episode_id = episode;
    r.client_id = client;
    r.episode_type = type;
    r.answers.items[0].value = 51 - lower;
    return r;
  }

  void Submit(const domain::Rating& r) {
    ASSERT_THAT(service_->Submit(testing::TestActor(), r,
                                 absl::StrCat(r.episode_id, "-", r.client_id,
                                              "-", r.session_number)),
                IsOk());
  }

  std::vector<std::string> Log(const std::string& client = "") {
    auto page = store_->ReadAudit(
        {.tenant_id = "tenant-a", .client_id = client, .limit = 1000});
    EXPECT_THAT(page, IsOk());
    std::vector<std::string> lines;
    if (page.ok()) {
      for (const domain::AuditEntry& e : page->entries) {
        lines.push_back(Line(e));
      }
    }
    return lines;
  }

  analytics::Cells NonZeroAggregates() {
    auto cells = store_->ReadAllAggregates("tenant-a");
    EXPECT_THAT(cells, IsOk());
    return cells.ok() ? NonZeroCells(*std::move(cells)) : analytics::Cells{};
  }

  // Σ count of the ORS reference cells at session 0 (episodes counted).
  int64_t ReferenceEpisodes() {
    auto cells = store_->ReadReference("tenant-a", "ors", 0, 10000);
    EXPECT_THAT(cells, IsOk());
    int64_t count = 0;
    for (const scoring::ReferenceCell& c : *cells) {
      if (c.session == 0) count += c.count;
    }
    return count;
  }

  std::unique_ptr<PrivacyService> privacy_;
};

TEST_F(PrivacyTest, EveryCallIsLoggedWithItsOutcome) {
  const domain::Actor actor = testing::TestActor();
  const domain::Rating first = Ors("e-1", "c-1", 1);
  ASSERT_THAT(service_->Submit(actor, first, "k-1"), IsOk());
  ASSERT_THAT(service_->Submit(actor, first, "k-1"), IsOk());  // A retry.
  domain::Rating bad = Ors("e-1", "c-1", 0);
  EXPECT_THAT(service_->Submit(actor, bad, "k-2"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(service_->GetEpisode(actor, "tenant-a", "e-1"), IsOk());
  EXPECT_THAT(service_->GetEpisode(actor, "tenant-a", "e-9"),
              StatusIs(absl::StatusCode::kNotFound));
  const domain::Ending ending{domain::EndingType::kPlanned,
                              absl::CivilDay(2026, 3, 10)};
  ASSERT_THAT(service_->CloseEpisode(actor, "tenant-a", "e-1", ending), IsOk());
  ASSERT_THAT(service_->CloseEpisode(actor, "tenant-a", "e-1", ending), IsOk());
  ASSERT_THAT(service_->SubmitDeferred(actor, Ors("e-2", "c-2", 1), "k-3"),
              IsOk());
  ASSERT_THAT(service_->SyncDeferred(), IsOk());

  // OK = 0, INVALID_ARGUMENT = 3, NOT_FOUND = 5.
  EXPECT_THAT(Log(), ElementsAre("SubmitRating e-1/c-1 0 stored",
                                 "SubmitRating e-1/c-1 0 replayed",
                                 "SubmitRating e-1/c-1 3 rating.session_number",
                                 "GetEpisode e-1/c-1 0 ",
                                 "GetEpisode e-9/ 5 episode_id",
                                 "CloseEpisode e-1/c-1 0 closed",
                                 "CloseEpisode e-1/c-1 0 replayed",
                                 "ImportRatings e-2/c-2 0 stored"));
  // One client's part of the log, as a citizen would ask for it.
  EXPECT_THAT(Log("c-2"), ElementsAre("ImportRatings e-2/c-2 0 stored"));
  auto page = store_->ReadAudit({.tenant_id = "tenant-a", .limit = 1});
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->entries[0].actor, actor);
  EXPECT_EQ(page->entries[0].time, testing::Now());
}

TEST_F(PrivacyTest, AMalformedRequestIsLoggedWithoutItsBadIds) {
  domain::Rating bad = Ors("e-1", "c 1 with spaces", 1);
  bad.tenant_id = "not a tenant";
  EXPECT_THAT(service_->Submit(testing::TestActor(), bad, "k-1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto page = store_->ReadAudit({.tenant_id = domain::kSystemTenant});
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(page->entries, SizeIs(1));
  EXPECT_EQ(Line(page->entries[0]), "SubmitRating e-1/ 3 rating.tenant_id");
}

TEST_F(PrivacyTest, AGroupEpisodeReadIsLoggedForEachMember) {
  Submit(Ors("g-1", "c-1", 1, 0, domain::EpisodeType::kGroup));
  Submit(Ors("g-1", "c-2", 1, 0, domain::EpisodeType::kGroup));
  ASSERT_THAT(service_->GetEpisode(testing::TestActor(), "tenant-a", "g-1"),
              IsOk());
  EXPECT_THAT(Log("c-1"), ElementsAre("SubmitRating g-1/c-1 0 stored",
                                      "GetEpisode g-1/c-1 0 "));
  EXPECT_THAT(Log("c-2"), ElementsAre("SubmitRating g-1/c-2 0 stored",
                                      "GetEpisode g-1/c-2 0 "));
}

TEST_F(PrivacyTest, ExportHoldsOnlyTheClientsOwnPart) {
  Submit(Ors("e-1", "c-1", 1));
  Submit(Ors("e-1", "c-1", 2, 30));
  Submit(Ors("g-1", "c-1", 1, 0, domain::EpisodeType::kGroup));
  Submit(Ors("g-1", "c-2", 1, 0, domain::EpisodeType::kGroup));
  Submit(Ors("e-2", "c-2", 1));
  auto views = privacy_->ExportClient(Admin("anne"), "tenant-a", "c-1");
  ASSERT_THAT(views, IsOk());
  ASSERT_THAT(*views, SizeIs(2));
  EXPECT_EQ((*views)[0].episode.episode_id, "e-1");
  EXPECT_THAT((*views)[0].administrations, SizeIs(2));
  EXPECT_THAT((*views)[0].evaluations, SizeIs(2));
  // Session 2: 27.3 - 3.0 = 24.3.
  EXPECT_EQ((*views)[0].administrations[1].score.total, 243);
  const EpisodeView& group = (*views)[1];
  EXPECT_EQ(group.episode.episode_id, "g-1");
  EXPECT_THAT(group.episode.client_ids, ElementsAre("c-1"));
  ASSERT_THAT(group.administrations, SizeIs(1));
  EXPECT_EQ(group.administrations[0].rating.client_id, "c-1");

  EXPECT_THAT(privacy_->ExportClient(Admin("anne"), "tenant-a", "c-404"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("client_id")));
  EXPECT_THAT(Log("c-1"),
              ::testing::Contains("ExportClient /c-1 0 2 episodes"));
  EXPECT_THAT(Log("c-404"), ElementsAre("ExportClient /c-404 5 client_id"));
}

TEST_F(PrivacyTest, ErasureWaitsForASecondAdmin) {
  Submit(Ors("e-1", "c-1", 1));
  Submit(Ors("e-2", "c-2", 1));
  EXPECT_THAT(
      privacy_->RequestErasure(Admin("anne"), "tenant-a", "c-1", ""),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reason")));
  EXPECT_THAT(
      privacy_->RequestErasure(Admin("anne"), "tenant-a", "c-404", "asked"),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("client_id")));
  auto request =
      privacy_->RequestErasure(Admin("anne"), "tenant-a", "c-1", "asked");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->state, domain::ErasureState::kPending);
  EXPECT_THAT(privacy_->RequestErasure(Admin("bo"), "tenant-a", "c-1", "again"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(request->request_id)));

  // The requester cannot approve; nothing is deleted until someone else does.
  EXPECT_THAT(
      privacy_->DecideErasure(Admin("anne"), "tenant-a", request->request_id,
                              true),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("second admin")));
  EXPECT_THAT(service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1"),
              IsOk());

  auto approved = privacy_->DecideErasure(Admin("bo"), "tenant-a",
                                          request->request_id, true);
  ASSERT_THAT(approved, IsOk());
  EXPECT_EQ(approved->state, domain::ErasureState::kApproved);
  EXPECT_EQ(approved->decided_by, "bo");
  EXPECT_EQ(approved->episodes_erased, 1);
  EXPECT_EQ(approved->administrations_erased, 1);
  EXPECT_THAT(service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kNotFound));
  auto key = store_->GetIdempotency("tenant-a", "e-1-c-1-1");
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(*key, std::nullopt);
  EXPECT_THAT(service_->GetEpisode(testing::TestActor(), "tenant-a", "e-2"),
              IsOk());
  EXPECT_THAT(privacy_->DecideErasure(Admin("cato"), "tenant-a",
                                      request->request_id, true),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already approved by bo")));

  // The request stays as the record; the log keeps who did what to c-1.
  auto requests = privacy_->ListErasureRequests(Admin("cato"), "tenant-a");
  ASSERT_THAT(requests, IsOk());
  ASSERT_THAT(*requests, SizeIs(1));
  EXPECT_EQ((*requests)[0], *approved);
  const std::vector<std::string> log = Log("c-1");
  EXPECT_THAT(log, ::testing::Contains(absl::StrCat("RequestErasure /c-1 0 ",
                                                    request->request_id)));
  EXPECT_THAT(log, ::testing::Contains(
                       "ApproveErasure /c-1 0 erased 1 administrations, 1 "
                       "episodes; 0 group episodes changed"));
}

TEST_F(PrivacyTest, ARejectedRequestDeletesNothing) {
  Submit(Ors("e-1", "c-1", 1));
  auto request =
      privacy_->RequestErasure(Admin("anne"), "tenant-a", "c-1", "asked");
  ASSERT_THAT(request, IsOk());
  auto rejected = privacy_->DecideErasure(Admin("bo"), "tenant-a",
                                          request->request_id, false);
  ASSERT_THAT(rejected, IsOk());
  EXPECT_EQ(rejected->state, domain::ErasureState::kRejected);
  EXPECT_THAT(service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1"),
              IsOk());
  // A new request may follow a decided one.
  EXPECT_THAT(
      privacy_->RequestErasure(Admin("anne"), "tenant-a", "c-1", "asked again"),
      IsOk());
}

TEST_F(PrivacyTest, ErasingAGroupMemberKeepsTheOthersAndEveryFigureExact) {
  const domain::Ending ending{domain::EndingType::kPlanned,
                              absl::CivilDay(2026, 3, 20)};
  // Closed individual episodes of c-1 and c-3, and a closed group of c-1
  // and c-2: all in the trajectory reference.
  Submit(Ors("e-1", "c-1", 1, 40));
  Submit(Ors("e-1", "c-1", 2));
  ASSERT_THAT(
      service_->CloseEpisode(testing::TestActor(), "tenant-a", "e-1", ending),
      IsOk());
  Submit(Ors("e-3", "c-3", 1, 20));
  Submit(Ors("e-3", "c-3", 2));
  ASSERT_THAT(
      service_->CloseEpisode(testing::TestActor(), "tenant-a", "e-3", ending),
      IsOk());
  const auto group = domain::EpisodeType::kGroup;
  Submit(Ors("g-1", "c-1", 1, 30, group));
  Submit(Ors("g-1", "c-2", 1, 10, group));
  Submit(Ors("g-1", "c-1", 2, 0, group));
  Submit(Ors("g-1", "c-2", 2, 0, group));
  ASSERT_THAT(
      service_->CloseEpisode(testing::TestActor(), "tenant-a", "g-1", ending),
      IsOk());
  // Series with an intake: c-1 in e-1, c-3, c-1 and c-2 in g-1.
  ASSERT_EQ(ReferenceEpisodes(), 4);

  auto request =
      privacy_->RequestErasure(Admin("anne"), "tenant-a", "c-1", "asked");
  ASSERT_THAT(request, IsOk());
  auto approved = privacy_->DecideErasure(Admin("bo"), "tenant-a",
                                          request->request_id, true);
  ASSERT_THAT(approved, IsOk());
  EXPECT_EQ(approved->episodes_erased, 1);   // e-1
  EXPECT_EQ(approved->episodes_changed, 1);  // g-1
  EXPECT_EQ(approved->administrations_erased, 4);

  auto left = service_->GetEpisode(testing::TestActor(), "tenant-a", "g-1");
  ASSERT_THAT(left, IsOk());
  EXPECT_THAT(left->episode.client_ids, ElementsAre("c-2"));
  ASSERT_THAT(left->administrations, SizeIs(2));
  for (const domain::Administration& a : left->administrations) {
    EXPECT_EQ(a.rating.client_id, "c-2");
  }
  ASSERT_THAT(left->episode.outcomes, SizeIs(1));
  EXPECT_EQ(left->episode.outcomes[0].outcome.series.substr(0, 4), "c-2/");

  // The aggregates equal a rebuild from what is left, and the reference
  // lost exactly c-1's two series.
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE(NonZeroAggregates() == (*rebuilt)["tenant-a"]);
  EXPECT_EQ(ReferenceEpisodes(), 2);
  EXPECT_THAT(privacy_->ExportClient(Admin("anne"), "tenant-a", "c-1"),
              StatusIs(absl::StatusCode::kNotFound));
}

// Writers keep creating new episodes for the client while the approval
// runs. Whatever the interleaving, the erasure removes everything recorded
// before its decision: every administration that survives was recorded
// after it. The clock ticks a microsecond per reading, so "before" and
// "after" are exact.
TEST_F(PrivacyTest, ErasureRemovesWhatWasRecordedBeforeItWhileWritersRun) {
  std::atomic<int64_t> ticks{0};
  auto clock = [&ticks] {
    return testing::Now() + absl::Microseconds(ticks.fetch_add(1));
  };
  EpisodeRecords records(store_.get(), catalog_.get(), rules_.get(), clock);
  RatingService service(&records);
  PrivacyService privacy(&records);
  ASSERT_THAT(
      service.Submit(testing::TestActor(), Ors("e-first", "c-1", 1), "k-first"),
      IsOk());
  auto request =
      privacy.RequestErasure(Admin("anne"), "tenant-a", "c-1", "asked");
  ASSERT_THAT(request, IsOk());

  constexpr int kWriters = 3;
  constexpr int kPerWriter = 300;  // Bounded whatever the timing.
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::vector<std::vector<absl::Time>> recorded(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter && !stop; ++i) {
        const std::string episode = absl::StrCat("e-w", w, "-", i);
        auto result = service.Submit(testing::TestActor(),
                                     Ors(episode, "c-1", 1), episode);
        ASSERT_THAT(result, IsOk());
        recorded[w].push_back(result->administration.recorded_at);
        ++started;
      }
    });
  }
  // Let the writers get going (bounded), then decide while they write.
  for (int i = 0; i < 100000 && started < 3 * kWriters; ++i) {
    std::this_thread::yield();
  }
  auto approved =
      privacy.DecideErasure(Admin("bo"), "tenant-a", request->request_id, true);
  stop = true;
  for (std::thread& t : writers) t.join();
  ASSERT_THAT(approved, IsOk());

  int64_t before = 1;  // e-first.
  for (const auto& times : recorded) {
    for (absl::Time t : times) before += t < approved->decided_at ? 1 : 0;
  }
  EXPECT_EQ(approved->administrations_erased, before);
  int survivors_before_decision = 0;
  int survivors = 0;
  ASSERT_THAT(store_->ScanClientEpisodes(
                  "tenant-a", "c-1",
                  [&](const domain::Episode&,
                      const std::vector<domain::Administration>& all) {
                    for (const domain::Administration& a : all) {
                      ++survivors;
                      if (a.recorded_at < approved->decided_at) {
                        ++survivors_before_decision;
                      }
                    }
                    return absl::OkStatus();
                  }),
              IsOk());
  EXPECT_EQ(survivors_before_decision, 0);
  EXPECT_EQ(survivors + before,
            1 + static_cast<int64_t>(recorded[0].size() + recorded[1].size() +
                                     recorded[2].size()));
}

TEST_F(PrivacyTest, AuditQueriesAreCheckedAndLogged) {
  Submit(Ors("e-1", "c-1", 1));
  EXPECT_THAT(
      privacy_->QueryAuditLog(Admin("anne"),
                              {.tenant_id = "tenant-a", .limit = 5000}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
  EXPECT_THAT(
      privacy_->QueryAuditLog(Admin("anne"), {.tenant_id = "tenant-a",
                                              .from = absl::FromUnixSeconds(10),
                                              .to = absl::FromUnixSeconds(5)}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("to")));
  auto page = privacy_->QueryAuditLog(
      Admin("anne"), {.tenant_id = "tenant-a", .client_id = "c-1"});
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(page->entries, SizeIs(1));  // Not yet its own entry.
  EXPECT_EQ(Line(page->entries[0]), "SubmitRating e-1/c-1 0 stored");
  EXPECT_THAT(Log("c-1"), ElementsAre("SubmitRating e-1/c-1 0 stored",
                                      "QueryAuditLog /c-1 0 "));
}

}  // namespace
}  // namespace tilbake::core
