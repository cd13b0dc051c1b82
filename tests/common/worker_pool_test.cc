#include "common/worker_pool.h"

#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace tilbake {
namespace {

TEST(WorkerPoolTest, RunsEverythingScheduledBeforeItIsDestroyed) {
  std::atomic<int> done = 0;
  {
    WorkerPool pool(4);
    for (int i = 0; i < 1000; ++i) pool.Schedule([&done] { ++done; });
  }
  EXPECT_EQ(done, 1000);
}

TEST(WorkerPoolTest, OneThreadRunsInScheduleOrder) {
  std::vector<int> order;
  {
    WorkerPool pool(1);
    for (int i = 0; i < 100; ++i)
      pool.Schedule([&order, i] { order.push_back(i); });
  }
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkerPoolTest, BlockedWorkDoesNotHoldUpTheOtherThreads) {
  // The reason the pool exists: work waiting (for the disk) must not stop
  // other work from running.
  WorkerPool pool(2);
  absl::Notification release, other_ran;
  pool.Schedule([&] { release.WaitForNotification(); });
  pool.Schedule([&] { other_ran.Notify(); });
  // With one thread (or work run in line) this would never happen.
  EXPECT_TRUE(other_ran.WaitForNotificationWithTimeout(absl::Seconds(60)));
  release.Notify();
}

TEST(WorkerPoolTest, MoveOnlyWorkIsAccepted) {
  std::atomic<int> seen = 0;
  {
    WorkerPool pool(1);
    auto value = std::make_unique<int>(7);
    pool.Schedule([&seen, value = std::move(value)] { seen = *value; });
  }
  EXPECT_EQ(seen, 7);
}

}  // namespace
}  // namespace tilbake
