// Each command's options parsed into its params struct, and the request
// made from it: the command line without a server or a process.
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "client/cli/options.h"
#include "client/cli/params.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/names.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

// Parses `args` (after the command name) with the options of `Params`.
template <typename Params>
Params Parse(const std::vector<std::string>& args) {
  Params params;
  CLI::App command("test", "command");
  AddOptions(command, params);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  command.parse(reversed);  // CLI11 takes the arguments last first.
  return params;
}

TEST(CliParamsTest, SubmitTakesItsOwnOptionsAndMakesTheRequest) {
  const auto p = Parse<SubmitParams>(
      {"--tenant=t", "--episode=e-1", "--client", "c-1", "--clinician=k",
       "--org_unit=a/b", "--session=2", "--date=2026-03-02", "--instrument=ors",
       "--items=5,6,7,8", "--rater=parent", "--rater_id=mor", "--age=9",
       "--key=k-1"});
  EXPECT_EQ(p.client, "c-1");
  EXPECT_EQ(p.session, 2);
  EXPECT_EQ(p.episode_type, "individual");  // The default.
  auto request = ToRequest(p);
  ASSERT_THAT(request, IsOk());
  const v1::Rating& r = request->rating();
  EXPECT_EQ(r.tenant_id(), "t");
  EXPECT_EQ(r.org_unit(), "a/b");
  EXPECT_EQ(r.session_date().month(), 3);
  EXPECT_EQ(r.items().items_size(), 4);
  EXPECT_EQ(r.rater().relation(), v1::Rater::RELATION_PARENT);
  EXPECT_EQ(r.rater().rater_id(), "mor");
  EXPECT_EQ(r.client_age_years(), 9);
  EXPECT_EQ(request->idempotency_key(), "k-1");
}

TEST(CliParamsTest, SubmitNamesTheOptionAtFault) {
  SubmitParams p = Parse<SubmitParams>(
      {"--tenant=t", "--episode=e", "--client=c", "--clinician=k",
       "--org_unit=o", "--date=2026-03-02", "--instrument=ors"});
  EXPECT_THAT(ToRequest(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("give exactly one")));
  p.total = "26.5";
  EXPECT_THAT(ToRequest(p), IsOk());
  p.items = "5,6,7,8";
  EXPECT_THAT(ToRequest(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("give exactly one")));
  p.items.clear();
  p.date = "2026-13-01";
  EXPECT_THAT(ToRequest(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("--date")));
  p.date.clear();
  EXPECT_THAT(ToRequest(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("--date is required")));
}

TEST(CliParamsTest, TrendsFiltersBucketsAndGroups) {
  const auto p = Parse<TrendsParams>(
      {"--tenant=t", "--from=2026-01-01", "--to=2026-03-31",
       "--instrument=ors,srs", "--age_band=child", "--bucket=quarter",
       "--group_by=org_unit,clinician", "--depth=2", "--split"});
  EXPECT_TRUE(p.split);
  auto request = ToRequest(p);
  ASSERT_THAT(request, IsOk());
  EXPECT_THAT(request->instrument_ids(), ElementsAre("ors", "srs"));
  EXPECT_EQ(request->age_band(), v1::AGE_BAND_CHILD);
  EXPECT_EQ(request->bucket(), v1::TREND_BUCKET_QUARTER);
  EXPECT_THAT(request->group_by(), ElementsAre(v1::TREND_GROUP_BY_ORG_UNIT,
                                               v1::TREND_GROUP_BY_CLINICIAN));
  EXPECT_EQ(request->org_unit_depth(), 2);
  EXPECT_EQ(Describe(p),
            "tenant t, 2026-01-01 to 2026-03-31, instrument ors,srs, age band "
            "child");

  TrendsParams bad = p;
  bad.bucket = "day";
  EXPECT_THAT(ToRequest(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("--bucket")));
  bad = p;
  bad.group_by = "team";
  EXPECT_THAT(ToRequest(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("--group_by: \"team\"")));
  bad = p;
  bad.from.clear();
  EXPECT_THAT(ToRequest(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("--from is required")));
}

