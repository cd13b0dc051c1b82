#include "storage/store.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/keys.h"
#include "tests/testing/builders.h"
#include "tests/testing/faulty_file_system.h"
#include "tests/testing/raw_rocksdb.h"
#include "tests/testing/settle.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;
using ::tilbake::testing::TempDir;

domain::Administration Scored(domain::Rating rating) {
  domain::Administration a;
  a.rating = std::move(rating);
  a.score.status = scoring::ScoreStatus::kScored;
  a.score.total = 273;
  a.score.items = a.rating.answers.items;
  a.recorded_at = absl::FromUnixMicros(1780000000123456);
  a.idempotency_key = "key-1";
  return a;
}

std::unique_ptr<Store> OpenOrDie(const std::string& path) {
  auto store = Store::Open({path});
  EXPECT_THAT(store, IsOk());
  return store.ok() ? *std::move(store) : nullptr;
}

TEST(StoreTest, RoundTripsEveryField) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  domain::Rating rating = testing::OrsRating();
  rating.rater = {domain::RaterKind::kCollateral,
                  domain::RaterRelation::kParent, "mor"};
  rating.client_age_years = 15;
  rating.age_band = scoring::AgeBand::kAdolescent;
  rating.answers.stated_total = 273;
  rating.answers.items[0].key = "individual";
  domain::Episode episode = domain::EpisodeOpenedBy(rating);
  episode.ending = domain::Ending{domain::EndingType::kUnilateral,
                                  absl::CivilDay(2026, 4, 1)};
  const domain::Administration a = Scored(rating);
  ASSERT_THAT(
      store->Apply({{episode}, {a}, {{"tenant-a", "key-1", "e-1", "x"}}}),
      IsOk());

  auto got_episode = store->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(got_episode, IsOk());
  EXPECT_EQ(*got_episode, episode);
  auto list = store->ListAdministrations("tenant-a", "e-1");
  ASSERT_THAT(list, IsOk());
  ASSERT_THAT(*list, SizeIs(1));
  EXPECT_EQ((*list)[0].rating, a.rating);
  EXPECT_EQ((*list)[0].score, a.score);
  EXPECT_EQ((*list)[0].recorded_at, a.recorded_at);
  EXPECT_EQ((*list)[0].idempotency_key, "key-1");
  auto key = store->GetIdempotency("tenant-a", "key-1");
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(*key, (IdempotencyEntry{"tenant-a", "key-1", "e-1", "x"}));
}

TEST(StoreTest, MissingRecordsAreEmptyNotErrors) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->GetEpisode("tenant-a", "none"), std::nullopt);
  EXPECT_THAT(*store->ListAdministrations("tenant-a", "none"), SizeIs(0));
  EXPECT_EQ(*store->GetIdempotency("tenant-a", "none"), std::nullopt);
}

TEST(StoreTest, ListsAnEpisodeInSessionOrderAndNothingElse) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  WriteSet changes;
  // Session 10 must sort after session 2 (big-endian numbers in keys).
  for (int session : {10, 2, 1}) {
    changes.administrations.push_back(Scored(testing::OrsRating(session)));
  }
  // Neighbours that share a prefix: episode "e-10", and "e-1" of tenant-b.
  domain::Rating other_episode = testing::OrsRating(3);
  other_episode.episode_id = "e-10";
  domain::Rating other_tenant = testing::OrsRating(4);
  other_tenant.tenant_id = "tenant-b";
  changes.administrations.push_back(Scored(other_episode));
  changes.administrations.push_back(Scored(other_tenant));
  ASSERT_THAT(store->Apply(changes), IsOk());

  auto list = store->ListAdministrations("tenant-a", "e-1");
  ASSERT_THAT(list, IsOk());
  ASSERT_THAT(*list, SizeIs(3));
  EXPECT_EQ((*list)[0].rating.session_number, 1);
  EXPECT_EQ((*list)[1].rating.session_number, 2);
  EXPECT_EQ((*list)[2].rating.session_number, 10);
  EXPECT_THAT(*store->ListAdministrations("tenant-b", "e-1"), SizeIs(1));
  EXPECT_THAT(*store->ListAdministrations("tenant-a", "e-10"), SizeIs(1));
}

