#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/aggregation.h"
#include "server/core/correction_service.h"
#include "server/core/privacy_service.h"
#include "tests/testing/builders.h"
#include "tests/testing/core_test_base.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::core {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::OrsRating;
using ::tilbake::testing::StatusIs;

domain::Rating Srs(int session) {
  domain::Rating r = OrsRating(session);
  r.instrument_id = "srs";
  for (auto& item : r.answers.items) item.value = 90;
  return r;
}

// An ORS whose first item moves the total: 5.1 + step each session.
domain::Rating Ors(int session, scoring::Tenths first_item = 51) {
  domain::Rating r = OrsRating(session);
  r.answers.items[0].value = first_item;
  return r;
}

domain::Rating InGroup(domain::Rating r, const std::string& client) {
  r.episode_type = domain::EpisodeType::kGroup;
  r.client_id = client;
  return r;
}

domain::Rating ByParent(domain::Rating r, const std::string& rater_id) {
  r.rater = {domain::RaterKind::kCollateral, domain::RaterRelation::kParent,
             rater_id};
  return r;
}

std::string Summary(const scoring::Evaluation& e) {
  return absl::StrCat(
      "cat=", static_cast<int>(e.category), " zone=", static_cast<int>(e.zone),
      " since_intake=",
      e.change_since_intake.has_value() ? *e.change_since_intake : -999,
      " target=",
      e.expected.has_value() && e.expected->available ? e.expected->target
                                                      : -1.0);
}

using ReferenceCells =
    std::map<std::tuple<std::string, scoring::Tenths, int32_t>,
             std::tuple<int64_t, int64_t, int64_t>>;

class CorrectionTest : public testing::CoreTestBase {
 protected:
  void SetUp() override {
    CoreTestBase::SetUp();
    if (HasFatalFailure()) return;
    corrections_ = std::make_unique<CorrectionService>(records_.get());
  }

  ChangeRequest Request(const domain::Rating& target, const std::string& key,
                        const std::string& reason = "mistyped at intake") {
    return {target.tenant_id, target.episode_id,
            domain::AdministrationId(target), reason, key};
  }

  // Submits `ratings` (keys k0, k1, … in order) and, with `close`, ends
  // the episode.
  void Store(const std::vector<domain::Rating>& ratings, bool close) {
    for (size_t i = 0; i < ratings.size(); ++i) {
      ASSERT_THAT(service_->Submit(testing::TestActor(), ratings[i],
                                   absl::StrCat("k", i)),
                  IsOk());
    }
    if (close) {
      ASSERT_THAT(
          service_->CloseEpisode(testing::TestActor(), ratings[0].tenant_id,
                                 ratings[0].episode_id, Ending()),
          IsOk());
    }
  }

  static domain::Ending Ending() {
    return {domain::EndingType::kPlanned, absl::CivilDay(2026, 5, 1)};
  }

  analytics::Cells Aggregates(const std::string& tenant) {
    auto cells = store_->ReadAllAggregates(tenant);
    EXPECT_THAT(cells, IsOk());
    return cells.ok() ? NonZeroCells(*std::move(cells)) : analytics::Cells{};
  }

  ReferenceCells Reference(const std::string& tenant) {
    ReferenceCells out;
    for (const char* instrument : {"ors", "srs"}) {
      auto cells = store_->ReadReference(tenant, instrument, 0, 10000);
      EXPECT_THAT(cells, IsOk());
      if (!cells.ok()) continue;
      for (const scoring::ReferenceCell& c : *cells) {
        if (c.count == 0 && c.sum == 0 && c.sum_squares == 0) continue;
        out[{instrument, c.intake, c.session}] = {c.count, c.sum,
                                                  c.sum_squares};
      }
    }
    return out;
  }

