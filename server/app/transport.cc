#include "server/app/transport.h"

#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"

namespace tilbake::app {

void ConfigureTransport(const TransportOptions& options,
                        grpc::ServerBuilder& builder, int* port) {
  grpc::EnableDefaultHealthCheckService(true);
  builder.AddListeningPort(options.listen, options.credentials, port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  // The builder keeps its own reference to the quota.
  grpc::ResourceQuota quota("tilbake-server");
  quota.Resize(static_cast<size_t>(options.grpc_memory_bytes));
  builder.SetResourceQuota(quota);
}

}  // namespace tilbake::app
