#ifndef TILBAKE_TESTS_TESTING_PROTO_BUILDERS_H_
#define TILBAKE_TESTS_TESTING_PROTO_BUILDERS_H_

#include <string>
#include <vector>

#include "tilbake/v1/feedback.pb.h"

namespace tilbake::testing {

// A rating of `instrument` with no answers yet, in session `session` of
// individual episode "e-1" (client c-17, clinician k-4), sessions a week
// apart from 2026-03-02.
inline v1::SubmitRatingRequest RatingRequest(const std::string& instrument,
                                             int session,
                                             const std::string& key) {
  v1::SubmitRatingRequest request;
  request.set_idempotency_key(key);
  v1::Rating* r = request.mutable_rating();
  r->set_tenant_id("tenant-a");
  r->set_episode_id("e-1");
  r->set_client_id("c-17");
  r->set_clinician_id("k-4");
  r->set_org_unit("psykisk-helse/team-nord");
  r->set_session_number(session);
  r->mutable_session_date()->set_year(2026);
  r->mutable_session_date()->set_month(3);
  r->mutable_session_date()->set_day(2 + 7 * (session - 1));
  r->set_instrument_id(instrument);
  return request;
}

// The wire form of OrsRating(): an adult's ORS, items 5.1 6.0 7.3 8.9
// (total 27.3), session `session` a week after the last, from 2026-03-02.
inline v1::SubmitRatingRequest OrsRequest(int session, const std::string& key,
                                          std::vector<double> items = {
                                              5.1, 6.0, 7.3, 8.9}) {
  v1::SubmitRatingRequest request = RatingRequest("ors", session, key);
  for (double v : items) {
    request.mutable_rating()->mutable_items()->add_items()->set_value(v);
  }
  return request;
}

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_PROTO_BUILDERS_H_