  std::vector<std::string> Evaluations(const std::string& tenant) {
    auto view = service_->GetEpisode(testing::TestActor(), tenant, "e-1");
    EXPECT_THAT(view, IsOk());
    std::vector<std::string> out;
    if (!view.ok()) return out;
    for (size_t i = 0; i < view->administrations.size(); ++i) {
      out.push_back(absl::StrCat(
          domain::AdministrationId(view->administrations[i].rating), " ",
          Summary(view->evaluations[i])));
    }
    for (const scoring::SeriesOutcome& o : view->outcomes) {
      out.push_back(absl::StrCat("outcome ", o.series, " ", o.instrument_id,
                                 " ", o.pre, "->", o.post,
                                 " cat=", static_cast<int>(o.category)));
    }
    return out;
  }

  std::unique_ptr<CorrectionService> corrections_;
};

// A change to one administration of an episode, open or closed: the
// figures afterwards are exactly those of the episode as if it had been
// submitted right (tenant-b), and those of a rebuild from the raw records.
struct ChangeCase {
  std::string name;
  std::vector<domain::Rating> ratings;  // Of "e-1" in tenant-a, in order.
  size_t target;                        // The one corrected or voided.
  // Makes the correction; null: the target is voided.
  std::function<void(domain::Rating&)> correct;
  bool moves_session = false;  // The session's other form moves along.
};

std::vector<ChangeCase> ChangeCases() {
  const auto items = [](domain::Rating& r) { r.answers.items[0].value = 19; };
  const auto date = [](domain::Rating& r) { r.session_date -= 2; };
  const auto age = [](domain::Rating& r) { r.client_age_years = 15; };
  const std::vector<domain::Rating> three = {Ors(1, 35), Srs(1),     Ors(2, 60),
                                             Srs(2),     Ors(3, 90), Srs(3)};
  const std::vector<domain::Rating> one = {Ors(1, 35), Srs(1)};
  const std::vector<domain::Rating> group = {
      InGroup(Ors(1, 35), "c-1"), InGroup(Ors(1, 40), "c-2"),
      InGroup(Ors(2, 70), "c-1"), InGroup(Ors(2, 20), "c-2")};
  const std::vector<domain::Rating> collateral = {
      Ors(1, 35), ByParent(Ors(1, 30), "mor"), Ors(2, 60),
      ByParent(Ors(2, 45), "mor"), ByParent(Ors(3, 80), "mor")};
  std::vector<ChangeCase> cases = {
      {"IntakeItems", three, 0, items},
      {"IntakeAge", three, 0, age},
      {"MiddleItems", three, 2, items},
      {"MiddleDate", three, 2, date, /*moves_session=*/true},
      {"LastItems", three, 4, items},
      {"AllianceItems", three, 3, items},
      {"VoidIntake", three, 0, nullptr},
      {"VoidMiddle", three, 2, nullptr},
      {"VoidLast", three, 4, nullptr},
      {"VoidAlliance", three, 5, nullptr},
      {"OnlySessionItems", one, 0, items},
      {"OnlySessionVoidOutcome", one, 0, nullptr},
      {"GroupMemberItems", group, 1, items},
      {"GroupMemberVoid", group, 3, nullptr},
      {"GroupMemberOnlyOneVoid", group, 1, nullptr},
      {"CollateralItems", collateral, 3, items},
      {"CollateralVoidIntake", collateral, 1, nullptr},
      {"CollateralNewRater", collateral, 4,
       [](domain::Rating& r) { r.rater.rater_id = "far"; }},
      {"ClientToCollateral", collateral, 2,
       [](domain::Rating& r) {
         r.rater = {domain::RaterKind::kCollateral,
                    domain::RaterRelation::kPartner, "p"};
       }},
  };
  return cases;
}

class ChangeCaseTest
    : public CorrectionTest,
      public ::testing::WithParamInterface<std::tuple<ChangeCase, bool>> {};

