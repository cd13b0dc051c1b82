#include "client/export/figures.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "proto/names.h"

namespace tilbake::exports {
namespace {

// Marks an English text for the catalogs (client/i18n/po/catalogs.py finds
// each N_ call here); it is translated where the sheet is built.
constexpr const char* N_(const char* english) { return english; }

// One column: its key, English header, how a spreadsheet shows it, and the
// cell it takes from one item of type T.
template <typename T>
struct Spec {
  const char* key;
  const char* header;
  int decimals;
  std::function<Cell(const T&)> cell;
  bool identifies = false;
};

template <typename T>
Spec<T> Key(const char* key, const char* header,
            std::function<Cell(const T&)> cell) {
  return {key, header, -1, std::move(cell), /*identifies=*/true};
}

template <typename T>
Sheet Build(const char* key, const char* name,
            const std::vector<Spec<T>>& specs, const std::vector<T>& items,
            const Translate& translate) {
  Sheet sheet;
  sheet.key = key;
  sheet.name = translate(name);
  for (const Spec<T>& s : specs) {
    sheet.columns.push_back(
        {s.key, translate(s.header), s.identifies, s.decimals});
  }
  for (const T& item : items) {
    std::vector<Cell>& row = sheet.rows.emplace_back();
    for (const Spec<T>& s : specs) row.push_back(s.cell(item));
  }
  return sheet;
}

// Lifts specs over a part of a larger item (the outcome figures of a row).
template <typename Part, typename Whole>
void AppendLifted(std::vector<Spec<Whole>>& to,
                  const std::vector<Spec<Part>>& specs,
                  std::function<const Part&(const Whole&)> part) {
  for (const Spec<Part>& s : specs) {
    auto cell = s.cell;
    to.push_back({s.key, s.header, s.decimals,
                  [cell, part](const Whole& w) { return cell(part(w)); },
                  s.identifies});
  }
}

Cell Opt(bool shown, bool has, double value) {
  if (!shown || !has) return std::monostate{};
  return value;
}
Cell Count(bool shown, int64_t value) {
  if (!shown) return std::monostate{};
  return value;
}
Cell Text(const std::string& text) { return text; }
Cell DayOf(const v1::Date& d) { return Day{d.year(), d.month(), d.day()}; }

// The outcome figures of one group (a trend row's, or a measure's in the
// report), empty where the server left them out.
using O = v1::OutcomeFigures;
#define TILBAKE_OPT(field) \
  [](const O& o) { return Opt(!o.suppressed(), o.has_##field(), o.field()); }
#define TILBAKE_COUNT(field) \
  [](const O& o) { return Count(!o.suppressed(), o.field()); }
const std::vector<Spec<O>>& OutcomeSpecs() {
  static const auto* specs = new std::vector<Spec<O>>{
      {"series", N_("Client series"), 0, TILBAKE_COUNT(series)},
      {"distinct_clients", N_("Clients whose series ended"), 0,
       [](const O& o) {
         return Count(!o.suppressed() && o.has_distinct_clients(),
                      o.distinct_clients());
       }},
      {"mean_intake", N_("Mean intake score"), 1, TILBAKE_OPT(mean_intake)},
      {"mean_latest", N_("Mean latest score"), 1, TILBAKE_OPT(mean_latest)},
      {"mean_change", N_("Mean change"), 1, TILBAKE_OPT(mean_change)},
      {"effect_size", N_("Effect size"), 2, TILBAKE_OPT(effect_size)},
      {"severity_adjusted_effect_size", N_("Severity-adjusted effect size"), 2,
       TILBAKE_OPT(severity_adjusted_effect_size)},
      {"relative_effect_size", N_("Relative effect size"), 2,
       TILBAKE_OPT(relative_effect_size)},
      {"pct_reliable_improvement", N_("Reliably improved, not recovered (%)"),
       0, TILBAKE_OPT(pct_reliable_improvement)},
      {"pct_reliable_recovery", N_("Recovered (%)"), 0,
       TILBAKE_OPT(pct_reliable_recovery)},
      {"pct_reliable_deterioration", N_("Reliably deteriorated (%)"), 0,
       TILBAKE_OPT(pct_reliable_deterioration)},
      {"pct_reached_target", N_("Reached the target (%)"), 0,
       TILBAKE_OPT(pct_reached_target)},
      {"planned_endings", N_("Planned endings"), 0,
       TILBAKE_COUNT(planned_endings)},
      {"unilateral_endings", N_("Dropped out"), 0,
       TILBAKE_COUNT(unilateral_endings)},
      {"unilateral_with_effect", N_("Dropped out after reliable change"), 0,
       TILBAKE_COUNT(unilateral_with_effect)},
      {"unilateral_without_effect", N_("Dropped out without reliable change"),
       0, TILBAKE_COUNT(unilateral_without_effect)},
      {"mean_sessions", N_("Mean sessions"), 1, TILBAKE_OPT(mean_sessions)},
      {"mean_days", N_("Mean length (days)"), 0, TILBAKE_OPT(mean_days)},
      {"mean_first_alliance", N_("Mean first SRS"), 1,
       TILBAKE_OPT(mean_first_alliance)},
      {"outcome_suppressed", N_("Outcome figures left out (small cells)"), -1,
       [](const O& o) -> Cell { return o.suppressed(); }},
  };
  return *specs;
}
#undef TILBAKE_OPT
#undef TILBAKE_COUNT

// "below_cutoff": the intake group of a line, as a key and a header.
struct Intake {
  const char* key;
  const char* english;
  const O& (v1::TrendRow::*figures)() const;
};
constexpr Intake kIntakes[] = {
    {"all", N_("All"), &v1::TrendRow::all},
    {"below_cutoff", N_("Intake below cutoff"),
     &v1::TrendRow::intake_below_cutoff},
    {"above_cutoff", N_("Intake above cutoff"),
     &v1::TrendRow::intake_above_cutoff},
};

struct TrendLine {
  const v1::TrendRow* row;
  const Intake* intake;
};

bool Groups(const v1::QueryTrendsRequest& r, v1::TrendGroupBy by) {
  return std::find(r.group_by().begin(), r.group_by().end(), by) !=
         r.group_by().end();
}

std::vector<Spec<TrendLine>> TrendSpecs(const v1::QueryTrendsRequest& request,
                                        bool split,
                                        const Translate& translate) {
  using L = TrendLine;
  std::vector<Spec<L>> specs = {
      Key<L>("bucket_start", N_("From"),
             [](const L& l) { return DayOf(l.row->bucket_start()); }),
      Key<L>("bucket_end", N_("To"),
             [](const L& l) { return DayOf(l.row->bucket_end()); }),
  };
  if (Groups(request, v1::TREND_GROUP_BY_ORG_UNIT)) {
    specs.push_back(Key<L>("org_unit", N_("Department or team"),
                           [](const L& l) { return Text(l.row->org_unit()); }));
  }
  if (Groups(request, v1::TREND_GROUP_BY_CLINICIAN)) {
    specs.push_back(Key<L>("clinician", N_("Clinician"), [](const L& l) {
      return Text(l.row->clinician_id());
    }));
  }
  if (Groups(request, v1::TREND_GROUP_BY_INSTRUMENT)) {
    specs.push_back(Key<L>("instrument", N_("Instrument"), [](const L& l) {
      return Text(l.row->instrument_id());
    }));
  }
  if (Groups(request, v1::TREND_GROUP_BY_AGE_BAND)) {
    specs.push_back(Key<L>("age_band", N_("Age band"), [](const L& l) {
      return Text(names::AgeBandName(l.row->age_band()));
    }));
  }
  if (split) {
    specs.push_back(Key<L>("intake", N_("Intake"), [translate](const L& l) {
      return Text(translate(l.intake->english));
    }));
  }
  // Sessions belong to no instrument and no age band: with either in the
  // query the API leaves them out, and so does the sheet.
  const bool sessions = !Groups(request, v1::TREND_GROUP_BY_INSTRUMENT) &&
                        !Groups(request, v1::TREND_GROUP_BY_AGE_BAND) &&
                        request.instrument_ids().empty() &&
                        request.age_band() == v1::AGE_BAND_UNSPECIFIED;
  auto shown = [](const L& l) { return !l.row->activity_suppressed(); };
  auto count = [shown](int64_t (v1::ActivityFigures::*get)() const) {
    return [shown, get](const L& l) {
      return Count(shown(l), (l.row->activity().*get)());
    };
  };
  auto opt = [shown](double (v1::ActivityFigures::*get)() const,
                     bool (v1::ActivityFigures::*has)() const) {
    return [shown, get, has](const L& l) {
      const v1::ActivityFigures& a = l.row->activity();
      return Opt(shown(l), (a.*has)(), (a.*get)());
    };
  };
  using A = v1::ActivityFigures;
  std::vector<Spec<L>> activity = {
      {"clients", N_("Clients with forms"), 0,
       [shown](const L& l) {
         return Count(shown(l) && l.row->has_distinct_clients(),
                      l.row->distinct_clients());
       }},
      {"administrations", N_("Forms recorded"), 0, count(&A::administrations)},
      {"completed", N_("Forms completed"), 0, count(&A::completed)},
      {"collateral", N_("Collateral forms"), 0, count(&A::collateral)},
      {"mean_score", N_("Mean score"), 1,
       opt(&A::mean_score, &A::has_mean_score)},
      {"in_clinical_range", N_("In the clinical range"), 0,
       count(&A::in_clinical_range)},
      {"pct_in_clinical_range", N_("In the clinical range (%)"), 0,
       opt(&A::pct_in_clinical_range, &A::has_pct_in_clinical_range)},
      {"episodes_started", N_("Episodes started"), 0,
       count(&A::episodes_started)},
  };
  if (sessions) {
    activity.push_back(
        {"sessions", N_("Client sessions"), 0, count(&A::sessions)});
    activity.push_back(
        {"pct_sessions_with_ors", N_("Sessions with ORS (%)"), 0,
         opt(&A::pct_sessions_with_ors, &A::has_pct_sessions_with_ors)});
    activity.push_back(
        {"pct_sessions_with_srs", N_("Sessions with SRS (%)"), 0,
         opt(&A::pct_sessions_with_srs, &A::has_pct_sessions_with_srs)});
    activity.push_back({"pct_sessions_with_inspire",
                        N_("Sessions with INSPIRE (%)"), 0,
                        opt(&A::pct_sessions_with_inspire,
                            &A::has_pct_sessions_with_inspire)});
  }
  activity.push_back(
      {"activity_suppressed", N_("Activity figures left out (small cells)"), -1,
       [](const L& l) -> Cell { return l.row->activity_suppressed(); }});
  specs.insert(specs.end(), activity.begin(), activity.end());
  AppendLifted<O, L>(specs, OutcomeSpecs(), [](const L& l) -> const O& {
    return (l.row->*(l.intake->figures))();
  });
  specs.push_back(
      {"collateral_series", N_("Collateral series"), 0,
       [](const L& l) -> Cell { return l.row->collateral_series(); }});
  return specs;
}

// The about sheet: what the figures are, one field a row.
Sheet About(std::vector<std::pair<const char*, Cell>> fields,
            const Translate& translate) {
  Sheet sheet;
  sheet.key = "about";
  sheet.name = translate(N_("About"));
  sheet.columns = {{"field", translate(N_("Field")), true, -1},
                   {"value", translate(N_("Value")), false, -1}};
  for (auto& [english, value] : fields) {
    sheet.rows.push_back({Text(translate(english)), std::move(value)});
  }
  return sheet;
}

Cell Threshold(int32_t k) { return static_cast<int64_t>(k); }

const char* BucketEnglish(v1::TrendBucket bucket) {
  switch (bucket) {
    case v1::TREND_BUCKET_WEEK:
      return N_("Week");
    case v1::TREND_BUCKET_QUARTER:
      return N_("Quarter");
    case v1::TREND_BUCKET_YEAR:
      return N_("Year");
    case v1::TREND_BUCKET_WHOLE_PERIOD:
      return N_("Whole period");
    default:
      return N_("Month");
  }
}

}  // namespace

Workbook TrendsWorkbook(const v1::QueryTrendsRequest& request,
                        const std::vector<v1::TrendRow>& rows, bool split,
                        const Translate& translate) {
  std::vector<TrendLine> lines;
  for (const v1::TrendRow& row : rows) {
    lines.push_back({&row, &kIntakes[0]});
    if (split) {
      lines.push_back({&row, &kIntakes[1]});
      lines.push_back({&row, &kIntakes[2]});
    }
  }
  Workbook book;
  const std::string none = translate(N_("all"));
  auto or_all = [&](const std::string& value) {
    return Text(value.empty() ? none : value);
  };
  std::string grouped;
  for (int by : request.group_by()) {
    static const char* const kGroupNames[] = {"", "org_unit", "clinician",
                                              "instrument", "age_band"};
    if (by > 0 && by < 5) {
      absl::StrAppend(&grouped, grouped.empty() ? "" : ", ", kGroupNames[by]);
    }
  }
  book.about = About(
      {
          {N_("Tenant"), Text(request.tenant_id())},
          {N_("Department or team"), or_all(request.org_unit())},
          {N_("From"), DayOf(request.from())},
          {N_("To"), DayOf(request.to())},
          {N_("Period per row"),
           Text(translate(BucketEnglish(request.bucket())))},
          {N_("Grouped by"), Text(grouped)},
          {N_("Clinician"), or_all(request.clinician_id())},
          {N_("Instrument"),
           or_all(absl::StrJoin(request.instrument_ids(), ", "))},
          {N_("Age band"), or_all(names::AgeBandName(request.age_band()))},
          {N_("Rule set"),
           Text(rows.empty() ? std::string() : rows.front().rule_set())},
          {N_("Small-cell threshold (clients)"),
           Threshold(rows.empty() ? 0 : rows.front().small_cell_threshold())},
      },
      translate);
  book.tables.push_back(Build<TrendLine>("trends", N_("Trends"),
                                         TrendSpecs(request, split, translate),
                                         lines, translate));
  return book;
}

Workbook ReportWorkbook(const v1::QualityReport& report,
                        const Translate& translate) {
  Workbook book;
  book.about = About(
      {
          {N_("Tenant"), Text(report.tenant_id())},
          {N_("Department or team"),
           Text(report.org_unit().empty() ? translate(N_("whole tenant"))
                                          : report.org_unit())},
          {N_("From"), DayOf(report.from())},
          {N_("To"), DayOf(report.to())},
          {N_("Rule set"), Text(report.rule_set())},
          {N_("Small-cell threshold (clients)"),
           Threshold(report.small_cell_threshold())},
      },
      translate);

  using R = v1::QualityReport;
  book.tables.push_back(Build<R>(
      "summary", N_("Summary"),
      {
          {"episodes_started", N_("Episodes started"), 0,
           [](const R& r) -> Cell { return r.episodes_started(); }},
          {"sessions", N_("Client sessions"), 0,
           [](const R& r) -> Cell { return r.sessions(); }},
          {"pct_sessions_with_ors", N_("Sessions with ORS (%)"), 0,
           [](const R& r) {
             return Opt(true, r.has_pct_sessions_with_ors(),
                        r.pct_sessions_with_ors());
           }},
          {"pct_sessions_with_srs", N_("Sessions with SRS (%)"), 0,
           [](const R& r) {
             return Opt(true, r.has_pct_sessions_with_srs(),
                        r.pct_sessions_with_srs());
           }},
          {"pct_sessions_with_inspire", N_("Sessions with INSPIRE (%)"), 0,
           [](const R& r) {
             return Opt(true, r.has_pct_sessions_with_inspire(),
                        r.pct_sessions_with_inspire());
           }},
          {"collateral_administrations", N_("Collateral forms"), 0,
           [](const R& r) -> Cell { return r.collateral_administrations(); }},
      },
      {report}, translate));

  using I = v1::OutcomeIndices;
  std::vector<I> indices(report.outcomes().begin(), report.outcomes().end());
  auto instrument = Key<I>("instrument", N_("Instrument"),
                           [](const I& o) { return Text(o.instrument_id()); });
  // A measure's figures are from its `all` group: left out with it.
  auto opt = [](double (I::*get)() const, bool (I::*has)() const) {
    return [get, has](const I& o) {
      return Opt(!o.all().suppressed(), (o.*has)(), (o.*get)());
    };
  };
  auto count = [](int64_t (I::*get)() const) {
    return
        [get](const I& o) { return Count(!o.all().suppressed(), (o.*get)()); };
  };
  book.tables.push_back(Build<I>(
      "indices", N_("Indices"),
      {
          instrument,
          {"episodes", N_("Episodes ended"), 0, count(&I::episodes)},
          {"distinct_clients", N_("Clients whose series ended"), 0,
           [](const I& o) {
             return Count(!o.all().suppressed() && o.has_distinct_clients(),
                          o.distinct_clients());
           }},
          {"collateral_series", N_("Collateral series"), 0,
           [](const I& o) -> Cell { return o.collateral_series(); }},
          {"mean_intake_srs", N_("Mean intake SRS"), 1,
           opt(&I::mean_intake_srs, &I::has_mean_intake_srs)},
          {"mean_sessions", N_("Mean sessions"), 1,
           opt(&I::mean_sessions, &I::has_mean_sessions)},
          {"mean_days", N_("Mean length (days)"), 0,
           opt(&I::mean_days, &I::has_mean_days)},
          {"effect_size", N_("Effect size"), 2,
           opt(&I::effect_size, &I::has_effect_size)},
          {"severity_adjusted_effect_size", N_("Severity-adjusted effect size"),
           2,
           opt(&I::severity_adjusted_effect_size,
               &I::has_severity_adjusted_effect_size)},
          {"relative_effect_size", N_("Relative effect size"), 2,
           opt(&I::relative_effect_size, &I::has_relative_effect_size)},
          {"pct_reached_target", N_("Reached the target (%)"), 0,
           opt(&I::pct_reached_target, &I::has_pct_reached_target)},
          {"planned_endings", N_("Planned endings"), 0,
           count(&I::planned_endings)},
          {"unilateral_with_effect", N_("Dropped out after reliable change"), 0,
           count(&I::unilateral_with_effect)},
          {"unilateral_without_effect",
           N_("Dropped out without reliable change"), 0,
           count(&I::unilateral_without_effect)},
      },
      indices, translate));

  // Per measure and intake group, the same columns as the trend rows.
  struct Group {
    const I* measure;
    const Intake* intake;
    const O* figures;
  };
  std::vector<Group> groups;
  for (const I& o : indices) {
    groups.push_back({&o, &kIntakes[0], &o.all()});
    groups.push_back({&o, &kIntakes[1], &o.intake_below_cutoff()});
    groups.push_back({&o, &kIntakes[2], &o.intake_above_cutoff()});
  }
  std::vector<Spec<Group>> outcome_specs = {
      Key<Group>(
          "instrument", N_("Instrument"),
          [](const Group& g) { return Text(g.measure->instrument_id()); }),
      Key<Group>("intake", N_("Intake"),
                 [translate](const Group& g) {
                   return Text(translate(g.intake->english));
                 }),
  };
  AppendLifted<O, Group>(outcome_specs, OutcomeSpecs(),
                         [](const Group& g) -> const O& { return *g.figures; });
  book.tables.push_back(Build<Group>("outcomes", N_("Outcomes"), outcome_specs,
                                     groups, translate));

  struct Band {
    const I* measure;
    const v1::AgeBandFigures* figures;
  };
  std::vector<Band> bands;
  for (const I& o : indices) {
    for (const v1::AgeBandFigures& b : o.by_age_band())
      bands.push_back({&o, &b});
  }
  book.tables.push_back(Build<Band>(
      "age_bands", N_("Age bands"),
      {
          Key<Band>(
              "instrument", N_("Instrument"),
              [](const Band& b) { return Text(b.measure->instrument_id()); }),
          Key<Band>("age_band", N_("Age band"),
                    [](const Band& b) {
                      return Text(names::AgeBandName(b.figures->age_band()));
                    }),
          {"clients", N_("Client series"), 0,
           [](const Band& b) -> Cell { return b.figures->clients(); }},
          {"distinct_clients", N_("Clients whose series ended"), 0,
           [](const Band& b) {
             return Count(b.figures->has_distinct_clients(),
                          b.figures->distinct_clients());
           }},
          {"mean_intake", N_("Mean intake score"), 1,
           [](const Band& b) {
             return Opt(true, b.figures->has_mean_intake(),
                        b.figures->mean_intake());
           }},
      },
      bands, translate));

  using S = v1::AllianceShare;
  book.tables.push_back(Build<S>(
      "alliance", N_("Alliance"),
      {
          Key<S>("instrument", N_("Instrument"),
                 [](const S& a) { return Text(a.instrument_id()); }),
          {"completed", N_("Forms completed"), 0,
           [](const S& a) { return Count(!a.suppressed(), a.completed()); }},
          {"below_cutoff", N_("Below the cutoff"), 0,
           [](const S& a) { return Count(!a.suppressed(), a.below_cutoff()); }},
          {"pct_below_cutoff", N_("Below the cutoff (%)"), 0,
           [](const S& a) {
             return Opt(!a.suppressed(), a.has_pct_below_cutoff(),
                        a.pct_below_cutoff());
           }},
          {"suppressed", N_("Left out (small cells)"), -1,
           [](const S& a) -> Cell { return a.suppressed(); }},
      },
      std::vector<S>(report.alliance().begin(), report.alliance().end()),
      translate));

  using M = v1::MeanScore;
  book.tables.push_back(Build<M>(
      "recovery_support", N_("Recovery support"),
      {
          Key<M>("instrument", N_("Instrument"),
                 [](const M& m) { return Text(m.instrument_id()); }),
          {"completed", N_("Forms completed"), 0,
           [](const M& m) -> Cell { return m.completed(); }},
          {"mean", N_("Mean score"), 1,
           [](const M& m) { return Opt(true, m.has_mean(), m.mean()); }},
      },
      std::vector<M>(report.recovery_support().begin(),
                     report.recovery_support().end()),
      translate));
  return book;
}

Sheet LongSheet(const Workbook& book, const Translate& translate) {
  Sheet sheet;
  sheet.key = "figures";
  sheet.name = translate(N_("Figures"));
  sheet.columns = {{"table", translate(N_("Table")), true, -1},
                   {"instrument", translate(N_("Instrument")), true, -1},
                   {"group", translate(N_("Group")), true, -1},
                   {"figure", translate(N_("Figure")), true, -1},
                   {"label", translate(N_("Label")), false, -1},
                   {"value", translate(N_("Value")), false, -1}};
  for (const Sheet& table : book.tables) {
    for (const std::vector<Cell>& row : table.rows) {
      std::string instrument, group;
      for (size_t c = 0; c < table.columns.size(); ++c) {
        if (!table.columns[c].identifies) continue;
        const std::string* text = std::get_if<std::string>(&row[c]);
        if (text == nullptr) continue;
        if (table.columns[c].key == "instrument") {
          instrument = *text;
        } else {
          absl::StrAppend(&group, group.empty() ? "" : "/", *text);
        }
      }
      for (size_t c = 0; c < table.columns.size(); ++c) {
        const Column& column = table.columns[c];
        if (column.identifies) continue;
        sheet.rows.push_back(
            {table.key, instrument, group, column.key, column.header, row[c]});
      }
    }
  }
  return sheet;
}

Sheet CsvSheet(const Workbook& book, const Translate& translate) {
  return book.tables.size() == 1 ? book.tables.front()
                                 : LongSheet(book, translate);
}

}  // namespace tilbake::exports
