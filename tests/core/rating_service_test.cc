#include "server/core/rating_service.h"

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/aggregation.h"
#include "tests/testing/builders.h"
#include "tests/testing/core_test_base.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::OrsRating;
using ::tilbake::testing::StatusIs;
using ::tilbake::testing::TempDir;

class RatingServiceTest : public testing::CoreTestBase {
 protected:
  absl::StatusOr<SubmitResult> Submit(const domain::Rating& r,
                                      const std::string& key) {
    return service_->Submit(testing::TestActor(), r, key);
  }

  // The episode as stored; a failed read fails the test (and yields empty).
  EpisodeView View(const std::string& episode_id = "e-1") {
    auto view =
        service_->GetEpisode(testing::TestActor(), "tenant-a", episode_id);
    EXPECT_THAT(view, IsOk());
    return view.ok() ? *std::move(view) : EpisodeView{};
  }
};

TEST_F(RatingServiceTest, StoresAndScoresASubmission) {
  auto result = Submit(OrsRating(), "k1");
  ASSERT_THAT(result, IsOk());
  EXPECT_FALSE(result->replayed);
  EXPECT_EQ(result->administration.score.total, 273);  // 5.1+6.0+7.3+8.9
  EXPECT_EQ(result->administration.rating.instrument_version, "1");
  EXPECT_EQ(result->administration.recorded_at, testing::Now());
  EXPECT_EQ(result->administration.rating.answers.items[0].key, "individual");

  auto view = service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1");
  ASSERT_THAT(view, IsOk());
  EXPECT_THAT(view->episode.client_ids, ElementsAre("c-17"));
  EXPECT_EQ(view->episode.org_unit, "psykisk-helse/team-nord");
  ASSERT_THAT(view->administrations, SizeIs(1));
  EXPECT_EQ(view->administrations[0].score.total, 273);
}

TEST_F(RatingServiceTest, RetryWithTheSameKeyReturnsTheStoredRecord) {
  ASSERT_THAT(Submit(OrsRating(), "k1"), IsOk());
  auto retry = Submit(OrsRating(), "k1");
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->administration.score.total, 273);
  EXPECT_THAT(View().administrations, SizeIs(1));
}

TEST_F(RatingServiceTest, TheSameKeyWithOtherContentIsAlreadyExists) {
  ASSERT_THAT(Submit(OrsRating(), "k1"), IsOk());
  domain::Rating changed = OrsRating();
  changed.answers.items[0].value = 52;
  EXPECT_THAT(Submit(changed, "k1"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("idempotency_key: already used")));
  // Same content but another session: also a different rating.
  EXPECT_THAT(Submit(OrsRating(2), "k1"),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(RatingServiceTest, ASecondFormForTheSameSlotIsAlreadyExists) {
  ASSERT_THAT(Submit(OrsRating(), "k1"), IsOk());
  EXPECT_THAT(Submit(OrsRating(), "k2"),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("session 1 already has ors")));
}

TEST_F(RatingServiceTest, CollateralRatersAreTheirOwnSeries) {
  ASSERT_THAT(Submit(OrsRating(), "k1"), IsOk());
  domain::Rating mother = OrsRating();
  mother.rater = {domain::RaterKind::kCollateral,
                  domain::RaterRelation::kParent, "mor"};
  domain::Rating father = mother;
  father.rater.rater_id = "far";
  ASSERT_THAT(Submit(mother, "k2"), IsOk());
  ASSERT_THAT(Submit(father, "k3"), IsOk());
  std::vector<std::string> ids;
  for (const auto& a : View().administrations) {
    ids.push_back(domain::AdministrationId(a.rating));
  }
  EXPECT_THAT(ids, UnorderedElementsAreArray(
                       {"1/ors/c-17/client", "1/ors/c-17/collateral.parent.mor",
                        "1/ors/c-17/collateral.parent.far"}));
}

// Client c's collateral parent "r/client" and client "c/collateral.parent.r"
// would both be "1/ors/c/collateral.parent.r/client": a rater id with '/'
// is refused, so the two can never share an administration id.
TEST_F(RatingServiceTest, AdministrationIdsAreUnambiguous) {
  domain::Rating parent = OrsRating();
  parent.episode_id = "g-1";
  parent.episode_type = domain::EpisodeType::kGroup;
  parent.client_id = "c";
  parent.rater = {domain::RaterKind::kCollateral,
                  domain::RaterRelation::kParent, "r/client"};
  EXPECT_THAT(Submit(parent, "k1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rating.rater.rater_id: must not contain")));
  parent.rater.rater_id = "r";
  domain::Rating lookalike = parent;
  lookalike.client_id = "c/collateral.parent.r";
  lookalike.rater = {};
  ASSERT_THAT(Submit(parent, "k2"), IsOk());
  ASSERT_THAT(Submit(lookalike, "k3"), IsOk());
  EXPECT_NE(domain::AdministrationId(parent),
            domain::AdministrationId(lookalike));
  EXPECT_THAT(View("g-1").administrations, SizeIs(2));
}

