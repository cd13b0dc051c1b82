#ifndef TILBAKE_TESTS_TESTING_RAW_ROCKSDB_H_
#define TILBAKE_TESTS_TESTING_RAW_ROCKSDB_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/sum_merge.h"

namespace tilbake::testing {

// Column families by name.
using RawFamilies = std::map<std::string, rocksdb::ColumnFamilyHandle*>;

// Opens the database at `path` with RocksDB itself (every family, default
// options but Tilbake's merge operator, without which RocksDB cannot flush
// the aggregate cells it replays) and lets `edit` change it. Creates it if
// missing.
inline void EditRaw(
    const std::string& path,
    const std::function<rocksdb::Status(rocksdb::DB&, const RawFamilies&)>&
        edit) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.merge_operator = storage::NewSumMergeOperator();
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(options, path, &names).ok()) {
    names = {rocksdb::kDefaultColumnFamilyName};
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names) descriptors.emplace_back(name, options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(options, path, descriptors, &handles, &db).ok());
  RawFamilies families;
  for (size_t i = 0; i < names.size(); ++i) families[names[i]] = handles[i];
  EXPECT_TRUE(edit(*db, families).ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_RAW_ROCKSDB_H_
