// tilbake-trend-bench: trend query latency against history size.
//
// Generates a synthetic tenant (8 departments × 5 teams, 4 clinicians a
// team, ~20 ratings an episode: weekly ORS and SRS, 3 years) and loads it in
// stages of 10 k, 100 k and 1 M ratings through the core (the server's own
// write path, without gRPC), then starts the real server on the data and
// times typical quality-group queries through gRPC: p50 and p99 over a
// bounded number of calls. Prints a table, writes JSON, reports RSS.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/sdk/client.h"
#include "server/app/server.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/rating_service.h"

ABSL_FLAG(std::string, stages, "10000,100000,1000000",
          "Stored ratings at which to measure.");
ABSL_FLAG(int, queries, 200, "Calls per query kind and stage (upper bound).");
ABSL_FLAG(int, max_seconds, 600, "Time limit for loading all stages.");
ABSL_FLAG(std::string, work_dir, "/tmp", "Where the database goes.");
ABSL_FLAG(std::string, json_out, "trend-bench.json", "Where to write JSON.");
ABSL_FLAG(uint32_t, memtable_mb, 64,
          "RocksDB memtable budget (the server's --storage_memtable_mb).");

namespace {

const tilbake::domain::Actor kBenchActor{"bench", "integration", "bench", "",
                                         "bench"};

namespace v1 = tilbake::v1;
using tilbake::domain::Rating;

constexpr int kDepartments = 8, kTeamsPerDepartment = 5, kCliniciansPerTeam = 4;
const absl::CivilDay kStart(2023, 6, 1);  // three years of history
constexpr int kDays = 3 * 365;

// One synthetic episode: its ratings in date order and its ending.
struct SyntheticEpisode {
  std::vector<Rating> ratings;
  tilbake::domain::Ending ending;
};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  SyntheticEpisode Next(int index) {
    SyntheticEpisode e;
    const int team = Uniform(0, kDepartments * kTeamsPerDepartment - 1);
    const std::string org_unit =
        absl::StrCat("dept-", team / kTeamsPerDepartment, "/team-",
                     team % kTeamsPerDepartment);
    const std::string clinician =
        absl::StrCat("k-", team, "-", Uniform(0, kCliniciansPerTeam - 1));
    // Episodes start uniformly over the first 2.8 years, in index order.
    const absl::CivilDay start = kStart + (index * 997LL) % (kDays - 80);
    const int age = std::bernoulli_distribution(0.2)(rng_) ? Uniform(13, 17)
                                                           : Uniform(18, 80);
    const int sessions = std::clamp(
        static_cast<int>(std::geometric_distribution<int>(0.1)(rng_)) + 1, 1,
        25);
    const double intake =
        std::clamp(std::normal_distribution<double>(20, 7)(rng_), 2.0, 39.0);
    const double gain = std::normal_distribution<double>(4, 4)(rng_);
    for (int s = 1; s <= sessions; ++s) {
      const absl::CivilDay day = start + 7 * (s - 1);
      const double ors =
          std::clamp(intake + gain * std::log(static_cast<double>(s)) +
                         std::normal_distribution<double>(0, 1.5)(rng_),
                     0.0, 40.0);
      e.ratings.push_back(
          Make(index, org_unit, clinician, s, day, "ors", ors, age));
      if (!std::bernoulli_distribution(0.1)(rng_)) {  // 10 % without an SRS
        const double srs = std::clamp(
            std::normal_distribution<double>(37, 2.5)(rng_), 0.0, 40.0);
        e.ratings.push_back(
            Make(index, org_unit, clinician, s, day, "srs", srs, age));
      }
    }
    e.ending = {std::bernoulli_distribution(0.3)(rng_)
                    ? tilbake::domain::EndingType::kUnilateral
                    : tilbake::domain::EndingType::kPlanned,
                e.ratings.back().session_date + 3};
    return e;
  }

 private:
  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }

  static Rating Make(int index, const std::string& org_unit,
                     const std::string& clinician, int session,
                     absl::CivilDay day, const std::string& instrument,
                     double total, int age) {
    Rating r;
    r.tenant_id = "bench";
    r.episode_id = absl::StrCat("ep-", index);
    r.client_id = absl::StrCat("c-", index);
    r.clinician_id = clinician;
    r.org_unit = org_unit;
    r.session_number = session;
    r.session_date = day;
    r.instrument_id = instrument;
    r.client_age_years = age;
    // Four items summing to the total, none above 10.0: the remainder
    // goes a tenth at a time to the first items.
    const int tenths = static_cast<int>(std::lround(total * 10));
    r.answers.format = tilbake::scoring::AnswerFormat::kItems;
    for (int i = 0; i < 4; ++i) {
      const int v = tenths / 4 + (i < tenths % 4 ? 1 : 0);
      r.answers.items.push_back(
          {"", v, tilbake::scoring::Importance::kUnspecified});
    }
    return r;
  }

  std::mt19937 rng_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

