// The `tilbake` binary driven as a subprocess against a real server.

#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/cli/cli_support.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_server.h"
#include "tests/testing/token_entries.h"

namespace tilbake {
namespace {

using ::testing::DoubleEq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::tilbake::testing::IsOk;

using CliRun = testing::CommandRun;

CliRun Tilbake(const std::string& args) {
  return testing::RunCommand(absl::StrCat(TILBAKE_CLI_PATH, " ", args));
}

class CliTest : public ::testing::Test {
 protected:
  std::string Server() const {
    return absl::StrCat("--server=", server_.address(), " --attempts=1");
  }
  std::string SubmitArgs(int session, const std::string& answers,
                         const std::string& key) const {
    return absl::StrCat(
        "submit ", Server(),
        " --tenant=tenant-a --episode=e-1 --client=c-17 --clinician=k-4"
        " --org_unit=psykisk-helse/team-nord --session=",
        session, " --date=2026-03-0", 1 + session, " --instrument=ors ",
        answers, " --key=", key);
  }

  // Closes episode e-1 on 2026-03-10 with `ending` (planned, unilateral).
  CliRun CloseE1(const std::string& ending) const {
    return Tilbake(absl::StrCat("close-episode ", Server(),
                                " --tenant=tenant-a --episode=e-1 --ending=",
                                ending, " --end_date=2026-03-10"));
  }

  testing::TestServer server_;
  testing::TempDir dir_;
};

TEST_F(CliTest, SubmitPrintsTheScoreAndEpisodeShowsIt) {
  CliRun submit = Tilbake(SubmitArgs(1, "--items=5.1,6,7.3,8.9", "cli-1"));
  EXPECT_EQ(submit.exit_code, 0) << submit.output;
  EXPECT_THAT(submit.output, HasSubstr("Stored: 1/ors/c-17/client"));
  EXPECT_THAT(submit.output, HasSubstr("27.3"));
  CliRun again = Tilbake(SubmitArgs(1, "--items=5.1,6,7.3,8.9", "cli-1"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("Already stored (replayed)"));
  ASSERT_EQ(Tilbake(SubmitArgs(2, "--total=30", "cli-2")).exit_code, 0);

  CliRun episode = Tilbake(
      absl::StrCat("episode ", Server(), " --tenant=tenant-a --episode=e-1"));
  EXPECT_EQ(episode.exit_code, 0) << episode.output;
  EXPECT_THAT(episode.output, HasSubstr("Episode e-1  (individual, open)"));
  EXPECT_THAT(episode.output, HasSubstr("5.1 6.0 7.3 8.9"));
  EXPECT_THAT(episode.output, HasSubstr("total only  30.0"));
}

TEST_F(CliTest, JsonOutputIsTheApiMessage) {
  ASSERT_EQ(Tilbake(SubmitArgs(1, "--items=1,2,3,4", "cli-1")).exit_code, 0);
  CliRun json = Tilbake(absl::StrCat(
      "episode ", Server(), " --tenant=tenant-a --episode=e-1 --json"));
  ASSERT_EQ(json.exit_code, 0) << json.output;
  v1::Episode episode;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.output, &episode).ok())
      << json.output;
  ASSERT_EQ(episode.administrations_size(), 1);
  EXPECT_THAT(episode.administrations(0).score().total(), DoubleEq(10.0));
}

TEST_F(CliTest, ErrorsGoToStderrWithNonZeroExit) {
  CliRun refused = Tilbake(SubmitArgs(1, "--items=5,6,10.5,8", "cli-1"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output,
              HasSubstr("INVALID_ARGUMENT: rating.items[2] (social): 10.5"));
  CliRun usage = Tilbake(SubmitArgs(1, "--items=5,6,7,8 --total=26", "cli-1"));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.output, HasSubstr("give exactly one"));
  CliRun missing =
      Tilbake(absl::StrCat("episode ", Server(), " --tenant=tenant-a"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, HasSubstr("--episode is required"));
  CliRun unknown = Tilbake("frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown command \"frobnicate\""));
  CliRun not_found = Tilbake(
      absl::StrCat("episode ", Server(), " --tenant=tenant-a --episode=e-404"));
  EXPECT_EQ(not_found.exit_code, 1);
  EXPECT_THAT(not_found.output, HasSubstr("NOT_FOUND"));
}

TEST_F(CliTest, ImportReportsRejectedLinesAndIsSafeToRerun) {
  const std::string path = dir_.Sub("ratings.jsonl");
  std::ofstream(path) << absl::StrJoin(
      {std::string("# two good, one bad"),
       std::string(
           R"({"idempotency_key":"imp-1","rating":{"tenant_id":"tenant-a","episode_id":"e-9","client_id":"c-1","clinician_id":"k-1","org_unit":"dept/team","session_number":1,"session_date":{"year":2026,"month":2,"day":2},"instrument_id":"ors","items":{"items":[{"value":5},{"value":5},{"value":5},{"value":5}]}}})"),
       std::string(
           R"({"idempotency_key":"imp-2","rating":{"tenant_id":"tenant-a","episode_id":"e-9","client_id":"c-1","clinician_id":"k-1","org_unit":"dept/team","session_number":1,"session_date":{"year":2026,"month":2,"day":2},"instrument_id":"srs","items":{"items":[{"value":9},{"value":9},{"value":12},{"value":9}]}}})"),
       std::string(
           R"({"idempotency_key":"imp-3","rating":{"tenant_id":"tenant-a","episode_id":"e-9","client_id":"c-1","clinician_id":"k-1","org_unit":"dept/team","session_number":2,"session_date":{"year":2026,"month":2,"day":9},"instrument_id":"ors","skipped":{}}})")},
      "\n");
  CliRun first = Tilbake(absl::StrCat("import ", Server(), " ", path));
  EXPECT_EQ(first.exit_code, 3) << first.output;
  EXPECT_THAT(first.output,
              HasSubstr("received 3, stored 2, already stored 0, rejected 1"));
  EXPECT_THAT(first.output, HasSubstr("line 3: rating.items[2] (approach)"));
  CliRun rerun = Tilbake(absl::StrCat("import ", Server(), " ", path));
  EXPECT_THAT(rerun.output,
              HasSubstr("received 3, stored 0, already stored 2, rejected 1"));
  // Text that is not JSON is refused by its line; a binary file is not even
  // UTF-8 and is refused before that.
  const std::string not_json = dir_.Sub("not.jsonl");
  std::ofstream(not_json) << "episode,session\n";
  CliRun bad_json = Tilbake(absl::StrCat("import ", Server(), " ", not_json));
  EXPECT_EQ(bad_json.exit_code, 1);
  EXPECT_THAT(bad_json.output, HasSubstr("line 1: not a SubmitRatingRequest"));
  CliRun binary =
      Tilbake(absl::StrCat("import ", Server(), " ", TILBAKE_CLI_PATH));
  EXPECT_EQ(binary.exit_code, 1);
  EXPECT_THAT(binary.output, HasSubstr("the file is not UTF-8"));
}

TEST_F(CliTest, ImportsTheVendorCsvExampleAndIsSafeToRerun) {
  const std::string example =
      absl::StrCat(TILBAKE_EXAMPLES_DIR, "/fit-import.csv");
  const std::string args = absl::StrCat(
      "import --format=csv --tenant=tenant-a --org_unit_prefix=psykisk-helse ",
      Server(), " ", example);
  CliRun first = Tilbake(args);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  // 4 rows, each an ORS and an SRS (one skipped).
  EXPECT_THAT(first.output,
              HasSubstr("4 rows, 0 refused before sending; records: received "
                        "8, stored 8, already stored 0, rejected 0"));
  CliRun rerun = Tilbake(args);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("stored 0, already stored 8"));