TEST(StoreTest, DataSurvivesReopen) {
  TempDir dir;
  {
    auto store = OpenOrDie(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(
        store->Apply({{domain::EpisodeOpenedBy(testing::OrsRating())}, {}, {}}),
        IsOk());
  }
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  auto episode = store->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(episode, IsOk());
  EXPECT_TRUE(episode->has_value());
}

TEST(StoreTest, ReportsWhetherTheLastProcessClosedTheDatabase) {
  TempDir dir;
  const std::string data = dir.Sub("data");
  const std::string crashed = dir.Sub("crashed");
  {
    auto store = OpenOrDie(data);
    ASSERT_NE(store, nullptr);
    EXPECT_FALSE(store->opened_after_unclean_shutdown());  // A new database.
    ASSERT_THAT(
        store->Apply({{domain::EpisodeOpenedBy(testing::OrsRating())}, {}, {}}),
        IsOk());
    // The files as a crash right now would leave them.
    std::filesystem::copy(data, crashed);
  }
  auto reopened = OpenOrDie(data);
  ASSERT_NE(reopened, nullptr);
  EXPECT_FALSE(reopened->opened_after_unclean_shutdown());

  auto recovered = OpenOrDie(crashed);
  ASSERT_NE(recovered, nullptr);
  EXPECT_TRUE(recovered->opened_after_unclean_shutdown());
  auto episode = recovered->GetEpisode("tenant-a", "e-1");
  ASSERT_THAT(episode, IsOk());
  EXPECT_TRUE(episode->has_value());  // Replayed from the write-ahead log.
}

// The first session of episode `episode_id`, as one write.
WriteSet EpisodeWrite(const std::string& episode_id) {
  domain::Rating rating = testing::OrsRating();
  rating.episode_id = episode_id;
  return {{domain::EpisodeOpenedBy(rating)}, {Scored(rating)}, {}};
}

TEST(StoreTest, DiskFullRefusesWritesUntilResumedAndLosesNothingAcked) {
  TempDir dir;
  testing::FaultyFileSystem disk;
  {
    auto store = Store::Open({.path = dir.path(), .env = disk.env()});
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->Apply(EpisodeWrite("before")), IsOk());
    EXPECT_THAT((*store)->Health(), IsOk());

    disk.Set(testing::DiskFault::kNoSpace);
    EXPECT_THAT((*store)->Apply(EpisodeWrite("during")),
                StatusIs(absl::StatusCode::kResourceExhausted,
                         HasSubstr("No space left on device")));
    EXPECT_THAT((*store)->Health(),
                StatusIs(absl::StatusCode::kUnavailable,
                         HasSubstr("no space left on device")));
    // Still refused while the disk is full, however often recovery is
    // asked for, and still readable.
    for (int i = 0; i < 5; ++i) {
      EXPECT_THAT((*store)->Resume(), ::testing::Not(IsOk()));
      EXPECT_THAT((*store)->Apply(EpisodeWrite("still-full")),
                  ::testing::Not(IsOk()));
    }
    EXPECT_THAT((*store)->GetEpisode("tenant-a", "before"), IsOk());

    disk.Set(testing::DiskFault::kNone);
    // RocksDB retries on its own once there is space (every few seconds).
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (!(*store)->Resume().ok() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_THAT((*store)->Health(), IsOk());
    ASSERT_THAT((*store)->Apply(EpisodeWrite("after")), IsOk());
  }
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  for (const char* id : {"before", "after"}) {
    auto episode = store->GetEpisode("tenant-a", id);
    ASSERT_THAT(episode, IsOk());
    EXPECT_TRUE(episode->has_value()) << id;
    EXPECT_THAT(*store->ListAdministrations("tenant-a", id), SizeIs(1)) << id;
  }
  for (const char* id : {"during", "still-full"}) {
    auto episode = store->GetEpisode("tenant-a", id);
    ASSERT_THAT(episode, IsOk());
    EXPECT_FALSE(episode->has_value()) << id;
    EXPECT_THAT(*store->ListAdministrations("tenant-a", id), SizeIs(0)) << id;
  }
}

TEST(StoreTest, ReadOnlyDataDirectoryIsAClearErrorAtOpen) {
  TempDir dir;
  { ASSERT_NE(OpenOrDie(dir.path()), nullptr); }
  testing::FaultyFileSystem disk;
  disk.Set(testing::DiskFault::kReadOnly);
  EXPECT_THAT(Store::Open({.path = dir.path(), .env = disk.env()}),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::AllOf(HasSubstr(dir.path()),
                                        HasSubstr("read-only file system"))));
}

