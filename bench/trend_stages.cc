#include "bench/trend_stages.h"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "analytics/distinct_clients.h"
#include "bench/percentile.h"
#include "bench/process_stats.h"
#include "client/sdk/client.h"
#include "common/status_macros.h"
#include "httplib.h"
#include "server/config/instrument_loader.h"
#include "server/config/rule_set_loader.h"
#include "server/core/aggregation.h"
#include "server/core/episode_records.h"
#include "server/core/rating_service.h"
#include "storage/store.h"
#include "tests/testing/child_process.h"
#include "tests/testing/settle.h"

namespace tilbake::bench {
namespace {

const domain::Actor kBenchActor{"bench", "integration", "bench", "", "bench"};

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

v1::Date ToDate(absl::CivilDay d) {
  v1::Date out;
  out.set_year(static_cast<int32_t>(d.year()));
  out.set_month(d.month());
  out.set_day(d.day());
  return out;
}

// The typical quality-group queries, "now" being the last loaded day.
std::vector<std::pair<std::string, v1::QueryTrendsRequest>> QueryKinds(
    absl::CivilDay now) {
  auto base = [&](int months_back) {
    v1::QueryTrendsRequest q;
    q.set_tenant_id("bench");
    *q.mutable_from() =
        ToDate(absl::CivilDay(absl::CivilMonth(now) - months_back));
    *q.mutable_to() = ToDate(now);
    return q;
  };
  std::vector<std::pair<std::string, v1::QueryTrendsRequest>> kinds;
  {
    auto q = base(11);
    q.add_group_by(v1::TREND_GROUP_BY_INSTRUMENT);
    kinds.emplace_back("tenant, 12 months by month, per instrument", q);
  }
  {
    auto q = base(11);
    q.set_org_unit("dept-3");
    q.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
    q.add_instrument_ids("ors");
    kinds.emplace_back("department, 12 months by month, per team", q);
  }
  {
    auto q = base(2);
    q.set_org_unit("dept-3/team-2");
    q.set_bucket(v1::TREND_BUCKET_WEEK);
    kinds.emplace_back("team, 3 months by week", q);
  }
  {
    auto q = base(35);
    q.set_bucket(v1::TREND_BUCKET_YEAR);
    q.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
    q.set_org_unit_depth(1);
    kinds.emplace_back("tenant, 3 years by year, per department", q);
  }
  return kinds;
}

// Times `call` up to `calls` times within `limit`; false from it stops.
template <typename Call>
absl::StatusOr<std::vector<double>> Time(int calls, absl::Duration limit,
                                         Call call) {
  std::vector<double> ms;
  const absl::Time stop = absl::Now() + limit;
  for (int i = 0; i < calls && absl::Now() < stop; ++i) {
    const absl::Time t = absl::Now();
    RETURN_IF_ERROR(call());
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
  }
  return ms;
}

// What one thread of the bulk load computes for a write.
struct BulkPart {
  storage::WriteSet changes;  // records only; the cells go to `pending`
  std::vector<core::ReferenceCache::Delta> reference;
  analytics::Cells pending;  // kept across writes
};

template <typename T>
void Append(std::vector<T>& from, std::vector<T>& to) {
  to.insert(to.end(), std::make_move_iterator(from.begin()),
            std::make_move_iterator(from.end()));
}

// Scores, evaluates and closes `episodes` as submitting and closing them
// would, into `part`.
absl::Status Compute(const core::EpisodeRecords& records,
                     absl::Span<const SyntheticEpisode> episodes,
                     absl::Time now, BulkPart& part) {
  const scoring::InstrumentCatalog& catalog = records.catalog();
  const scoring::RuleSetRegistry& rules = records.rule_sets();
  storage::WriteSet& changes = part.changes;
  for (const SyntheticEpisode& synthetic : episodes) {
    const Rating& first = synthetic.ratings.front();
    domain::Episode episode = domain::EpisodeOpenedBy(first);
    episode.last_session_date = synthetic.ratings.back().session_date;
    core::EpisodeView view;
    for (const Rating& r : synthetic.ratings) {
      ASSIGN_OR_RETURN(core::ScoredRating scored, records.Score(r));
      const std::string key = absl::StrCat(r.episode_id, "-", r.session_number,
                                           "-", r.instrument_id);
      changes.idempotency.push_back({r.tenant_id, key, r.episode_id,
                                     domain::AdministrationId(scored.rating)});
      view.administrations.push_back(
          {std::move(scored.rating), scored.score, now, key});
    }
    // Evaluated open, then closed with its outcomes frozen, as Close.
    view.episode = episode;
    RETURN_IF_ERROR(records.Evaluate(view));
    const std::vector<scoring::AdministrationInput> inputs =
        records.Inputs(view.administrations);
    episode.ending = synthetic.ending;
    episode.outcomes = core::FreezeOutcomes(
        view.administrations, view.evaluations,
        scoring::EpisodeOutcomes(inputs, view.evaluations, *view.rules));
    episode.closed_rule_set = view.rules->name;
    episode.closed_rule_set_version = view.rules->version;
    for (auto& delta : scoring::ReferenceContributions(inputs)) {
      part.reference.push_back(std::move(delta));
    }
    core::AddEpisode(episode, view.administrations, catalog, rules,
                     part.pending);
    analytics::ClientFacts facts = {
        {episode.episode_id,
         analytics::FactsOf(episode, view.administrations, first.client_id)}};
    analytics::AddDistinctClients(facts, part.pending);
    changes.client_facts.push_back(
        {episode.tenant_id, first.client_id, std::move(facts)});
    changes.episodes.push_back(std::move(episode));
    for (domain::Administration& a : view.administrations) {
      changes.administrations.push_back(std::move(a));
    }
  }
  return absl::OkStatus();
}

// Loads ratings through the core into the database at `dir` until `target`
// are stored or `deadline` passes, keeping the generator's place in
// `episode`/`at` across stages; then flushes and waits (bounded) until
// RocksDB has nothing running or due, as after a clean stop.
class Loader {
 public:
  Loader(std::string dir, uint32_t memtable_mb, int64_t bulk_from,
         int64_t verify_up_to)
      : dir_(std::move(dir)),
        memtable_mb_(memtable_mb),
        bulk_from_(bulk_from),
        verify_up_to_(verify_up_to),
        catalog_(*config::LoadInstrumentCatalog("")),
        rules_(*config::LoadRuleSets({})) {}

