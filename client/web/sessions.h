#ifndef TILBAKE_CLIENT_WEB_SESSIONS_H_
#define TILBAKE_CLIENT_WEB_SESSIONS_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/sdk/client.h"
#include "tilbake/v1/feedback.pb.h"

// Server-side sessions behind a cookie. The cookie holds only a random id;
// the user's token stays in this process, inside the session's SDK client,
// and every page's calls go through that client, so the server checks the
// user's own role and writes their name in the access log.
namespace tilbake::web {

struct Session {
  std::string id;    // 32 random bytes, hex: the cookie's value.
  std::string csrf;  // 32 random bytes, hex: every form carries it.
  absl::Time last_seen;
  // Empty until sign-in: a visitor's session only carries the sign-in
  // form's CSRF token.
  std::shared_ptr<client::Client> client;
  v1::Caller caller;

  bool signed_in() const { return client != nullptr; }
};

class SessionStore {
 public:
  // Sessions unused for `idle` end; at most `capacity` are kept (the least
  // recently used visitor's session goes first, so a flood of visitors
  // cannot push out signed-in users).
  SessionStore(absl::Duration idle, size_t capacity,
               std::function<absl::Time()> now = absl::Now);

  // A new visitor's session.
  Session Start();
  // The session `id`, touched; nullopt when unknown or idle too long
  // (`expired` then says whether it was there and timed out).
  std::optional<Session> Find(const std::string& id, bool* expired = nullptr);
  // Signs the session in under a new id (so an id seen before sign-in is
  // worth nothing after it) and returns the new session; nullopt if `id`
  // is gone.
  std::optional<Session> SignIn(const std::string& id,
                                std::shared_ptr<client::Client> client,
                                v1::Caller caller);
  void End(const std::string& id);

  size_t size() const;

 private:
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration idle_;
  const size_t capacity_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mu_;
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

// Constant-time comparison, for CSRF tokens.
bool SameSecret(const std::string& a, const std::string& b);

// 32 random bytes from OpenSSL, hex.
std::string RandomId();

}  // namespace tilbake::web

#endif  // TILBAKE_CLIENT_WEB_SESSIONS_H_
