#ifndef TILBAKE_SERVER_API_ADMIN_CONVERT_H_
#define TILBAKE_SERVER_API_ADMIN_CONVERT_H_

#include "domain/audit.h"
#include "tilbake/v1/admin.pb.h"

// Conversions of tilbake.v1.Admin's messages from the domain structs (see
// feedback_convert.h for the layout of these units).
namespace tilbake::api {

v1::ErasureRequest::State ToProto(domain::ErasureState state);
v1::AuditEntry ToProto(const domain::AuditEntry& e);
v1::ErasureRequest ToProto(const domain::ErasureRequest& r);

}  // namespace tilbake::api

#endif  // TILBAKE_SERVER_API_ADMIN_CONVERT_H_
