#include "domain/audit.h"

namespace tilbake::domain {

const char* ErasureStateName(ErasureState state) {
  switch (state) {
    case ErasureState::kPending:
      return "pending";
    case ErasureState::kApproved:
      return "approved";
    case ErasureState::kRejected:
      return "rejected";
  }
  return "unknown";
}

}  // namespace tilbake::domain