  CliRun episode = Tilbake(absl::StrCat("episode ", Server(),
                                        " --tenant=tenant-a --episode=case-1001"
                                        " --json"));
  EXPECT_EQ(episode.exit_code, 0) << episode.output;
  EXPECT_THAT(episode.output,
              HasSubstr("\"org_unit\": \"psykisk-helse/team-nord\""));
  EXPECT_THAT(episode.output, HasSubstr("\"total\": 17.4"));  // 4.1+5+4.4+3.9

  // A bad row is reported by its line; the good rows are stored; names in
  // the file are dropped with a warning.
  const std::string path = dir_.Sub("vendor.csv");
  std::ofstream(path)
      << "Service_Location,Provider_Email,Client_ID,Client_FirstName,Case_ID,"
         "Session_ID,Session_Date,ORSQ1,ORSQ2,ORSQ3,ORSQ4,Total_ORS\n"
         "Team Vest,k@x.example,p-7,Ingrid,case-7,1,2026-04-01,5,5,5,5,\n"
         "Team Vest,k@x.example,p-7,Ingrid,case-7,2,2026-04-08,5,5,,5,\n"
         "Team Vest,k@x.example,p-7,Ingrid,case-7,3,2026-04-15,5,5,11,5,\n";
  CliRun partial = Tilbake(absl::StrCat(
      "import --format=csv --tenant=tenant-a ", Server(), " ", path));
  EXPECT_EQ(partial.exit_code, 3) << partial.output;
  EXPECT_THAT(partial.output, HasSubstr("3 rows, 0 refused before sending"));
  // One tally of every row read: received = stored + already + rejected.
  EXPECT_THAT(partial.output,
              HasSubstr("received 3, stored 1, already stored 0, rejected 2"));
  // The server names the blank item, as for any client of the API.
  EXPECT_THAT(partial.output, HasSubstr("line 3: rating.items: social (item "
                                        "3) not answered (3 of 4)"));
  EXPECT_THAT(partial.output,
              HasSubstr("line 4: rating.items[2] (social): 11.0 is above"));
  EXPECT_THAT(partial.output,
              HasSubstr("warning: 3 row(s) carried client names"));
  // A row's ORS and SRS are stored together or not at all: the ORS of
  // line 3 is off the scale, so its good SRS is refused with it.
  const std::string both = dir_.Sub("both.csv");
  std::ofstream(both)
      << "Service_Location,Provider_Email,Client_ID,Case_ID,Session_ID,"
         "Session_Date,ORSQ1,ORSQ2,ORSQ3,ORSQ4,SRSQ1,SRSQ2,SRSQ3,SRSQ4\n"
         "Team Vest,k@x.example,p-8,case-8,1,2026-04-01,5,5,5,5,9,9,9,9\n"
         "Team Vest,k@x.example,p-8,case-8,2,2026-04-08,5,5,11,5,9,9,9,9\n";
  CliRun row = Tilbake(absl::StrCat("import --format=csv --tenant=tenant-a ",
                                    Server(), " ", both));
  EXPECT_EQ(row.exit_code, 3) << row.output;
  EXPECT_THAT(row.output,
              HasSubstr("received 4, stored 2, already stored 0, rejected 2"));
  EXPECT_THAT(row.output,
              HasSubstr("line 3: rating.items[2] (social): 11.0 is above"));
  EXPECT_THAT(row.output,
              HasSubstr("line 3: row: not stored, as its ors was refused"));
  CliRun stored = Tilbake(absl::StrCat(
      "episode ", Server(), " --tenant=tenant-a --episode=case-8 --json"));
  EXPECT_EQ(stored.exit_code, 0) << stored.output;
  EXPECT_THAT(stored.output, HasSubstr("\"session_number\": 1"));
  EXPECT_THAT(stored.output, Not(HasSubstr("\"session_number\": 2")));
  EXPECT_THAT(stored.output, HasSubstr("\"instrument_id\": \"srs\""));