TEST_P(ChangeCaseTest, FiguresAreThoseOfTheEpisodeAsIfSubmittedRight) {
  const auto& [c, closed] = GetParam();
  ASSERT_NO_FATAL_FAILURE(Store(c.ratings, closed));
  const domain::Rating& target = c.ratings[c.target];
  // The same episode as it should have been, in tenant-b.
  std::vector<domain::Rating> right;
  for (size_t i = 0; i < c.ratings.size(); ++i) {
    domain::Rating r = c.ratings[i];
    r.tenant_id = "tenant-b";
    if (i == c.target ||
        (c.moves_session && r.session_number == target.session_number)) {
      if (!c.correct) continue;
      c.correct(r);
    }
    right.push_back(r);
  }
  ASSERT_NO_FATAL_FAILURE(Store(right, closed));

  absl::StatusOr<ChangeResult> changed;
  if (c.correct) {
    domain::Rating corrected = target;
    c.correct(corrected);
    changed = corrections_->Correct(testing::TestActor(),
                                    Request(target, "fix-1"), corrected);
  } else {
    changed =
        corrections_->Void(testing::TestActor(), Request(target, "fix-1"));
  }
  ASSERT_THAT(changed, IsOk());
  EXPECT_FALSE(changed->replayed);
  ASSERT_THAT(changed->view.history, SizeIs(c.moves_session ? 2 : 1));
  EXPECT_EQ(domain::AdministrationId(changed->view.history[0].version.rating),
            domain::AdministrationId(target));
  EXPECT_EQ(changed->view.administrations.size(),
            c.correct ? c.ratings.size() : c.ratings.size() - 1);

  EXPECT_TRUE(Aggregates("tenant-a") == Aggregates("tenant-b"));
  EXPECT_FALSE(Aggregates("tenant-a").empty());
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE(Aggregates("tenant-a") == (*rebuilt)["tenant-a"]);
  EXPECT_EQ(Reference("tenant-a"), Reference("tenant-b"));
  // A closed episode with an outcome score left is in the reference.
  const bool outcome_left = std::any_of(
      right.begin(), right.end(),
      [](const domain::Rating& r) { return r.instrument_id == "ors"; });
  EXPECT_EQ(Reference("tenant-a").empty(), !(closed && outcome_left));
  EXPECT_EQ(Evaluations("tenant-a"), Evaluations("tenant-b"));
  auto a = store_->GetEpisode("tenant-a", "e-1");
  auto b = store_->GetEpisode("tenant-b", "e-1");
  ASSERT_TRUE(a.ok() && b.ok() && a->has_value() && b->has_value());
  EXPECT_EQ((*a)->outcomes, (*b)->outcomes);
  EXPECT_EQ((*a)->first_session_date, (*b)->first_session_date);
  EXPECT_EQ((*a)->last_session_date, (*b)->last_session_date);

  // The answer is that of a fresh read; the cached reference stayed exact
  // (a second core on the same store loads it anew).
  std::vector<std::string> answered;
  for (size_t i = 0; i < changed->view.administrations.size(); ++i) {
    answered.push_back(absl::StrCat(
        domain::AdministrationId(changed->view.administrations[i].rating), " ",
        Summary(changed->view.evaluations[i])));
  }
  EpisodeRecords fresh(store_.get(), catalog_.get(), rules_.get(),
                       [] { return testing::Now(); });
  auto reread = fresh.Read("tenant-a", "e-1");
  ASSERT_THAT(reread, IsOk());
  ASSERT_THAT(fresh.Evaluate(*reread), IsOk());
  std::vector<std::string> fresh_lines;
  for (size_t i = 0; i < reread->administrations.size(); ++i) {
    fresh_lines.push_back(absl::StrCat(
        domain::AdministrationId(reread->administrations[i].rating), " ",
        Summary(reread->evaluations[i])));
  }
  EXPECT_EQ(answered, fresh_lines);
}

