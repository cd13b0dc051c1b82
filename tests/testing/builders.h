#ifndef TILBAKE_TESTS_TESTING_BUILDERS_H_
#define TILBAKE_TESTS_TESTING_BUILDERS_H_

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/audit.h"
#include "domain/types.h"

// Fixed dates and ready-made ratings for tests. Every test runs "on"
// kToday, so date checks never depend on the wall clock.
namespace tilbake::testing {

inline absl::CivilDay Today() { return absl::CivilDay(2026, 6, 1); }
inline absl::Time Now() {
  return absl::FromCivil(absl::CivilSecond(2026, 6, 1, 12, 0, 0),
                         absl::UTCTimeZone());
}

// The caller of core calls in tests (the access log records it).
inline domain::Actor TestActor() {
  return {"test-clinician", "clinician", "tenant-a", "req-test", "test"};
}

// An adult client's ORS in session `session` of individual episode "e-1",
// items 5.1 6.0 7.3 8.9 (total 27.3), sessions a week apart from 2026-03-02.
inline domain::Rating OrsRating(int session = 1) {
  domain::Rating r;
  r.tenant_id = "tenant-a";
  r.episode_id = "e-1";
  r.client_id = "c-17";
  r.clinician_id = "k-4";
  r.org_unit = "psykisk-helse/team-nord";
  r.session_number = session;
  r.session_date = absl::CivilDay(2026, 3, 2) + 7 * (session - 1);
  r.instrument_id = "ors";
  r.answers.format = scoring::AnswerFormat::kItems;
  for (scoring::Tenths v : {51, 60, 73, 89}) {
    r.answers.items.push_back({"", v, scoring::Importance::kUnspecified});
  }
  return r;
}

}  // namespace tilbake::testing

#endif  // TILBAKE_TESTS_TESTING_BUILDERS_H_
