// tilbake-null-server: the transport limit for tilbake-bench. gRPC services
// that do nothing (a unary call, a client stream), on exactly tilbake-server's
// gRPC set-up (app::ConfigureTransport, callback API), in a process of its
// own as tilbake-server is, so that the bench drives both with the same
// client and the ratio between them is the service's own cost.
//
// Prints "event=null_server_started port=N" once it listens; SIGTERM or
// SIGINT stops it.

#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/stop_signals.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "null.grpc.pb.h"
#include "server/app/transport.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0",
          "host:port (loopback only; port 0 picks one).");

namespace {

using tilbake::bench::NullRequest;
using tilbake::bench::NullResponse;

class NullService final : public tilbake::bench::Null::CallbackService {
  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext* context,
                                 const NullRequest*, NullResponse*) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  // Reads record after record as the import handler does (one read at a
  // time, each parsed), and answers the count.
  class ImportReader final : public grpc::ServerReadReactor<NullRequest> {
   public:
    explicit ImportReader(NullResponse* response) : response_(response) {
      StartRead(&record_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status::OK);
        return;
      }
      response_->set_records(response_->records() + 1);
      StartRead(&record_);
    }
    void OnDone() override { delete this; }

   private:
    NullResponse* response_;
    NullRequest record_;
  };

  grpc::ServerReadReactor<NullRequest>* Import(
      grpc::CallbackServerContext*, NullResponse* response) override {
    return new ImportReader(response);
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Before gRPC starts its threads (common/stop_signals.h).
  const tilbake::StopSignals stop_signals;
  NullService service;
  grpc::ServerBuilder builder;
  int port = 0;
  tilbake::app::ConfigureTransport(
      {.listen = absl::GetFlag(FLAGS_listen),
       .credentials = grpc::InsecureServerCredentials()},
      builder, &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "event=null_server_failed listen=%s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  std::fprintf(stderr, "event=null_server_started port=%d\n", port);
  std::fflush(stderr);
  stop_signals.Wait();
  server->Shutdown();
  return 0;
}
