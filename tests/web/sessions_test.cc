#include "client/web/sessions.h"

#include "gtest/gtest.h"

namespace tilbake::web {
namespace {

class SessionStoreTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  SessionStore store_{absl::Minutes(30), 3, [this] { return now_; }};

  std::shared_ptr<client::Client> SomeClient() {
    client::ClientOptions options;
    options.target = "127.0.0.1:1";  // Never called here.
    return client::Client::Connect(options);
  }
};

TEST_F(SessionStoreTest, IdsAreRandomAndSessionsEndWhenIdle) {
  Session a = store_.Start();
  Session b = store_.Start();
  EXPECT_EQ(a.id.size(), 64u);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.id, a.csrf);
  EXPECT_FALSE(a.signed_in());

  now_ += absl::Minutes(29);
  ASSERT_TRUE(store_.Find(a.id).has_value());  // Touched: 30 more minutes.
  now_ += absl::Minutes(29);
  EXPECT_TRUE(store_.Find(a.id).has_value());
  EXPECT_FALSE(store_.Find(b.id).has_value());  // 58 minutes untouched.
  EXPECT_FALSE(store_.Find("not-an-id").has_value());
}

TEST_F(SessionStoreTest, SignInRotatesTheIdAndTheCsrfToken) {
  Session visitor = store_.Start();
  v1::Caller caller;
  caller.set_name("lise");
  auto signed_in = store_.SignIn(visitor.id, SomeClient(), caller);
  ASSERT_TRUE(signed_in.has_value());
  EXPECT_TRUE(signed_in->signed_in());
  EXPECT_NE(signed_in->id, visitor.id);
  EXPECT_NE(signed_in->csrf, visitor.csrf);
  EXPECT_FALSE(store_.Find(visitor.id).has_value());  // Fixation: worthless.
  auto found = store_.Find(signed_in->id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->caller.name(), "lise");

  bool expired = false;
  now_ += absl::Minutes(31);
  EXPECT_FALSE(store_.Find(signed_in->id, &expired).has_value());
  EXPECT_TRUE(expired);  // The page says the session ended, not "sign in".
  EXPECT_FALSE(store_.SignIn("gone", SomeClient(), caller).has_value());
}

TEST_F(SessionStoreTest, AFloodOfVisitorsCannotPushOutASignedInUser) {
  Session user = *store_.SignIn(store_.Start().id, SomeClient(), {});
  for (int i = 0; i < 50; ++i) {
    now_ += absl::Seconds(1);
    store_.Start();
  }
  EXPECT_EQ(store_.size(), 3u);  // The capacity.
  EXPECT_TRUE(store_.Find(user.id).has_value());
  store_.End(user.id);
  EXPECT_FALSE(store_.Find(user.id).has_value());
}

TEST(SameSecretTest, ComparesWholeNonEmptySecrets) {
  EXPECT_TRUE(SameSecret("abc", "abc"));
  EXPECT_FALSE(SameSecret("abc", "abd"));
  EXPECT_FALSE(SameSecret("abc", "ab"));
  EXPECT_FALSE(SameSecret("", ""));  // A form without a token never passes.
}

}  // namespace
}  // namespace tilbake::web
