#ifndef TILBAKE_SERVER_APP_TRANSPORT_H_
#define TILBAKE_SERVER_APP_TRANSPORT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace tilbake::app {

// The gRPC side of a server process: where it listens and what it takes.
struct TransportOptions {
  std::string listen;  // host:port; port 0 picks a free port.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  int max_message_bytes = 4 << 20;
  // gRPC's own memory (buffers of calls in flight), beyond which it refuses
  // new calls rather than grow.
  int64_t grpc_memory_bytes = int64_t{512} << 20;
};

// Sets `builder` up as tilbake-server's is: its listening port (written to
// `*port` once started), message size and memory quota, and the default
// health service. Kept apart so that tilbake-bench's null service runs on
// exactly this set-up: the transport limit it measures is the server's.
void ConfigureTransport(const TransportOptions& options,
                        grpc::ServerBuilder& builder, int* port);

}  // namespace tilbake::app

#endif  // TILBAKE_SERVER_APP_TRANSPORT_H_
