// Over 500 lines on purpose: both directions of one mapping (ratings to
// FHIR R4 and back) stay side by side, so a change to one shows the other.
#include "client/fhir/fhir.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/stable_key.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "proto/names.h"

namespace tilbake::fhir {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// Where Tilbake's own names live. URNs, so no web address is implied.
constexpr char kExtension[] = "urn:tilbake:fhir:";
constexpr char kQuestionnaire[] = "urn:tilbake:questionnaire:";
constexpr char kClientSystem[] = "urn:tilbake:client";
constexpr char kClinicianSystem[] = "urn:tilbake:clinician";
constexpr char kAdministrationSystem[] = "urn:tilbake:administration";
constexpr char kRaterSystem[] = "urn:tilbake:rater";
constexpr char kScoreSystem[] = "urn:tilbake:score";
constexpr char kImportanceSystem[] = "urn:tilbake:importance";
constexpr char kSnomed[] = "http://snomed.info/sct";
constexpr char kObservationCategory[] =
    "http://terminology.hl7.org/CodeSystem/observation-category";

// --- Building JSON values -------------------------------------------------

Value Str(absl::string_view text) {
  Value v;
  v.set_string_value(std::string(text));
  return v;
}

Value Num(double number) {
  Value v;
  v.set_number_value(number);
  return v;
}

Value Obj(std::initializer_list<std::pair<const char*, Value>> fields) {
  Value v;
  for (const auto& [name, value] : fields) {
    (*v.mutable_struct_value()->mutable_fields())[name] = value;
  }
  return v;
}

Value List(std::vector<Value> items) {
  Value v;
  for (Value& item : items) *v.mutable_list_value()->add_values() = item;
  return v;
}

void Set(Value& object, const char* name, Value value) {
  (*object.mutable_struct_value()->mutable_fields())[name] = std::move(value);
}

Value IdentifierRef(absl::string_view system, absl::string_view value) {
  return Obj(
      {{"identifier", Obj({{"system", Str(system)}, {"value", Str(value)}})}});
}

Value Extension(absl::string_view name, const char* type, Value value) {
  return Obj({{"url", Str(absl::StrCat(kExtension, name))}, {type, value}});
}

std::string DateText(const v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

// FHIR ids are at most 64 of [A-Za-z0-9.-]: a hash of our id.
std::string ResourceId(absl::string_view prefix, absl::string_view id) {
  return absl::StrFormat("%s-%016x", prefix, StableHash(id));
}

// --- Export ------------------------------------------------------------------

// An administration's name, unique in its tenant: administration ids are
// unique only within their episode.
std::string AdministrationName(const v1::Administration& a) {
  return absl::StrCat(a.rating().episode_id(), "/", a.administration_id());
}

// What a resource's id is made from: the administration, and for a voided
// version the void's key (a session re-entered after a void has both).
std::string ResourceName(const v1::Administration& a,
                         absl::string_view voided_by) {
  if (voided_by.empty()) return AdministrationName(a);
  return absl::StrCat(AdministrationName(a), "#", voided_by);
}

bool Voided(const v1::Administration& a) {
  return a.status() == v1::RECORD_STATUS_ENTERED_IN_ERROR;
}

// QuestionnaireResponse.status: a voided version is entered-in-error, a
// corrected one amended.
std::string ResponseStatus(const v1::Administration& a) {
  if (Voided(a)) return "entered-in-error";
  if (a.score().status() == v1::SCORE_STATUS_SKIPPED) return "stopped";
  return a.revision() > 0 ? "amended" : "completed";
}

std::string ObservationStatus(const v1::Administration& a) {
  if (Voided(a)) return "entered-in-error";
  return a.revision() > 0 ? "amended" : "final";
}

Value ItemAnswers(const v1::Administration& a) {
  std::vector<Value> items;
  const v1::Rating& r = a.rating();
  if (r.has_total_only()) {
    items.push_back(
        Obj({{"linkId", Str("total")},
             {"answer",
              List({Obj({{"valueDecimal", Num(r.total_only().total())}})})}}));
    return List(std::move(items));
  }
  // The scored items have every key filled in, in the definition's order.
  const auto& answers =
      a.score().items_size() > 0 ? a.score().items() : r.items().items();
  for (const v1::ItemAnswer& answer : answers) {
    Value item = Obj({{"linkId", Str(answer.key())}});
    if (answer.has_value()) {
      Set(item, "answer", List({Obj({{"valueDecimal", Num(answer.value())}})}));
    }
    if (answer.importance() != v1::IMPORTANCE_UNSPECIFIED) {
      const char* code = answer.importance() == v1::IMPORTANCE_IMPORTANT
                             ? "important"
                             : "not-important";
      Set(item, "item",
          List({Obj(
              {{"linkId", Str(absl::StrCat(answer.key(), "/importance"))},
               {"answer", List({Obj({{"valueCoding",
                                      Obj({{"system", Str(kImportanceSystem)},
                                           {"code", Str(code)}})}})})}})}));
    }
    items.push_back(std::move(item));
  }
  return List(std::move(items));
}

Value QuestionnaireResponse(const v1::Episode& episode,
                            const v1::Administration& a,
                            absl::string_view voided_by) {
  const v1::Rating& r = a.rating();
  std::vector<Value> extensions = {
      Extension("episode", "valueString", Str(r.episode_id())),
      Extension("session-number", "valueInteger", Num(r.session_number())),
      Extension("org-unit", "valueString", Str(r.org_unit())),
  };
  if (const std::string type = names::EpisodeTypeName(episode.episode_type());
      !type.empty()) {
    extensions.push_back(Extension("episode-type", "valueCode", Str(type)));
  }
  if (r.has_client_age_years()) {
    extensions.push_back(
        Extension("client-age", "valueInteger", Num(r.client_age_years())));
  }
  Value source = IdentifierRef(kClientSystem, r.client_id());
  if (r.rater().kind() == v1::Rater::KIND_COLLATERAL) {
    std::string code = names::RelationName(r.rater().relation());
    if (code.empty()) code = "other";
    extensions.push_back(Extension("rater", "valueCode", Str(code)));
    source = IdentifierRef(kRaterSystem, r.rater().rater_id());
  }
  Value qr = Obj({
      {"resourceType", Str("QuestionnaireResponse")},
      {"id", Str(ResourceId("qr", ResourceName(a, voided_by)))},
      {"meta", Obj({{"versionId", Str(absl::StrCat(a.revision() + 1))}})},
      {"identifier", Obj({{"system", Str(kAdministrationSystem)},
                          {"value", Str(AdministrationName(a))}})},
      {"questionnaire", Str(absl::StrCat(kQuestionnaire, r.instrument_id(), "|",
                                         r.instrument_version()))},
      {"status", Str(ResponseStatus(a))},
      {"subject", IdentifierRef(kClientSystem, r.client_id())},
      {"authored", Str(DateText(r.session_date()))},
      {"author", IdentifierRef(kClinicianSystem, r.clinician_id())},
      {"source", source},
      {"extension", List(std::move(extensions))},
  });
  if (a.score().status() != v1::SCORE_STATUS_SKIPPED) {
    Set(qr, "item", ItemAnswers(a));
  }
  return qr;
}

Value Observation(const v1::Administration& a, absl::string_view score_key,
                  double value, const std::string& snomed,
                  absl::string_view voided_by) {
  const v1::Rating& r = a.rating();
  const std::string local = absl::StrCat(r.instrument_id(), "/", score_key);
  std::vector<Value> codings;
  if (!snomed.empty()) {
    codings.push_back(Obj({{"system", Str(kSnomed)}, {"code", Str(snomed)}}));
  }
  codings.push_back(Obj({{"system", Str(kScoreSystem)}, {"code", Str(local)}}));
  return Obj({
      {"resourceType", Str("Observation")},
      {"id", Str(ResourceId("obs", absl::StrCat(ResourceName(a, voided_by), "/",
                                                score_key)))},
      {"meta", Obj({{"versionId", Str(absl::StrCat(a.revision() + 1))}})},
      {"status", Str(ObservationStatus(a))},
      {"category",
       List({Obj({{"coding", List({Obj({{"system", Str(kObservationCategory)},
                                        {"code", Str("survey")}})})}})})},
      {"code",
       Obj({{"coding", List(std::move(codings))},
            {"text", Str(absl::StrCat(r.instrument_id(), " ", score_key))}})},
      {"subject", IdentifierRef(kClientSystem, r.client_id())},
      {"effectiveDateTime", Str(DateText(r.session_date()))},
      {"valueQuantity", Obj({{"value", Num(value)}})},
      {"derivedFrom",
       List({Obj({{"reference",
                   Str(absl::StrCat(
                       "QuestionnaireResponse/",
                       ResourceId("qr", ResourceName(a, voided_by))))}})})},
  });
}

// --- Import --------------------------------------------------------------

const Value* Field(const Struct& object, absl::string_view name) {
  auto it = object.fields().find(std::string(name));
  return it == object.fields().end() ? nullptr : &it->second;
}

std::string StringField(const Struct& object, absl::string_view name) {
  const Value* v = Field(object, name);
  return v != nullptr && v->has_string_value() ? v->string_value() : "";
}

const Struct* ObjectField(const Struct& object, absl::string_view name) {
  const Value* v = Field(object, name);
  return v != nullptr && v->has_struct_value() ? &v->struct_value() : nullptr;
}

const ListValue* ListField(const Struct& object, absl::string_view name) {
  const Value* v = Field(object, name);
  return v != nullptr && v->has_list_value() ? &v->list_value() : nullptr;
}

// A Reference's identifier value, or the id at the end of its reference.
std::string ReferenceId(const Struct& object, absl::string_view name) {
  const Struct* ref = ObjectField(object, name);
  if (ref == nullptr) return "";
  if (const Struct* identifier = ObjectField(*ref, "identifier")) {
    const std::string value = StringField(*identifier, "value");
    if (!value.empty()) return value;
  }
  const std::string reference = StringField(*ref, "reference");
  return std::string(reference.substr(reference.rfind('/') + 1));
}

// The value of Tilbake's extension `name` (valueString, valueCode or
// valueInteger), or nullptr.
const Value* ExtensionValue(const Struct& resource, absl::string_view name) {
  const ListValue* extensions = ListField(resource, "extension");
  if (extensions == nullptr) return nullptr;
  const std::string url = absl::StrCat(kExtension, name);
  for (const Value& e : extensions->values()) {
    if (!e.has_struct_value() || StringField(e.struct_value(), "url") != url) {
      continue;
    }
    for (const char* type : {"valueString", "valueCode", "valueInteger"}) {
      if (const Value* v = Field(e.struct_value(), type)) return v;
    }
  }
  return nullptr;
}

absl::Status Required(absl::string_view path) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": is required"));
}

