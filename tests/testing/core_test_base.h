#ifndef TILBAKE_TESTS_TESTING_CORE_TEST_BASE_H_
#define TILBAKE_TESTS_TESTING_CORE_TEST_BASE_H_

#include <memory>

#include "gtest/gtest.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/episode_records.h"
#include "server/core/rating_service.h"
#include "storage/store.h"
#include "tests/testing/builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace tilbake::testing {

// The core as the server assembles it: the built-in instrument catalog and
// rule sets, a RocksDB store in a temp directory, the records and the rating
// service on the fixed test clock. Core test fixtures derive from it; one that
// adds to SetUp calls this one first and stops if it failed.
class CoreTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = config::LoadInstrumentCatalog("");
    ASSERT_THAT(catalog, IsOk());
    catalog_ =
        std::make_unique<scoring::InstrumentCatalog>(*std::move(catalog));
    auto rules = config::LoadRuleSets({});
    ASSERT_THAT(rules, IsOk());
    rules_ = std::make_unique<scoring::RuleSetRegistry>(*std::move(rules));
    auto store = storage::Store::Open({dir_.path()});
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    records_ = std::make_unique<core::EpisodeRecords>(
        store_.get(), catalog_.get(), rules_.get(), [] { return Now(); });
    service_ = std::make_unique<core::RatingService>(records_.get());
  }

  TempDir dir_;
  std::unique_ptr<scoring::InstrumentCatalog> catalog_;
  std::unique_ptr<scoring::RuleSetRegistry> rules_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<core::EpisodeRecords> records_;
  std::unique_ptr<core::RatingService> service_;
};

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_CORE_TEST_BASE_H_
