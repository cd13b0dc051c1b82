#include "storage/sum_merge.h"

#include <algorithm>

namespace tilbake::storage {
namespace {

class SumMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& key, const rocksdb::Slice* existing_value,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* logger) const override {
    Sums total;
    if (existing_value != nullptr) {
      std::optional<Sums> existing = DecodeSums(
          absl::string_view(existing_value->data(), existing_value->size()));
      if (!existing.has_value()) return false;  // Corruption: fail the merge.
      total = *existing;
    }
    std::optional<Sums> delta =
        DecodeSums(absl::string_view(value.data(), value.size()));
    if (!delta.has_value()) return false;
    total.resize(std::max(total.size(), delta->size()), 0);
    for (size_t i = 0; i < delta->size(); ++i) total[i] += (*delta)[i];
    *new_value = EncodeSums(total);
    return true;
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
  if (bytes.size() % 8 != 0) return std::nullopt;
  Sums sums(bytes.size() / 8, 0);
  for (size_t i = 0; i < sums.size(); ++i) {
    uint64_t u = 0;
    for (size_t b = 0; b < 8; ++b) {
      u = (u << 8) | static_cast<unsigned char>(bytes[i * 8 + b]);
    }
    sums[i] = static_cast<int64_t>(u);
  }
  return sums;
}

std::shared_ptr<rocksdb::MergeOperator> NewSumMergeOperator() {
  return std::make_shared<SumMergeOperator>();
}

}  // namespace tilbake::storage