  CliRun wrong =
      Tilbake(absl::StrCat("import --format=xml ", Server(), " ", path));
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
}

// A CSV saved as Latin-1 ("Team Sør" with ø as the byte 0xF8): refused
// with its line and byte offset before anything is sent, and imported when
// --encoding says what it is.
// A vendor's file exported again after a fix: by default the changed row
// is refused (ALREADY_EXISTS); with --corrections it becomes a correction
// with the file in its reason, and its row's new SRS is stored. A rerun
// changes nothing.
TEST_F(CliTest, ReimportWithCorrectionsCorrectsWhatChanged) {
  const std::string header =
      "Service_Location,Provider_Email,Client_ID,Case_ID,Session_ID,"
      "Session_Date,ORSQ1,ORSQ2,ORSQ3,ORSQ4,SRSQ1,SRSQ2,SRSQ3,SRSQ4\n";
  const std::string first = dir_.Sub("export-1.csv");
  std::ofstream(first)
      << header
      << "Team Vest,k@x.example,p-9,case-9,1,2026-04-01,0.5,0.8,1,1.2,,,,\n"
         "Team Vest,k@x.example,p-9,case-9,2,2026-04-08,5,5,5,5,9,9,9,9\n";
  const std::string fixed = dir_.Sub("export-2.csv");
  std::ofstream(fixed)
      << header
      << "Team Vest,k@x.example,p-9,case-9,1,2026-04-01,0.8,1.2,1.5,1.8,9,9,"
         "9,9\n"
         "Team Vest,k@x.example,p-9,case-9,2,2026-04-08,5,5,5,5,9,9,9,9\n";
  const std::string import =
      absl::StrCat("import --format=csv --tenant=tenant-a ", Server(), " ");
  ASSERT_EQ(Tilbake(import + first).exit_code, 0);
  CliRun refused = Tilbake(import + fixed);
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("already used for a different rating"));
  CliRun corrected = Tilbake(import + "--corrections " + fixed);
  EXPECT_EQ(corrected.exit_code, 0) << corrected.output;
  EXPECT_THAT(corrected.output,
              HasSubstr("1 corrected (stored before with other values); 2 "
                        "rows, 0 refused before sending; records: received 4, "
                        "stored 1, already stored 3, rejected 0"));
  CliRun rerun = Tilbake(import + "--corrections " + fixed);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("0 corrected"));
  EXPECT_THAT(rerun.output, HasSubstr("stored 0, already stored 4"));
  CliRun history = Tilbake(absl::StrCat(
      "episode ", Server(), " --tenant=tenant-a --episode=case-9 --history"));
  EXPECT_THAT(history.output, HasSubstr("re-import from export-2.csv"));
  EXPECT_THAT(history.output, HasSubstr("0.5 0.8 1.0 1.2"));
  EXPECT_THAT(history.output, HasSubstr("0.8 1.2 1.5 1.8"));
}

TEST_F(CliTest, ImportRefusesAFileThatIsNotUtf8UnlessToldItsEncoding) {
  const std::string path = dir_.Sub("latin1.csv");
  std::ofstream(path)
      << "Service_Location,Provider_Email,Client_ID,Case_ID,"
         "Session_ID,Session_Date,ORSQ1,ORSQ2,ORSQ3,ORSQ4,Total_ORS\n"
         "Team S\xF8r,k@x.example,p-8,case-8,1,2026-04-01,5,5,5,5,\n"
         "Team S\xF8r,k@x.example,p-8,case-8,2,2026-04-08,6,6,6,6,\n";
  const std::string args = absl::StrCat(
      "import --format=csv --tenant=tenant-a --org_unit_prefix=psykisk-helse ",
      Server(), " ", path);
  CliRun refused = Tilbake(args);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("line 2, byte 114 (0xF8)"));
  EXPECT_THAT(refused.output, HasSubstr("--encoding=latin1"));
  CliRun nothing = Tilbake(absl::StrCat("episode ", Server(),
                                        " --tenant=tenant-a --episode=case-8"));
  EXPECT_NE(nothing.exit_code, 0) << nothing.output;
  EXPECT_THAT(nothing.output, HasSubstr("NOT_FOUND"));

  CliRun converted = Tilbake(absl::StrCat(args, " --encoding=latin1"));
  EXPECT_EQ(converted.exit_code, 0) << converted.output;
  EXPECT_THAT(converted.output, HasSubstr("received 2, stored 2"));
  CliRun episode = Tilbake(absl::StrCat(
      "episode ", Server(), " --tenant=tenant-a --episode=case-8 --json"));
  EXPECT_THAT(episode.output,
              HasSubstr("\"org_unit\": \"psykisk-helse/team-sor\""));
}