absl::StatusOr<v1::Date> ParseDate(absl::string_view path,
                                   absl::string_view text) {
  int year = 0, month = 0, day = 0;
  std::vector<absl::string_view> parts =
      absl::StrSplit(text.substr(0, 10), '-');
  if (text.size() < 10 || parts.size() != 3 ||
      !absl::SimpleAtoi(parts[0], &year) ||
      !absl::SimpleAtoi(parts[1], &month) ||
      !absl::SimpleAtoi(parts[2], &day)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"", text, "\" is not a date (yyyy-MM-dd…)"));
  }
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

absl::Status ReadItems(const Struct& qr, v1::Rating& rating) {
  const ListValue* items = ListField(qr, "item");
  if (items == nullptr || items->values_size() == 0) {
    return absl::InvalidArgumentError(
        "QuestionnaireResponse.item: a completed response needs answers");
  }
  for (int i = 0; i < items->values_size(); ++i) {
    const std::string path =
        absl::StrCat("QuestionnaireResponse.item[", i, "]");
    if (!items->values(i).has_struct_value()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not an object"));
    }
    const Struct& item = items->values(i).struct_value();
    const std::string link = StringField(item, "linkId");
    std::optional<double> value;
    if (const ListValue* answers = ListField(item, "answer");
        answers != nullptr && answers->values_size() > 0 &&
        answers->values(0).has_struct_value()) {
      const Struct& answer = answers->values(0).struct_value();
      for (const char* type : {"valueDecimal", "valueInteger"}) {
        if (const Value* v = Field(answer, type); v && v->has_number_value()) {
          value = v->number_value();
        }
      }
      if (!value.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".answer: give valueDecimal or valueInteger"));
      }
    }
    if (link == "total") {
      if (!value.has_value()) return Required(absl::StrCat(path, ".answer"));
      rating.mutable_total_only()->set_total(*value);
      continue;
    }
    v1::ItemAnswer* out = rating.mutable_items()->add_items();
    out->set_key(link);
    if (value.has_value()) out->set_value(*value);
    if (const ListValue* nested = ListField(item, "item")) {
      for (const Value& n : nested->values()) {
        if (!n.has_struct_value() ||
            !absl::EndsWith(StringField(n.struct_value(), "linkId"),
                            "/importance")) {
          continue;
        }
        const ListValue* answers = ListField(n.struct_value(), "answer");
        if (answers == nullptr || answers->values_size() == 0 ||
            !answers->values(0).has_struct_value()) {
          continue;
        }
        const Struct* coding =
            ObjectField(answers->values(0).struct_value(), "valueCoding");
        const std::string code =
            coding == nullptr ? "" : StringField(*coding, "code");
        if (code == "important") out->set_importance(v1::IMPORTANCE_IMPORTANT);
        if (code == "not-important") {
          out->set_importance(v1::IMPORTANCE_NOT_IMPORTANT);
        }
      }
    }
  }
  if (rating.has_total_only() && rating.items().items_size() > 0) {
    return absl::InvalidArgumentError(
        "QuestionnaireResponse.item: items together with a total");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::SubmitRatingRequest> FromQuestionnaireResponse(
    const Struct& qr, const std::string& tenant_id) {
  v1::SubmitRatingRequest request;
  v1::Rating& r = *request.mutable_rating();
  r.set_tenant_id(tenant_id);

  std::string questionnaire = StringField(qr, "questionnaire");
  if (questionnaire.empty()) {
    return Required("QuestionnaireResponse.questionnaire");
  }
  std::string version;
  if (size_t bar = questionnaire.find('|'); bar != std::string::npos) {
    version = questionnaire.substr(bar + 1);
    questionnaire.resize(bar);
  }
  r.set_instrument_id(
      questionnaire.substr(questionnaire.find_last_of(":/") + 1));
  r.set_instrument_version(version);

  r.set_client_id(ReferenceId(qr, "subject"));
  if (r.client_id().empty()) return Required("QuestionnaireResponse.subject");
  r.set_clinician_id(ReferenceId(qr, "author"));
  if (r.clinician_id().empty()) return Required("QuestionnaireResponse.author");
  const std::string authored = StringField(qr, "authored");
  if (authored.empty()) return Required("QuestionnaireResponse.authored");
  auto date = ParseDate("QuestionnaireResponse.authored", authored);
  if (!date.ok()) return date.status();
  *r.mutable_session_date() = *date;

  const Value* episode = ExtensionValue(qr, "episode");
  if (episode == nullptr || episode->string_value().empty()) {
    return Required(absl::StrCat("extension ", kExtension, "episode"));
  }
  r.set_episode_id(episode->string_value());
  const Value* session = ExtensionValue(qr, "session-number");
  if (session == nullptr || !session->has_number_value()) {
    return Required(absl::StrCat("extension ", kExtension, "session-number"));
  }
  r.set_session_number(static_cast<int32_t>(session->number_value()));
  const Value* org_unit = ExtensionValue(qr, "org-unit");
  if (org_unit == nullptr || org_unit->string_value().empty()) {
    return Required(absl::StrCat("extension ", kExtension, "org-unit"));
  }
  r.set_org_unit(org_unit->string_value());
  if (const Value* type = ExtensionValue(qr, "episode-type")) {
    if (auto value = names::EpisodeTypeFromName(type->string_value())) {
      r.set_episode_type(*value);
    }
  }
  if (const Value* age = ExtensionValue(qr, "client-age");
      age != nullptr && age->has_number_value()) {
    r.set_client_age_years(static_cast<int32_t>(age->number_value()));
  }
  r.mutable_rater()->set_kind(v1::Rater::KIND_CLIENT);
  if (const Value* rater = ExtensionValue(qr, "rater")) {
    std::optional<v1::Rater::Relation> relation =
        names::RelationFromName(rater->string_value());
    if (relation.has_value()) {
      r.mutable_rater()->set_kind(v1::Rater::KIND_COLLATERAL);
      r.mutable_rater()->set_relation(*relation);
      r.mutable_rater()->set_rater_id(ReferenceId(qr, "source"));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("extension ", kExtension, "rater: \"",
                       rater->string_value(), "\" is not a known relation"));
    }
  }

  const std::string status = StringField(qr, "status");
  if (status == "stopped") {
    r.mutable_skipped()->set_reason("FHIR QuestionnaireResponse stopped");
  } else if (status == "completed" || status == "amended") {
    if (absl::Status s = ReadItems(qr, r); !s.ok()) return s;
  } else if (status == "entered-in-error") {
    return absl::InvalidArgumentError(
        "QuestionnaireResponse.status: \"entered-in-error\": a voided rating "
        "is not imported");
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("QuestionnaireResponse.status: \"", status,
                     "\"; import takes completed, amended or stopped"));
  }

  std::string identity;
  if (const Struct* identifier = ObjectField(qr, "identifier")) {
    identity = StringField(*identifier, "value");
  }
  if (identity.empty()) {
    identity = absl::StrCat(r.episode_id(), ":s", r.session_number(), ":",
                            r.instrument_id(), ":", r.rater().relation(), "-",
                            r.rater().rater_id());
  }
  request.set_idempotency_key(StableKey("fhir", identity));
  return request;
}