  absl::Status LoadTo(int64_t target, absl::Time deadline, TrendStage& stage) {
    ASSIGN_OR_RETURN(
        auto store, storage::Store::Open(
                        {.path = dir_,
                         .durability = storage::Durability::kOs,
                         .memtable_budget_bytes = size_t{memtable_mb_} << 20}));
    core::EpisodeRecords records(store.get(), &catalog_, &rules_,
                                 [] { return absl::Now(); });
    core::RatingService core(&records);
    const absl::Time start = absl::Now();
    while (stored_ < target && absl::Now() < deadline) {
      if (at_ == episode_.ratings.size()) {
        if (bulk_from_ > 0 && stored_ >= bulk_from_) {
          if (!episode_closed_ && !episode_.ratings.empty()) {
            RETURN_IF_ERROR(core.CloseEpisode(kBenchActor, "bench",
                                              episode_.ratings[0].episode_id,
                                              episode_.ending)
                                .status());
          }
          RETURN_IF_ERROR(Bulk(records, target, deadline, stage));
          break;
        }
        if (!episode_.ratings.empty()) {
          RETURN_IF_ERROR(core.CloseEpisode(kBenchActor, "bench",
                                            episode_.ratings[0].episode_id,
                                            episode_.ending)
                              .status());
        }
        episode_ = generator_.Next(episodes_++);
        at_ = 0;
      }
      // The episode's next ratings of one client (up to the target), as an
      // import stream sends them: one run, one write (SubmitRunDeferred).
      std::vector<core::RatingService::RowRating> run;
      while (at_ < episode_.ratings.size() &&
             stored_ + static_cast<int64_t>(run.size()) < target &&
             run.size() < core::RatingService::kMaxRunRatings) {
        const Rating& r = episode_.ratings[at_];
        if (!run.empty() && r.client_id != run.front().rating.client_id) break;
        run.push_back({r, absl::StrCat(r.episode_id, "-", r.session_number, "-",
                                       r.instrument_id)});
        ++at_;
      }
      for (const auto& result : core.SubmitRunDeferred(kBenchActor, run)) {
        RETURN_IF_ERROR(result.status());
      }
      stored_ += static_cast<int64_t>(run.size());
    }
    RETURN_IF_ERROR(core.SyncDeferred());
    stage.ratings = stored_;
    stage.episodes = episodes_;
    stage.load_seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (stored_ < target) {
      return absl::DeadlineExceededError(
          absl::StrCat("load limit reached at ", stored_, " ratings"));
    }
    if (target <= verify_up_to_) {
      RETURN_IF_ERROR(VerifyAgainstRebuild(*store));
      stage.verified = true;
    }
    RETURN_IF_ERROR(store->Flush());
    const absl::Time settle_start = absl::Now();
    testing::WaitUntilSettled(*store, absl::Seconds(120));  // Bounded.
    stage.settle_seconds = absl::ToDoubleSeconds(absl::Now() - settle_start);
    return absl::OkStatus();
  }

