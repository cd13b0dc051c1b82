#include "server/api/status_mapping.h"

#include <string>

#include "common/log.h"

namespace tilbake::api {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.code() == absl::StatusCode::kInternal ||
      status.code() == absl::StatusCode::kDataLoss ||
      status.code() == absl::StatusCode::kUnknown) {
    // May carry paths or record details: log them, do not send them.
    LogEvent(LogLevel::kError, "internal_error",
             {{"code", absl::StatusCodeToString(status.code())},
              {"detail", std::string(status.message())}});
    return grpc::Status(code, "internal error; see the server log");
  }
  return grpc::Status(code, std::string(status.message()));
}

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace tilbake::api
