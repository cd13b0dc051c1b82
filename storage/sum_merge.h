#ifndef TILBAKE_STORAGE_SUM_MERGE_H_
#define TILBAKE_STORAGE_SUM_MERGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "rocksdb/merge_operator.h"

// Values that are fixed-size vectors of int64 sums, added element-wise by a
// RocksDB merge operator: aggregates change by deltas, never by
// read-modify-write, so concurrent writers cannot lose each other's updates
// and a contribution can be subtracted exactly. Private to storage/.
namespace tilbake::storage {

// Any number of sums; two vectors of different lengths add as if the
// shorter one ended in zeros (a layout may grow new fields at its end).
using Sums = std::vector<int64_t>;

std::string EncodeSums(const Sums& sums);
// nullopt if `bytes` is not a whole number of big-endian int64s.
std::optional<Sums> DecodeSums(absl::string_view bytes);

std::shared_ptr<rocksdb::MergeOperator> NewSumMergeOperator();

}  // namespace tilbake::storage

#endif  // TILBAKE_STORAGE_SUM_MERGE_H_