double ResidentMiB() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) *
         static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

v1::Date ToDate(absl::CivilDay d) {
  v1::Date out;
  out.set_year(static_cast<int32_t>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

struct Result {
  int64_t ratings;
  std::string query;
  int calls;
  size_t rows;
  double p50_ms, p99_ms;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::vector<int64_t> stages;
  for (absl::string_view s : absl::StrSplit(absl::GetFlag(FLAGS_stages), ',')) {
    int64_t v = 0;
    if (absl::SimpleAtoi(s, &v)) stages.push_back(v);
  }
  const std::string dir =
      absl::StrCat(absl::GetFlag(FLAGS_work_dir), "/tilbake-trend-bench-",
                   absl::ToUnixMicros(absl::Now()));
  auto catalog = *tilbake::config::LoadInstrumentCatalog("");
  auto rules = *tilbake::config::LoadRuleSets({});
  Generator generator(42);
  int64_t stored = 0;
  int next_episode = 0;
  SyntheticEpisode pending;
  size_t pending_at = 0;
  const absl::Time deadline =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  std::vector<Result> results;
  std::vector<std::string> load_lines;

  for (int64_t stage : stages) {
    // Load up to `stage` ratings (bounded by the deadline).
    {
      auto store = tilbake::storage::Store::Open(
          {.path = dir,
           .durability = tilbake::storage::Durability::kOs,
           .memtable_budget_bytes = size_t{absl::GetFlag(FLAGS_memtable_mb)}
                                    << 20});
      if (!store.ok()) {
        std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
        return 1;
      }
      tilbake::core::RatingService core(store->get(), &catalog, &rules,
                                        [] { return absl::Now(); });
      const absl::Time t0 = absl::Now();
      const int64_t before = stored;
      while (stored < stage && absl::Now() < deadline) {
        if (pending_at == pending.ratings.size()) {
          if (!pending.ratings.empty()) {
            (void)core.CloseEpisode(kBenchActor, "bench",
                                    pending.ratings[0].episode_id,
                                    pending.ending);
          }
          pending = generator.Next(next_episode++);
          pending_at = 0;
        }
        const Rating& r = pending.ratings[pending_at++];
        auto result =
            core.Submit(kBenchActor, r,
                        absl::StrCat(r.episode_id, "-", r.session_number, "-",
                                     r.instrument_id));
        if (!result.ok()) {
          std::fprintf(stderr, "load failed: %s\n",
                       result.status().ToString().c_str());
          return 1;
        }
        ++stored;
      }
      const double seconds = absl::ToDoubleSeconds(absl::Now() - t0);
      load_lines.push_back(absl::StrFormat(
          "loaded %d ratings (%d episodes) in %.1f s: %.0f ratings/s",
          stored - before, next_episode, seconds,
          static_cast<double>(stored - before) / seconds));
      // Queries are timed on a settled database, as a quality group meets
      // it, not while RocksDB still compacts the bulk load (bounded wait).
      // The flush is what a clean stop does (Server::Shutdown).
      if (absl::Status flushed = (*store)->Flush(); !flushed.ok()) {
        std::fprintf(stderr, "flush failed: %s\n", flushed.ToString().c_str());
        return 1;
      }
      const absl::Time settle_start = absl::Now();
      const absl::Time settle_deadline = settle_start + absl::Seconds(120);
      bool settled = false;
      while (!settled && absl::Now() < settle_deadline) {
        auto stats = (*store)->Stats();
        settled = stats.ok() && stats->pending_compaction_bytes == 0 &&
                  stats->running_compactions == 0 &&
                  stats->running_flushes == 0;
        if (!settled) absl::SleepFor(absl::Milliseconds(100));
      }
      load_lines.push_back(absl::StrFormat(
          "compaction %s after %.1f s", settled ? "settled" : "still running",
          absl::ToDoubleSeconds(absl::Now() - settle_start)));
    }
    if (stored < stage) {
      std::fprintf(stderr, "load deadline reached at %lld ratings\n",
                   static_cast<long long>(stored));
      break;
    }
    // Query through the real server.
    tilbake::app::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir;
    options.durability = tilbake::storage::Durability::kOs;
    options.storage_memtable_mb = absl::GetFlag(FLAGS_memtable_mb);
    options.log_requests = false;
    auto server = tilbake::app::Server::Start(options);
    if (!server.ok()) {
      std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
      return 1;
    }
    auto client = tilbake::client::Client::Connect(
        {.target = absl::StrCat("127.0.0.1:", (*server)->port())});
    // The last loaded episode's start is "now" for the queries.
    const absl::CivilDay now =
        pending.ratings.empty() ? kStart : pending.ratings.back().session_date;
    struct Kind {
      std::string name;
      v1::QueryTrendsRequest request;
    };
    std::vector<Kind> kinds;
    auto base = [&](int months_back) {
      v1::QueryTrendsRequest q;
      q.set_tenant_id("bench");
      *q.mutable_from() =
          ToDate(absl::CivilDay(absl::CivilMonth(now) - months_back));
      *q.mutable_to() = ToDate(now);
      return q;
    };
    {
      auto q = base(11);
      q.add_group_by(v1::TREND_GROUP_BY_INSTRUMENT);
      kinds.push_back({"tenant, 12 months by month, per instrument", q});
    }
    {
      auto q = base(11);
      q.set_org_unit("dept-3");
      q.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
      q.add_instrument_ids("ors");
      kinds.push_back({"department, 12 months by month, per team", q});
    }
    {
      auto q = base(2);
      q.set_org_unit("dept-3/team-2");
      q.set_bucket(v1::TREND_BUCKET_WEEK);
      kinds.push_back({"team, 3 months by week", q});
    }
    {
      auto q = base(35);
      q.set_bucket(v1::TREND_BUCKET_YEAR);
      q.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
      q.set_org_unit_depth(1);
      kinds.push_back({"tenant, 3 years by year, per department", q});
    }
    for (const Kind& kind : kinds) {
      std::vector<double> ms;
      size_t rows = 0;
      const absl::Time stop = absl::Now() + absl::Seconds(30);
      for (int i = 0; i < absl::GetFlag(FLAGS_queries) && absl::Now() < stop;
           ++i) {
        const absl::Time t = absl::Now();
        auto result = client->QueryTrends(kind.request);
        ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
        if (!result.ok()) {
          std::fprintf(stderr, "query failed: %s\n",
                       result.status().ToString().c_str());
          return 1;
        }
        rows = result->size();
      }
      results.push_back({stored, kind.name, static_cast<int>(ms.size()), rows,
                         Percentile(ms, 0.5), Percentile(ms, 0.99)});
    }
    {
      v1::QualityReportRequest report;
      report.set_tenant_id("bench");
      report.set_org_unit("dept-3");
      *report.mutable_from() =
          ToDate(absl::CivilDay(absl::CivilMonth(now) - 11));
      *report.mutable_to() = ToDate(now);
      std::vector<double> ms;
      for (int i = 0; i < absl::GetFlag(FLAGS_queries); ++i) {
        const absl::Time t = absl::Now();
        if (!client->GetQualityReport(report).ok()) return 1;
        ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
      }
      results.push_back({stored, "quality report, department, 12 months",
                         static_cast<int>(ms.size()), 1, Percentile(ms, 0.5),
                         Percentile(ms, 0.99)});
    }
    load_lines.push_back(absl::StrFormat("at %d ratings: process RSS %.0f MiB",
                                         stored, ResidentMiB()));
    client.reset();
    (*server)->Shutdown(absl::Seconds(5));
  }

  for (const std::string& line : load_lines) std::printf("%s\n", line.c_str());
  std::printf("\n%-10s %-46s %6s %6s %9s %9s\n", "ratings", "query", "calls",
              "rows", "p50_ms", "p99_ms");
  std::vector<std::string> json;
  for (const Result& r : results) {
    std::printf("%-10lld %-46s %6d %6zu %9.3f %9.3f\n",
                static_cast<long long>(r.ratings), r.query.c_str(), r.calls,
                r.rows, r.p50_ms, r.p99_ms);
    json.push_back(absl::StrFormat(
        R"({"ratings":%d,"query":"%s","calls":%d,"rows":%d,"p50_ms":%.3f,"p99_ms":%.3f})",
        r.ratings, r.query, r.calls, r.rows, r.p50_ms, r.p99_ms));
  }
  std::ofstream(absl::GetFlag(FLAGS_json_out))
      << "[\n  " << absl::StrJoin(json, ",\n  ") << "\n]\n";
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}
