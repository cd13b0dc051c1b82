#include "server/core/reference_cache.h"

#include <limits>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::core {
namespace {

using ::tilbake::testing::IsOk;

scoring::ReferenceCell Cell(scoring::Tenths intake, int32_t session,
                            int64_t sum) {
  return {intake, session, 1, sum, sum * sum};
}

std::vector<scoring::ReferenceCell> Stored(const storage::Store& store) {
  auto cells = store.ReadReference(
      "tenant", "ors", 0, std::numeric_limits<scoring::Tenths>::max() - 1);
  EXPECT_THAT(cells, IsOk());
  return cells.ok() ? *cells : std::vector<scoring::ReferenceCell>{};
}

std::vector<scoring::ReferenceCell> Copy(const ReferenceCache& cache) {
  auto cells = cache.Window("tenant", "ors", 0,
                            std::numeric_limits<scoring::Tenths>::max() - 1);
  EXPECT_THAT(cells, IsOk());
  return cells.ok() ? *cells : std::vector<scoring::ReferenceCell>{};
}

TEST(ReferenceCacheTest, AppliedDeltasAreInTheStoreAndTheCopyOnce) {
  testing::TempDir dir;
  auto store = storage::Store::Open({dir.path()});
  ASSERT_THAT(store, IsOk());
  ReferenceCache cache(store->get());
  storage::WriteSet first;
  ASSERT_THAT(cache.Apply(first, "tenant", {{"ors", Cell(200, 1, 180)}}),
              IsOk());
  storage::WriteSet second;
  ASSERT_THAT(
      cache.Apply(second, "tenant",
                  {{"ors", Cell(200, 1, 220)}, {"ors", Cell(210, 2, 250)}}),
      IsOk());
  const std::vector<scoring::ReferenceCell> expected = {
      {200, 1, 2, 400, 180 * 180 + 220 * 220}, {210, 2, 1, 250, 250 * 250}};
  EXPECT_EQ(Copy(cache), expected);
  EXPECT_EQ(Stored(**store), expected);
  // Only the window asked for.
  auto window = cache.Window("tenant", "ors", 205, 215);
  ASSERT_THAT(window, IsOk());
  EXPECT_EQ(*window, std::vector<scoring::ReferenceCell>{expected[1]});
}

// An evaluation reads the reference while a close's write syncs: it must
// not wait for the disk, and a copy loaded from the store while the write
// is in flight must not count the write twice. The write here reads the
// cache from another thread once its records are in the store, before
// Apply adds its deltas to the copy.
TEST(ReferenceCacheTest, ReadsDuringAWriteNeitherWaitNorCountItTwice) {
  testing::TempDir dir;
  auto store = storage::Store::Open({dir.path()});
  ASSERT_THAT(store, IsOk());
  std::thread reader;
  absl::Notification read;
  std::vector<scoring::ReferenceCell> during;
  ReferenceCache* cache_ptr = nullptr;
  ReferenceCache cache(store->get(), [&](const storage::WriteSet& changes) {
    absl::Status written = (*store)->Apply(changes);
    reader = std::thread([&] {
      during = Copy(*cache_ptr);
      read.Notify();
    });
    // A bound for the failure only: a cache holding its lock across the
    // write keeps the reader waiting until Apply returns.
    EXPECT_TRUE(read.WaitForNotificationWithTimeout(absl::Seconds(30)))
        << "the read waited for the write";
    return written;
  });
  cache_ptr = &cache;
  storage::WriteSet changes;
  ASSERT_THAT(cache.Apply(changes, "tenant", {{"ors", Cell(200, 1, 180)}}),
              IsOk());
  reader.join();
  // During the write: as before it. After it: the write, once.
  EXPECT_TRUE(during.empty());
  const std::vector<scoring::ReferenceCell> expected = {
      {200, 1, 1, 180, 180 * 180}};
  EXPECT_EQ(Copy(cache), expected);
  EXPECT_EQ(Stored(**store), expected);
}

}  // namespace
}  // namespace tilbake::core