TEST_F(RatingServiceTest, IndividualEpisodesHaveOneClientCouplesTwo) {
  ASSERT_THAT(Submit(OrsRating(), "k1"), IsOk());
  domain::Rating other = OrsRating();
  other.client_id = "c-99";
  EXPECT_THAT(Submit(other, "k2"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("rating.client_id: individual episode")));

  domain::Rating a = OrsRating();
  a.episode_id = "couple-1";
  a.episode_type = domain::EpisodeType::kCouple;
  domain::Rating b = a;
  b.client_id = "c-99";
  ASSERT_THAT(Submit(a, "k3"), IsOk());
  ASSERT_THAT(Submit(b, "k4"), IsOk());
  EXPECT_THAT(View("couple-1").episode.client_ids, ElementsAre("c-17", "c-99"));
  domain::Rating wrong_type = a;
  wrong_type.episode_type = domain::EpisodeType::kFamily;
  wrong_type.session_number = 2;
  wrong_type.session_date += 7;
  EXPECT_THAT(Submit(wrong_type, "k5"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("rating.episode_type")));
}

TEST_F(RatingServiceTest, SessionNumbersAndDatesRunTogether) {
  ASSERT_THAT(Submit(OrsRating(2), "k2"), IsOk());  // 2026-03-09
  domain::Rating later_first = OrsRating(1);
  later_first.session_date = absl::CivilDay(2026, 3, 10);
  EXPECT_THAT(Submit(later_first, "k1"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("does not fit session 2 dated 2026-03-09")));
  domain::Rating srs_other_day = OrsRating(2);
  srs_other_day.instrument_id = "srs";
  srs_other_day.session_date = absl::CivilDay(2026, 3, 8);
  EXPECT_THAT(Submit(srs_other_day, "k3"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // Out-of-order arrival with consistent dates is fine.
  EXPECT_THAT(Submit(OrsRating(1), "k1"), IsOk());
}

TEST_F(RatingServiceTest, FieldsAreCheckedAndNamed) {
  struct Row {
    std::string name;
    std::function<void(domain::Rating&)> change;
    absl::StatusCode code;
    std::string field;
  };
  const std::vector<Row> rows = {
      {"TenantWithSpace", [](auto& r) { r.tenant_id = "a b"; },
       absl::StatusCode::kInvalidArgument, "rating.tenant_id"},
      {"EmptyClient", [](auto& r) { r.client_id = ""; },
       absl::StatusCode::kInvalidArgument, "rating.client_id: is required"},
      {"UpperCaseOrgUnit", [](auto& r) { r.org_unit = "Psykisk-Helse"; },
       absl::StatusCode::kInvalidArgument, "rating.org_unit"},
      {"EmptyOrgUnitLevel", [](auto& r) { r.org_unit = "a//b"; },
       absl::StatusCode::kInvalidArgument, "rating.org_unit"},
      {"SessionZero", [](auto& r) { r.session_number = 0; },
       absl::StatusCode::kInvalidArgument, "rating.session_number"},
      {"DayAfterTomorrow",
       [](auto& r) { r.session_date = testing::Today() + 2; },
       absl::StatusCode::kInvalidArgument, "rating.session_date"},
      {"CollateralWithoutRelation",
       [](auto& r) { r.rater.kind = domain::RaterKind::kCollateral; },
       absl::StatusCode::kInvalidArgument, "rating.rater.relation"},
      {"ClientWithRelation",
       [](auto& r) { r.rater.relation = domain::RaterRelation::kParent; },
       absl::StatusCode::kInvalidArgument, "rating.rater"},
      {"AgeTooHigh", [](auto& r) { r.client_age_years = 131; },
       absl::StatusCode::kInvalidArgument, "rating.client_age_years"},
      {"UnknownInstrument", [](auto& r) { r.instrument_id = "orz"; },
       absl::StatusCode::kInvalidArgument, "rating.instrument_id"},
      {"UnknownVersion", [](auto& r) { r.instrument_version = "7"; },
       absl::StatusCode::kFailedPrecondition, "rating.instrument_version"},
      {"ItemOutOfRange", [](auto& r) { r.answers.items[2].value = 101; },
       absl::StatusCode::kInvalidArgument, "rating.items[2] (social)"},
  };
  for (const Row& row : rows) {
    domain::Rating rating = OrsRating();
    row.change(rating);
    EXPECT_THAT(Submit(rating, "k-" + row.name),
                StatusIs(row.code, HasSubstr(row.field)))
        << row.name;
  }
  EXPECT_THAT(Submit(OrsRating(), "bad key"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("idempotency_key")));
  // Tomorrow is still accepted: the caller's calendar may be ahead of UTC.
  domain::Rating tomorrow = OrsRating();
  tomorrow.session_date = testing::Today() + 1;
  EXPECT_THAT(Submit(tomorrow, "k-tomorrow"), IsOk());
}

TEST_F(RatingServiceTest, ARejectedSubmissionLeavesNothingBehind) {
  domain::Rating bad = OrsRating();
  bad.answers.items[3].value = std::nullopt;  // 3 of 4 answered.
  EXPECT_THAT(Submit(bad, "k1"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1"),
              StatusIs(absl::StatusCode::kNotFound));
  // The key is still free for the corrected form.
  auto good = Submit(OrsRating(), "k1");
  ASSERT_THAT(good, IsOk());
  EXPECT_FALSE(good->replayed);
}

TEST_F(RatingServiceTest, AgeBandComesFromAgeUnlessGiven) {
  domain::Rating teen = OrsRating();
  teen.client_age_years = 15;
  auto stored = Submit(teen, "k1");
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->administration.rating.age_band,
            scoring::AgeBand::kAdolescent);
  domain::Rating explicit_band = OrsRating(2);
  explicit_band.client_age_years = 15;
  explicit_band.age_band = scoring::AgeBand::kAdult;
  stored = Submit(explicit_band, "k2");
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->administration.rating.age_band, scoring::AgeBand::kAdult);
}

TEST_F(RatingServiceTest, ClosingAnEpisode) {
  ASSERT_THAT(Submit(OrsRating(3), "k3"), IsOk());  // 2026-03-16
  const domain::Ending planned{domain::EndingType::kPlanned,
                               absl::CivilDay(2026, 3, 20)};
  EXPECT_THAT(
      service_->CloseEpisode(testing::TestActor(), "tenant-a", "nope", planned),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(service_->CloseEpisode(
                  testing::TestActor(), "tenant-a", "e-1",
                  {domain::EndingType::kPlanned, absl::CivilDay(2026, 3, 15)}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("before the last session, 2026-03-16")));
  auto closed =
      service_->CloseEpisode(testing::TestActor(), "tenant-a", "e-1", planned);
  ASSERT_THAT(closed, IsOk());
  EXPECT_TRUE(closed->episode.closed());
  // Repeating the same ending is a no-op; another ending is refused.
  EXPECT_THAT(
      service_->CloseEpisode(testing::TestActor(), "tenant-a", "e-1", planned),
      IsOk());
  EXPECT_THAT(service_->CloseEpisode(testing::TestActor(), "tenant-a", "e-1",
                                     {domain::EndingType::kUnilateral,
                                      absl::CivilDay(2026, 3, 20)}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already closed")));
  EXPECT_THAT(Submit(OrsRating(4), "k4"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("was closed on 2026-03-20")));
  // A retry of a rating stored before the close still replays.
  auto retry = Submit(OrsRating(3), "k3");
  ASSERT_THAT(retry, IsOk());
  EXPECT_TRUE(retry->replayed);
}

TEST_F(RatingServiceTest, TenantsDoNotSeeEachOther) {
  ASSERT_THAT(Submit(OrsRating(), "k1"), IsOk());
  EXPECT_THAT(service_->GetEpisode(testing::TestActor(), "tenant-b", "e-1"),
              StatusIs(absl::StatusCode::kNotFound));
  // The same key in another tenant is another key.
  domain::Rating other = OrsRating();
  other.tenant_id = "tenant-b";
  auto result = Submit(other, "k1");
  ASSERT_THAT(result, IsOk());
  EXPECT_FALSE(result->replayed);
}

// An ORS in session `session` of episode `id` whose four items sum to
// `total` (spread evenly, the remainder on the first item).
domain::Rating OrsWithTotal(const std::string& id, int session,
                            scoring::Tenths total) {
  domain::Rating r = OrsRating(session);
  r.episode_id = id;
  const scoring::Tenths each = total / 4;
  r.answers.items = {{"", total - 3 * each, {}},
                     {"", each, {}},
                     {"", each, {}},
                     {"", each, {}}};
  return r;
}

// Closes episode `id` of the test tenant: ORS intake 20.0 at session 1 and
// `second` at session 2 (a week later), ending planned on 2026-03-20.
void CloseReferenceEpisode(RatingService& service, const std::string& id,
                           scoring::Tenths second) {
  const domain::Rating intake = OrsWithTotal(id, 1, 200);
  const domain::Rating later = OrsWithTotal(id, 2, second);
  ASSERT_THAT(service.Submit(testing::TestActor(), intake, id + "-1"), IsOk());
  ASSERT_THAT(service.Submit(testing::TestActor(), later, id + "-2"), IsOk());
  ASSERT_THAT(service.CloseEpisode(
                  testing::TestActor(), "tenant-a", id,
                  {domain::EndingType::kPlanned, absl::CivilDay(2026, 3, 20)}),
              IsOk());
}

// jt-5 uses the intake-band model with at least 10 reference episodes.
TEST_F(RatingServiceTest, TargetsAppearOnceTenEpisodesHaveClosed) {
  for (int i = 0; i < 9; ++i) {
    CloseReferenceEpisode(*service_, "ref-" + std::to_string(i), 240);
  }
  ASSERT_THAT(Submit(OrsWithTotal("new", 1, 200), "new-1"), IsOk());
  auto result = Submit(OrsWithTotal("new", 2, 240), "new-2");
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->evaluation.zone, scoring::Zone::kGrey);
  EXPECT_THAT(result->evaluation.expected->reason,
              HasSubstr("9 reference episodes reached session 2; "
                        "the model needs 10"));

  CloseReferenceEpisode(*service_, "ref-9", 240);
  // Ten episodes, all 24.0 at session 2: target 24.0, SD 0, lower 24.0.
  auto view = service_->GetEpisode(testing::TestActor(), "tenant-a", "new");
  ASSERT_THAT(view, IsOk());
  const scoring::Evaluation& e = view->evaluations[1];
  ASSERT_TRUE(e.expected->available) << e.expected->reason;
  EXPECT_DOUBLE_EQ(e.expected->target, 24.0);
  EXPECT_DOUBLE_EQ(e.expected->lower_bound, 24.0);
  EXPECT_EQ(e.zone, scoring::Zone::kGreen);
  EXPECT_EQ(view->rules->name, "jt-5");

  // A closed reference episode is never its own reference: ref-9 sees the
  // other nine only.
  auto own = service_->GetEpisode(testing::TestActor(), "tenant-a", "ref-9");
  ASSERT_THAT(own, IsOk());
  EXPECT_THAT(own->evaluations[1].expected->reason,
              HasSubstr("9 reference episodes reached session 2"));

  // Closing with targets in play: the close's answer equals a later read
  // (the reference then holds the episode, and its own part is taken out).
  ASSERT_THAT(Submit(OrsWithTotal("eleventh", 1, 200), "eleventh-1"), IsOk());
  ASSERT_THAT(Submit(OrsWithTotal("eleventh", 2, 230), "eleventh-2"), IsOk());
  auto closed = service_->CloseEpisode(
      testing::TestActor(), "tenant-a", "eleventh",
      {domain::EndingType::kPlanned, absl::CivilDay(2026, 3, 20)});
  ASSERT_THAT(closed, IsOk());
  auto read =
      service_->GetEpisode(testing::TestActor(), "tenant-a", "eleventh");
  ASSERT_THAT(read, IsOk());
  ASSERT_TRUE(closed->evaluations[1].expected->available);
  EXPECT_DOUBLE_EQ(closed->evaluations[1].expected->target, 24.0);
  EXPECT_EQ(closed->evaluations[1].zone, scoring::Zone::kRed);  // 23.0 < 24.0
  EXPECT_EQ(read->evaluations[1].expected->target,
            closed->evaluations[1].expected->target);
  EXPECT_EQ(read->evaluations[1].zone, closed->evaluations[1].zone);
  EXPECT_EQ(read->outcomes, closed->outcomes);
}

TEST_F(RatingServiceTest, AClosedEpisodeReportsItsOutcome) {
  CloseReferenceEpisode(*service_, "done", 265);  // 20.0 -> 26.5
  auto view = service_->GetEpisode(testing::TestActor(), "tenant-a", "done");
  ASSERT_THAT(view, IsOk());
  ASSERT_THAT(view->outcomes, SizeIs(1));
  const scoring::SeriesOutcome& o = view->outcomes[0];
  EXPECT_EQ(o.series, "c-17/client");
  EXPECT_EQ(o.pre, 200);
  EXPECT_EQ(o.post, 265);
  // +6.5 with jt-5's SD 7.0: 6.5 / 7 = 0.928571; from 20.0 (below 25) to
  // 26.5 (not below) by at least 5: recovery. No target yet: no SAES.
  EXPECT_NEAR(*o.effect_size, 0.928571, 1e-6);
  EXPECT_FALSE(o.severity_adjusted_effect_size.has_value());
  EXPECT_EQ(o.category, scoring::ChangeCategory::kReliableRecovery);
  EXPECT_FALSE(o.reached_target);
  // Open episodes have no outcome.
  ASSERT_THAT(Submit(OrsRating(1), "open-1"), IsOk());
  EXPECT_THAT(View().outcomes, SizeIs(0));
}

TEST_F(RatingServiceTest, EachTenantIsJudgedByItsOwnRuleSet) {
  TempDir config;
  std::ofstream(config.Sub("tenants.cfg"))
      << R"(tenant { id: "tenant-b" rule_set: "cyp-iapt-2015" })";
  auto rules = config::LoadRuleSets({"", "jt-5", config.Sub("tenants.cfg")});
  ASSERT_THAT(rules, IsOk());
  rules_ = std::make_unique<scoring::RuleSetRegistry>(*std::move(rules));
  records_ = std::make_unique<EpisodeRecords>(store_.get(), catalog_.get(),
                                              rules_.get(),
                                              [] { return testing::Now(); });
  service_ = std::make_unique<RatingService>(records_.get());
  // 20.0 -> 26.0 is +6.0: reliable under jt-5 (5), not under CYP IAPT (6.6).
  for (const std::string tenant : {"tenant-a", "tenant-b"}) {
    domain::Rating first = OrsWithTotal("e-1", 1, 200);
    first.tenant_id = tenant;
    domain::Rating second = OrsWithTotal("e-1", 2, 260);
    second.tenant_id = tenant;
    ASSERT_THAT(Submit(first, tenant + "-1"), IsOk());
    auto result = Submit(second, tenant + "-2");
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(result->evaluation.change_since_intake, 60) << tenant;
    EXPECT_EQ(result->evaluation.category,
              tenant == "tenant-a" ? scoring::ChangeCategory::kReliableRecovery
                                   : scoring::ChangeCategory::kNoReliableChange)
        << tenant;
    EXPECT_EQ(result->rules->name,
              tenant == "tenant-a" ? "jt-5" : "cyp-iapt-2015");
  }
}

// Many threads add clients to one group episode at once. Without the
// per-episode lock, read-modify-write of the episode record loses clients.
TEST_F(RatingServiceTest, ConcurrentSubmissionsToOneEpisodeDoNotInterleave) {
  constexpr int kThreads = 8;
  constexpr int kSessionsPerThread = 12;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int s = 1; s <= kSessionsPerThread; ++s) {
        domain::Rating r = OrsRating(s);
        r.episode_id = "group-1";
        r.episode_type = domain::EpisodeType::kGroup;
        r.client_id = "c-" + std::to_string(t);
        if (!Submit(r, "k-" + std::to_string(t) + "-" + std::to_string(s))
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto view = service_->GetEpisode(testing::TestActor(), "tenant-a", "group-1");
  ASSERT_THAT(view, IsOk());
  EXPECT_THAT(view->episode.client_ids, SizeIs(kThreads));
  EXPECT_THAT(view->administrations, SizeIs(kThreads * kSessionsPerThread));
  EXPECT_EQ(view->episode.first_session_date, OrsRating(1).session_date);
  EXPECT_EQ(view->episode.last_session_date,
            OrsRating(kSessionsPerThread).session_date);
}

// One client's episodes written at once from many threads: each writes the
// client's facts row (distinct clients), which without its lock would lose
// the other episodes' facts and leave cells the rebuild does not give.
TEST_F(RatingServiceTest, ConcurrentEpisodesOfOneClientKeepItsFactsWhole) {
  constexpr int kThreads = 8;
  constexpr int kSessionsPerThread = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int s = 1; s <= kSessionsPerThread; ++s) {
        domain::Rating r = OrsRating(s);
        r.episode_id = "e-" + std::to_string(t);
        r.client_id = "c-1";
        r.session_date = absl::CivilDay(2026, 1, 5) + 9 * (s - 1) + 4 * t;
        if (!Submit(r, absl::StrCat("k-", t, "-", s)).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto facts = store_->GetClientFacts("tenant-a", "c-1");
  ASSERT_THAT(facts, IsOk());
  EXPECT_THAT(*facts, SizeIs(kThreads));
  auto incremental = store_->ReadAllAggregates("tenant-a");
  ASSERT_THAT(incremental, IsOk());
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE(NonZeroCells(*incremental) == (*rebuilt)["tenant-a"]);
}

// The same retry arriving on many connections at once stores exactly once.
TEST_F(RatingServiceTest, ConcurrentRetriesOfOneKeyStoreOnce) {
  constexpr int kThreads = 8;
  std::atomic<int> stored{0}, replayed{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto result = Submit(OrsRating(), "same-key");
      if (!result.ok()) {
        ++failed;
      } else if (result->replayed) {
        ++replayed;
      } else {
        ++stored;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(replayed.load(), kThreads - 1);
  EXPECT_EQ(failed.load(), 0);
}

}  // namespace
}  // namespace tilbake::core

namespace tilbake::core {
namespace {

domain::Rating SrsRating(int session = 1) {
  domain::Rating r = testing::OrsRating(session);
  r.instrument_id = "srs";
  for (auto& item : r.answers.items) item.value = 90;
  return r;
}

class RowTest : public testing::CoreTestBase {
 protected:
  std::vector<absl::StatusOr<SubmitResult>> SubmitRow(
      std::vector<RatingService::RowRating> row) {
    return service_->SubmitRowDeferred(testing::TestActor(), std::move(row));
  }
  size_t Stored() {
    auto view = service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1");
    return view.ok() ? view->administrations.size() : 0;
  }
};

TEST_F(RowTest, AWholeRowIsStoredInOneWriteAndReplayedWhole) {
  auto results =
      SubmitRow({{testing::OrsRating(), "row-ors"}, {SrsRating(), "row-srs"}});
  ASSERT_EQ(results.size(), 2u);
  ASSERT_THAT(results[0], IsOk());
  ASSERT_THAT(results[1], IsOk());
  EXPECT_FALSE(results[0]->replayed);
  EXPECT_EQ(results[1]->administration.rating.instrument_id, "srs");
  EXPECT_EQ(results[1]->administration.score.total, 360);
  ASSERT_THAT(service_->SyncDeferred(), IsOk());
  EXPECT_EQ(Stored(), 2u);
  auto again =
      SubmitRow({{testing::OrsRating(), "row-ors"}, {SrsRating(), "row-srs"}});
  ASSERT_THAT(again[0], IsOk());
  ASSERT_THAT(again[1], IsOk());
  EXPECT_TRUE(again[0]->replayed);
  EXPECT_TRUE(again[1]->replayed);
  EXPECT_EQ(Stored(), 2u);
}

TEST_F(RowTest, ABadFormRefusesItsWholeRowAndLeavesNothing) {
  domain::Rating bad = testing::OrsRating();
  bad.answers.items[2].value = 105;  // 10.5: above the scale.
  auto results = SubmitRow({{bad, "row-ors"}, {SrsRating(), "row-srs"}});
  EXPECT_THAT(results[0], StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("rating.items[2] (social)")));
  EXPECT_THAT(results[1],
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("row: not stored, as its ors was refused "
                                 "(rating.items[2] (social)")));
  EXPECT_EQ(Stored(), 0u);
  // Neither key was taken: the corrected row goes in under the same keys.
  auto fixed =
      SubmitRow({{testing::OrsRating(), "row-ors"}, {SrsRating(), "row-srs"}});
  EXPECT_THAT(fixed[0], IsOk());
  EXPECT_THAT(fixed[1], IsOk());
  EXPECT_EQ(Stored(), 2u);
}

TEST_F(RowTest, AConflictWithWhatIsStoredRefusesTheRowWhole) {
  // The session's SRS is already stored, under another key: the row's SRS
  // is refused by the episode's state, after its ORS was planned.
  ASSERT_THAT(service_->Submit(testing::TestActor(), SrsRating(), "earlier"),
              IsOk());
  auto results =
      SubmitRow({{testing::OrsRating(), "row-ors"}, {SrsRating(), "row-srs"}});
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kAlreadyExists,
                                   HasSubstr("already has srs")));
  EXPECT_THAT(results[0], StatusIs(absl::StatusCode::kFailedPrecondition,
                                   HasSubstr("as its srs was refused")));
  EXPECT_EQ(Stored(), 1u);  // Only the earlier SRS.
}

TEST_F(RowTest, ARowIsOneEpisodesSession) {
  domain::Rating other = SrsRating();
  other.episode_id = "e-2";
  auto results =
      SubmitRow({{testing::OrsRating(), "row-ors"}, {other, "row-srs"}});
  EXPECT_THAT(results[1], StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("row: the ratings of a row")));
  EXPECT_THAT(results[0], StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Stored(), 0u);
  // One key for two different ratings: as if submitted one after another.
  auto twice =
      SubmitRow({{testing::OrsRating(), "same"}, {SrsRating(), "same"}});
  EXPECT_THAT(twice[1],
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("already used for a different rating")));
  EXPECT_THAT(twice[0], StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Stored(), 0u);
}

// A run: one episode's records one after another in an import stream.
TEST_F(RowTest, ARunStoresEachOnItsOwnInOneWriteWithTheSameAggregates) {
  std::vector<RatingService::RowRating> run;
  std::vector<domain::Rating> forms;
  for (int session = 1; session <= 4; ++session) {
    domain::Rating ors = testing::OrsRating(session);
    ors.answers.items[0].value = 30 + 10 * session;  // Scores that move.
    forms.push_back(ors);
    forms.push_back(SrsRating(session));
  }
  forms[4].answers.items[2].value = 105;  // Session 3's ORS: off the scale.
  for (size_t i = 0; i < forms.size(); ++i) {
    run.push_back({forms[i], absl::StrCat("run-", i)});
  }
  auto results = service_->SubmitRunDeferred(testing::TestActor(), run);
  ASSERT_EQ(results.size(), 8u);
  for (size_t i = 0; i < results.size(); ++i) {
    if (i == 4) {
      EXPECT_THAT(results[i], StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("rating.items[2] (social)")));
    } else {
      ASSERT_THAT(results[i], IsOk()) << i;
      EXPECT_FALSE(results[i]->replayed);
    }
  }
  ASSERT_THAT(service_->SyncDeferred(), IsOk());
  EXPECT_EQ(Stored(), 7u);
  // The aggregates are those of the rebuild from the stored records...
  auto incremental = store_->ReadAllAggregates("tenant-a");
  ASSERT_THAT(incremental, IsOk());
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE(NonZeroCells(*incremental) == (*rebuilt)["tenant-a"]);
  // ...and of submitting the same records one by one, in another tenant.
  for (size_t i = 0; i < forms.size(); ++i) {
    if (i == 4) continue;
    domain::Rating r = forms[i];
    r.tenant_id = "tenant-b";
    ASSERT_THAT(
        service_->Submit(testing::TestActor(), r, absl::StrCat("one-", i)),
        IsOk());
  }
  auto one_by_one = store_->ReadAllAggregates("tenant-b");
  ASSERT_THAT(one_by_one, IsOk());
  EXPECT_TRUE(NonZeroCells(*one_by_one) == NonZeroCells(*incremental));
  EXPECT_FALSE(incremental->empty());
  // Again: every stored one replays, the bad one is refused again.
  auto again = service_->SubmitRunDeferred(testing::TestActor(), run);
  EXPECT_TRUE(again[0].ok() && again[0]->replayed);
  EXPECT_TRUE(again[7].ok() && again[7]->replayed);
  EXPECT_THAT(again[4], StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Stored(), 7u);
}

}  // namespace
}  // namespace tilbake::core