// Every top-level resource of `json`: one object, or NDJSON.
absl::StatusOr<std::vector<Struct>> ParseResources(absl::string_view json) {
  google::protobuf::util::JsonParseOptions options;
  Struct whole;
  if (google::protobuf::util::JsonStringToMessage(std::string(json), &whole,
                                                  options)
          .ok()) {
    return std::vector<Struct>{std::move(whole)};
  }
  std::vector<Struct> resources;
  int line = 0;
  for (absl::string_view text : absl::StrSplit(json, '\n')) {
    ++line;
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    Struct resource;
    if (!google::protobuf::util::JsonStringToMessage(std::string(text),
                                                     &resource, options)
             .ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line,
                       ": not JSON (give a FHIR resource, a Bundle or "
                       "NDJSON: one resource per line)"));
    }
    resources.push_back(std::move(resource));
  }
  return resources;
}

}  // namespace

absl::StatusOr<std::string> EpisodeToBundle(
    const v1::Episode& episode,
    const std::vector<v1::InstrumentDefinition>& instruments) {
  return EpisodesToBundle({episode}, instruments);
}

absl::StatusOr<std::string> EpisodesToBundle(
    const std::vector<v1::Episode>& episodes,
    const std::vector<v1::InstrumentDefinition>& instruments) {
  if (episodes.empty()) {
    return absl::InvalidArgumentError("a Bundle needs at least one episode");
  }
  std::map<std::string, std::string> snomed;
  for (const v1::InstrumentDefinition& d : instruments) {
    snomed[d.id()] = d.snomed_ct_code();
  }
  std::vector<Value> entries;
  // An administration's resources; a voided version's carry its void.
  auto add = [&](const v1::Episode& episode, const v1::Administration& a,
                 absl::string_view voided_by) {
    entries.push_back(
        Obj({{"resource", QuestionnaireResponse(episode, a, voided_by)}}));
    const v1::Score& score = a.score();
    if (score.has_total()) {
      entries.push_back(
          Obj({{"resource",
                Observation(a, "total", score.total(),
                            snomed[a.rating().instrument_id()], voided_by)}}));
    }
    for (const v1::SubScore& sub : score.subscores()) {
      if (!sub.has_value()) continue;
      entries.push_back(Obj({{"resource", Observation(a, sub.key(), sub.value(),
                                                      "", voided_by)}}));
    }
  };
  for (const v1::Episode& episode : episodes) {
    for (const v1::Administration& a : episode.administrations()) {
      add(episode, a, "");
    }
    // A system that took the voided version before learns it was entered
    // in error. Corrected versions are the resources' earlier versions
    // (meta.versionId), not resources of their own.
    for (const v1::Revision& r : episode.history()) {
      if (r.change() == v1::RECORD_STATUS_ENTERED_IN_ERROR) {
        add(episode, r.version(), r.change_key());
      }
    }
  }
  const v1::Episode& episode = episodes.front();
  Value bundle = Obj({
      {"resourceType", Str("Bundle")},
      {"type", Str("collection")},
      {"meta",
       Obj({{"tag", List({Obj({{"system", Str("urn:tilbake:tenant")},
                               {"code", Str(episode.tenant_id())}})})}})},
      {"entry", List(std::move(entries))},
  });
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(
      bundle.struct_value(), &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("FHIR JSON: ", status.ToString()));
  }
  return json;
}

