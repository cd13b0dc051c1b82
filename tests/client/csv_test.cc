#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/csv/vendor_csv.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace tilbake::csv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;

std::vector<std::vector<std::string>> Fields(
    const std::vector<CsvRecord>& records) {
  std::vector<std::vector<std::string>> out;
  for (const CsvRecord& r : records) out.push_back(r.fields);
  return out;
}

TEST(ParseCsvTest, QuotesLineBreaksAndByteOrderMark) {
  auto records = ParseCsv(
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "\"x, y\",\"say \"\"hi\"\"\",\r\n"
      "\n"
      "\"two\nlines\",2,3\n"
      "last,,",
      ',');
  ASSERT_THAT(records, IsOk());
  EXPECT_THAT(Fields(*records),
              ElementsAre(ElementsAre("a", "b", "c"),
                          ElementsAre("x, y", "say \"hi\"", ""),
                          ElementsAre("two\nlines", "2", "3"),
                          ElementsAre("last", "", "")));
  // Lines as a reader counts them: the blank line and the break inside
  // quotes count.
  EXPECT_EQ((*records)[0].line, 1);
  EXPECT_EQ((*records)[1].line, 2);
  EXPECT_EQ((*records)[2].line, 4);
  EXPECT_EQ((*records)[3].line, 6);
}

