#include "storage/sum_merge.h"

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/slice.h"

namespace tilbake::storage {
namespace {

// RocksDB's full merge of `operands` onto `existing` (none if null): the
// decoded result, or nullopt if the operator refused.
std::optional<Sums> FullMerge(const std::string* existing,
                              const std::vector<std::string>& operands) {
  auto op = NewSumMergeOperator();
  const rocksdb::Slice existing_slice =
      existing == nullptr ? rocksdb::Slice() : rocksdb::Slice(*existing);
  const std::vector<rocksdb::Slice> slices(operands.begin(), operands.end());
  rocksdb::MergeOperator::MergeOperationInput in(
      "k", existing == nullptr ? nullptr : &existing_slice, slices, nullptr);
  std::string merged;
  rocksdb::Slice unused;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, unused);
  if (!op->FullMergeV2(in, &out)) return std::nullopt;
  return DecodeSums(merged);
}

TEST(SumMergeTest, EncodingRoundTripsNegativeAndLargeValues) {
  const Sums sums = {0, -1, 42, int64_t{1} << 40, -(int64_t{1} << 62)};
  EXPECT_EQ(EncodeSums(sums).size(), 40u);
  EXPECT_EQ(DecodeSums(EncodeSums(sums)), sums);
  EXPECT_EQ(DecodeSums(std::string(7, '\0')), std::nullopt);
}

TEST(SumMergeTest, FullMergeAddsEveryOperandToTheExistingValue) {
  const std::string existing = EncodeSums({10, 20});
  // The second operand is of a longer (newer) layout: the shorter values
  // add as if they ended in zeros; the third subtracts (an erasure).
  // 10+1+3-4 = 10, 20+2+4-6 = 20, 0+0+5+0 = 5.
  EXPECT_EQ(FullMerge(&existing, {EncodeSums({1, 2}), EncodeSums({3, 4, 5}),
                                  EncodeSums({-4, -6})}),
            (Sums{10, 20, 5}));
}

TEST(SumMergeTest, FullMergeWithoutAnExistingValueStartsFromZero) {
  EXPECT_EQ(FullMerge(nullptr, {EncodeSums({7}), EncodeSums({-2, 1})}),
            (Sums{5, 1}));
}

TEST(SumMergeTest, PartialMergesFoldOperandsWithoutABase) {
  auto op = NewSumMergeOperator();
  const std::string a = EncodeSums({1, 1}), b = EncodeSums({2, 3, 4});
  std::string pair;
  ASSERT_TRUE(op->PartialMerge("k", a, b, &pair, nullptr));
  EXPECT_EQ(DecodeSums(pair), (Sums{3, 4, 4}));
  const std::string c = EncodeSums({-3});
  std::string multi;
  ASSERT_TRUE(op->PartialMergeMulti("k", std::deque<rocksdb::Slice>{a, b, c},
                                    &multi, nullptr));
  EXPECT_EQ(DecodeSums(multi), (Sums{0, 4, 4}));
}

TEST(SumMergeTest, AnUnreadableOperandFailsTheMerge) {
  EXPECT_EQ(FullMerge(nullptr, {EncodeSums({1}), "abc"}), std::nullopt);
  const std::string bad_base = "12345678x";
  EXPECT_EQ(FullMerge(&bad_base, {EncodeSums({1})}), std::nullopt);
  auto op = NewSumMergeOperator();
  const std::string one = EncodeSums({1});
  std::string partial;
  EXPECT_FALSE(op->PartialMergeMulti(
      "k", std::deque<rocksdb::Slice>{one, "abc"}, &partial, nullptr));
}

}  // namespace
}  // namespace tilbake::storage
