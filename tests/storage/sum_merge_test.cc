#include "storage/sum_merge.h"

#include <deque>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rocksdb/slice.h"

namespace tilbake::storage {
namespace {

std::vector<rocksdb::Slice> Slices(const std::vector<std::string>& values) {
  return {values.begin(), values.end()};
}

TEST(SumMergeTest, EncodingRoundTripsNegativeAndLargeValues) {
  const Sums sums = {0, -1, 42, int64_t{1} << 40, -(int64_t{1} << 62)};
  EXPECT_EQ(EncodeSums(sums).size(), 40u);
  EXPECT_EQ(DecodeSums(EncodeSums(sums)), sums);
  EXPECT_EQ(DecodeSums(std::string(7, '\0')), std::nullopt);
}

TEST(SumMergeTest, FullMergeAddsEveryOperandToTheExistingValue) {
  auto op = NewSumMergeOperator();
  const std::string existing = EncodeSums({10, 20});
  // The second operand is of a longer (newer) layout: the shorter values
  // add as if they ended in zeros; the third subtracts (an erasure).
  const std::vector<std::string> operands = {
      EncodeSums({1, 2}), EncodeSums({3, 4, 5}), EncodeSums({-4, -6})};
  const rocksdb::Slice existing_slice(existing);
  const std::vector<rocksdb::Slice> operand_slices = Slices(operands);
  rocksdb::Slice unused;
  rocksdb::MergeOperator::MergeOperationInput in("k", &existing_slice,
                                                 operand_slices, nullptr);
  std::string merged;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, unused);
  ASSERT_TRUE(op->FullMergeV2(in, &out));
  // 10+1+3-4 = 10, 20+2+4-6 = 20, 0+0+5+0 = 5.
  EXPECT_EQ(DecodeSums(merged), (Sums{10, 20, 5}));
}

TEST(SumMergeTest, FullMergeWithoutAnExistingValueStartsFromZero) {
  auto op = NewSumMergeOperator();
  const std::vector<std::string> operands = {EncodeSums({7}),
                                             EncodeSums({-2, 1})};
  const std::vector<rocksdb::Slice> operand_slices = Slices(operands);
  rocksdb::Slice unused;
  rocksdb::MergeOperator::MergeOperationInput in("k", nullptr, operand_slices,
                                                 nullptr);
  std::string merged;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, unused);
  ASSERT_TRUE(op->FullMergeV2(in, &out));
  EXPECT_EQ(DecodeSums(merged), (Sums{5, 1}));
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
  auto op = NewSumMergeOperator();
  const std::vector<std::string> operands = {EncodeSums({1}), "abc"};
  const std::vector<rocksdb::Slice> operand_slices = Slices(operands);
  rocksdb::Slice unused;
  rocksdb::MergeOperator::MergeOperationInput in("k", nullptr, operand_slices,
                                                 nullptr);
  std::string merged;
  rocksdb::MergeOperator::MergeOperationOutput out(merged, unused);
  EXPECT_FALSE(op->FullMergeV2(in, &out));
  std::string partial;
  EXPECT_FALSE(op->PartialMergeMulti(
      "k", std::deque<rocksdb::Slice>{operands[0], operands[1]}, &partial,
      nullptr));
  const std::string existing = "12345678x";
  const rocksdb::Slice existing_slice(existing);
  const std::vector<std::string> one_operand = {EncodeSums({1})};
  const std::vector<rocksdb::Slice> one = Slices(one_operand);
  rocksdb::MergeOperator::MergeOperationInput bad_base("k", &existing_slice,
                                                       one, nullptr);
  EXPECT_FALSE(op->FullMergeV2(bad_base, &out));
}

}  // namespace
}  // namespace tilbake::storage