TEST(StoreTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  TempDir dir;
  auto first = OpenOrDie(dir.path());
  ASSERT_NE(first, nullptr);
  EXPECT_THAT(Store::Open({dir.path()}),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("another tilbake-server")));
}

// Writes `key` = `value` into the default family with RocksDB itself.
void PutRaw(const std::string& path, const std::string& key,
            const std::string& value) {
  testing::EditRaw(path, [&](rocksdb::DB& db, const testing::RawFamilies&) {
    return db.Put(rocksdb::WriteOptions(), key, value);
  });
}

TEST(StoreTest, AggregatesVersionMarksTheCellLayout) {
  TempDir dir;
  {
    auto store = OpenOrDie(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->aggregates_version(), Store::kAggregatesVersion);
  }
  // A database from before the mark: its cells have the first layout.
  testing::EditRaw(
      dir.path(), [](rocksdb::DB& db, const testing::RawFamilies&) {
        return db.Delete(rocksdb::WriteOptions(), keys::kAggregatesVersionKey);
      });
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->aggregates_version(), 1);
  ASSERT_THAT(store->ReplaceAggregates({}, {}), IsOk());
  EXPECT_EQ(store->aggregates_version(), Store::kAggregatesVersion);
  store.reset();
  auto reopened = OpenOrDie(dir.path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->aggregates_version(), Store::kAggregatesVersion);
}

TEST(StoreTest, FlushedAggregateCellsAreFoldedIntoOneValueEach) {
  TempDir dir;
  analytics::CellKey cell;
  cell.org_unit = "dept/team";
  cell.bucket = 672;
  cell.instrument_id = "ors";
  cell.clinician_id = "k-1";
  {
    auto store = OpenOrDie(dir.path());
    ASSERT_NE(store, nullptr);
    const uint64_t at_open = store->Stats()->memtable_entries;  // The marks.
    auto add = [&](int64_t delta) {
      WriteSet w;
      w.aggregates_tenant = "tenant-a";
      w.aggregates[cell] = {delta, 10 * delta};
      return store->Apply(w);
    };
    // Three ratings, three operands, then one flushed file: with nothing
    // below it to overlap, RocksDB moves it down as it is (one operand).
    for (int64_t delta : {1, 2, 4}) ASSERT_THAT(add(delta), IsOk());
    EXPECT_EQ(store->Stats()->memtable_entries, at_open + 3);
    ASSERT_THAT(store->Flush(), IsOk());
    EXPECT_EQ(store->Stats()->memtable_entries, 0u);
    ASSERT_TRUE(testing::WaitUntilSettled(*store, absl::Seconds(30)));
    // A later flush of the same cell overlaps it: compacted at once.
    ASSERT_THAT(add(8), IsOk());
    ASSERT_THAT(store->Flush(), IsOk());
    ASSERT_TRUE(testing::WaitUntilSettled(*store, absl::Seconds(30)));
    auto read =
        store->ReadAggregates("tenant-a", cell.kind, cell.granularity,
                              analytics::CellScope::kClinician, "", 672, 672);
    ASSERT_THAT(read, IsOk());
    ASSERT_THAT(*read, SizeIs(1));
    EXPECT_EQ(read->front().second, (analytics::Sums{15, 150}));
  }
  // The second file was compacted into the last level at once, where the
  // operands fold: a trend query reads one plain value, not deltas.
  testing::EditRaw(
      dir.path(), [](rocksdb::DB& db, const testing::RawFamilies& families) {
        rocksdb::ColumnFamilyHandle* aggregates =
            families.at(keys::kAggregatesFamily);
        std::string level0;
        EXPECT_TRUE(
            db.GetProperty(aggregates, "rocksdb.num-files-at-level0", &level0));
        EXPECT_EQ(level0, "0");
        rocksdb::TablePropertiesCollection tables;
        EXPECT_TRUE(db.GetPropertiesOfAllTables(aggregates, &tables).ok());
        uint64_t entries = 0, merge_operands = 0;
        for (const auto& [file, properties] : tables) {
          entries += properties->num_entries;
          merge_operands += properties->num_merge_operands;
        }
        EXPECT_EQ(entries, 1u);
        EXPECT_EQ(merge_operands, 0u);
        return rocksdb::Status::OK();
      });
}