INSTANTIATE_TEST_SUITE_P(EveryPosition, ChangeCaseTest,
                         ::testing::Combine(::testing::ValuesIn(ChangeCases()),
                                            ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param).name +
                                  (std::get<1>(info.param) ? "Closed" : "Open");
                         });

// The example of the issue: an intake ORS entered as 3.5 where the client
// marked 5.3 (items 0.5 0.8 1.0 1.2 instead of 0.8 1.2 1.5 1.8).
TEST_F(CorrectionTest, AMistypedIntakeIsCorrectedAndTheChangeFollows) {
  domain::Rating intake = OrsRating(1);
  intake.answers.items = {{"", 5, {}}, {"", 8, {}}, {"", 10, {}}, {"", 12, {}}};
  domain::Rating later = OrsRating(2);  // 27.3
  ASSERT_NO_FATAL_FAILURE(Store({intake, later}, /*close=*/false));
  auto before = service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1");
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->evaluations[1].change_since_intake, 273 - 35);

  domain::Rating right = intake;
  right.answers.items = {{"", 8, {}}, {"", 12, {}}, {"", 15, {}}, {"", 18, {}}};
  auto corrected = corrections_->Correct(
      testing::TestActor(), Request(intake, "fix-1", "client marked 5.3"),
      right);
  ASSERT_THAT(corrected, IsOk());
  EXPECT_EQ(corrected->administration_id, "1/ors/c-17/client");
  const EpisodeView& view = corrected->view;
  EXPECT_EQ(view.administrations[0].score.total, 53);
  EXPECT_EQ(view.administrations[0].revision, 1);
  EXPECT_EQ(view.administrations[0].idempotency_key, "k0");
  EXPECT_EQ(view.evaluations[1].change_since_intake, 273 - 53);
  // The version before, with who, when and why.
  ASSERT_THAT(view.history, SizeIs(1));
  const domain::Revision& was = view.history[0];
  EXPECT_EQ(was.version.score.total, 35);
  EXPECT_EQ(was.version.revision, 0);
  EXPECT_EQ(was.change, domain::RevisionChange::kCorrected);
  EXPECT_EQ(was.changed_by, "test-clinician (clinician)");
  EXPECT_EQ(was.reason, "client marked 5.3");
  EXPECT_EQ(was.changed_at, testing::Now());
  // GetEpisode shows the history only when asked, and logs the read.
  auto plain = service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1");
  ASSERT_THAT(plain, IsOk());
  EXPECT_TRUE(plain->history.empty());
  auto full = service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1",
                                   /*with_history=*/true);
  ASSERT_THAT(full, IsOk());
  ASSERT_THAT(full->history, SizeIs(1));
  EXPECT_EQ(full->history[0].version.score.total, 35);
}

