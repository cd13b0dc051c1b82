#ifndef TILBAKE_CLIENT_WEB_HTTP_H_
#define TILBAKE_CLIENT_WEB_HTTP_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

// HTTP for tilbake-web: plain request and response structs, and a server
// that turns cpp-httplib's requests into them. The pages never see the
// library, so they are tested by calling the handler directly.
namespace tilbake::web {

struct Request {
  std::string method;                        // "GET", "POST"
  std::string path;                          // "/report", without the query
  std::map<std::string, std::string> query;  // URL-decoded
  std::map<std::string, std::string> form;   // a POST's url-encoded body
  std::map<std::string, std::string> cookies;
  std::string accept_language;
  std::string origin;  // The Origin header, if any.
  std::string host;    // The Host header.
  bool tls = false;
  std::string peer;

  // The parameter, or "" when absent.
  std::string Query(const std::string& name) const;
  std::string Form(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Redirect(const std::string& location);
};

// Decodes "a=1&b=x%20y" (form and query strings); later repeats win.
std::map<std::string, std::string> ParseUrlEncoded(const std::string& text);
// "a=1; b=2" (the Cookie header).
std::map<std::string, std::string> ParseCookies(const std::string& header);
// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& value);

struct HttpOptions {
  std::string listen = "127.0.0.1:8080";  // host:port
  // TLS with the same PEM files as tilbake-server (both or neither).
  std::string tls_cert_file;
  std::string tls_key_file;
  int threads = 8;
  size_t max_body_bytes = 64 * 1024;
};

using Handler = std::function<Response(const Request&)>;

class HttpServer {
 public:
  // Listens and serves `handler` on `threads` worker threads. Every
  // response carries the security headers (Content-Security-Policy
  // default-src 'none', no framing, no sniffing, no caching, no referrer).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpOptions& options, Handler handler);
  ~HttpServer();  // Stops, waiting for requests in progress.

  int port() const { return port_; }

 private:
  HttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tilbake::web

#endif  // TILBAKE_CLIENT_WEB_HTTP_H_
