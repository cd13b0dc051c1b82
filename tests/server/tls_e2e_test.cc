// TLS and mutual TLS through gRPC's own credentials, with certificates made
// at test time: handshakes that must work do, the others fail, and a bad
// configuration stops the start naming the flag.
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/sdk/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/proto_builders.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_pki.h"
#include "tests/testing/test_server.h"

namespace tilbake {
namespace {

using ::testing::HasSubstr;
using ::tilbake::testing::IsOk;
using ::tilbake::testing::StatusIs;
using ::tilbake::testing::TestServer;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pki_.Create(dir_.path())); }

  // A server with TLS; with `mutual`, clients need a certificate from the
  // test CA.
  std::unique_ptr<TestServer> Serve(bool mutual) {
    return std::make_unique<TestServer>([this, mutual](app::ServerOptions& o) {
      o.tls_cert_file = pki_.server_cert;
      o.tls_key_file = pki_.server_key;
      if (mutual) o.tls_client_ca_file = pki_.ca;
    });
  }

  // Health through a client with these files ("" = not given).
  absl::StatusOr<bool> HealthVia(const TestServer& server,
                                 const std::string& ca,
                                 const std::string& cert = "",
                                 const std::string& key = "") {
    client::ClientOptions options;
    options.target = server.address();
    options.max_attempts = 1;
    options.deadline = absl::Seconds(5);
    options.tls_ca_file = ca;
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    auto client = client::Client::Open(options);
    if (!client.ok()) return client.status();
    return (*client)->Health();
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
};

TEST_F(TlsTest, ServerTlsServesClientsThatTrustItsCa) {
  auto server = Serve(/*mutual=*/false);
  client::ClientOptions options;
  options.target = server->address();
  options.max_attempts = 1;
  options.tls_ca_file = pki_.ca;
  auto client = client::Client::Open(options);
  ASSERT_THAT(client, IsOk());
  EXPECT_THAT((*client)->Health(), IsOk());
  auto stored = (*client)->SubmitRating(testing::OrsRequest(1, "tls-1"));
  ASSERT_THAT(stored, IsOk());
  EXPECT_DOUBLE_EQ(stored->administration().score().total(), 27.3);

  // Plaintext, or trusting another CA: no handshake, nothing served.
  EXPECT_THAT(HealthVia(*server, ""), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(HealthVia(*server, pki_.rogue_ca),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(TlsTest, MutualTlsWantsAClientCertificateFromItsCa) {
  auto server = Serve(/*mutual=*/true);
  EXPECT_THAT(HealthVia(*server, pki_.ca, pki_.client_cert, pki_.client_key),
              IsOk());
  EXPECT_THAT(HealthVia(*server, pki_.ca),  // No client certificate.
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(HealthVia(*server, pki_.ca, pki_.rogue_client_cert,
                        pki_.rogue_client_key),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(TlsTest, ABadTlsConfigurationStopsTheStartNamingTheFlag) {
  const std::string not_pem = dir_.Sub("not.pem");
  std::ofstream(not_pem) << "hello";
  struct Row {
    std::string name, cert, key, client_ca, message;
  };
  const std::vector<Row> rows = {
      {"CertWithoutKey", pki_.server_cert, "", "",
       "--tls_cert and --tls_key: give both"},
      {"MissingFile", dir_.Sub("nope.pem"), pki_.server_key, "",
       "--tls_cert: cannot read"},
      {"NotPem", pki_.server_cert, not_pem, "",
       "--tls_key: " + not_pem + " is not a PEM file"},
      {"ClientCaWithoutTls", "", "", pki_.ca,
       "--tls_client_ca: needs --tls_cert and --tls_key"},
  };
  for (const Row& row : rows) {
    app::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.data_dir = dir_.Sub("data-" + row.name);
    options.metrics_listen = "";
    options.tls_cert_file = row.cert;
    options.tls_key_file = row.key;
    options.tls_client_ca_file = row.client_ca;
    EXPECT_THAT(
        app::Server::Start(options),
        StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(row.message)))
        << row.name;
  }
}

TEST_F(TlsTest, TheSdkNamesAnOptionItCannotUse) {
  client::ClientOptions options;
  options.tls_cert_file = pki_.client_cert;  // No key.
  EXPECT_THAT(
      client::Client::Open(options),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("give both")));
  options = {};
  options.tls_ca_file = dir_.Sub("missing-ca.pem");
  EXPECT_THAT(client::Client::Open(options),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("tls_ca_file: cannot read")));
}

// `tilbake health` with `flags`.
testing::CommandRun CliHealth(const std::string& flags) {
  return testing::RunCommand(
      absl::StrCat(TILBAKE_CLI_PATH, " health --attempts=1 ", flags));
}

TEST_F(TlsTest, TheCliSpeaksMutualTls) {
  auto server = Serve(/*mutual=*/true);
  const std::string target = absl::StrCat("--server=", server->address());
  auto served = CliHealth(absl::StrCat(target, " --tls_ca=", pki_.ca,
                                       " --tls_cert=", pki_.client_cert,
                                       " --tls_key=", pki_.client_key));
  EXPECT_EQ(served.exit_code, 0) << served.output;
  EXPECT_THAT(served.output, HasSubstr("SERVING"));
  auto refused = CliHealth(absl::StrCat(target, " --tls_ca=", pki_.ca));
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("UNAVAILABLE"));
}

}  // namespace
}  // namespace tilbake