absl::StatusOr<FhirImport> ImportQuestionnaireResponses(
    absl::string_view json, const std::string& tenant_id) {
  absl::StatusOr<std::vector<Struct>> top = ParseResources(json);
  if (!top.ok()) return top.status();
  std::vector<const Struct*> responses;
  for (const Struct& resource : *top) {
    const std::string type = StringField(resource, "resourceType");
    if (type == "QuestionnaireResponse") {
      responses.push_back(&resource);
    } else if (type == "Bundle") {
      if (const ListValue* entries = ListField(resource, "entry")) {
        for (const Value& entry : entries->values()) {
          if (!entry.has_struct_value()) continue;
          const Struct* r = ObjectField(entry.struct_value(), "resource");
          if (r != nullptr &&
              StringField(*r, "resourceType") == "QuestionnaireResponse") {
            responses.push_back(r);
          }
        }
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("resourceType: \"", type,
                       "\"; give QuestionnaireResponses or a Bundle of them"));
    }
  }
  FhirImport out;
  for (const Struct* qr : responses) {
    const int number = ++out.resources;
    absl::StatusOr<v1::SubmitRatingRequest> request =
        FromQuestionnaireResponse(*qr, tenant_id);
    if (!request.ok()) {
      out.errors.push_back({number, std::string(request.status().message())});
      continue;
    }
    v1::ImportRatingsRequest record;
    record.set_record_number(number);
    *record.mutable_record() = *std::move(request);
    out.records.push_back(std::move(record));
  }
  return out;
}

}  // namespace tilbake::fhir