// Concurrent writers share the commit queue: whatever groups form, every
// WriteSet lands whole and operands folded within a group add up exactly.
TEST(StoreTest, ConcurrentWritesLandWholeAndTheirCellsAddUpExactly) {
  TempDir dir;
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 100;
  analytics::CellKey shared;
  shared.org_unit = "dept/team";
  shared.bucket = 672;
  shared.instrument_id = "ors";
  shared.clinician_id = "k-shared";
  auto own_cell = [&](int thread) {
    analytics::CellKey cell = shared;
    cell.clinician_id = absl::StrCat("k-", thread);
    return cell;
  };
  {
    auto store = OpenOrDie(dir.path());
    ASSERT_NE(store, nullptr);
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; i < kWritesPerThread; ++i) {
          WriteSet w;
          domain::Episode e;
          e.tenant_id = "tenant-a";
          e.episode_id = absl::StrCat("e-", t, "-", i);
          w.episodes.push_back(e);
          w.aggregates_tenant = "tenant-a";
          w.aggregates[shared] = {1, t};
          w.aggregates[own_cell(t)] = {1, i};
          // Half of the writers defer their sync, as an import does: a
          // group with any synced write is synced.
          EXPECT_THAT(t % 2 == 0 ? store->Apply(w) : store->ApplyDeferred(w),
                      IsOk());
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
  }
  // Reopened: what was acknowledged is there, each cell summed exactly.
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWritesPerThread; ++i) {
      auto episode =
          store->GetEpisode("tenant-a", absl::StrCat("e-", t, "-", i));
      ASSERT_THAT(episode, IsOk());
      EXPECT_TRUE(episode->has_value()) << t << "/" << i;
    }
  }
  auto read =
      store->ReadAggregates("tenant-a", shared.kind, shared.granularity,
                            analytics::CellScope::kClinician, "", 672, 672);
  ASSERT_THAT(read, IsOk());
  std::map<std::string, analytics::Sums> by_clinician;
  for (const auto& [key, sums] : *read) by_clinician[key.clinician_id] = sums;
  // 8 threads x 100 writes; thread t adds t each time: 100 * (0+...+7).
  EXPECT_EQ(by_clinician["k-shared"], (analytics::Sums{800, 2800}));
  for (int t = 0; t < kThreads; ++t) {
    // 0 + 1 + ... + 99 = 4950.
    EXPECT_EQ(by_clinician[absl::StrCat("k-", t)], (analytics::Sums{100, 4950}))
        << t;
  }
}

TEST(StoreTest, NewerSchemaIsRefusedWithAClearMessage) {
  TempDir dir;
  { ASSERT_NE(OpenOrDie(dir.path()), nullptr); }
  PutRaw(dir.path(), keys::kSchemaVersionKey, "2");
  EXPECT_THAT(
      Store::Open({dir.path()}),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("schema version 2, newer than this server's 1")));
}