TEST_F(CliTest, ExportsAnEpisodeAsFhirAndImportsItIntoAnotherTenant) {
  ASSERT_EQ(
      Tilbake(absl::StrCat("import --format=csv --tenant=tenant-a ", Server(),
                           " ", TILBAKE_EXAMPLES_DIR, "/fit-import.csv"))
          .exit_code,
      0);
  const std::string bundle = dir_.Sub("case-1001.fhir.json");
  CliRun exported = Tilbake(
      absl::StrCat("export ", Server(),
                   " --tenant=tenant-a --episode=case-1001 --out=", bundle));
  EXPECT_EQ(exported.exit_code, 0) << exported.output;
  std::ifstream in(bundle);
  const std::string json((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  EXPECT_THAT(json, HasSubstr("\"resourceType\": \"Bundle\""));
  EXPECT_THAT(json, HasSubstr("\"716613004\""));  // SNOMED CT: ORS total.
  EXPECT_THAT(json, HasSubstr("\"720482000\""));  // SNOMED CT: SRS total.

  // Three sessions: two ORS and two SRS answered, one SRS skipped, one ORS.
  const std::string args = absl::StrCat(
      "import --format=fhir --tenant=tenant-b ", Server(), " ", bundle);
  CliRun imported = Tilbake(args);
  EXPECT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_THAT(imported.output,
              HasSubstr("6 resources, 0 refused before sending; records: "
                        "received 6, stored 6"));
  EXPECT_THAT(Tilbake(args).output, HasSubstr("stored 0, already stored 6"));

  CliRun a = Tilbake(absl::StrCat("export --format=json ", Server(),
                                  " --tenant=tenant-a --episode=case-1001"));
  CliRun b = Tilbake(absl::StrCat("export --format=json ", Server(),
                                  " --tenant=tenant-b --episode=case-1001"));
  ASSERT_EQ(a.exit_code, 0) << a.output;
  ASSERT_EQ(b.exit_code, 0) << b.output;
  for (const char* total :
       {"\"total\": 17.4", "\"total\": 36.1", "\"total\": 21.5",
        "\"total\": 37", "\"total\": 24.2"}) {
    EXPECT_THAT(a.output, HasSubstr(total)) << total;
    EXPECT_THAT(b.output, HasSubstr(total)) << total;
  }
  EXPECT_THAT(b.output, HasSubstr("\"tenant_id\": \"tenant-b\""));
}

// A citizen's requests through the CLI: export everything about a
// pseudonym, see who accessed it, and erase it with two admins.
TEST(CliPrivacyTest, ExportAuditAndTwoAdminErasure) {
  testing::TempDir dir;
  const std::string tokens = dir.Sub("tokens.textpb");
  std::ofstream(tokens)
      << testing::TokenEntry("dips", "tenant-a", "integration", "t-dips")
      << testing::TokenEntry("anne", "tenant-a", "admin", "t-anne")
      << testing::TokenEntry("bo", "tenant-a", "admin", "t-bo");
  testing::TestServer server(
      [&](app::ServerOptions& o) { o.tokens_file = tokens; });
  auto as = [&](const std::string& token, const std::string& args) {
    return Tilbake(absl::StrCat(args, " --server=", server.address(),
                                " --attempts=1 --token=", token,
                                " --tenant=tenant-a"));
  };
  ASSERT_EQ(as("t-dips", absl::StrCat("import --format=csv ",
                                      TILBAKE_EXAMPLES_DIR, "/fit-import.csv"))
                .exit_code,
            0);

  const std::string bundle = dir.Sub("p-1001.fhir.json");
  CliRun fhir = as("t-anne", "export --client=p-1001 --out=" + bundle);
  ASSERT_EQ(fhir.exit_code, 0) << fhir.output;
  std::ifstream in(bundle);
  const std::string json((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  EXPECT_THAT(json, HasSubstr("\"QuestionnaireResponse\""));
  EXPECT_THAT(json, HasSubstr("\"716613004\""));  // SNOMED CT: ORS total.
  CliRun plain = as("t-anne", "export --client=p-1001 --format=json");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_THAT(plain.output, HasSubstr("\"episode_id\": \"case-1001\""));
  EXPECT_THAT(plain.output, Not(HasSubstr("p-1002")));
  EXPECT_EQ(as("t-dips", "export --client=p-1001").exit_code, 1);

  CliRun audit = as("t-anne", "audit --client=p-1001");
  ASSERT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_THAT(audit.output, HasSubstr("dips (integration)  ImportRatings"));
  EXPECT_THAT(audit.output, HasSubstr("anne (admin)"));
  EXPECT_THAT(audit.output, HasSubstr("ExportClient"));
  EXPECT_THAT(audit.output, HasSubstr("PERMISSION_DENIED"));  // dips' try.

  CliRun request = as("t-anne",
                      "erasure request --client=p-1001 "
                      "--reason='citizen asked, ref 2026-17'");
  ASSERT_EQ(request.exit_code, 0) << request.output;
  EXPECT_THAT(request.output, HasSubstr("waiting for a second admin"));
  std::smatch id;
  ASSERT_TRUE(
      std::regex_search(request.output, id, std::regex("er-[0-9a-f]{16}")));
  CliRun self = as("t-anne", "erasure approve --request=" + id.str());
  EXPECT_EQ(self.exit_code, 1);
  EXPECT_THAT(self.output, HasSubstr("PERMISSION_DENIED"));
  CliRun approve = as("t-bo", "erasure approve --request=" + id.str());
  ASSERT_EQ(approve.exit_code, 0) << approve.output;
  EXPECT_THAT(approve.output, HasSubstr("erased client p-1001: 6 ratings"));
  CliRun list = as("t-bo", "erasure list");
  EXPECT_THAT(list.output, HasSubstr("approved"));
  EXPECT_THAT(list.output, HasSubstr("citizen asked, ref 2026-17"));
  CliRun gone = as("t-anne", "export --client=p-1001");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.output, HasSubstr("NOT_FOUND"));
}

TEST_F(CliTest, CloseEpisodeInstrumentsAndHealth) {
  ASSERT_EQ(Tilbake(SubmitArgs(1, "--skipped", "cli-1")).exit_code, 0);
  CliRun close = CloseE1("unilateral");
  EXPECT_EQ(close.exit_code, 0) << close.output;
  EXPECT_THAT(close.output, HasSubstr("ending:     unilateral on 2026-03-10"));
  CliRun instruments = Tilbake(absl::StrCat("instruments ", Server()));
  EXPECT_EQ(instruments.exit_code, 0);
  EXPECT_THAT(instruments.output, HasSubstr("ycors"));
  EXPECT_THAT(instruments.output, HasSubstr("not scored"));
  CliRun health = Tilbake(absl::StrCat("health ", Server()));
  EXPECT_EQ(health.exit_code, 0);
  EXPECT_THAT(health.output, HasSubstr("SERVING"));
  const std::string address = Server();  // Before the port goes away.
  server_.Stop();
  CliRun down =
      Tilbake(absl::StrCat("health ", address, " --deadline_seconds=2"));
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.output, HasSubstr("UNAVAILABLE"));
}

// A mistyped intake corrected, a rating entered in error voided, and the
// history shown, all through the command line and a real server.
TEST_F(CliTest, CorrectVoidAndTheHistory) {
  ASSERT_EQ(Tilbake(SubmitArgs(1, "--items=0.5,0.8,1,1.2", "cli-1")).exit_code,
            0);
  ASSERT_EQ(Tilbake(SubmitArgs(2, "--items=5.1,6,7.3,8.9", "cli-2")).exit_code,
            0);
  ASSERT_EQ(Tilbake(SubmitArgs(3, "--items=6,6,6,6", "cli-3")).exit_code, 0);
  const std::string where =
      absl::StrCat(Server(), " --tenant=tenant-a --episode=e-1");
  CliRun corrected = Tilbake(
      absl::StrCat("correct ", where,
                   " --administration=1/ors/c-17/client --items=0.8,1.2,1.5,1.8"
                   " --reason='client marked 5.3' --key=fix-1"));
  ASSERT_EQ(corrected.exit_code, 0) << corrected.output;
  EXPECT_THAT(corrected.output, HasSubstr("Corrected: 1/ors/c-17/client"));
  EXPECT_THAT(corrected.output, HasSubstr("0.8 1.2 1.5 1.8"));
  EXPECT_THAT(corrected.output, HasSubstr("+22.0"));  // 27.3 - 5.3
  CliRun again = Tilbake(
      absl::StrCat("correct ", where,
                   " --administration=1/ors/c-17/client --items=0.8,1.2,1.5,1.8"
                   " --reason='client marked 5.3' --key=fix-1"));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("Already corrected"));
  CliRun voided = Tilbake(
      absl::StrCat("void ", where,
                   " --administration=3/ors/c-17/client --reason='wrong "
                   "client' --key=void-1"));
  ASSERT_EQ(voided.exit_code, 0) << voided.output;
  EXPECT_THAT(voided.output, HasSubstr("Voided: 3/ors/c-17/client"));
  // Session 3 counts no more: the episode ends with session 2.
  EXPECT_THAT(voided.output, HasSubstr("sessions:   2026-03-02 to 2026-03-03"));

  CliRun plain = Tilbake(absl::StrCat("episode ", where));
  EXPECT_THAT(plain.output,
              HasSubstr("Corrected: 1/ors/c-17/client (version 1) (--history"));
  CliRun history = Tilbake(absl::StrCat("episode ", where, " --history"));
  ASSERT_EQ(history.exit_code, 0) << history.output;
  EXPECT_THAT(history.output, HasSubstr("History (versions ended"));
  EXPECT_THAT(history.output, HasSubstr("0.5 0.8 1.0 1.2"));
  EXPECT_THAT(history.output, HasSubstr("client marked 5.3"));
  EXPECT_THAT(history.output, HasSubstr("entered in error"));
  EXPECT_THAT(history.output, HasSubstr("6.0 6.0 6.0 6.0"));
  // Refusals name the option or the field.
  CliRun no_reason = Tilbake(
      absl::StrCat("void ", where, " --administration=2/ors/c-17/client"));
  EXPECT_EQ(no_reason.exit_code, 2) << no_reason.output;
  EXPECT_THAT(no_reason.output, HasSubstr("--reason is required"));
  CliRun unknown =
      Tilbake(absl::StrCat("correct ", where,
                           " --administration=9/ors/c-17/client --items=1,1,1,1"
                           " --reason=x"));
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output,
              HasSubstr("--administration: episode e-1 has no"));
  CliRun twice = Tilbake(absl::StrCat(
      "void ", where, " --administration=3/ors/c-17/client --reason=again"));
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_THAT(twice.output, HasSubstr("FAILED_PRECONDITION: administration_id:"
                                      " 3/ors/c-17/client was voided"));
}

