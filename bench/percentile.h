#ifndef TILBAKE_BENCH_PERCENTILE_H_
#define TILBAKE_BENCH_PERCENTILE_H_

#include <algorithm>
#include <cstddef>
#include <vector>

namespace tilbake::bench {

// The `p` quantile (0..1) of `values` by nearest rank below; 0 if empty.
inline double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p *
                                    static_cast<double>(values.size() - 1))];
}

}  // namespace tilbake::bench

#endif  // TILBAKE_BENCH_PERCENTILE_H_