TEST(StoreTest, ForeignDatabaseIsRefused) {
  TempDir dir;
  PutRaw(dir.path(), "somebody-else", "data");
  EXPECT_THAT(Store::Open({dir.path()}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not a Tilbake database")));
}

TEST(StoreTest, CorruptDatabaseIsDataLoss) {
  TempDir dir;
  { ASSERT_NE(OpenOrDie(dir.path()), nullptr); }
  // Overwrite every MANIFEST with bytes that are no log records.
  int corrupted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().filename().string().rfind("MANIFEST-", 0) == 0) {
      std::ofstream(entry.path(), std::ios::trunc) << std::string(4096, '\x5a');
      ++corrupted;
    }
  }
  ASSERT_GT(corrupted, 0);
  EXPECT_THAT(Store::Open({dir.path()}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(dir.path())));
}

TEST(StoreTest, ReferenceSumsAddUpAndReadByIntakeWindow) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  using scoring::ReferenceCell;
  auto delta = [](std::string tenant, std::string instrument,
                  ReferenceCell cell) {
    return ReferenceDelta{std::move(tenant), std::move(instrument), cell};
  };
  WriteSet first;
  first.reference = {delta("tenant-a", "ors", {200, 1, 1, 200, 40000}),
                     delta("tenant-a", "ors", {200, 2, 1, 240, 57600}),
                     delta("tenant-a", "ors", {195, 2, 1, 230, 52900}),
                     delta("tenant-a", "ors", {300, 2, 1, 320, 102400}),
                     delta("tenant-a", "cors", {200, 2, 1, 100, 10000}),
                     delta("tenant-b", "ors", {200, 2, 1, 100, 10000})};
  ASSERT_THAT(store->Apply(first), IsOk());
  WriteSet second;  // Another episode at the same cell, in another batch.
  second.reference = {delta("tenant-a", "ors", {200, 2, 1, 260, 67600})};
  ASSERT_THAT(store->Apply(second), IsOk());

  auto cells = store->ReadReference("tenant-a", "ors", 190, 210);
  ASSERT_THAT(cells, IsOk());
  EXPECT_THAT(*cells, ::testing::ElementsAre(
                          ReferenceCell{195, 2, 1, 230, 52900},
                          ReferenceCell{200, 1, 1, 200, 40000},
                          // 24.0 + 26.0: count 2, sum 500, squares 125200
                          ReferenceCell{200, 2, 2, 500, 125200}));

  WriteSet undo;  // An erased episode subtracts exactly.
  undo.reference = {delta("tenant-a", "ors", {200, 2, -1, -260, -67600})};
  ASSERT_THAT(store->Apply(undo), IsOk());
  cells = store->ReadReference("tenant-a", "ors", 200, 200);
  ASSERT_THAT(cells, IsOk());
  EXPECT_THAT(*cells,
              ::testing::ElementsAre(ReferenceCell{200, 1, 1, 200, 40000},
                                     ReferenceCell{200, 2, 1, 240, 57600}));
  EXPECT_THAT(*store->ReadReference("tenant-b", "ors", 0, 400), SizeIs(1));
  EXPECT_THAT(*store->ReadReference("tenant-a", "cors", 0, 400), SizeIs(1));
}

domain::AuditEntry Entry(std::string tenant, std::string client,
                         int64_t unix_seconds, std::string action) {
  domain::AuditEntry e;
  e.time = absl::FromUnixSeconds(unix_seconds);
  e.tenant_id = std::move(tenant);
  e.actor = {"kari", "clinician", "tenant-a", "req-1", "ipv4:127.0.0.1:5"};
  e.action = std::move(action);
  e.episode_id = "e-1";
  e.client_id = std::move(client);
  return e;
}

std::vector<std::string> Actions(const domain::AuditPage& page) {
  std::vector<std::string> out;
  for (const domain::AuditEntry& e : page.entries) out.push_back(e.action);
  return out;
}