// The retention policy from the tenants file, run on request: a dry run
// counts, the run deletes the episode that ended more than 5 years before
// "today" (2026-06-01), the recent one stays.
TEST(CliRetentionTest, ADryRunCountsAndTheRunRetires) {
  testing::TempDir dir;
  const std::string tenants = dir.Sub("tenants.textpb");
  std::ofstream(tenants)
      << "tenant { id: \"tenant-a\" retain_ended_episodes_years: 5 }\n";
  testing::TestServer server([&](app::ServerOptions& o) {
    o.tenant_rule_sets = tenants;
    o.audit_retention_years = 3;
    o.retention_interval = absl::ZeroDuration();
  });
  const std::string at =
      absl::StrCat("--server=", server.address(), " --attempts=1");
  auto submit = [&](const std::string& episode, int session,
                    const std::string& date) {
    return Tilbake(absl::StrCat(
        "submit ", at, " --tenant=tenant-a --episode=", episode, " --client=c-",
        episode,
        " --clinician=k-4 --org_unit=psyk/nord --instrument=ors --session=",
        session, " --date=", date, " --items=5,5,5,5"));
  };
  ASSERT_EQ(submit("old", 1, "2019-03-04").exit_code, 0);
  ASSERT_EQ(submit("old", 2, "2019-04-01").exit_code, 0);
  ASSERT_EQ(submit("new", 1, "2026-01-05").exit_code, 0);
  ASSERT_EQ(Tilbake(absl::StrCat("close-episode ", at,
                                 " --tenant=tenant-a --episode=old "
                                 "--ending=planned --end_date=2019-05-01"))
                .exit_code,
            0);
  CliRun dry =
      Tilbake(absl::StrCat("retention ", at, " --tenant=tenant-a --dry-run"));
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("(dry run, nothing deleted)"));
  EXPECT_THAT(dry.output, HasSubstr("would retire 1 ended before 2021-06-01 (2 "
                                    "administrations, 0 revisions, 2 keys)"));
  EXPECT_THAT(dry.output, HasSubstr("would delete 0 entries before "
                                    "2023-06-01T00:00:00Z"));
  EXPECT_EQ(
      Tilbake(absl::StrCat("episode ", at, " --tenant=tenant-a --episode=old"))
          .exit_code,
      0);
  CliRun run = Tilbake(absl::StrCat("retention ", at, " --tenant=tenant-a"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("retired 1 ended before 2021-06-01"));
  CliRun gone =
      Tilbake(absl::StrCat("episode ", at, " --tenant=tenant-a --episode=old"));
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.output, HasSubstr("NOT_FOUND"));
  EXPECT_EQ(
      Tilbake(absl::StrCat("episode ", at, " --tenant=tenant-a --episode=new"))
          .exit_code,
      0);
  CliRun log = Tilbake(absl::StrCat("audit ", at, " --tenant=tenant-a"));
  EXPECT_THAT(log.output, HasSubstr("Retention"));
}

