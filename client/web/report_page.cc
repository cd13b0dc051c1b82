// The quality report of an org unit and a period: the eleven indices per
// outcome measure, month-by-month charts, the implementation figures.
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "client/render/charts.h"
#include "client/web/page.h"
#include "client/web/web_app.h"
#include "google/protobuf/util/json_util.h"

namespace tilbake::web {
namespace {

// The rows of every month from `from` to `to`: a month with nothing in it
// gets an empty row (a gap in the charts, not a month left out).
std::vector<v1::TrendRow> EveryMonth(const std::vector<v1::TrendRow>& rows,
                                     absl::CivilMonth from,
                                     absl::CivilMonth to) {
  std::vector<v1::TrendRow> months;
  for (absl::CivilMonth m = from; m <= to; ++m) {
    auto found = std::find_if(rows.begin(), rows.end(), [&](const auto& r) {
      return r.bucket_start().year() == m.year() &&
             r.bucket_start().month() == m.month();
    });
    if (found != rows.end()) {
      months.push_back(*found);
    } else {
      v1::TrendRow empty;
      *empty.mutable_bucket_start() = ToDate(absl::CivilDay(m));
      *empty.mutable_bucket_end() = ToDate(absl::CivilDay(m + 1) - 1);
      months.push_back(std::move(empty));
    }
  }
  return months;
}

const char* const kTeamColours[] = {render::kBlue, render::kOrange,
                                    render::kPurple, render::kGreen};

// One row of a side-by-side table (teams, clinicians) for the whole period:
// sessions, ORS and SRS completed, series, mean change, effect size,
// recovered, dropped out. "–" where a figure is absent or left out.
mstch::map SideBySideRow(const WebApp::Page& page, const std::string& name,
                         const v1::TrendRow& r) {
  const Translator& t = *page.translator;
  const Language lang = page.language;
  auto pct = [&](bool shown, bool has, double value) {
    return Percent(page, shown && has, value);
  };
  const v1::ActivityFigures& a = r.activity();
  const v1::OutcomeFigures& o = r.all();
  const bool shown = !r.activity_suppressed();
  return mstch::map{
      {"name", name},
      {"sessions", shown ? t.Integer(lang, a.sessions()) : "–"},
      {"pct_ors",
       pct(shown, a.has_pct_sessions_with_ors(), a.pct_sessions_with_ors())},
      {"pct_srs",
       pct(shown, a.has_pct_sessions_with_srs(), a.pct_sessions_with_srs())},
      {"series", o.suppressed() ? "–" : t.Integer(lang, o.series())},
      {"mean_change",
       o.has_mean_change() ? t.Number(lang, o.mean_change(), 1) : "–"},
      {"effect_size",
       o.has_effect_size() ? t.Number(lang, o.effect_size(), 2) : "–"},
      {"pct_reliable_recovery",
       pct(true, o.has_pct_reliable_recovery(), o.pct_reliable_recovery())},
      {"unilateral_endings",
       o.suppressed() ? "–" : t.Integer(lang, o.unilateral_endings())},
  };
}

// The `tilbake trends` command that gives a section's figures: the
// section's query (`monthly`'s tenant and org unit, the period) and `rest`.
std::string TrendsCommand(const v1::QueryTrendsRequest& monthly,
                          const std::string& cli_period,
                          const std::string& rest) {
  return absl::StrCat(
      "tilbake trends --tenant=", monthly.tenant_id(),
      monthly.org_unit().empty() ? "" : " --org_unit=" + monthly.org_unit(),
      cli_period, rest);
}

// A side_by_side.mustache table ("team" or "clinician" rows), its charts
// and the command behind it.
mstch::map SideBySide(const std::string& row_key,
                      const std::string& first_column,
                      const std::string& caption, mstch::array rows,
                      mstch::array charts, const std::string& cli) {
  return mstch::map{{"row_key", row_key},
                    {"table_class", row_key + "s"},
                    {"first_column", first_column},
                    {"caption", caption},
                    {"rows", std::move(rows)},
                    {"charts", std::move(charts)},
                    {"cli", cli}};
}

// The labels of a month-by-month chart of shares: 0–100 %, months named in
// the page's language.
render::TrendLabels ShareLabels(const WebApp::Page& page) {
  const Translator* t = page.translator;
  const Language lang = page.language;
  render::TrendLabels labels;
  labels.width = 900;
  labels.y_label = "%";
  labels.y_floor = 0;
  labels.y_ceiling = 100;
  labels.bucket = [t, lang](const v1::Date& d) {
    return t->Month(lang, d.year(), d.month(), /*abbreviated=*/true);
  };
  labels.format_y = [t, lang](double y) { return t->Number(lang, y, 0); };
  return labels;
}

mstch::map TeamsTable(const WebApp::Page& page, mstch::array rows,
                      mstch::array charts, const std::string& cli) {
  return SideBySide("team", page.T("Department or team"),
                    page.T("Each unit below this one, for the whole period"),
                    std::move(rows), std::move(charts), cli);
}

}  // namespace

// The units one level below the one asked for, side by side: a table for
// the whole period and the share of sessions with ORS and SRS completed,
// month by month (what a department rolling FIT out follows). Empty when
// the unit has no units below it.
absl::StatusOr<mstch::map> WebApp::TeamsSection(
    Page& page, const v1::QueryTrendsRequest& monthly,
    const std::vector<v1::TrendRow>& months, const std::string& cli_period) {
  v1::QueryTrendsRequest whole = monthly;
  whole.set_bucket(v1::TREND_BUCKET_WHOLE_PERIOD);
  whole.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
  whole.set_org_unit_depth(OrgUnitDepth(monthly.org_unit()) + 1);
  auto found = page.client->QueryTrends(whole);
  if (!found.ok()) return found.status();
  const std::vector<v1::TrendRow>& teams = *found;
  const bool below =
      std::any_of(teams.begin(), teams.end(), [&](const v1::TrendRow& r) {
        return r.org_unit() != monthly.org_unit();
      });
  if (!below) return mstch::map{};

  mstch::array rows;
  for (const v1::TrendRow& r : teams) {
    rows.push_back(SideBySideRow(page, r.org_unit(), r));
  }

  // Month by month per team, on the department's months.
  v1::QueryTrendsRequest by_month = monthly;
  by_month.add_group_by(v1::TREND_GROUP_BY_ORG_UNIT);
  by_month.set_org_unit_depth(whole.org_unit_depth());
  auto by_team = page.client->QueryTrends(by_month);
  if (!by_team.ok()) return by_team.status();
  const std::vector<v1::TrendRow>& team_months = *by_team;
  auto share = [&](const std::string& team,
                   double (v1::ActivityFigures::*get)() const,
                   bool (v1::ActivityFigures::*has)() const) {
    return [&team_months, team, get,
            has](const v1::TrendRow& month) -> std::optional<double> {
      for (const v1::TrendRow& r : team_months) {
        if (r.org_unit() == team && !r.activity_suppressed() &&
            r.bucket_start().SerializeAsString() ==
                month.bucket_start().SerializeAsString() &&
            (r.activity().*has)()) {
          return (r.activity().*get)();
        }
      }
      return std::nullopt;
    };
  };
  render::TrendLabels labels = ShareLabels(page);
  const std::string cli =
      TrendsCommand(monthly, cli_period,
                    absl::StrCat(" --bucket=all --group_by=org_unit --depth=",
                                 whole.org_unit_depth()));
  mstch::array charts;
  if (months.size() < 2) {  // A line needs two months.
    return TeamsTable(page, rows, charts, cli);
  }
  struct Form {
    std::string title;
    double (v1::ActivityFigures::*get)() const;
    bool (v1::ActivityFigures::*has)() const;
  };
  for (const Form& form :
       {Form{page.T("Sessions with ORS completed, by team"),
             &v1::ActivityFigures::pct_sessions_with_ors,
             &v1::ActivityFigures::has_pct_sessions_with_ors},
        Form{page.T("Sessions with SRS completed, by team"),
             &v1::ActivityFigures::pct_sessions_with_srs,
             &v1::ActivityFigures::has_pct_sessions_with_srs}}) {
    std::vector<render::TrendLine> lines;
    for (size_t i = 0; i < teams.size(); ++i) {
      // Colour and dash both differ, so colour is never the only signal.
      lines.push_back({teams[i].org_unit(), kTeamColours[i % 4], i % 2 == 1,
                       share(teams[i].org_unit(), form.get, form.has)});
    }
    labels.title = form.title;
    charts.push_back(mstch::map{
        {"svg", render::RenderSvg(render::TrendChart(months, labels, lines))},
        {"caption", page.T("Share of sessions each month.")}});
  }
  return TeamsTable(page, rows, charts, cli);
}

absl::StatusOr<mstch::map> WebApp::CliniciansSection(
    Page& page, const v1::QueryTrendsRequest& monthly,
    const std::string& cli_period) {
  // The server refuses the query to others; the page does not ask.
  if (!page.caller.clinician_figures()) return mstch::map{};
  v1::QueryTrendsRequest whole = monthly;
  whole.set_bucket(v1::TREND_BUCKET_WHOLE_PERIOD);
  whole.add_group_by(v1::TREND_GROUP_BY_CLINICIAN);
  auto found = page.client->QueryTrends(whole);
  if (!found.ok()) return found.status();
  if (found->empty()) return mstch::map{};
  mstch::array rows;
  for (const v1::TrendRow& r : *found) {
    rows.push_back(SideBySideRow(page, r.clinician_id(), r));
  }
  const std::string cli =
      TrendsCommand(monthly, cli_period, " --bucket=all --group_by=clinician");
  return SideBySide("clinician", page.T("Clinician"),
                    page.T("Each clinician in this unit, for the whole period"),
                    rows, {}, cli);
}

absl::StatusOr<mstch::map> WebApp::AllianceSection(
    Page& page, const v1::QualityReport& report,
    const v1::QueryTrendsRequest& monthly,
    const std::vector<v1::TrendRow>& months, const std::string& cli_period) {
  const Translator& t = translator_;
  const Language lang = page.language;
  if (report.alliance().empty()) return mstch::map{};
  mstch::array rows;
  v1::QueryTrendsRequest by_month = monthly;
  by_month.add_group_by(v1::TREND_GROUP_BY_INSTRUMENT);
  std::string ids;
  for (const v1::AllianceShare& a : report.alliance()) {
    const bool shown = !a.suppressed();
    rows.push_back(mstch::map{
        {"instrument", a.instrument_id()},
        {"completed", shown ? t.Integer(lang, a.completed()) : "–"},
        {"below_cutoff", shown ? t.Integer(lang, a.below_cutoff()) : "–"},
        {"pct_below_cutoff", Percent(page, shown && a.has_pct_below_cutoff(),
                                     a.pct_below_cutoff())},
    });
    by_month.add_instrument_ids(a.instrument_id());
    absl::StrAppend(&ids, ids.empty() ? "" : ",", a.instrument_id());
  }
  const std::string cli = TrendsCommand(
      monthly, cli_period,
      absl::StrCat(" --instrument=", ids, " --group_by=instrument"));
  mstch::array charts;
  if (months.size() >= 2) {  // A line needs two months.
    auto found = page.client->QueryTrends(by_month);
    if (!found.ok()) return found.status();
    const std::vector<v1::TrendRow>& instrument_months = *found;
    std::vector<render::TrendLine> lines;
    for (int i = 0; i < report.alliance_size(); ++i) {
      const std::string id = report.alliance(i).instrument_id();
      lines.push_back({id, kTeamColours[i % 4], i % 2 == 1,
                       [&instrument_months, id](
                           const v1::TrendRow& month) -> std::optional<double> {
                         for (const v1::TrendRow& r : instrument_months) {
                           if (r.instrument_id() == id &&
                               !r.activity_suppressed() &&
                               r.bucket_start().SerializeAsString() ==
                                   month.bucket_start().SerializeAsString() &&
                               r.activity().has_pct_in_clinical_range()) {
                             return r.activity().pct_in_clinical_range();
                           }
                         }
                         return std::nullopt;
                       }});
    }
    render::TrendLabels labels = ShareLabels(page);
    labels.title = page.T("SRS below the cutoff, by month");
    charts.push_back(mstch::map{
        {"svg", render::RenderSvg(render::TrendChart(months, labels, lines))},
        {"caption", page.T("Share of completed SRS forms below the cutoff "
                           "each month.")}});
  }
  return mstch::map{{"rows", rows}, {"charts", charts}, {"cli", cli}};
}

WebApp::ReportScope WebApp::ScopeOf(const Request& request, Page& page) {
  ReportScope scope;
  // The period: whole months; by default the last twelve up to this one.
  const absl::CivilMonth this_month =
      absl::CivilMonth(absl::ToCivilDay(now_(), absl::UTCTimeZone()));
  scope.from = this_month - 11;
  scope.to = this_month;
  if (auto m = ParseMonth(request.Query("from"))) scope.from = *m;
  if (auto m = ParseMonth(request.Query("to"))) scope.to = *m;
  scope.tenant = page.Tenant();
  scope.org_unit = request.Query("org_unit");
  if (!request.query.count("org_unit")) {
    scope.org_unit = page.caller.org_unit();
  }
  scope.last_day = absl::CivilDay(scope.to + 1) - 1;
  scope.query.set_tenant_id(scope.tenant);
  scope.query.set_org_unit(scope.org_unit);
  *scope.query.mutable_from() = ToDate(absl::CivilDay(scope.from));
  *scope.query.mutable_to() = ToDate(scope.last_day);
  return scope;
}

std::string WebApp::ReportScope::Params() const {
  return absl::StrCat(
      "tenant=", UrlEncode(tenant), "&org_unit=", UrlEncode(org_unit),
      "&from=", absl::FormatCivilTime(from), "&to=", absl::FormatCivilTime(to));
}

Response WebApp::Report(const Request& request, Page& page, bool json) {
  const Translator& t = translator_;
  const Language lang = page.language;
  page.current = "report";
  const bool names_tenant = page.NamesTenant();
  const ReportScope scope = ScopeOf(request, page);
  const std::string& tenant = scope.tenant;
  const std::string& org_unit = scope.org_unit;
  const absl::CivilMonth from = scope.from, to = scope.to;
  const absl::CivilDay last_day = scope.last_day;
  const v1::QualityReportRequest& query = scope.query;
  if (tenant.empty()) {
    return ErrorPage(page, absl::InvalidArgumentError(
                               "tenant: name the tenant to report on"));
  }
  auto report = page.client->GetQualityReport(query);
  if (!report.ok()) return ErrorPage(page, report.status());
  if (json) {
    Response response;
    response.content_type = "application/json";
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;  // As `tilbake report --json`.
    (void)google::protobuf::util::MessageToJsonString(*report, &response.body,
                                                      options);
    return response;
  }

  // Month by month, for the charts.
  v1::QueryTrendsRequest trends;
  trends.set_tenant_id(tenant);
  trends.set_org_unit(org_unit);
  *trends.mutable_from() = query.from();
  *trends.mutable_to() = query.to();
  trends.set_bucket(v1::TREND_BUCKET_MONTH);
  auto found = page.client->QueryTrends(trends);
  if (!found.ok()) return ErrorPage(page, found.status());
  const std::vector<v1::TrendRow> months = EveryMonth(*found, from, to);
  const std::vector<v1::TrendRow>* rows = &months;

  auto pct = [&](bool has, double value) { return Percent(page, has, value); };
  auto number = [&](bool has, double value, int decimals) {
    return has ? t.Number(lang, value, decimals) : std::string("–");
  };
  mstch::array outcomes;
  for (const v1::OutcomeIndices& o : report->outcomes()) {
    struct Row {
      const char* label;
      const char* key;
      std::function<std::string(const v1::OutcomeFigures&)> value;
    };
    const std::vector<Row> table = {
        {"Client series", "series",
         [&](const v1::OutcomeFigures& f) {
           return f.suppressed() ? std::string("–")
                                 : t.Integer(lang, f.series());
         }},
        {"Mean intake score", "mean_intake",
         [&](const v1::OutcomeFigures& f) {
           return number(f.has_mean_intake(), f.mean_intake(), 1);
         }},
        {"Mean change", "mean_change",
         [&](const v1::OutcomeFigures& f) {
           return number(f.has_mean_change(), f.mean_change(), 1);
         }},
        {"Effect size", "effect_size",
         [&](const v1::OutcomeFigures& f) {
           return number(f.has_effect_size(), f.effect_size(), 2);
         }},
        {"Reliably improved, not recovered", "pct_reliable_improvement",
         [&](const v1::OutcomeFigures& f) {
           return pct(f.has_pct_reliable_improvement(),
                      f.pct_reliable_improvement());
         }},
        {"Reliably deteriorated", "pct_reliable_deterioration",
         [&](const v1::OutcomeFigures& f) {
           return pct(f.has_pct_reliable_deterioration(),
                      f.pct_reliable_deterioration());
         }},
        {"Recovered", "pct_reliable_recovery",
         [&](const v1::OutcomeFigures& f) {
           return pct(f.has_pct_reliable_recovery(), f.pct_reliable_recovery());
         }},
        {"Reached the target", "pct_reached_target",
         [&](const v1::OutcomeFigures& f) {
           return pct(f.has_pct_reached_target(), f.pct_reached_target());
         }},
        {"Dropped out", "unilateral_endings",
         [&](const v1::OutcomeFigures& f) {
           return f.suppressed() ? std::string("–")
                                 : t.Integer(lang, f.unilateral_endings());
         }},
    };
    mstch::array rows_out;
    for (const Row& row : table) {
      rows_out.push_back(
          mstch::map{{"label", page.T(row.label)},
                     {"key", std::string(row.key)},
                     {"all", row.value(o.all())},
                     {"below", row.value(o.intake_below_cutoff())},
                     {"above", row.value(o.intake_above_cutoff())}});
    }
    outcomes.push_back(
        mstch::map{{"instrument", o.instrument_id()}, {"rows", rows_out}});
  }

  // Charts: effect size and the reliable-change shares, month by month.
  render::TrendLabels labels;
  labels.width = 900;
  labels.bucket = [&](const v1::Date& d) {
    return t.Month(lang, d.year(), d.month(), /*abbreviated=*/true);
  };
  labels.format_y = [&](double y) {
    return t.Number(lang, y, y == int(y) ? 0 : 1);
  };
  mstch::array charts;
  auto figure = [](double (v1::OutcomeFigures::*get)() const,
                   bool (v1::OutcomeFigures::*has)() const,
                   const v1::OutcomeFigures& (v1::TrendRow::*part)() const) {
    return [=](const v1::TrendRow& r) -> std::optional<double> {
      const v1::OutcomeFigures& f = (r.*part)();
      if (!(f.*has)()) return std::nullopt;
      return (f.*get)();
    };
  };
  // A line needs two months; for one, the tables say it all.
  if (rows->size() >= 2) {
    labels.title = page.T("Effect size by month");
    labels.y_label = page.T("effect size");
    labels.zero_rule = true;
    charts.push_back(mstch::map{
        {"svg", render::RenderSvg(render::TrendChart(
                    *rows, labels,
                    {{page.T("All"), render::kBlue, false,
                      figure(&v1::OutcomeFigures::effect_size,
                             &v1::OutcomeFigures::has_effect_size,
                             &v1::TrendRow::all)},
                     {page.T("Intake below cutoff"), render::kGreen, false,
                      figure(&v1::OutcomeFigures::effect_size,
                             &v1::OutcomeFigures::has_effect_size,
                             &v1::TrendRow::intake_below_cutoff)},
                     {page.T("Intake above cutoff"), render::kOrange, true,
                      figure(&v1::OutcomeFigures::effect_size,
                             &v1::OutcomeFigures::has_effect_size,
                             &v1::TrendRow::intake_above_cutoff)}}))},
        {"caption", page.T("Effect size of episodes ended each month.")}});
    labels.title = page.T("Reliable change by month");
    labels.y_label = "%";
    labels.zero_rule = false;
    labels.y_floor = 0;
    labels.y_ceiling = 100;
    charts.push_back(mstch::map{
        {"svg",
         render::RenderSvg(render::TrendChart(
             *rows, labels,
             {{page.T("Reliably improved"), render::kBlue, false,
               figure(&v1::OutcomeFigures::pct_reliable_improvement,
                      &v1::OutcomeFigures::has_pct_reliable_improvement,
                      &v1::TrendRow::all)},
              {page.T("Reliably deteriorated"), render::kRed, true,
               figure(&v1::OutcomeFigures::pct_reliable_deterioration,
                      &v1::OutcomeFigures::has_pct_reliable_deterioration,
                      &v1::TrendRow::all)},
              {page.T("Recovered"), render::kGreen, false,
               figure(&v1::OutcomeFigures::pct_reliable_recovery,
                      &v1::OutcomeFigures::has_pct_reliable_recovery,
                      &v1::TrendRow::all)}}))},
        {"caption", page.T("Share of episodes ended each month.")}});
  }

  const std::string from_text = absl::FormatCivilTime(from).substr(0, 7);
  const std::string to_text = absl::FormatCivilTime(to).substr(0, 7);
  const std::string cli_period = absl::StrCat(
      " --from=", from_text, "-01 --to=", absl::FormatCivilTime(last_day));
  auto teams = TeamsSection(page, trends, *rows, cli_period);
  if (!teams.ok()) return ErrorPage(page, teams.status());
  auto alliance = AllianceSection(page, *report, trends, *rows, cli_period);
  if (!alliance.ok()) return ErrorPage(page, alliance.status());
  auto clinicians = CliniciansSection(page, trends, cli_period);
  if (!clinicians.ok()) return ErrorPage(page, clinicians.status());
  const std::string json_href =
      absl::StrCat("/data/report.json?", scope.Params());
  const std::string cli = absl::StrCat(
      "tilbake report --tenant=", tenant,
      org_unit.empty() ? "" : absl::StrCat(" --org_unit=", org_unit),
      cli_period, " --json");
  mstch::map context{
      {"tenant_field", names_tenant},
      {"tenant", tenant},
      {"org_unit", org_unit},
      {"from", from_text},
      {"to", to_text},
      {"period", absl::StrCat(t.Date(lang, query.from()), " – ",
                              t.Date(lang, query.to()))},
      {"unit", org_unit.empty() ? page.T("whole tenant") : org_unit},
      {"rule_set", report->rule_set()},
      {"threshold",
       report->small_cell_threshold() > 0
           ? mstch::node(t.Integer(lang, report->small_cell_threshold()))
           : mstch::node(false)},
      {"sessions", t.Integer(lang, report->sessions())},
      {"episodes_started", t.Integer(lang, report->episodes_started())},
      {"pct_ors", pct(report->has_pct_sessions_with_ors(),
                      report->pct_sessions_with_ors())},
      {"pct_srs", pct(report->has_pct_sessions_with_srs(),
                      report->pct_sessions_with_srs())},
      {"pct_inspire", pct(report->has_pct_sessions_with_inspire(),
                          report->pct_sessions_with_inspire())},
      {"outcomes", outcomes},
      {"charts", charts},
      {"teams", teams->empty() ? mstch::node(false) : mstch::node(*teams)},
      {"alliance",
       alliance->empty() ? mstch::node(false) : mstch::node(*alliance)},
      {"clinicians",
       clinicians->empty() ? mstch::node(false) : mstch::node(*clinicians)},
      {"json_href", json_href},
      {"params", scope.Params()},
      {"cli", cli},
  };
  return Render(page, 200, page.T("Quality report"),
                Fill(page, "report.mustache", std::move(context)));
}

}  // namespace tilbake::web