TEST_F(CorrectionTest, RetriesReplayAndAReusedKeyIsRefused) {
  const domain::Rating intake = Ors(1, 35);
  ASSERT_NO_FATAL_FAILURE(Store({intake, Ors(2, 60), Srs(2)}, false));
  domain::Rating right = intake;
  right.answers.items[0].value = 53;
  ASSERT_THAT(corrections_->Correct(testing::TestActor(),
                                    Request(intake, "fix-1"), right),
              IsOk());
  const analytics::Cells once = Aggregates("tenant-a");
  auto again = corrections_->Correct(testing::TestActor(),
                                     Request(intake, "fix-1"), right);
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->view.administrations[0].revision, 1);
  EXPECT_TRUE(Aggregates("tenant-a") == once);
  // The same key for another correction, reason or administration.
  domain::Rating other = right;
  other.answers.items[0].value = 60;
  EXPECT_THAT(corrections_->Correct(testing::TestActor(),
                                    Request(intake, "fix-1"), other),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("idempotency_key: already used")));
  EXPECT_THAT(corrections_->Correct(testing::TestActor(),
                                    Request(intake, "fix-1", "other"), right),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(
      corrections_->Void(testing::TestActor(), Request(Srs(2), "fix-1")),
      StatusIs(absl::StatusCode::kAlreadyExists));
  // A submission's key is no correction's, and the other way round.
  EXPECT_THAT(corrections_->Void(testing::TestActor(), Request(Srs(2), "k1")),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(service_->Submit(testing::TestActor(), Ors(3), "fix-1"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // The original submission retried after the correction: the stored
  // (corrected) record answers, nothing changes.
  auto retried = service_->Submit(testing::TestActor(), intake, "k0");
  ASSERT_THAT(retried, IsOk());
  EXPECT_TRUE(retried->replayed);
  EXPECT_EQ(retried->administration.revision, 1);
  EXPECT_TRUE(Aggregates("tenant-a") == once);
  // A second correction is version 2; both versions before are kept.
  right.answers.items[0].value = 54;
  auto second = corrections_->Correct(testing::TestActor(),
                                      Request(intake, "fix-2"), right);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->view.administrations[0].revision, 2);
  EXPECT_THAT(second->view.history, SizeIs(2));
}

TEST_F(CorrectionTest, AVoidedRatingCountsNowhereAndCanBeEnteredAnew) {
  const domain::Rating wrong = Ors(2, 60);
  ASSERT_NO_FATAL_FAILURE(Store({Ors(1, 35), wrong, Srs(2)}, false));
  auto voided = corrections_->Void(testing::TestActor(),
                                   Request(wrong, "void-1", "wrong client"));
  ASSERT_THAT(voided, IsOk());
  EXPECT_THAT(voided->view.administrations, SizeIs(2));
  ASSERT_THAT(voided->view.history, SizeIs(1));
  EXPECT_EQ(voided->view.history[0].change,
            domain::RevisionChange::kEnteredInError);
  // Neither corrected nor voided again; its submission's retry says why.
  EXPECT_THAT(corrections_->Void(testing::TestActor(), Request(wrong, "v2")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("was voided (entered in error)")));
  EXPECT_THAT(service_->Submit(testing::TestActor(), wrong, "k1"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("voided as entered in error")));
  // Entered anew under a new key, the session counts again.
  domain::Rating right = wrong;
  right.answers.items[0].value = 65;
  ASSERT_THAT(service_->Submit(testing::TestActor(), right, "k9"), IsOk());
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE(Aggregates("tenant-a") == (*rebuilt)["tenant-a"]);
  auto full = service_->GetEpisode(testing::TestActor(), "tenant-a", "e-1",
                                   /*with_history=*/true);
  ASSERT_THAT(full, IsOk());
  EXPECT_THAT(full->administrations, SizeIs(3));
  EXPECT_THAT(full->history, SizeIs(1));
  // The only administration left of an episode is not voided.
  domain::Rating only = Ors(1, 35);
  only.episode_id = "e-2";
  ASSERT_THAT(service_->Submit(testing::TestActor(), only, "e2-k0"), IsOk());
  EXPECT_THAT(corrections_->Void(testing::TestActor(), Request(only, "v3")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("the only administration")));
}

TEST_F(CorrectionTest, BadRequestsNameTheFieldAndChangeNothing) {
  const domain::Rating intake = Ors(1, 35);
  ASSERT_NO_FATAL_FAILURE(Store({intake, Ors(2, 60)}, false));
  const analytics::Cells before = Aggregates("tenant-a");
  const domain::Actor actor = testing::TestActor();
  domain::Rating right = intake;
  right.answers.items[0].value = 53;
  struct Bad {
    std::string name;
    std::function<void(ChangeRequest&, domain::Rating&)> spoil;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {"NoReason", [](auto& q, auto&) { q.reason = ""; },
       absl::StatusCode::kInvalidArgument, "reason: required"},
      {"LongReason", [](auto& q, auto&) { q.reason = std::string(501, 'x'); },
       absl::StatusCode::kInvalidArgument, "reason: required, at most 500"},
      {"NoKey", [](auto& q, auto&) { q.idempotency_key = ""; },
       absl::StatusCode::kInvalidArgument, "idempotency_key"},
      {"BadId", [](auto& q, auto&) { q.administration_id = "ors"; },
       absl::StatusCode::kInvalidArgument, "administration_id: ors is not"},
      {"NoSuchAdministration",
       [](auto& q, auto&) { q.administration_id = "7/ors/c-17/client"; },
       absl::StatusCode::kNotFound, "administration_id: no 7/ors/c-17/client"},
      {"NoSuchEpisode", [](auto& q, auto&) { q.episode_id = "e-9"; },
       absl::StatusCode::kNotFound, "episode_id: no episode e-9"},
      {"OtherClient", [](auto&, auto& r) { r.client_id = "c-99"; },
       absl::StatusCode::kFailedPrecondition,
       "rating.client_id: a correction cannot change it"},
      {"OtherSession", [](auto&, auto& r) { r.session_number = 2; },
       absl::StatusCode::kFailedPrecondition, "rating.session_number"},
      {"OtherInstrument", [](auto&, auto& r) { r.instrument_id = "srs"; },
       absl::StatusCode::kFailedPrecondition, "rating.instrument_id"},
      {"OffTheScale", [](auto&, auto& r) { r.answers.items[1].value = 101; },
       absl::StatusCode::kInvalidArgument, "rating.items[1]"},
      {"DateAfterTheNextSession", [](auto&, auto& r) { r.session_date += 10; },
       absl::StatusCode::kFailedPrecondition, "rating.session_date"},
      {"NothingChanges", [&](auto&, auto& r) { r = intake; },
       absl::StatusCode::kFailedPrecondition, "changes nothing"},
  };
  for (const Bad& b : bad) {
    ChangeRequest request = Request(intake, "fix-" + b.name);
    domain::Rating rating = right;
    b.spoil(request, rating);
    EXPECT_THAT(corrections_->Correct(actor, request, rating),
                StatusIs(b.code, HasSubstr(b.message)))
        << b.name;
  }
  // Another clinician's episode.
  domain::Actor other = actor;
  other.clinician_id = "k-99";
  EXPECT_THAT(corrections_->Correct(other, Request(intake, "fix-x"), right),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(Aggregates("tenant-a") == before);
  auto full =
      service_->GetEpisode(actor, "tenant-a", "e-1", /*with_history=*/true);
  ASSERT_THAT(full, IsOk());
  EXPECT_TRUE(full->history.empty());
  EXPECT_EQ(full->administrations[0].score.total, 273 - 51 + 35);
  EXPECT_EQ(full->administrations[0].revision, 0);
  // Every refusal is in the access log, with the client.
  auto log = store_->ReadAudit(
      {.tenant_id = "tenant-a", .client_id = "c-17", .limit = 1000});
  ASSERT_THAT(log, IsOk());
  int refused = 0;
  for (const domain::AuditEntry& e : log->entries) {
    refused += e.action == "CorrectRating" && e.outcome != 0;
  }
  EXPECT_GE(refused, 10);
}

// An erased client's trail goes with their ratings: the versions before,
// the voided ones, and the keys of both; a group's other member keeps hers.
TEST_F(CorrectionTest, ErasureTakesTheClientsTrailAndItsKeys) {
  const std::vector<domain::Rating> group = {
      InGroup(Ors(1, 35), "c-1"), InGroup(Ors(1, 40), "c-2"),
      InGroup(Ors(2, 70), "c-1"), InGroup(Ors(2, 20), "c-2")};
  ASSERT_NO_FATAL_FAILURE(Store(group, /*close=*/false));
  domain::Rating fixed = group[0];
  fixed.answers.items[0].value = 53;
  ASSERT_THAT(corrections_->Correct(testing::TestActor(),
                                    Request(group[0], "fix-c1"), fixed),
              IsOk());
  ASSERT_THAT(
      corrections_->Void(testing::TestActor(), Request(group[2], "void-c1")),
      IsOk());
  fixed = group[1];
  fixed.answers.items[0].value = 44;
  ASSERT_THAT(corrections_->Correct(testing::TestActor(),
                                    Request(group[1], "fix-c2"), fixed),
              IsOk());
  PrivacyService privacy(records_.get());
  const domain::Actor anne{"anne", "admin", "tenant-a", "r1", "test"};
  const domain::Actor bo{"bo", "admin", "tenant-a", "r2", "test"};
  auto request = privacy.RequestErasure(anne, "tenant-a", "c-1", "asked");
  ASSERT_THAT(request, IsOk());
  ASSERT_THAT(privacy.DecideErasure(bo, "tenant-a", request->request_id, true),
              IsOk());
  auto trail = store_->ListRevisions("tenant-a", "e-1");
  ASSERT_THAT(trail, IsOk());
  ASSERT_THAT(*trail, SizeIs(1));
  EXPECT_EQ(trail->front().version.rating.client_id, "c-2");
  for (const char* key : {"k0", "k2", "fix-c1", "void-c1"}) {
    auto entry = store_->GetIdempotency("tenant-a", key);
    ASSERT_THAT(entry, IsOk());
    EXPECT_FALSE(entry->has_value()) << key;
  }
  auto kept = store_->GetIdempotency("tenant-a", "fix-c2");
  ASSERT_THAT(kept, IsOk());
  EXPECT_TRUE(kept->has_value());
  auto rebuilt = RebuildAggregates(*store_, *catalog_, *rules_);
  ASSERT_THAT(rebuilt, IsOk());
  EXPECT_TRUE(Aggregates("tenant-a") == (*rebuilt)["tenant-a"]);
}

// A change is logged for every client whose records it changed: a new date
// moves the session's forms of every member, and a closed episode's
// outcomes are every member's.
TEST_F(CorrectionTest, EveryClientWhoseRecordsChangedIsLogged) {
  const std::vector<domain::Rating> group = {
      InGroup(Ors(1, 35), "c-1"), InGroup(Ors(1, 40), "c-2"),
      InGroup(Ors(2, 70), "c-1"), InGroup(Ors(2, 20), "c-2")};
  ASSERT_NO_FATAL_FAILURE(Store(group, /*close=*/false));
  auto logged = [&](const std::string& client) {
    auto page = store_->ReadAudit(
        {.tenant_id = "tenant-a", .client_id = client, .limit = 1000});
    EXPECT_THAT(page, IsOk());
    int n = 0;
    for (const domain::AuditEntry& e : page->entries) {
      n += e.action == "CorrectRating" && e.outcome == 0;
    }
    return n;
  };
  domain::Rating moved = group[3];
  moved.session_date -= 1;  // Session 2 was a day earlier, for both.
  auto changed = corrections_->Correct(testing::TestActor(),
                                       Request(group[3], "fix-date"), moved);
  ASSERT_THAT(changed, IsOk());
  EXPECT_THAT(changed->view.history, SizeIs(2));
  EXPECT_EQ(logged("c-2"), 1);
  EXPECT_EQ(logged("c-1"), 1);  // Its session 2 form moved too.
  ASSERT_THAT(
      service_->CloseEpisode(testing::TestActor(), "tenant-a", "e-1", Ending()),
      IsOk());
  domain::Rating fixed = group[1];
  fixed.answers.items[0].value = 44;
  ASSERT_THAT(corrections_->Correct(testing::TestActor(),
                                    Request(group[1], "fix-closed"), fixed),
              IsOk());
  EXPECT_EQ(logged("c-2"), 2);
  EXPECT_EQ(logged("c-1"), 2);  // The closed group's outcomes, recomputed.
}

}  // namespace
}  // namespace tilbake::core
