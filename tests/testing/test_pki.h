#ifndef TILBAKE_TESTS_TESTING_TEST_PKI_H_
#define TILBAKE_TESTS_TESTING_TEST_PKI_H_

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace tilbake::testing {

// Certificates made at test time with openssl (EC P-256, valid one day): a
// CA, a server certificate for 127.0.0.1 / localhost and a client
// certificate signed by it, and a second, untrusted CA with a client
// certificate of its own. Nothing is committed; every run makes new keys.
struct TestPki {
  std::string ca, server_cert, server_key, client_cert, client_key;
  std::string rogue_ca, rogue_client_cert, rogue_client_key;

  // Writes everything into `dir`; false if openssl failed.
  bool Create(const std::string& dir) {
    const std::string script = absl::StrReplaceAll(
        R"(set -e; cd 'DIR'
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() { key "$1.key"; openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 1 -subj "/CN=$2" 2>/dev/null; }
leaf() {  # name, CN, CA, extensions
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf '%b' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
    -out "$1.pem" -days 1 -extfile "$1.ext" 2>/dev/null
}
ca ca "Tilbake test CA"
ca rogue "Someone else's CA"
leaf server localhost ca "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
leaf client journal-system ca "extendedKeyUsage=clientAuth\n"
leaf rogue-client journal-system rogue "extendedKeyUsage=clientAuth\n"
)",
        {{"DIR", dir}});
    const std::string command =
        absl::StrCat("bash -c ", Quote(script), " >/dev/null 2>&1");
    if (std::system(command.c_str()) != 0) return false;
    ca = dir + "/ca.pem";
    server_cert = dir + "/server.pem";
    server_key = dir + "/server.key";
    client_cert = dir + "/client.pem";
    client_key = dir + "/client.key";
    rogue_ca = dir + "/rogue.pem";
    rogue_client_cert = dir + "/rogue-client.pem";
    rogue_client_key = dir + "/rogue-client.key";
    return true;
  }

 private:
  static std::string Quote(const std::string& text) {
    return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "'\\''"}}), "'");
  }
};

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_TEST_PKI_H_
