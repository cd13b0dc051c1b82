#include "client/web/http.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "httplib.h"

namespace tilbake::web {
namespace {

// No scripts, no frames, nothing from elsewhere: styles and images from this
// origin only (charts are inline SVG), forms post here only.
const httplib::Headers& SecurityHeaders() {
  static const httplib::Headers* headers = new httplib::Headers{
      {"Content-Security-Policy",
       "default-src 'none'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      // Not no-referrer: with it a browser posts forms with "Origin: null",
      // which the origin check must refuse. Other sites still get nothing.
      {"Referrer-Policy", "same-origin"},
      {"Cache-Control", "no-store"},
  };
  return *headers;
}

// A hex digit's value, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Form and query decoding: "+" is a space, %XX a byte; a broken escape is
// kept as it is.
std::string Decode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && high >= 0 && low >= 0) {
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

std::string Request::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

std::string Request::Form(const std::string& name) const {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

Response Response::Redirect(const std::string& location) {
  Response response;
  response.status = 303;
  response.headers.push_back({"Location", location});
  return response;
}

std::map<std::string, std::string> ParseUrlEncoded(const std::string& text) {
  std::map<std::string, std::string> values;
  for (absl::string_view pair : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    values[Decode(kv.first)] = Decode(kv.second);
  }
  return values;
}

std::map<std::string, std::string> ParseCookies(const std::string& header) {
  std::map<std::string, std::string> cookies;
  for (absl::string_view part :
       absl::StrSplit(header, ';', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    cookies[std::string(absl::StripAsciiWhitespace(kv.first))] =
        std::string(absl::StripAsciiWhitespace(kv.second));
  }
  return cookies;
}

std::string UrlEncode(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, absl::StrFormat("%%%02X", c));  // RFC 3986: upper
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HttpOptions& options, Handler handler) {
  const bool tls = !options.tls_cert_file.empty();
  if (tls != !options.tls_key_file.empty()) {
    return absl::FailedPreconditionError(
        "--tls_cert and --tls_key go together");
  }
  std::pair<std::string, std::string> host_port =
      absl::StrSplit(options.listen, absl::MaxSplits(':', 1));
  int port = 0;
  if (!absl::SimpleAtoi(host_port.second, &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: want host:port, got ", options.listen));
  }
  std::unique_ptr<HttpServer> server(new HttpServer());
  if (tls) {
    server->server_ = std::make_unique<httplib::SSLServer>(
        options.tls_cert_file.c_str(), options.tls_key_file.c_str());
  } else {
    server->server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *server->server_;
  if (!s.is_valid()) {
    return absl::FailedPreconditionError(
        "cannot load --tls_cert and --tls_key (PEM certificate and key)");
  }
  const int threads = options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(options.max_body_bytes);
  s.set_read_timeout(30, 0);
  s.set_default_headers(SecurityHeaders());
  auto serve = [handler = std::move(handler)](const httplib::Request& in,
                                              httplib::Response& out) {
    Request request;
    request.method = in.method;
    request.path = in.path;
    if (size_t q = in.target.find('?'); q != std::string::npos) {
      request.query = ParseUrlEncoded(in.target.substr(q + 1));
    }
    if (in.method == "POST") request.form = ParseUrlEncoded(in.body);
    request.cookies = ParseCookies(in.get_header_value("Cookie"));
    request.accept_language = in.get_header_value("Accept-Language");
    request.origin = in.get_header_value("Origin");
    request.host = in.get_header_value("Host");
    request.tls = in.ssl != nullptr;
    request.peer = in.remote_addr;
    const Response response = handler(request);
    out.status = response.status;
    for (const auto& [name, value] : response.headers) {
      out.set_header(name, value);
    }
    out.set_content(response.body, response.content_type.c_str());
  };
  s.Get(".*", serve);
  s.Post(".*", serve);
  server->port_ = port == 0
                      ? s.bind_to_any_port(host_port.first)
                      : (s.bind_to_port(host_port.first, port) ? port : -1);
  if (server->port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  server->thread_ = std::thread([&s] { s.listen_after_bind(); });
  return server;
}

HttpServer::~HttpServer() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tilbake::web