TEST(CliParamsTest, ReportAndAuditPeriods) {
  const auto report = Parse<ReportParams>(
      {"--tenant=t", "--from=2026-01-01", "--to=2026-01-31", "--org_unit=a"});
  auto request = ToRequest(report);
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->to().day(), 31);
  EXPECT_EQ(request->org_unit(), "a");

  const auto audit = Parse<AuditParams>(
      {"--tenant=t", "--client=c-1", "--from=2026-01-01", "--to=2026-01-01"});
  auto audit_request = ToRequest(audit);
  ASSERT_THAT(audit_request, IsOk());
  // Whole UTC days: --to is included, so the period is one day long.
  EXPECT_EQ(audit_request->to().seconds() - audit_request->from().seconds(),
            24 * 3600);
  EXPECT_EQ(audit_request->client_id(), "c-1");
  EXPECT_THAT(ToRequest(AuditParams{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--tenant is required")));
}

TEST(CliParamsTest, FiguresFormatsAndTheirCsvOptions) {
  auto csv = CheckFormat(
      Parse<FiguresFormat>({"--format=csv", "--separator=;", "--decimal_comma",
                            "--bom", "--column_keys", "--lang=nb"}));
  ASSERT_THAT(csv, IsOk());
  EXPECT_EQ(csv->separator, ';');
  EXPECT_TRUE(csv->decimal_comma);
  EXPECT_TRUE(csv->bom);
  EXPECT_TRUE(csv->keys);
  csv = CheckFormat(Parse<FiguresFormat>({"--format=csv", "--separator=tab"}));
  ASSERT_THAT(csv, IsOk());
  EXPECT_EQ(csv->separator, '\t');
  EXPECT_EQ(Parse<FiguresFormat>({}).format, "table");  // The default.

  struct Refused {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Refused& r : std::vector<Refused>{
           {{"--format=pdf"}, "--format: \"pdf\" is not one of"},
           {{"--format=xlsx"}, "--out: name the .xlsx file"},
           {{"--format=csv", "--decimal_comma"}, "--decimal_comma: give"},
           {{"--format=csv", "--separator=|"}, "--separator: \"|\""},
           {{"--format=csv", "--lang=sv"}, "--lang: \"sv\""},
       }) {
    EXPECT_THAT(
        CheckFormat(Parse<FiguresFormat>(r.args)),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(r.message)))
        << r.args[0];
  }
}

TEST(CliParamsTest, ImportExportAndCloseChecks) {
  const auto import = Parse<ImportParams>(
      {"ratings.csv", "--format=csv", "--tenant=t", "--streams=2"});
  EXPECT_EQ(import.path, "ratings.csv");
  EXPECT_EQ(import.encoding, "utf-8");
  EXPECT_THAT(Check(import), IsOk());
  ImportParams no_tenant = import;
  no_tenant.tenant.clear();
  EXPECT_THAT(Check(no_tenant), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("--tenant is required")));
  ImportParams xml = import;
  xml.format = "xml";
  EXPECT_THAT(Check(xml), StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("--format: \"xml\"")));

  auto both = Parse<ExportParams>({"--tenant=t", "--episode=e", "--client=c"});
  EXPECT_THAT(Check(both), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("give one")));
  both.client.clear();
  EXPECT_THAT(Check(both), IsOk());
  EXPECT_EQ(both.format, "fhir");

  const auto close =
      Parse<CloseParams>({"--tenant=t", "--episode=e", "--ending=planned",
                          "--end_date=2026-03-10"});
  auto ending = ToEnding(close);
  ASSERT_THAT(ending, IsOk());
  EXPECT_EQ(ending->type(), v1::ENDING_TYPE_PLANNED);
  EXPECT_EQ(ending->end_date().day(), 10);
}

// One name table per API enum (proto/names.h): every value has a name that
// parses back to it, and the option errors list the same names.
TEST(CliParamsTest, EnumNamesRoundTripThroughTheOneTable) {
  for (v1::AgeBand band : {v1::AGE_BAND_UNDER_6, v1::AGE_BAND_CHILD,
                           v1::AGE_BAND_ADOLESCENT, v1::AGE_BAND_ADULT}) {
    EXPECT_EQ(names::AgeBandFromName(names::AgeBandName(band)), band);
  }
  for (v1::EndingType type :
       {v1::ENDING_TYPE_PLANNED, v1::ENDING_TYPE_UNILATERAL}) {
    EXPECT_EQ(names::EndingTypeFromName(names::EndingTypeName(type)), type);
  }
  TrendsParams p{.tenant = "t", .from = "2026-01-01", .to = "2026-01-31"};
  p.age_band = "toddler";
  EXPECT_THAT(ToRequest(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr(names::kAgeBandNames)));
}

TEST(CliParamsTest, AnOptionOfAnotherCommandIsRefusedByTheParser) {
  EXPECT_THROW(Parse<EpisodeParams>({"--tenant=t", "--bucket=month"}),
               CLI::ExtrasError);
}

}  // namespace
}  // namespace tilbake::cli
