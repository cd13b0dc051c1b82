// The quality report of an org unit and a period: the eleven indices per
// outcome measure, month-by-month charts, the implementation figures.
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "client/render/charts.h"
#include "client/web/page.h"
#include "client/web/web_app.h"
#include "google/protobuf/util/json_util.h"

namespace tilbake::web {

Response WebApp::Report(const Request& request, Page& page, bool json) {
  const Translator& t = translator_;
  const Language lang = page.language;
  page.current = "report";
  // The period: whole months; by default the last twelve up to this one.
  const absl::CivilMonth this_month =
      absl::CivilMonth(absl::ToCivilDay(now_(), absl::UTCTimeZone()));
  absl::CivilMonth from = this_month - 11, to = this_month;
  if (auto m = ParseMonth(request.Query("from"))) from = *m;
  if (auto m = ParseMonth(request.Query("to"))) to = *m;
  const bool names_tenant = page.NamesTenant();
  const std::string tenant = page.Tenant();
  std::string org_unit = request.Query("org_unit");
  if (!request.query.count("org_unit")) org_unit = page.caller.org_unit();

  v1::QualityReportRequest query;
  query.set_tenant_id(tenant);
  query.set_org_unit(org_unit);
  const absl::CivilDay last_day = absl::CivilDay(to + 1) - 1;
  *query.mutable_from() = ToDate(absl::CivilDay(from));
  *query.mutable_to() = ToDate(last_day);
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
  auto rows = page.client->QueryTrends(trends);
  if (!rows.ok()) return ErrorPage(page, rows.status());

  auto pct = [&](bool has, double value) {
    // A no-break space: "54,5 %" never wraps between number and sign.
    return has ? absl::StrCat(t.Number(lang, value, 1), "\u00a0%") : "–";
  };
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
  if (!rows->empty()) {
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
  const std::string json_href = absl::StrCat(
      "/data/report.json?tenant=", UrlEncode(tenant),
      "&org_unit=", UrlEncode(org_unit), "&from=", from_text, "&to=", to_text);
  const std::string cli = absl::StrCat(
      "tilbake report --tenant=", tenant,
      org_unit.empty() ? "" : absl::StrCat(" --org_unit=", org_unit),
      " --from=", from_text, "-01 --to=", absl::FormatCivilTime(last_day),
      " --json");
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
      {"json_href", json_href},
      {"cli", cli},
  };
  return Render(page, 200, page.T("Quality report"),
                Fill(page, "report.mustache", std::move(context)));
}

}  // namespace tilbake::web
