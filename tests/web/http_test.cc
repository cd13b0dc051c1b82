#include "client/web/http.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_pki.h"

namespace tilbake::web {
namespace {

using ::testing::HasSubstr;

TEST(HttpParseTest, FormsQueriesAndCookies) {
  auto form = ParseUrlEncoded("a=1&b=x+y%20z&c=%3Cscript%3E&a=2&flag");
  EXPECT_EQ(form["a"], "2");  // A later repeat wins.
  EXPECT_EQ(form["b"], "x y z");
  EXPECT_EQ(form["c"], "<script>");
  EXPECT_EQ(form["flag"], "");
  auto cookies = ParseCookies("tilbake_session=abc; lang=nb ;x");
  EXPECT_EQ(cookies["tilbake_session"], "abc");
  EXPECT_EQ(cookies["lang"], "nb");
  EXPECT_EQ(UrlEncode("psyk/nord æ&x"), "psyk/nord%20%C3%A6%26x");
}

// A real civetweb server on loopback, read with curl (a separate client).
class HttpServerTest : public ::testing::Test {
 protected:
  std::string Curl(const std::string& args) {
    std::string command = absl::StrCat("curl -s -i ", args, " 2>&1");
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"),
                                               pclose);
    std::string output;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe.get())) > 0) {
      output.append(buffer, n);
    }
    return output;
  }
};

TEST_F(HttpServerTest, ServesTheHandlerWithSecurityHeaders) {
  HttpOptions options;
  options.listen = "127.0.0.1:0";
  options.max_body_bytes = 1024;
  Request seen;
  auto server = HttpServer::Start(options, [&seen](const Request& request) {
    seen = request;
    Response response;
    response.body =
        absl::StrCat("hello ", request.Query("name"), request.Form("token"));
    response.headers.push_back({"Set-Cookie", "s=1; HttpOnly"});
    return response;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string base = absl::StrCat("http://127.0.0.1:", (*server)->port());

  std::string get =
      Curl(absl::StrCat("-H 'Accept-Language: nb-NO' -H 'Cookie: a=b' '", base,
                        "/report?name=x%26y'"));
  EXPECT_THAT(get, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(get, HasSubstr("Content-Security-Policy: default-src 'none'"));
  EXPECT_THAT(get, HasSubstr("X-Frame-Options: DENY"));
  EXPECT_THAT(get, HasSubstr("Cache-Control: no-store"));
  EXPECT_THAT(get, HasSubstr("Set-Cookie: s=1; HttpOnly"));
  EXPECT_THAT(get, HasSubstr("hello x&y"));
  EXPECT_EQ(seen.path, "/report");
  EXPECT_EQ(seen.accept_language, "nb-NO");
  EXPECT_EQ(seen.cookies["a"], "b");
  EXPECT_FALSE(seen.tls);

  std::string post = Curl(absl::StrCat("-d 'token=t%2B1' ", base, "/sign-in"));
  EXPECT_THAT(post, HasSubstr("hello t+1"));
  EXPECT_EQ(seen.method, "POST");

  std::string big = Curl(absl::StrCat("-d 'token=", std::string(2000, 'x'),
                                      "' ", base, "/sign-in"));
  EXPECT_THAT(big, HasSubstr("413"));
}

TEST_F(HttpServerTest, ServesTlsWithTheServersPemFiles) {
  testing::TempDir dir;
  testing::TestPki pki;
  ASSERT_TRUE(pki.Create(dir.path()));
  HttpOptions options;
  options.listen = "127.0.0.1:0";
  options.tls_cert_file = pki.server_cert;
  options.tls_key_file = pki.server_key;
  bool tls = false;
  auto server = HttpServer::Start(options, [&tls](const Request& request) {
    tls = request.tls;
    Response response;
    response.body = "over tls";
    return response;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  std::string get = Curl(absl::StrCat(
      "--cacert ", pki.ca, " https://127.0.0.1:", (*server)->port(), "/"));
  EXPECT_THAT(get, HasSubstr("over tls"));
  EXPECT_TRUE(tls);
}

TEST_F(HttpServerTest, RefusesHalfATlsConfiguration) {
  HttpOptions options;
  options.tls_cert_file = "cert.pem";
  EXPECT_EQ(
      HttpServer::Start(options, [](const Request&) { return Response(); })
          .status()
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tilbake::web