TEST(ParseCsvTest, UnterminatedQuoteNamesItsLine) {
  EXPECT_THAT(ParseCsv("a,b\n1,\"open\n2,3\n", ','),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 2: a quoted field is never closed")));
}

TEST(ParseCsvTest, SemicolonFilesAreDetected) {
  EXPECT_EQ(DetectDelimiter("A;B;C\n1,5;2;3\n"), ';');
  EXPECT_EQ(DetectDelimiter("A,B;C\n"), ',');
  EXPECT_EQ(DetectDelimiter("A,B,C\n"), ',');
}

TEST(OrgUnitTest, LocationsBecomeOrgUnitPaths) {
  struct Row {
    std::string location, org_unit;
  };
  for (const Row& row : std::vector<Row>{
           {"Team Nord", "team-nord"},
           {"Team Sør", "team-sor"},
           {"Ærø & Åsen", "aero-asen"},
           {"Psykisk helse/Team Øst", "psykisk-helse/team-ost"},
           {"  Rus--team  ", "rus-team"},
           {"ÆØÅ", "aeoa"},
       }) {
    EXPECT_EQ(OrgUnitFromLocation(row.location), row.org_unit) << row.location;
  }
}

constexpr char kHeader[] =
    "Service_Location,Provider_Email,Client_ID,Client_FirstName,"
    "Client_LastName,Case_ID,Session_ID,Session_Date,ORS_Skip,ORSQ1,ORSQ2,"
    "ORSQ3,ORSQ4,Total_ORS,SRS_Skip,SRSQ1,SRSQ2,SRSQ3,SRSQ4,Total_SRS,Notes";

VendorImport ConvertOrDie(const std::string& rows,
                          const std::string& header = kHeader) {
  auto out = ConvertVendorCsv(
      absl::StrCat(header, "\n", rows),
      {.tenant_id = "tenant-a", .org_unit_prefix = "psykisk-helse"});
  EXPECT_THAT(out, IsOk());
  return out.ok() ? *out : VendorImport();
}

TEST(ConvertVendorCsvTest, FormatAItemsBecomeOneRecordPerForm) {
  VendorImport out = ConvertOrDie(
      "Team Nord,Kari@Kommune.example,p-1,,,case-1,1,2026-03-02,"
      "N,4.1,5,4.4,3.9,,N,9.1,9,8.8,9.2,,");
  EXPECT_THAT(out.errors, IsEmpty());
  ASSERT_THAT(out.records, SizeIs(2));
  const v1::SubmitRatingRequest& ors = out.records[0].record();
  EXPECT_EQ(out.records[0].record_number(), 2);  // The row's line.
  EXPECT_EQ(ors.idempotency_key(), "csv:case-1:s1:ors");
  EXPECT_EQ(ors.rating().tenant_id(), "tenant-a");
  EXPECT_EQ(ors.rating().episode_id(), "case-1");
  EXPECT_EQ(ors.rating().client_id(), "p-1");
  EXPECT_EQ(ors.rating().clinician_id(), "kari@kommune.example");
  EXPECT_EQ(ors.rating().org_unit(), "psykisk-helse/team-nord");
  EXPECT_EQ(ors.rating().session_number(), 1);
  EXPECT_EQ(ors.rating().session_date().day(), 2);
  EXPECT_EQ(ors.rating().instrument_id(), "ors");
  EXPECT_EQ(ors.rating().rater().kind(), v1::Rater::KIND_CLIENT);
  ASSERT_EQ(ors.rating().items().items_size(), 4);
  EXPECT_DOUBLE_EQ(ors.rating().items().items(0).value(), 4.1);
  EXPECT_DOUBLE_EQ(ors.rating().items().items(3).value(), 3.9);
  const v1::SubmitRatingRequest& srs = out.records[1].record();
  EXPECT_EQ(srs.idempotency_key(), "csv:case-1:s1:srs");
  EXPECT_EQ(srs.rating().instrument_id(), "srs");
  EXPECT_DOUBLE_EQ(srs.rating().items().items(2).value(), 8.8);
  // The row's two forms are stored together or not at all.
  EXPECT_EQ(out.records[0].row(), "line 2");
  EXPECT_EQ(out.records[1].row(), "line 2");
}

TEST(ConvertVendorCsvTest, BlankItemsGoAsUnansweredForTheServerToName) {
  VendorImport out =
      ConvertOrDie("T,k@x.example,p-1,,,case-1,1,2026-03-02,N,4,5,,6,,N,,,,,,");
  EXPECT_THAT(out.errors, IsEmpty());
  ASSERT_THAT(out.records, SizeIs(1));
  const v1::Rating& ors = out.records[0].record().rating();
  ASSERT_EQ(ors.items().items_size(), 4);
  EXPECT_TRUE(ors.items().items(1).has_value());
  EXPECT_FALSE(ors.items().items(2).has_value());  // ORSQ3 was blank.
  EXPECT_EQ(out.records[0].row(), "");  // One form: a row of its own.
}

TEST(ConvertVendorCsvTest, FormatBTotalsAndSkipFlags) {
  VendorImport out = ConvertOrDie(
      "Team Nord,k@x.example,p-1,,,case-1,2,2026-03-09,"
      "N,,,,,21.5,1,,,,,,");
  EXPECT_THAT(out.errors, IsEmpty());
  ASSERT_THAT(out.records, SizeIs(2));
  EXPECT_DOUBLE_EQ(out.records[0].record().rating().total_only().total(), 21.5);
  EXPECT_TRUE(out.records[1].record().rating().has_skipped());
  EXPECT_EQ(out.records[1].record().rating().instrument_id(), "srs");
}

TEST(ConvertVendorCsvTest, InvalidRowsAreRefusedByLineAndTheRestKept) {
  struct Row {
    std::string name, row, message;
  };
  const std::vector<Row> rows = {
      {"ItemsAndTotal",
       "T,k@x.example,p-1,,,case-1,1,2026-03-02,N,4,5,5,6,20,N,,,,,,",
       "ORS: items together with Total_ORS"},
      {"SkipWithScores",
       "T,k@x.example,p-1,,,case-1,1,2026-03-02,N,,,,,,Y,9,9,9,9,,",
       "SRS_Skip: Y, but the SRS score fields are not blank"},
      {"BadSkipFlag",
       "T,k@x.example,p-1,,,case-1,1,2026-03-02,maybe,,,,,20,N,,,,,,",
       "ORS_Skip: \"maybe\" is not Y, N, 1 or 0"},
      {"NothingAnswered",
       "T,k@x.example,p-1,,,case-1,1,2026-03-02,N,,,,,,N,,,,,,",
       "no ORS or SRS"},
      {"BadDate", "T,k@x.example,p-1,,,case-1,1,2026-02-30,N,,,,,20,N,,,,,,",
       "Session_Date: \"2026-02-30\" is not a date"},
      {"BadSession", "T,k@x.example,p-1,,,case-1,0,2026-03-02,N,,,,,20,N,,,,,,",
       "Session_ID: \"0\" is not a session number"},
      {"NotANumber",
       "T,k@x.example,p-1,,,case-1,1,2026-03-02,N,,,,,twenty,N,,,,,,",
       "Total_ORS: \"twenty\" is not a number"},
  };
  for (const Row& row : rows) {
    VendorImport out = ConvertOrDie(absl::StrCat(
        row.row, "\nT,k@x.example,p-2,,,case-2,1,2026-03-02,N,,,,,20,N,,,,,,"));
    ASSERT_THAT(out.errors, SizeIs(1)) << row.name;
    EXPECT_EQ(out.errors[0].line, 2) << row.name;
    EXPECT_THAT(out.errors[0].message, HasSubstr(row.message)) << row.name;
    ASSERT_THAT(out.records, SizeIs(1)) << row.name;  // The good row.
    EXPECT_EQ(out.records[0].record().rating().episode_id(), "case-2");
  }
}

TEST(ConvertVendorCsvTest, ClientNamesAndNotesNeverLeaveTheFile) {
  VendorImport out = ConvertOrDie(
      "T,k@x.example,p-1,Ingrid,Solberg,case-1,1,2026-03-02,N,,,,,20,N,,,,,,"
      "\"Ingrid said she sleeps badly\"\n"
      "T,k@x.example,p-2,,,case-2,1,2026-03-02,N,,,,,25,N,,,,,,");
  ASSERT_THAT(out.records, SizeIs(2));
  for (const v1::ImportRatingsRequest& r : out.records) {
    const std::string wire = r.SerializeAsString();
    EXPECT_THAT(wire, ::testing::Not(HasSubstr("Ingrid")));
    EXPECT_THAT(wire, ::testing::Not(HasSubstr("Solberg")));
    EXPECT_THAT(wire, ::testing::Not(HasSubstr("sleeps")));
  }
  EXPECT_THAT(out.warnings,
              ElementsAre(HasSubstr("1 row(s) carried client names"),
                          HasSubstr("1 row(s) had Notes")));
}

TEST(ConvertVendorCsvTest, MissingColumnsFailTheWholeFile) {
  EXPECT_THAT(
      ConvertVendorCsv("Client_ID,Session_ID\np-1,1\n", {.tenant_id = "t"}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("header: missing column(s) Case_ID, Session_Date, "
                         "Provider_ID or Provider_Email, Service_Location")));
  EXPECT_THAT(
      ConvertVendorCsv("", {.tenant_id = "t"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no header row")));
}

TEST(ConvertVendorCsvTest, SemicolonFilesWithDecimalCommas) {
  auto out = ConvertVendorCsv(
      "Service_Location;Provider_ID;Client_ID;Case_ID;Session_ID;"
      "Session_Date;ORSQ1;ORSQ2;ORSQ3;ORSQ4\n"
      "Team Nord;k-4;p-1;case-1;1;2026-03-02;4,1;5;\"4,4\";3,9\n",
      {.tenant_id = "tenant-a"});
  ASSERT_THAT(out, IsOk());
  ASSERT_THAT(out->records, SizeIs(1));
  const v1::Rating& r = out->records[0].record().rating();
  EXPECT_EQ(r.clinician_id(), "k-4");  // Provider_ID wins over the e-mail.
  EXPECT_EQ(r.org_unit(), "team-nord");
  EXPECT_DOUBLE_EQ(r.items().items(0).value(), 4.1);
  EXPECT_DOUBLE_EQ(r.items().items(2).value(), 4.4);
}

TEST(ConvertVendorCsvTest, TilbakeColumnsForChildFormsAndCollateralRaters) {
  VendorImport out = ConvertOrDie(
      "T,k@x.example,p-1,,,case-1,1,2026-03-02,N,,,,,20,N,,,,,30,,"
      "11,cors,csrs,parent,mor\n",
      absl::StrCat(kHeader,
                   ",Client_Age,ORS_Instrument,SRS_Instrument,Rater,Rater_ID,"
                   "Favourite_Colour"));
  EXPECT_THAT(out.errors, IsEmpty());
  ASSERT_THAT(out.records, SizeIs(2));
  const v1::SubmitRatingRequest& cors = out.records[0].record();
  EXPECT_EQ(cors.rating().instrument_id(), "cors");
  EXPECT_EQ(cors.rating().client_age_years(), 11);
  EXPECT_EQ(cors.rating().rater().kind(), v1::Rater::KIND_COLLATERAL);
  EXPECT_EQ(cors.rating().rater().relation(), v1::Rater::RELATION_PARENT);
  EXPECT_EQ(cors.rating().rater().rater_id(), "mor");
  // The collateral's form has its own key: the client's own is another.
  EXPECT_EQ(cors.idempotency_key(), "csv:case-1:s1:cors:r1-mor");
  EXPECT_EQ(out.records[1].record().rating().instrument_id(), "csrs");
  EXPECT_THAT(out.warnings,
              ElementsAre(HasSubstr("custom columns not imported: "
                                    "Favourite_Colour")));
}

TEST(ConvertVendorCsvTest, LongIdentitiesGetAStableHashedKey) {
  const std::string case_id(120, 'c');
  VendorImport first = ConvertOrDie(absl::StrCat(
      "T,k@x.example,p-1,,,", case_id, ",1,2026-03-02,N,,,,,20,N,,,,,,"));
  VendorImport again = ConvertOrDie(absl::StrCat(
      "T,k@x.example,p-1,,,", case_id, ",1,2026-03-02,N,,,,,20,N,,,,,,"));
  ASSERT_THAT(first.records, SizeIs(1));
  const std::string& key = first.records[0].record().idempotency_key();
  EXPECT_THAT(key, ::testing::MatchesRegex("csv-[0-9a-f]{32}"));
  EXPECT_EQ(key, again.records[0].record().idempotency_key());
}

}  // namespace
}  // namespace tilbake::csv
