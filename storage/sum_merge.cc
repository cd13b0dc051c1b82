#include "storage/sum_merge.h"

#include <deque>

namespace tilbake::storage {
namespace {

absl::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// Adds the big-endian int64s in `bytes` into `total` (growing it as needed)
// without building a vector per operand. False if `bytes` is not a whole
// number of int64s.
bool AddEncoded(absl::string_view bytes, Sums& total) {
  if (bytes.size() % 8 != 0) return false;
  const size_t n = bytes.size() / 8;
  if (total.size() < n) total.resize(n, 0);
  for (size_t i = 0; i < n; ++i) {
    uint64_t u = 0;
    for (size_t b = 0; b < 8; ++b) {
      u = (u << 8) | static_cast<unsigned char>(bytes[i * 8 + b]);
    }
    total[i] += static_cast<int64_t>(u);
  }
  return true;
}

// Folds all operands of a key in one pass: decode each into one running
// total, encode once. (RocksDB's AssociativeMergeOperator would decode and
// re-encode the total per operand; a trend query folds thousands of cells.)
class SumMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in,
                   MergeOperationOutput* out) const override {
    Sums total;
    if (in.existing_value != nullptr &&
        !AddEncoded(View(*in.existing_value), total))
      return false;  // Corruption: fail the merge.
    for (const rocksdb::Slice& operand : in.operand_list) {
      if (!AddEncoded(View(operand), total)) return false;
    }
    out->new_value = EncodeSums(total);
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& /*key*/,
                         const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value,
                         rocksdb::Logger* /*logger*/) const override {
    Sums total;
    for (const rocksdb::Slice& operand : operands) {
      if (!AddEncoded(View(operand), total)) return false;
    }
    *new_value = EncodeSums(total);
    return true;
  }

  bool PartialMerge(const rocksdb::Slice& key, const rocksdb::Slice& left,
                    const rocksdb::Slice& right, std::string* new_value,
                    rocksdb::Logger* logger) const override {
    return PartialMergeMulti(key, {left, right}, new_value, logger);
  }

  const char* Name() const override { return "tilbake.SumMergeOperator"; }
};

}  // namespace

std::string EncodeSums(const Sums& sums) {
  std::string out;
  out.reserve(sums.size() * 8);
  for (int64_t v : sums) {
    const auto u = static_cast<uint64_t>(v);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((u >> shift) & 0xff));
    }
  }
  return out;
}

std::optional<Sums> DecodeSums(absl::string_view bytes) {
  Sums sums;
  if (!AddEncoded(bytes, sums)) return std::nullopt;
  return sums;
}

std::shared_ptr<rocksdb::MergeOperator> NewSumMergeOperator() {
  return std::make_shared<SumMergeOperator>();
}

}  // namespace tilbake::storage
