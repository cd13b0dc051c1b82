#include "client/web/sessions.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "absl/strings/escaping.h"

namespace tilbake::web {

std::string RandomId() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // No randomness: a session id could be guessed. Refuse to go on.
    throw std::runtime_error("RAND_bytes failed");
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SessionStore::SessionStore(absl::Duration idle, size_t capacity,
                           std::function<absl::Time()> now)
    : idle_(idle), capacity_(capacity), now_(std::move(now)) {}

Session SessionStore::Start() {
  Session session{RandomId(), RandomId(), now_(), nullptr, {}};
  absl::MutexLock lock(&mu_);
  EvictLocked();
  sessions_[session.id] = session;
  return session;
}

std::optional<Session> SessionStore::Find(const std::string& id,
                                          bool* expired) {
  if (expired != nullptr) *expired = false;
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  const absl::Time now = now_();
  if (now - it->second.last_seen > idle_) {
    if (expired != nullptr) *expired = it->second.signed_in();
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

std::optional<Session> SessionStore::SignIn(
    const std::string& id, std::shared_ptr<client::Client> client,
    v1::Caller caller) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  sessions_.erase(it);
  Session session{RandomId(), RandomId(), now_(), std::move(client),
                  std::move(caller)};
  sessions_[session.id] = session;
  return session;
}

void SessionStore::End(const std::string& id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(id);
}

size_t SessionStore::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

void SessionStore::EvictLocked() {
  const absl::Time now = now_();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = now - it->second.last_seen > idle_ ? sessions_.erase(it) : ++it;
  }
  while (sessions_.size() >= capacity_) {
    // The least recently seen visitor (not signed in) goes; if every
    // session is signed in, the least recently seen of all.
    auto oldest = sessions_.end();
    for (int pass = 0; pass < 2 && oldest == sessions_.end(); ++pass) {
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (pass == 0 && it->second.signed_in()) continue;
        if (oldest == sessions_.end() ||
            it->second.last_seen < oldest->second.last_seen) {
          oldest = it;
        }
      }
    }
    sessions_.erase(oldest);
  }
}

}  // namespace tilbake::web
