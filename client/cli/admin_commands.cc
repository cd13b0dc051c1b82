// The commands about the service and a tenant's duties: instruments,
// rule-sets, health, backup, audit, erasure request|approve|reject|list,
// retention.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cli/cli_support.h"
#include "client/cli/command.h"
#include "client/cli/options.h"

namespace tilbake::cli {
namespace {

using client::Client;

// The access log, every page of it, oldest first.
int Audit(Client& client, const Output& out, const AuditParams& p) {
  auto request = ToRequest(p);
  if (!request.ok()) return out.Fail(request.status());
  v1::QueryAuditLogResponse all;
  do {
    auto page = client.QueryAuditLog(*request);
    if (!page.ok()) return out.Fail(page.status());
    for (const v1::AuditEntry& e : page->entries()) *all.add_entries() = e;
    request->set_page_token(page->next_page_token());
  } while (!request->page_token().empty());
  out.Print(all, RenderAuditLog(std::vector<v1::AuditEntry>(
                     all.entries().begin(), all.entries().end())));
  return kExitSuccess;
}

std::string ErasureLine(const v1::ErasureRequest& r) {
  if (r.state() == v1::ErasureRequest::PENDING) {
    return absl::StrCat("erasure request ", r.request_id(), " for client ",
                        r.client_id(),
                        ": waiting for a second admin to approve\n");
  }
  if (r.state() == v1::ErasureRequest::APPROVED) {
    return absl::StrCat("erased client ", r.client_id(), ": ",
                        r.administrations_erased(), " ratings, ",
                        r.episodes_erased(), " episodes; ",
                        r.episodes_changed(), " group episodes changed\n");
  }
  return absl::StrCat("erasure request ", r.request_id(),
                      " rejected; nothing was deleted\n");
}

absl::Status Require(const char* option, const std::string& value) {
  if (!value.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", option, " is required"));
}

void AddErasureCommands(CLI::App& app, Run& chosen, const char* group) {
  auto p = std::make_shared<ErasureParams>();
  CLI::App* erasure = app.add_subcommand(
      "erasure", "A client's data erased, on two admins' word");
  erasure->group(group);
  erasure->require_subcommand(1);

  CLI::App* request = erasure->add_subcommand(
      "request", "Ask for a client's data to be erased (nothing is deleted)");
  request->add_option("--tenant", p->tenant, "Tenant id");
  request->add_option("--client", p->client, "Client pseudonym");
  request->add_option("--reason", p->reason,
                      "Why: the citizen's request and its reference (no "
                      "health data)");
  request->callback([&chosen, p] {
    chosen = [p](Client& client, const Output& out) {
      for (const auto& [option, value] : {std::pair{"tenant", &p->tenant},
                                          {"client", &p->client},
                                          {"reason", &p->reason}}) {
        if (absl::Status s = Require(option, *value); !s.ok()) {
          return out.Fail(s);
        }
      }
      auto result = client.RequestErasure(p->tenant, p->client, p->reason);
      if (!result.ok()) return out.Fail(result.status());
      out.Print(*result, ErasureLine(*result));
      return kExitSuccess;
    };
  });

  for (const bool approve : {true, false}) {
    CLI::App* decide = erasure->add_subcommand(
        approve ? "approve" : "reject",
        approve ? "Approve a request (a second admin): the data is erased"
                : "Reject a request: nothing is deleted");
    decide->add_option("--tenant", p->tenant, "Tenant id");
    decide->add_option("--request", p->request, "The request id");
    decide->callback([&chosen, p, approve] {
      chosen = [p, approve](Client& client, const Output& out) {
        for (const auto& [option, value] :
             {std::pair{"tenant", &p->tenant}, {"request", &p->request}}) {
          if (absl::Status s = Require(option, *value); !s.ok()) {
            return out.Fail(s);
          }
        }
        auto result = client.DecideErasure(p->tenant, p->request, approve);
        if (!result.ok()) return out.Fail(result.status());
        out.Print(*result, ErasureLine(*result));
        return kExitSuccess;
      };
    });
  }

  CLI::App* list =
      erasure->add_subcommand("list", "The tenant's erasure requests");
  list->add_option("--tenant", p->tenant, "Tenant id");
  list->callback([&chosen, p] {
    chosen = [p](Client& client, const Output& out) {
      if (absl::Status s = Require("tenant", p->tenant); !s.ok()) {
        return out.Fail(s);
      }
      auto requests = client.ListErasureRequests(p->tenant);
      if (!requests.ok()) return out.Fail(requests.status());
      v1::ListErasureRequestsResponse all;
      for (const v1::ErasureRequest& r : *requests) *all.add_requests() = r;
      out.Print(all, RenderErasureRequests(*requests));
      return kExitSuccess;
    };
  });
}

}  // namespace

void AddAdminCommands(CLI::App& app, Run& chosen) {
  const char* service = "The service";
  const char* privacy = "Privacy (admin)";

  auto family = std::make_shared<std::string>();
  CLI::App* c =
      app.add_subcommand("instruments", "The instruments the server scores");
  c->group(service);
  c->add_option("--family", *family, "Only this family (fit, inspire, …)");
  c->callback([&chosen, family] {
    chosen = [family](Client& client, const Output& out) {
      auto instruments = client.ListInstruments(*family);
      if (!instruments.ok()) return out.Fail(instruments.status());
      v1::ListInstrumentsResponse all;
      for (const auto& d : *instruments) *all.add_instruments() = d;
      out.Print(all, RenderInstruments(*instruments));
      return kExitSuccess;
    };
  });

  auto tenant = std::make_shared<std::string>();
  c = app.add_subcommand("rule-sets",
                         "The rule sets, their thresholds and sources");
  c->group(service);
  c->add_option("--tenant", *tenant, "Mark the rule set of this tenant");
  c->callback([&chosen, tenant] {
    chosen = [tenant](Client& client, const Output& out) {
      auto response = client.ListRuleSets(*tenant);
      if (!response.ok()) return out.Fail(response.status());
      out.Print(*response, RenderRuleSets(*response));
      return kExitSuccess;
    };
  });

  c = app.add_subcommand("health",
                         "SERVING or NOT_SERVING (exit 0 only when serving)");
  c->group(service);
  c->callback([&chosen] {
    chosen = [](Client& client, const Output& out) {
      auto serving = client.Health();
      if (!serving.ok()) return out.Fail(serving.status());
      std::cout << (*serving ? "SERVING" : "NOT_SERVING") << "\n";
      return *serving ? kExitSuccess : kExitFailure;
    };
  });

  auto keep = std::make_shared<uint32_t>(0);
  c = app.add_subcommand("backup",
                         "A backup into the server's --backup_dir (admin)");
  c->group(service);
  c->add_option("--keep", *keep, "Backups to keep (0: the server's setting)");
  c->callback([&chosen, keep] {
    chosen = [keep](Client& client, const Output& out) {
      auto backup = client.CreateBackup(*keep);
      if (!backup.ok()) return out.Fail(backup.status());
      out.Print(
          *backup,
          absl::StrCat("backup ", backup->backup_id(), ": ", backup->files(),
                       " files, ", backup->bytes(), " bytes; ",
                       backup->backups_kept(), " backups kept\n"));
      return kExitSuccess;
    };
  });

  auto audit = std::make_shared<AuditParams>();
  c = app.add_subcommand(
      "audit", "The access log: who read or changed which client's data");
  c->group(privacy);
  AddOptions(*c, *audit);
  c->callback([&chosen, audit] {
    chosen = [audit](Client& client, const Output& out) {
      return Audit(client, out, *audit);
    };
  });

  AddErasureCommands(app, chosen, privacy);

  auto retention = std::make_shared<std::pair<std::string, bool>>("", false);
  c = app.add_subcommand(
      "retention",
      "Delete what the retention policy keeps no longer (admin); "
      "--dry_run says what would go");
  c->group(privacy);
  c->add_option("--tenant", retention->first, "Tenant id");
  c->add_flag("--dry_run,--dry-run", retention->second,
              "Count only: nothing is deleted");
  c->callback([&chosen, retention] {
    chosen = [retention](Client& client, const Output& out) {
      if (absl::Status s = Require("tenant", retention->first); !s.ok()) {
        return out.Fail(s);
      }
      auto report = client.RunRetention(retention->first, retention->second);
      if (!report.ok()) return out.Fail(report.status());
      out.Print(*report, RenderRetention(*report));
      return kExitSuccess;
    };
  });
}

}  // namespace tilbake::cli