TEST(StoreTest, AccessLogIsReadByTenantClientAndPeriodInTimeOrder) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  WriteSet first;
  first.audit = {Entry("tenant-a", "c-1", 300, "a300-c1"),
                 Entry("tenant-a", "c-2", 100, "a100-c2"),
                 Entry("tenant-b", "c-1", 200, "b200-c1")};
  ASSERT_THAT(store->Apply(first), IsOk());
  WriteSet second;
  second.audit = {Entry("tenant-a", "c-1", 200, "a200-c1"),
                  Entry("tenant-a", "", 400, "a400-none")};
  ASSERT_THAT(store->Apply(second), IsOk());

  auto all = store->ReadAudit({.tenant_id = "tenant-a"});
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(Actions(*all), ::testing::ElementsAre("a100-c2", "a200-c1",
                                                    "a300-c1", "a400-none"));
  EXPECT_EQ(all->next_page_token, "");
  // Every field comes back; sequences are distinct.
  EXPECT_EQ(all->entries[1].actor.peer, "ipv4:127.0.0.1:5");
  EXPECT_EQ(all->entries[1].time, absl::FromUnixSeconds(200));
  EXPECT_NE(all->entries[1].sequence, all->entries[2].sequence);

  auto c1 = store->ReadAudit({.tenant_id = "tenant-a", .client_id = "c-1"});
  ASSERT_THAT(c1, IsOk());
  EXPECT_THAT(Actions(*c1), ::testing::ElementsAre("a200-c1", "a300-c1"));

  // [from, to): 200 is in, 300 is not.
  auto period = store->ReadAudit({.tenant_id = "tenant-a",
                                  .from = absl::FromUnixSeconds(200),
                                  .to = absl::FromUnixSeconds(300)});
  ASSERT_THAT(period, IsOk());
  EXPECT_THAT(Actions(*period), ::testing::ElementsAre("a200-c1"));

  auto other = store->ReadAudit({.tenant_id = "tenant-b"});
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT(Actions(*other), ::testing::ElementsAre("b200-c1"));
  // A tenant whose id extends another's shares nothing with it.
  auto prefix = store->ReadAudit({.tenant_id = "tenant"});
  ASSERT_THAT(prefix, IsOk());
  EXPECT_THAT(prefix->entries, SizeIs(0));
}