  // Whole episodes until `target` ratings are stored (the last episode may
  // go past it), each closed: what submitting and closing them one by one
  // stores, computed by the same functions, in writes of 512 episodes. Two
  // threads compute a write's episodes while a third writes the one before
  // (the store is thread-safe, the catalog and rules immutable), so each
  // is evaluated against the reference of all but the last two writes: a
  // trajectory reference of tens of thousands of episodes, which ~1 000
  // more would not move. The aggregate cells are added up in memory, per
  // thread, and written at the end (or when too many are pending): the same
  // sums, one merge operand a cell and thread instead of one a write.
  // Operands a write left on hot cells were what made this slow: each one
  // walked those queued on its cell in the memtable. Stages up to
  // verify_up_to are checked against a rebuild (VerifyAgainstRebuild).
  absl::Status Bulk(core::EpisodeRecords& records, int64_t target,
                    absl::Time deadline, TrendStage& stage) {
    BulkPart parts[2];
    std::thread writer;
    absl::Status written;  // Of the write `writer` did.
    const absl::Status status =
        BulkWrites(records, target, deadline, stage, parts, writer, written);
    if (writer.joinable()) writer.join();
    RETURN_IF_ERROR(status);
    RETURN_IF_ERROR(written);
    for (BulkPart& part : parts) RETURN_IF_ERROR(WritePending(records, part));
    return absl::OkStatus();
  }

  // Bulk's loop: while `writer` writes one batch, the next is computed.
  absl::Status BulkWrites(core::EpisodeRecords& records, int64_t target,
                          absl::Time deadline, TrendStage& stage,
                          BulkPart (&parts)[2], std::thread& writer,
                          absl::Status& written) {
    constexpr size_t kEpisodesPerWrite = 512;
    constexpr size_t kMaxPendingCells = size_t{4} << 20;
    const absl::Time now = absl::Now();
    while (stored_ < target && absl::Now() < deadline) {
      std::vector<SyntheticEpisode> batch;
      int64_t planned = 0;
      while (batch.size() < kEpisodesPerWrite && stored_ + planned < target) {
        batch.push_back(generator_.Next(episodes_++));
        planned += static_cast<int64_t>(batch.back().ratings.size());
      }
      const absl::Span<const SyntheticEpisode> all(batch);
      const size_t half = (batch.size() + 1) / 2;
      absl::Status second;
      std::thread helper(
          [&] { second = Compute(records, all.subspan(half), now, parts[1]); });
      absl::Status first = Compute(records, all.first(half), now, parts[0]);
      helper.join();
      RETURN_IF_ERROR(first);
      RETURN_IF_ERROR(second);
      storage::WriteSet changes = std::move(parts[0].changes);
      std::vector<core::ReferenceCache::Delta> reference =
          std::move(parts[0].reference);
      changes.aggregates_tenant = "bench";
      Append(parts[1].changes.episodes, changes.episodes);
      Append(parts[1].changes.administrations, changes.administrations);
      Append(parts[1].changes.idempotency, changes.idempotency);
      Append(parts[1].changes.client_facts, changes.client_facts);
      Append(parts[1].reference, reference);
      for (BulkPart& part : parts) {
        part.changes = {};
        part.reference.clear();
      }
      if (writer.joinable()) writer.join();
      RETURN_IF_ERROR(written);
      for (BulkPart& part : parts) {
        if (part.pending.size() > kMaxPendingCells) {
          RETURN_IF_ERROR(WritePending(records, part));
        }
      }
      // The write and the in-memory reference together, as a close does.
      writer = std::thread([&records, &written, changes = std::move(changes),
                            reference = std::move(reference)]() mutable {
        written = records.reference().Apply(changes, "bench", reference);
      });
      stored_ += planned;
      stage.bulk_ratings += planned;
      episode_ = std::move(batch.back());
      at_ = episode_.ratings.size();
      episode_closed_ = true;
    }
    return absl::OkStatus();
  }