TEST_F(CliTest, EpisodeShowsCategoriesZonesAlertsAndOutcome) {
  ASSERT_EQ(Tilbake(SubmitArgs(1, "--items=5,5,5,5", "cli-1")).exit_code, 0);
  ASSERT_EQ(
      Tilbake(SubmitArgs(2, "--items=6.5,6.5,6.5,6.5", "cli-2")).exit_code, 0);
  ASSERT_EQ(CloseE1("planned").exit_code, 0);
  CliRun episode = Tilbake(
      absl::StrCat("episode ", Server(), " --tenant=tenant-a --episode=e-1"));
  ASSERT_EQ(episode.exit_code, 0) << episode.output;
  EXPECT_THAT(episode.output, HasSubstr("rules:      jt-5 v1"));
  EXPECT_THAT(episode.output, HasSubstr("+6.0"));
  EXPECT_THAT(episode.output, HasSubstr("recovered"));
  EXPECT_THAT(episode.output, HasSubstr("grey"));
  // Not a terminal: no colour codes.
  EXPECT_THAT(episode.output, Not(HasSubstr("\033[")));
  EXPECT_THAT(episode.output, HasSubstr("Alerts:"));
  EXPECT_THAT(episode.output,
              HasSubstr("no session rating entered for session 2"));
  EXPECT_THAT(episode.output, HasSubstr("Outcome:"));
  EXPECT_THAT(episode.output, HasSubstr("0.86"));  // 6.0 / 7.0

  CliRun rules =
      Tilbake(absl::StrCat("rule-sets ", Server(), " --tenant=tenant-a"));
  ASSERT_EQ(rules.exit_code, 0) << rules.output;
  EXPECT_THAT(rules.output,
              HasSubstr("jt-5 v1 (default) (active for this tenant)"));
  EXPECT_THAT(rules.output, HasSubstr("6.6 points"));
  EXPECT_THAT(rules.output, HasSubstr("no (default)"));
}