TEST(StoreTest, AccessLogPagesResumeWhereTheLastEnded) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  WriteSet changes;
  // Five entries in the same microsecond: the sequence orders them.
  for (int i = 0; i < 5; ++i) {
    changes.audit.push_back(
        Entry("tenant-a", "c-1", 100, absl::StrCat("entry-", i)));
  }
  ASSERT_THAT(store->Apply(changes), IsOk());
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = store->ReadAudit({.tenant_id = "tenant-a",
                                  .client_id = "c-1",
                                  .page_token = token,
                                  .limit = 2});
    ASSERT_THAT(page, IsOk());
    for (const std::string& a : Actions(*page)) seen.push_back(a);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ::testing::ElementsAre("entry-0", "entry-1", "entry-2",
                                           "entry-3", "entry-4"));
  EXPECT_THAT(
      store->ReadAudit({.tenant_id = "tenant-a", .page_token = "x!"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST(StoreTest, AccessLogSequencesKeepGrowingAcrossReopen) {
  TempDir dir;
  uint64_t before = 0;
  {
    auto store = OpenOrDie(dir.path());
    ASSERT_NE(store, nullptr);
    WriteSet changes;
    changes.audit = {Entry("tenant-a", "", 100, "first")};
    ASSERT_THAT(store->Apply(changes), IsOk());
    auto page = store->ReadAudit({.tenant_id = "tenant-a"});
    ASSERT_THAT(page, IsOk());
    before = page->entries.at(0).sequence;
  }
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  WriteSet changes;
  changes.audit = {Entry("tenant-a", "", 100, "second")};
  ASSERT_THAT(store->Apply(changes), IsOk());
  auto page = store->ReadAudit({.tenant_id = "tenant-a"});
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(page->entries, SizeIs(2));
  EXPECT_EQ(page->entries[0].action, "first");
  EXPECT_GT(page->entries[1].sequence, before);
}

TEST(StoreTest, ErasureDeletesRecordsAndKeepsTheRequest) {
  TempDir dir;
  auto store = OpenOrDie(dir.path());
  ASSERT_NE(store, nullptr);
  const domain::Rating keep = testing::OrsRating(1);
  domain::Rating erase = testing::OrsRating(1);
  erase.episode_id = "e-2";
  erase.client_id = "c-99";
  domain::Administration kept_admin = Scored(keep);
  domain::Administration erased_admin = Scored(erase);
  erased_admin.idempotency_key = "key-2";
  ASSERT_THAT(store->Apply({{domain::EpisodeOpenedBy(keep),
                             domain::EpisodeOpenedBy(erase)},
                            {kept_admin, erased_admin},
                            {{"tenant-a", "key-1", "e-1", "x"},
                             {"tenant-a", "key-2", "e-2", "y"}}}),
              IsOk());

  std::vector<std::string> episodes;
  ASSERT_THAT(
      store->ScanEpisodes("tenant-a",
                          [&](const domain::Episode& e,
                              const std::vector<domain::Administration>& all) {
                            episodes.push_back(
                                absl::StrCat(e.episode_id, ":", all.size()));
                            return absl::OkStatus();
                          }),
      IsOk());
  EXPECT_THAT(episodes, ::testing::ElementsAre("e-1:1", "e-2:1"));
  std::vector<std::string> of_client;
  ASSERT_THAT(
      store->ScanClientEpisodes(
          "tenant-a", "c-99",
          [&](const domain::Episode& e,
              const std::vector<domain::Administration>& all) {
            of_client.push_back(absl::StrCat(e.episode_id, ":", all.size()));
            return absl::OkStatus();
          }),
      IsOk());
  EXPECT_THAT(of_client, ::testing::ElementsAre("e-2:1"));
  std::vector<std::string> keys_seen;
  ASSERT_THAT(
      store->ScanIdempotency("tenant-a",
                             [&](const IdempotencyEntry& e) {
                               keys_seen.push_back(e.key + ">" + e.episode_id);
                               return absl::OkStatus();
                             }),
      IsOk());
  EXPECT_THAT(keys_seen, ::testing::ElementsAre("key-1>e-1", "key-2>e-2"));

  domain::ErasureRequest request;
  request.tenant_id = "tenant-a";
  request.request_id = "er-1";
  request.client_id = "c-99";
  request.reason = "citizen asked";
  request.requested_by = "admin-1";
  request.requested_at = absl::FromUnixSeconds(1000);
  request.state = domain::ErasureState::kApproved;
  request.decided_by = "admin-2";
  request.decided_at = absl::FromUnixSeconds(2000);
  request.episodes_erased = 1;
  request.administrations_erased = 1;
  WriteSet erasure;
  erasure.erasure_requests = {request};
  erasure.deleted_episodes = {{"tenant-a", "e-2"}};
  erasure.deleted_administrations = {erase};
  erasure.deleted_idempotency = {{"tenant-a", "key-2"}};
  ASSERT_THAT(store->Apply(erasure), IsOk());
  ASSERT_THAT(store->CompactErased(erasure), IsOk());

  auto gone = store->GetEpisode("tenant-a", "e-2");
  ASSERT_THAT(gone, IsOk());
  EXPECT_EQ(*gone, std::nullopt);
  auto none = store->ListAdministrations("tenant-a", "e-2");
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, SizeIs(0));
  auto key = store->GetIdempotency("tenant-a", "key-2");
  ASSERT_THAT(key, IsOk());
  EXPECT_EQ(*key, std::nullopt);
  // The other client's records are untouched.
  auto kept = store->ListAdministrations("tenant-a", "e-1");
  ASSERT_THAT(kept, IsOk());
  EXPECT_THAT(*kept, SizeIs(1));

  auto stored = store->GetErasureRequest("tenant-a", "er-1");
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ(**stored, request);
  auto listed = store->ListErasureRequests("tenant-a");
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(*listed, SizeIs(1));
  auto foreign = store->ListErasureRequests("tenant-b");
  ASSERT_THAT(foreign, IsOk());
  EXPECT_THAT(*foreign, SizeIs(0));
}

// Whether any SST file in `dir` contains `needle`.
bool AnySstFileHolds(const std::string& dir, const std::string& needle) {
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() != ".sst") continue;
    std::ifstream in(f.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(StoreTest, ErasedRatingsAreGoneFromTheFilesAfterCompaction) {
  TempDir dir;
  const domain::Rating erase = testing::OrsRating(1);
  const std::string needle = "needle-7f3a";  // Findable in the files.
  {
    auto store = OpenOrDie(dir.path());
    ASSERT_NE(store, nullptr);
    domain::Administration a = Scored(erase);
    a.rating.answers.skip_reason = needle;
    ASSERT_THAT(store->Apply({{domain::EpisodeOpenedBy(erase)}, {a}, {}}),
                IsOk());
  }
  auto store = OpenOrDie(dir.path());  // Recovery flushes the log to a file.
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(AnySstFileHolds(dir.path(), needle));
  WriteSet erasure;
  erasure.deleted_episodes = {{"tenant-a", "e-1"}};
  erasure.deleted_administrations = {erase};
  ASSERT_THAT(store->Apply(erasure), IsOk());
  EXPECT_TRUE(AnySstFileHolds(dir.path(), needle));  // Only hidden so far.
  ASSERT_THAT(store->CompactErased(erasure), IsOk());
  EXPECT_FALSE(AnySstFileHolds(dir.path(), needle));
}

TEST(KeysTest, AggregateKeysCarryTheirScope) {
  analytics::CellKey cell;
  cell.kind = analytics::CellKind::kEpisode;
  cell.granularity = analytics::Granularity::kYear;
  cell.org_unit = "psyk/nord";
  cell.bucket = 2026;
  cell.instrument_id = "ors";
  cell.clinician_id = "k-1";
  cell.age_band = scoring::AgeBand::kAdult;
  cell.intake_class = domain::IntakeClass::kBelowCutoff;
  analytics::CellKey total = cell;
  total.clinician_id = "";
  const std::string per_clinician = keys::Aggregate("t", cell);
  const std::string unit_total = keys::Aggregate("t", total);
  EXPECT_TRUE(absl::StartsWith(
      per_clinician, keys::AggregatePrefix("t", cell.kind, cell.granularity,
                                           analytics::CellScope::kClinician)));
  EXPECT_TRUE(absl::StartsWith(
      unit_total, keys::AggregatePrefix("t", cell.kind, cell.granularity,
                                        analytics::CellScope::kUnitTotal)));
  analytics::CellKey decoded;
  ASSERT_TRUE(keys::DecodeAggregate(per_clinician, "t", &decoded));
  EXPECT_TRUE(decoded == cell);
  ASSERT_TRUE(keys::DecodeAggregate(unit_total, "t", &decoded));
  EXPECT_TRUE(decoded == total);
  // A scope byte that contradicts the clinician is a damaged key.
  std::string damaged = unit_total;
  damaged[4] = static_cast<char>(analytics::CellScope::kClinician);
  EXPECT_FALSE(keys::DecodeAggregate(damaged, "t", &decoded));
  // A key of the older layout (no scope byte) does not decode.
  std::string older = per_clinician;
  older.erase(4, 1);
  EXPECT_FALSE(keys::DecodeAggregate(older, "t", &decoded));
}

TEST(KeysTest, PrefixUpperBoundIsTheNextKey) {
  EXPECT_EQ(keys::PrefixUpperBound(std::string("a\0", 2)),
            std::string("a\x01"));
  EXPECT_EQ(keys::PrefixUpperBound("ab\xff"), "ac");
}

}  // namespace
}  // namespace tilbake::storage