  static absl::Status WritePending(core::EpisodeRecords& records,
                                   BulkPart& part) {
    storage::WriteSet cells;
    cells.aggregates_tenant = "bench";
    cells.aggregates = std::move(part.pending);
    part.pending.clear();
    return records.store().Apply(cells);
  }

  // The loaded cells and facts rows must be what a rebuild from the stored
  // records gives, as the server's own writes are (the bulk load computes
  // them its own way).
  absl::Status VerifyAgainstRebuild(const storage::Store& store) const {
    ASSIGN_OR_RETURN(analytics::Cells cells, store.ReadAllAggregates("bench"));
    ASSIGN_OR_RETURN(core::Rebuilt rebuilt,
                     core::RebuildAggregatesAndFacts(store, catalog_, rules_));
    if (core::NonZeroCells(cells) != rebuilt.cells["bench"]) {
      return absl::InternalError(
          absl::StrCat("the loaded aggregates differ from a rebuild at ",
                       stored_, " ratings (", cells.size(), " cells, ",
                       rebuilt.cells["bench"].size(), " rebuilt)"));
    }
    for (const auto& [client, facts] : rebuilt.facts["bench"]) {
      ASSIGN_OR_RETURN(analytics::ClientFacts stored,
                       store.GetClientFacts("bench", client));
      if (stored != facts) {
        return absl::InternalError(absl::StrCat("the loaded facts of ", client,
                                                " differ from a rebuild"));
      }
    }
    return absl::OkStatus();
  }

  // The day of the last loaded rating: "now" for the queries.
  absl::CivilDay last_day() const {
    return episode_.ratings.empty() ? kStart
                                    : episode_.ratings[at_ - 1].session_date;
  }

