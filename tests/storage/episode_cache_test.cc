#include "storage/episode_cache.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "tests/testing/builders.h"

namespace tilbake::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::Optional;

domain::Administration Session(int session, const std::string& episode) {
  domain::Administration a;
  a.rating = testing::OrsRating(session);
  a.rating.episode_id = episode;
  return a;
}

std::string PrefixOf(const std::string& episode) {
  return keys::EpisodeAdministrationsPrefix("tenant-a", episode);
}

// What a reader would have read from the store.
EpisodeCache::Administrations Stored(std::vector<domain::Administration> as) {
  EpisodeCache::Administrations out;
  for (domain::Administration& a : as) {
    out.emplace(keys::Administration(a.rating), std::move(a));
  }
  return out;
}

auto SessionIs(int session) {
  return Field(&domain::Administration::rating,
               Field(&domain::Rating::session_number, session));
}

TEST(EpisodeCacheTest, KeepsWhatAReaderReadAndGivesItBackInKeyOrder) {
  EpisodeCache cache(8);
  uint64_t epoch = 0;
  EXPECT_EQ(cache.Get(PrefixOf("e-1"), &epoch), std::nullopt);
  cache.Put(PrefixOf("e-1"), epoch,
            Stored({Session(2, "e-1"), Session(1, "e-1")}));
  EXPECT_THAT(cache.Get(PrefixOf("e-1"), &epoch),
              Optional(ElementsAre(SessionIs(1), SessionIs(2))));
}

TEST(EpisodeCacheTest, CommitsAreAppliedToTheEpisodesHeld) {
  EpisodeCache cache(8);
  uint64_t epoch = 0;
  ASSERT_EQ(cache.Get(PrefixOf("e-1"), &epoch), std::nullopt);
  cache.Put(PrefixOf("e-1"), epoch, Stored({Session(1, "e-1")}));

  WriteSet next;
  next.administrations = {Session(2, "e-1")};
  cache.Apply(next);
  EXPECT_THAT(cache.Get(PrefixOf("e-1"), &epoch),
              Optional(ElementsAre(SessionIs(1), SessionIs(2))));

  WriteSet replaced;  // The same key again: replaces, never duplicates.
  replaced.administrations = {Session(2, "e-1")};
  replaced.administrations[0].score.total = 123;
  cache.Apply(replaced);
  auto got = cache.Get(PrefixOf("e-1"), &epoch);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[1].score.total, 123);

  WriteSet erased;
  erased.deleted_administrations = {Session(1, "e-1").rating};
  cache.Apply(erased);
  EXPECT_THAT(cache.Get(PrefixOf("e-1"), &epoch),
              Optional(ElementsAre(SessionIs(2))));

  WriteSet episode_gone;
  episode_gone.deleted_episodes = {{"tenant-a", "e-1"}};
  cache.Apply(episode_gone);
  EXPECT_EQ(cache.Get(PrefixOf("e-1"), &epoch), std::nullopt);
}

TEST(EpisodeCacheTest, AReadThatRacedACommitIsNotKept) {
  EpisodeCache cache(8);
  uint64_t epoch = 0;
  ASSERT_EQ(cache.Get(PrefixOf("e-1"), &epoch), std::nullopt);
  // The reader scanned session 1; session 2 commits before it puts.
  WriteSet commit;
  commit.administrations = {Session(2, "e-1")};
  cache.Apply(commit);
  cache.Put(PrefixOf("e-1"), epoch, Stored({Session(1, "e-1")}));
  EXPECT_EQ(cache.Get(PrefixOf("e-1"), &epoch), std::nullopt);
  // A read after the commit is kept.
  cache.Put(PrefixOf("e-1"), epoch,
            Stored({Session(1, "e-1"), Session(2, "e-1")}));
  EXPECT_THAT(cache.Get(PrefixOf("e-1"), &epoch),
              Optional(ElementsAre(SessionIs(1), SessionIs(2))));
}

TEST(EpisodeCacheTest, HoldsAtMostItsCapacityDroppingTheLeastRecentlyUsed) {
  EpisodeCache cache(2);
  uint64_t epoch = 0;
  for (const char* e : {"e-1", "e-2"}) {
    ASSERT_EQ(cache.Get(PrefixOf(e), &epoch), std::nullopt);
    cache.Put(PrefixOf(e), epoch, Stored({Session(1, e)}));
  }
  ASSERT_TRUE(cache.Get(PrefixOf("e-1"), &epoch).has_value());  // e-2 oldest.
  ASSERT_EQ(cache.Get(PrefixOf("e-3"), &epoch), std::nullopt);
  cache.Put(PrefixOf("e-3"), epoch, Stored({Session(1, "e-3")}));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.Get(PrefixOf("e-1"), &epoch).has_value());
  EXPECT_EQ(cache.Get(PrefixOf("e-2"), &epoch), std::nullopt);
  EXPECT_TRUE(cache.Get(PrefixOf("e-3"), &epoch).has_value());

  EpisodeCache none(0);
  none.Put(PrefixOf("e-1"), 0, Stored({Session(1, "e-1")}));
  EXPECT_EQ(none.Get(PrefixOf("e-1"), &epoch), std::nullopt);
}

}  // namespace
}  // namespace tilbake::storage