TEST_F(CliTest, InspireShowsItsSectionScores) {
  CliRun brief = Tilbake(absl::StrCat(
      "submit ", Server(),
      " --tenant=tenant-a --episode=e-5 --client=c-1 --clinician=k-1"
      " --org_unit=rus --session=1 --date=2026-03-02 --instrument=brief-inspire"
      " --items=3,4,2,3,4"));
  ASSERT_EQ(brief.exit_code, 0) << brief.output;
  EXPECT_THAT(brief.output, HasSubstr("5 of 5 rated"));
  EXPECT_THAT(brief.output, HasSubstr("Scores (0–100):"));
  EXPECT_THAT(brief.output, HasSubstr("brief 80.0"));  // 16/5 × 25
  CliRun instruments =
      Tilbake(absl::StrCat("instruments ", Server(), " --family=inspire"));
  EXPECT_THAT(instruments.output, HasSubstr("27 items in 2 section(s)"));
  EXPECT_THAT(instruments.output, HasSubstr("2010"));
}

TEST_F(CliTest, TrendsAndReportPrintTables) {
  ASSERT_EQ(Tilbake(SubmitArgs(1, "--items=5,5,5,5", "cli-1")).exit_code, 0);
  ASSERT_EQ(
      Tilbake(SubmitArgs(2, "--items=6.5,6.5,6.5,6.5", "cli-2")).exit_code, 0);
  ASSERT_EQ(CloseE1("planned").exit_code, 0);
  const std::string period =
      " --tenant=tenant-a --from=2026-03-01 --to=2026-03-31";
  CliRun trends = Tilbake(absl::StrCat("trends ", Server(), period,
                                       " --group_by=org_unit --split"));
  ASSERT_EQ(trends.exit_code, 0) << trends.output;
  EXPECT_THAT(trends.output, HasSubstr("psykisk-helse/team-nord"));
  EXPECT_THAT(trends.output, HasSubstr("+6.0"));  // 20.0 -> 26.0
  EXPECT_THAT(trends.output, HasSubstr("0.86"));  // 6 / 7
  EXPECT_THAT(trends.output, HasSubstr("below cutoff"));
  CliRun json = Tilbake(absl::StrCat("trends ", Server(), period, " --json"));
  EXPECT_THAT(json.output, HasSubstr("\"mean_change\": 6"));
  CliRun report = Tilbake(absl::StrCat("report ", Server(), period));
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_THAT(report.output, HasSubstr("8 effect size / SAES:       0.86"));
  EXPECT_THAT(report.output, HasSubstr("11 endings: planned 1"));
  CliRun bad =
      Tilbake(absl::StrCat("trends ", Server(), period, " --bucket=day"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("--bucket"));
}

// Filters that match nothing say what was asked, and are not an error.
TEST_F(CliTest, AnEmptyAnswerSaysWhatWasAsked) {
  ASSERT_EQ(Tilbake(SubmitArgs(1, "--items=5,5,5,5", "cli-1")).exit_code, 0);
  const std::string period =
      " --tenant=tenant-a --from=2025-01-01"
      " --to=2025-01-31";
  CliRun trends =
      Tilbake(absl::StrCat("trends ", Server(), period, " --org_unit=nowhere"));
  EXPECT_EQ(trends.exit_code, 0) << trends.output;
  EXPECT_EQ(trends.output,
            "no data for tenant tenant-a, 2025-01-01 to 2025-01-31, org unit "
            "nowhere\n");
  const std::string svg = dir_.Sub("empty.svg");
  CliRun plot =
      Tilbake(absl::StrCat("plot trend ", Server(), period, " --out=", svg));
  EXPECT_EQ(plot.exit_code, 0) << plot.output;
  EXPECT_THAT(plot.output, HasSubstr("no data for tenant tenant-a"));
  EXPECT_FALSE(std::ifstream(svg).good());  // No empty chart written.
  // The report echoes the period asked for, with or without data.
  CliRun report = Tilbake(absl::StrCat("report ", Server(), period));
  EXPECT_EQ(report.exit_code, 0) << report.output;
  EXPECT_THAT(report.output, HasSubstr("2025-01-01 to 2025-01-31"));
}

TEST_F(CliTest, HelpReadsLikeACommandSuite) {
  CliRun help = Tilbake("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("Ratings and episodes:"));
  EXPECT_THAT(help.output, HasSubstr("  submit "));
  EXPECT_THAT(help.output, HasSubstr("Privacy (admin):"));
  EXPECT_THAT(help.output, Not(HasSubstr("No flags matched")));
  CliRun submit = Tilbake("submit --help");
  EXPECT_EQ(submit.exit_code, 0);
  EXPECT_THAT(submit.output, HasSubstr("--items"));
  EXPECT_THAT(submit.output, Not(HasSubstr("--bucket")));  // Its own only.
  CliRun restore = Tilbake("restore --backup_dir=b --data_dir=d");
  EXPECT_EQ(restore.exit_code, 2);  // Moved to tilbake-server.
}

TEST_F(CliTest, PlotsWriteSvg) {
  ASSERT_EQ(Tilbake(SubmitArgs(1, "--items=5,5,5,5", "cli-1")).exit_code, 0);
  ASSERT_EQ(
      Tilbake(SubmitArgs(2, "--items=6.5,6.5,6.5,6.5", "cli-2")).exit_code, 0);
  const std::string episode_svg = dir_.Sub("episode.svg");
  CliRun plot = Tilbake(
      absl::StrCat("plot episode ", Server(),
                   " --tenant=tenant-a --episode=e-1 --out=", episode_svg));
  ASSERT_EQ(plot.exit_code, 0) << plot.output;
  const std::string svg = testing::ReadAll(episode_svg);
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr("cutoff 25"));
  EXPECT_THAT(svg, HasSubstr("ors (c-17, client)"));
  EXPECT_THAT(svg, HasSubstr("<polyline"));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  // Two ORS sessions: two dots on the client's line.
  size_t dots = 0;
  for (size_t at = svg.find("<circle"); at != std::string::npos;
       at = svg.find("<circle", at + 1)) {
    ++dots;
  }
  EXPECT_EQ(dots, 2u);

  ASSERT_EQ(CloseE1("planned").exit_code, 0);
  const std::string trend_svg = dir_.Sub("trend.svg");
  CliRun trend = Tilbake(absl::StrCat(
      "plot trend ", Server(),
      " --tenant=tenant-a --from=2026-03-01 --to=2026-03-31 --out=",
      trend_svg));
  ASSERT_EQ(trend.exit_code, 0) << trend.output;
  EXPECT_THAT(testing::ReadAll(trend_svg), HasSubstr("intake below cutoff"));
  EXPECT_THAT(testing::ReadAll(trend_svg), HasSubstr("2026-03"));
  CliRun no_out = Tilbake(absl::StrCat("plot episode ", Server(),
                                       " --tenant=tenant-a --episode=e-1"));
  EXPECT_EQ(no_out.exit_code, 2);
}

TEST(CliSupportTest, TablesAlignByDisplayWidthNotBytes) {
  EXPECT_EQ(cli::DisplayWidth("0.0–10.0"), 8u);  // The en dash is 3 bytes.
  EXPECT_EQ(cli::DisplayWidth("Tromsø"), 6u);
  EXPECT_EQ(cli::DisplayWidth("\x1b[32mgreen\x1b[0m"), 5u);
  v1::InstrumentDefinition ors;
  ors.set_id("ors");
  ors.set_scored(true);
  ors.set_total_max(40);
  ors.add_items()->set_max(10);
  v1::InstrumentDefinition unscored = ors;
  unscored.set_id("x");
  unscored.set_scored(false);
  // The last column (title) starts at the same column on every line,
  // after "0.0–10.0 by 0.0" and "0.0–40.0" (en dashes) or "not scored".
  auto title_column = [](const std::string& line) {
    return cli::DisplayWidth(line.substr(0, line.find_last_of(' ') + 1));
  };
  ors.set_title("t");
  unscored.set_title("t");
  const std::string titled = cli::RenderInstruments({ors, unscored});
  std::vector<std::string> rows = absl::StrSplit(titled, '\n');
  ASSERT_GE(rows.size(), 3u);
  EXPECT_EQ(title_column(rows[1]), title_column(rows[2])) << titled;
  EXPECT_EQ(title_column(rows[0]), title_column(rows[1])) << titled;
}

TEST(CliSupportTest, ParsesItemsDatesAndRaters) {
  auto items =
      cli::ParseItems("individual=5.1, interpersonal=,social=7,overall=8");
  ASSERT_THAT(items, IsOk());
  ASSERT_EQ(items->items_size(), 4);
  EXPECT_EQ(items->items(0).key(), "individual");
  EXPECT_THAT(items->items(0).value(), DoubleEq(5.1));
  EXPECT_FALSE(items->items(1).has_value());
  EXPECT_THAT(cli::ParseItems("5,6,7,x"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(cli::ParseDate("date", "2026-02-30"),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("--date")));
  auto date = cli::ParseDate("date", "2026-02-28");
  ASSERT_THAT(date, IsOk());
  EXPECT_EQ(cli::FormatDate(*date), "2026-02-28");
  auto rater = cli::ParseRater("parent", "mor");
  ASSERT_THAT(rater, IsOk());
  EXPECT_EQ(rater->relation(), v1::Rater::RELATION_PARENT);
  EXPECT_THAT(cli::ParseRater("uncle", ""), Not(IsOk()));
}

}  // namespace
}  // namespace tilbake
