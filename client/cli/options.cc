#include "client/cli/options.h"

namespace tilbake::cli {
namespace {

void AddTenant(CLI::App& c, std::string& tenant) {
  c.add_option("--tenant", tenant, "Tenant id");
}

// What trends and report share: whose, which period, which org unit.
void AddPeriod(CLI::App& c, std::string& tenant, std::string& from,
               std::string& to, std::string& org_unit) {
  AddTenant(c, tenant);
  c.add_option("--from", from, "First day, YYYY-MM-DD");
  c.add_option("--to", to, "Last day, YYYY-MM-DD (included)");
  c.add_option("--org_unit", org_unit, "Only this org unit and below");
}

}  // namespace

void AddGlobalOptions(CLI::App& app, GlobalOptions& g) {
  const char* group = "Global options (before or after the command)";
  app.add_option("--server", g.server, "tilbake-server address")
      ->capture_default_str()
      ->group(group);
  app.add_option("--tls_ca", g.tls_ca,
                 "TLS: the CA that signed the server's certificate (PEM); "
                 "any --tls_* turns TLS on")
      ->group(group);
  app.add_option("--tls_cert", g.tls_cert,
                 "Mutual TLS: this client's certificate (PEM)")
      ->group(group);
  app.add_option("--tls_key", g.tls_key, "Mutual TLS: this client's key (PEM)")
      ->group(group);
  app.add_option("--token", g.token,
                 "Bearer token (default: $TILBAKE_TOKEN, which keeps it out "
                 "of ps)")
      ->group(group);
  app.add_flag("--json", g.json, "Print the API's JSON instead of tables")
      ->group(group);
  app.add_option("--deadline_seconds", g.deadline_seconds,
                 "Deadline of each call")
      ->capture_default_str()
      ->group(group);
  app.add_option("--attempts", g.attempts,
                 "Attempts for calls that fail transiently")
      ->capture_default_str()
      ->group(group);
}

void AddOptions(CLI::App& c, SubmitParams& p) {
  AddTenant(c, p.tenant);
  c.add_option("--episode", p.episode, "Episode id");
  c.add_option("--client", p.client, "Client pseudonym");
  c.add_option("--clinician", p.clinician, "Clinician id");
  c.add_option("--org_unit", p.org_unit,
               "Org unit path, e.g. psykisk-helse/team-nord");
  c.add_option("--episode_type", p.episode_type,
               "individual, couple, family or group")
      ->capture_default_str();
  c.add_option("--session", p.session, "Session number (1 = first)");
  c.add_option("--date", p.date, "Session date, YYYY-MM-DD");
  c.add_option("--instrument", p.instrument, "Instrument id, e.g. ors, srs");
  c.add_option("--instrument_version", p.instrument_version,
               "Version (default: current)");
  c.add_option("--items", p.items,
               "Item values: 5.1,6,7.3,8.9 or individual=5.1,interpersonal=6");
  c.add_option("--total", p.total, "Total only (entry format B), e.g. 26.5");
  c.add_flag("--skipped", p.skipped,
             "The form was handed out but not completed");
  c.add_option("--skip_reason", p.skip_reason, "Why, with --skipped");
  c.add_option("--rater", p.rater,
               "client, or a collateral rater: parent, carer, partner, "
               "sibling, other-family, teacher, other")
      ->capture_default_str();
  c.add_option("--rater_id", p.rater_id, "Tells two collateral raters apart");
  c.add_option("--age", p.age, "Client's age in years at the session");
  c.add_option("--key", p.key,
               "Idempotency key (default: a new one); reuse it to retry");
}

void AddOptions(CLI::App& c, ImportParams& p) {
  c.add_option("file", p.path, "The file to import")->required();
  c.add_option("--format", p.format,
               "jsonl (default: a SubmitRatingRequest per line), csv (the FIT "
               "vendors' layout, docs/import.md) or fhir (docs/fhir.md)");
  c.add_option("--encoding", p.encoding,
               "utf-8 (checked), latin1 or cp1252 (converted before sending)")
      ->capture_default_str();
  AddTenant(c, p.tenant);
  c.add_option("--org_unit", p.org_unit,
               "csv: the org unit of rows without Service_Location");
  c.add_option("--org_unit_prefix", p.org_unit_prefix,
               "csv: put before the org unit made from Service_Location");
  c.add_option("--streams", p.streams,
               "Streams sent at once (the server takes up to its "
               "--max_import_streams)")
      ->capture_default_str();
  c.add_flag("--corrections", p.corrections,
             "csv, fhir: correct a rating stored before with other values "
             "(reason \"re-import from FILE\") instead of refusing it");
}

void AddOptions(CLI::App& c, EpisodeParams& p) {
  AddTenant(c, p.tenant);
  c.add_option("--episode", p.episode, "Episode id");
  c.add_flag("--history", p.history,
             "Also the versions corrections and voids ended");
}

void AddOptions(CLI::App& c, CorrectParams& p) {
  AddTenant(c, p.tenant);
  c.add_option("--episode", p.episode, "Episode id");
  c.add_option("--administration", p.administration,
               "The administration, as tilbake episode shows it: "
               "3/ors/c-17/client");
  c.add_option("--items", p.items, "The item values as they should be");
  c.add_option("--total", p.total, "The total, for a total-only entry");
  c.add_flag("--skipped", p.skipped, "The form was not completed after all");
  c.add_option("--skip_reason", p.skip_reason, "Why, with --skipped");
  c.add_option("--date", p.date,
               "The session's date, YYYY-MM-DD (its other forms move too)");
  c.add_option("--age", p.age, "The client's age in years at the session");
  c.add_option("--rater", p.rater, "client, or a collateral rater");
  c.add_option("--rater_id", p.rater_id, "Tells two collateral raters apart");
  c.add_option("--reason", p.reason,
               "Why (required, at most 500 characters, nothing that names "
               "the client)");
  c.add_option("--key", p.key,
               "Idempotency key (default: a new one); reuse it to retry");
}

void AddOptions(CLI::App& c, VoidParams& p) {
  AddTenant(c, p.tenant);
  c.add_option("--episode", p.episode, "Episode id");
  c.add_option("--administration", p.administration,
               "The administration, as tilbake episode shows it");
  c.add_option("--reason", p.reason,
               "Why (required, at most 500 characters, nothing that names "
               "the client)");
  c.add_option("--key", p.key,
               "Idempotency key (default: a new one); reuse it to retry");
}

void AddOptions(CLI::App& c, CloseParams& p) {
  AddTenant(c, p.tenant);
  c.add_option("--episode", p.episode, "Episode id");
  c.add_option("--ending", p.ending, "planned or unilateral");
  c.add_option("--end_date", p.end_date, "Episode end date, YYYY-MM-DD");
}

void AddOptions(CLI::App& c, ExportParams& p) {
  AddTenant(c, p.tenant);
  c.add_option("--episode", p.episode, "One episode");
  c.add_option("--client", p.client,
               "Everything about one client (admin), instead of --episode");
  c.add_option("--format", p.format, "fhir (an R4 Bundle) or json")
      ->capture_default_str();
  c.add_option("--out", p.out, "The file to write (default: stdout)");
}

void AddOptions(CLI::App& c, FiguresFormat& f) {
  c.add_option("--format", f.format,
               "table, json (the API's), csv or xlsx (docs/exports.md)")
      ->capture_default_str();
  c.add_option("--out", f.out, "The file to write (default: stdout)");
  c.add_option("--lang", f.lang,
               "csv, xlsx: column headers in nb, da or en (default: $LANG)");
  c.add_option("--separator", f.separator, "csv: ',', ';' or tab")
      ->capture_default_str();
  c.add_flag("--decimal_comma", f.decimal_comma,
             "csv: 12,5 for Norwegian and Danish spreadsheets (with "
             "--separator=';')");
  c.add_flag("--bom", f.bom, "csv: a UTF-8 byte order mark first (for Excel)");
  c.add_flag("--column_keys", f.column_keys,
             "csv: header of stable column keys (mean_change), not labels");
}

void AddOptions(CLI::App& c, TrendsParams& p) {
  AddPeriod(c, p.tenant, p.from, p.to, p.org_unit);
  c.add_option("--clinician", p.clinician, "Only this clinician");
  c.add_option("--instrument", p.instrument,
               "Only these instruments (comma-separated ids)");
  c.add_option("--age_band", p.age_band,
               "Only under-6, child, adolescent or adult");
  c.add_option("--bucket", p.bucket, "week, month, quarter, year or all")
      ->capture_default_str();
  c.add_option("--group_by", p.group_by,
               "Comma-separated: org_unit, clinician, instrument, age_band")
      ->capture_default_str();
  c.add_option("--depth", p.depth,
               "With --group_by=org_unit: levels to group by");
  c.add_flag("--split", p.split, "Also intake below and above the cutoff");
}

void AddOptions(CLI::App& c, ReportParams& p) {
  AddPeriod(c, p.tenant, p.from, p.to, p.org_unit);
  AddOptions(c, p.output);
}

void AddOptions(CLI::App& c, AuditParams& p) {
  AddTenant(c, p.tenant);
  c.add_option("--client", p.client, "Only entries about this client");
  c.add_option("--from", p.from, "First day (UTC), YYYY-MM-DD");
  c.add_option("--to", p.to, "Last day (UTC), YYYY-MM-DD (included)");
}

}  // namespace tilbake::cli