 private:
  std::string dir_;
  uint32_t memtable_mb_;
  int64_t bulk_from_;
  int64_t verify_up_to_;
  bool episode_closed_ = false;  // episode_ was closed by the bulk load.
  scoring::InstrumentCatalog catalog_;
  scoring::RuleSetRegistry rules_;
  Generator generator_{42};
  int64_t stored_ = 0;
  int episodes_ = 0;
  SyntheticEpisode episode_;
  size_t at_ = 0;
};

// The quality report page as a browser asks for it: tilbake-web, a process
// of its own as deployed, in front of the same server, over loopback HTTP.
// The page makes five calls (the report, the months, the teams twice, the
// alliance by month) and renders six charts; the time is the server side's
// (loopback, no browser rendering).
absl::Status ReportPageStage(const TrendOptions& options,
                             const std::string& dir, int server_port,
                             absl::CivilDay now, const TrendStage& stage,
                             std::vector<TrendFigure>& figures) {
  const std::string log = absl::StrCat(dir, ".web-", stage.ratings, ".log");
  testing::ChildProcess web(
      {options.web_path, absl::StrCat("--server=127.0.0.1:", server_port),
       "--listen=127.0.0.1:0"},
      log);
  const std::optional<std::string> port =
      web.WaitForLog("event=web_started url=http://127.0.0.1:([0-9]+)");
  if (!port.has_value()) {
    return absl::UnavailableError(
        absl::StrCat("tilbake-web did not start:\n", web.log()));
  }
  httplib::Client http("127.0.0.1", std::stoi(*port));
  const absl::CivilMonth to(now);
  const std::string path =
      absl::StrCat("/report?tenant=bench&org_unit=dept-3&from=",
                   absl::FormatCivilTime(to - 11).substr(0, 7),
                   "&to=", absl::FormatCivilTime(to).substr(0, 7), "&lang=nb");
  // Timed GETs of `target`; each must answer 200 with at least `min_bytes`.
  auto fetch = [&](const std::string& target, size_t min_bytes,
                   const std::string& name) -> absl::Status {
    ASSIGN_OR_RETURN(
        std::vector<double> ms,
        Time(options.queries, options.query_limit, [&]() -> absl::Status {
          httplib::Result result = http.Get(target);
          if (!result || result->status != 200) {
            return absl::InternalError(absl::StrCat(
                "GET ", target, ": ", result ? result->status : -1));
          }
          // The page must hold the figures, not an error page that happens
          // to be fast.
          if (result->body.size() < min_bytes) {
            return absl::InternalError(absl::StrCat(
                "GET ", target, ": only ", result->body.size(), " bytes"));
          }
          return absl::OkStatus();
        }));
    figures.push_back({stage.ratings, name, static_cast<int>(ms.size()), 1,
                       Percentile(ms, 0.5), Percentile(ms, 0.99)});
    return absl::OkStatus();
  };
  // The floor: the same client and web process serving a file from memory,
  // no gRPC call and no rendering.
  RETURN_IF_ERROR(
      fetch("/static/style.css", 1000, "style.css (tilbake-web, floor)"));
  RETURN_IF_ERROR(
      fetch(path, 10000, "report page (tilbake-web), department, 12 months"));
  return StopAndRemoveLog(web, "tilbake-web", log);
}

absl::Status QueryStage(const TrendOptions& options, const std::string& dir,
                        absl::CivilDay now, TrendStage& stage,
                        std::vector<TrendFigure>& figures) {
  // A log per stage: a reused one could show the last server's port.
  const std::string log = absl::StrCat(dir, ".server-", stage.ratings, ".log");
  testing::ServerProcess server(
      options.server_path, dir, log,
      {"--durability=os", "--log_requests=false",
       absl::StrCat("--storage_memtable_mb=", options.memtable_mb)});
  const std::optional<int> port = server.WaitForPort();
  if (!port.has_value()) {
    return absl::UnavailableError(
        absl::StrCat("tilbake-server did not start:\n", server.log()));
  }
  auto client =
      client::Client::Connect({.target = absl::StrCat("127.0.0.1:", *port)});
  for (const auto& [name, request] : QueryKinds(now)) {
    size_t rows = 0;
    ASSIGN_OR_RETURN(
        std::vector<double> ms,
        Time(options.queries, options.query_limit, [&]() -> absl::Status {
          ASSIGN_OR_RETURN(auto result, client->QueryTrends(request));
          rows = result.size();
          return absl::OkStatus();
        }));
    figures.push_back({stage.ratings, name, static_cast<int>(ms.size()), rows,
                       Percentile(ms, 0.5), Percentile(ms, 0.99)});
  }
  v1::QualityReportRequest report;
  report.set_tenant_id("bench");
  report.set_org_unit("dept-3");
  *report.mutable_from() = ToDate(absl::CivilDay(absl::CivilMonth(now) - 11));
  *report.mutable_to() = ToDate(now);
  ASSIGN_OR_RETURN(std::vector<double> ms,
                   Time(options.queries, options.query_limit, [&] {
                     return client->GetQualityReport(report).status();
                   }));
  figures.push_back({stage.ratings, "quality report, department, 12 months",
                     static_cast<int>(ms.size()), 1, Percentile(ms, 0.5),
                     Percentile(ms, 0.99)});
  if (!options.web_path.empty()) {
    RETURN_IF_ERROR(ReportPageStage(options, dir, *port, now, stage, figures));
  }
  std::tie(stage.server_rss_mib, stage.server_peak_rss_mib) =
      ResidentMiB(server.pid());
  client.reset();
  return StopAndRemoveLog(server, "tilbake-server", log);
}

}  // namespace

absl::StatusOr<TrendRun> RunTrendStages(const TrendOptions& options) {
  const std::string dir =
      absl::StrCat(options.work_dir, "/tilbake-trend-bench-",
                   absl::ToUnixMicros(absl::Now()));
  Loader loader(dir, options.memtable_mb, options.bulk_from,
                options.verify_up_to);
  const absl::Time deadline = absl::Now() + options.load_limit;
  TrendRun run;
  absl::Status status;
  for (int64_t target : options.stages) {
    TrendStage stage;
    status = loader.LoadTo(target, deadline, stage);
    if (status.ok()) {
      status = QueryStage(options, dir, loader.last_day(), stage, run.figures);
    }
    if (!status.ok()) break;
    run.stages.push_back(stage);
  }
  std::error_code ignored;
  if (!options.keep_data) std::filesystem::remove_all(dir, ignored);
  RETURN_IF_ERROR(status);
  run.data_dir = dir;
  return run;
}

}  // namespace tilbake::bench
