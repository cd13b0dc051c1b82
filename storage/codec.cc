#include "storage/codec.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tilbake/storage/records.pb.h"

namespace tilbake::storage::codec {
namespace {

using scoring::Tenths;

void ToRecord(absl::CivilDay day, DayRecord* out) {
  out->set_year(static_cast<int32_t>(day.year()));
  out->set_month(day.month());
  out->set_day(day.day());
}

absl::CivilDay FromRecord(const DayRecord& r) {
  return absl::CivilDay(r.year(), r.month(), r.day());
}

void ToRecord(const scoring::ItemAnswer& item, ItemRecord* out) {
  out->set_key(item.key);
  if (item.value.has_value()) out->set_value_tenths(*item.value);
  out->set_importance(static_cast<int32_t>(item.importance));
}

scoring::ItemAnswer FromRecord(const ItemRecord& r) {
  scoring::ItemAnswer item;
  item.key = r.key();
  if (r.has_value_tenths()) item.value = r.value_tenths();
  item.importance = static_cast<scoring::Importance>(r.importance());
  return item;
}

void ToRecord(const domain::Rating& rating, RatingRecord* out) {
  out->set_tenant_id(rating.tenant_id);
  out->set_episode_id(rating.episode_id);
  out->set_client_id(rating.client_id);
  out->set_clinician_id(rating.clinician_id);
  out->set_org_unit(rating.org_unit);
  out->set_episode_type(static_cast<int32_t>(rating.episode_type));
  out->set_session_number(rating.session_number);
  ToRecord(rating.session_date, out->mutable_session_date());
  out->set_instrument_id(rating.instrument_id);
  out->set_instrument_version(rating.instrument_version);
  RaterRecord* rater = out->mutable_rater();
  rater->set_kind(static_cast<int32_t>(rating.rater.kind));
  rater->set_relation(static_cast<int32_t>(rating.rater.relation));
  rater->set_rater_id(rating.rater.rater_id);
  AnswersRecord* answers = out->mutable_answers();
  answers->set_format(static_cast<int32_t>(rating.answers.format));
  for (const scoring::ItemAnswer& item : rating.answers.items) {
    ToRecord(item, answers->add_items());
  }
  if (rating.answers.stated_total.has_value()) {
    answers->set_stated_total_tenths(*rating.answers.stated_total);
  }
  answers->set_total_tenths(rating.answers.total);
  answers->set_skip_reason(rating.answers.skip_reason);
  if (rating.client_age_years.has_value()) {
    out->set_client_age_years(*rating.client_age_years);
  }
  out->set_age_band(static_cast<int32_t>(rating.age_band));
}

domain::Rating FromRecord(const RatingRecord& r) {
  domain::Rating rating;
  rating.tenant_id = r.tenant_id();
  rating.episode_id = r.episode_id();
  rating.client_id = r.client_id();
  rating.clinician_id = r.clinician_id();
  rating.org_unit = r.org_unit();
  rating.episode_type = static_cast<domain::EpisodeType>(r.episode_type());
  rating.session_number = r.session_number();
  rating.session_date = FromRecord(r.session_date());
  rating.instrument_id = r.instrument_id();
  rating.instrument_version = r.instrument_version();
  rating.rater.kind = static_cast<domain::RaterKind>(r.rater().kind());
  rating.rater.relation =
      static_cast<domain::RaterRelation>(r.rater().relation());
  rating.rater.rater_id = r.rater().rater_id();
  const AnswersRecord& a = r.answers();
  rating.answers.format = static_cast<scoring::AnswerFormat>(a.format());
  for (const ItemRecord& item : a.items()) {
    rating.answers.items.push_back(FromRecord(item));
  }
  if (a.has_stated_total_tenths()) {
    rating.answers.stated_total = a.stated_total_tenths();
  }
  rating.answers.total = a.total_tenths();
  rating.answers.skip_reason = a.skip_reason();
  if (r.has_client_age_years()) rating.client_age_years = r.client_age_years();
  rating.age_band = static_cast<scoring::AgeBand>(r.age_band());
  return rating;
}

template <typename Record>
absl::StatusOr<Record> Parse(absl::string_view bytes, const char* what) {
  Record record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("unreadable ", what, " record"));
  }
  return record;
}

void ToRecord(const domain::Administration& a, AdministrationRecord* out) {
  AdministrationRecord& r = *out;
  ToRecord(a.rating, r.mutable_rating());
  ScoreRecord* score = r.mutable_score();
  score->set_status(static_cast<int32_t>(a.score.status));
  if (a.score.total.has_value()) score->set_total_tenths(*a.score.total);
  for (const scoring::ItemAnswer& item : a.score.items) {
    ToRecord(item, score->add_items());
  }
  for (const scoring::SubScore& sub : a.score.subscores) {
    SubScoreRecord* out = score->add_subscores();
    out->set_key(sub.key);
    if (sub.value.has_value()) out->set_value_tenths(*sub.value);
    out->set_answered(sub.answered);
    out->set_eligible(sub.eligible);
    out->set_withheld_reason(sub.withheld_reason);
  }
  score->set_withheld_reason(a.score.withheld_reason);
  r.set_recorded_at_unix_micros(absl::ToUnixMicros(a.recorded_at));
  r.set_idempotency_key(a.idempotency_key);
  r.set_revision(a.revision);
}

domain::Administration FromRecord(const AdministrationRecord& record) {
  const AdministrationRecord* r = &record;
  domain::Administration a;
  a.rating = FromRecord(r->rating());
  a.score.status = static_cast<scoring::ScoreStatus>(r->score().status());
  if (r->score().has_total_tenths()) a.score.total = r->score().total_tenths();
  for (const ItemRecord& item : r->score().items()) {
    a.score.items.push_back(FromRecord(item));
  }
  for (const SubScoreRecord& sub : r->score().subscores()) {
    scoring::SubScore out;
    out.key = sub.key();
    if (sub.has_value_tenths()) out.value = sub.value_tenths();
    out.answered = sub.answered();
    out.eligible = sub.eligible();
    out.withheld_reason = sub.withheld_reason();
    a.score.subscores.push_back(std::move(out));
  }
  a.score.withheld_reason = r->score().withheld_reason();
  a.recorded_at = absl::FromUnixMicros(r->recorded_at_unix_micros());
  a.idempotency_key = r->idempotency_key();
  a.revision = r->revision();
  return a;
}

}  // namespace

std::string EncodeEpisode(const domain::Episode& episode) {
  EpisodeRecord r;
  r.set_tenant_id(episode.tenant_id);
  r.set_episode_id(episode.episode_id);
  r.set_type(static_cast<int32_t>(episode.type));
  for (const std::string& id : episode.client_ids) r.add_client_ids(id);
  r.set_org_unit(episode.org_unit);
  r.set_clinician_id(episode.clinician_id);
  ToRecord(episode.first_session_date, r.mutable_first_session_date());
  ToRecord(episode.last_session_date, r.mutable_last_session_date());
  if (episode.ending.has_value()) {
    r.mutable_ending()->set_type(static_cast<int32_t>(episode.ending->type));
    ToRecord(episode.ending->end_date, r.mutable_ending()->mutable_end_date());
  }
  for (const domain::FrozenOutcome& f : episode.outcomes) {
    const scoring::SeriesOutcome& o = f.outcome;
    SeriesOutcomeRecord* out = r.add_outcomes();
    out->set_series(o.series);
    out->set_instrument_id(o.instrument_id);
    out->set_pre_session(o.pre_session);
    out->set_post_session(o.post_session);
    out->set_pre_tenths(o.pre);
    out->set_post_tenths(o.post);
    if (o.effect_size.has_value()) out->set_effect_size(*o.effect_size);
    if (o.severity_adjusted_effect_size.has_value()) {
      out->set_severity_adjusted_effect_size(*o.severity_adjusted_effect_size);
    }
    out->set_category(static_cast<int32_t>(o.category));
    out->set_intake_above_cutoff(o.intake_above_cutoff);
    out->set_reached_target(o.reached_target);
    out->set_last_zone(static_cast<int32_t>(o.last_zone));
    out->set_intake_age_band(static_cast<int32_t>(f.intake_age_band));
    out->set_intake_class(static_cast<int32_t>(f.intake_class));
    if (f.target_at_last.has_value())
      out->set_target_at_last(*f.target_at_last);
  }
  r.set_closed_rule_set(episode.closed_rule_set);
  r.set_closed_rule_set_version(episode.closed_rule_set_version);
  return r.SerializeAsString();
}

absl::StatusOr<domain::Episode> DecodeEpisode(absl::string_view bytes) {
  absl::StatusOr<EpisodeRecord> r = Parse<EpisodeRecord>(bytes, "episode");
  if (!r.ok()) return r.status();
  domain::Episode episode;
  episode.tenant_id = r->tenant_id();
  episode.episode_id = r->episode_id();
  episode.type = static_cast<domain::EpisodeType>(r->type());
  episode.client_ids.assign(r->client_ids().begin(), r->client_ids().end());
  episode.org_unit = r->org_unit();
  episode.clinician_id = r->clinician_id();
  episode.first_session_date = FromRecord(r->first_session_date());
  episode.last_session_date = FromRecord(r->last_session_date());
  if (r->has_ending()) {
    episode.ending =
        domain::Ending{static_cast<domain::EndingType>(r->ending().type()),
                       FromRecord(r->ending().end_date())};
  }
  for (const SeriesOutcomeRecord& in : r->outcomes()) {
    domain::FrozenOutcome f;
    scoring::SeriesOutcome& o = f.outcome;
    o.series = in.series();
    o.instrument_id = in.instrument_id();
    o.pre_session = in.pre_session();
    o.post_session = in.post_session();
    o.pre = in.pre_tenths();
    o.post = in.post_tenths();
    if (in.has_effect_size()) o.effect_size = in.effect_size();
    if (in.has_severity_adjusted_effect_size()) {
      o.severity_adjusted_effect_size = in.severity_adjusted_effect_size();
    }
    o.category = static_cast<scoring::ChangeCategory>(in.category());
    o.intake_above_cutoff = in.intake_above_cutoff();
    o.reached_target = in.reached_target();
    o.last_zone = static_cast<scoring::Zone>(in.last_zone());
    f.intake_age_band = static_cast<scoring::AgeBand>(in.intake_age_band());
    f.intake_class = static_cast<domain::IntakeClass>(in.intake_class());
    if (in.has_target_at_last()) f.target_at_last = in.target_at_last();
    episode.outcomes.push_back(std::move(f));
  }
  episode.closed_rule_set = r->closed_rule_set();
  episode.closed_rule_set_version = r->closed_rule_set_version();
  return episode;
}

std::string EncodeAdministration(const domain::Administration& a) {
  AdministrationRecord r;
  ToRecord(a, &r);
  return r.SerializeAsString();
}

std::string EncodeRevision(const domain::Revision& revision) {
  RevisionRecord r;
  ToRecord(revision.version, r.mutable_version());
  r.set_change(static_cast<int32_t>(revision.change));
  r.set_changed_at_unix_micros(absl::ToUnixMicros(revision.changed_at));
  r.set_changed_by(revision.changed_by);
  r.set_reason(revision.reason);
  r.set_change_key(revision.change_key);
  return r.SerializeAsString();
}

absl::StatusOr<domain::Administration> DecodeAdministration(
    absl::string_view bytes) {
  absl::StatusOr<AdministrationRecord> r =
      Parse<AdministrationRecord>(bytes, "administration");
  if (!r.ok()) return r.status();
  return FromRecord(*r);
}

absl::StatusOr<domain::Revision> DecodeRevision(absl::string_view bytes) {
  absl::StatusOr<RevisionRecord> r = Parse<RevisionRecord>(bytes, "revision");
  if (!r.ok()) return r.status();
  domain::Revision revision;
  revision.version = FromRecord(r->version());
  revision.change = static_cast<domain::RevisionChange>(r->change());
  revision.changed_at = absl::FromUnixMicros(r->changed_at_unix_micros());
  revision.changed_by = r->changed_by();
  revision.reason = r->reason();
  revision.change_key = r->change_key();
  return revision;
}

std::string EncodeClientFacts(const analytics::ClientFacts& facts) {
  ClientFactsRecord r;
  for (const auto& [episode_id, list] : facts) {
    EpisodeFactsRecord* e = r.add_episodes();
    e->set_episode_id(episode_id);
    for (const analytics::PresenceFact& f : list) {
      PresenceFactRecord* out = e->add_facts();
      out->set_population(static_cast<int32_t>(f.population));
      out->set_org_unit(f.org_unit);
      out->set_clinician_id(f.clinician_id);
      out->set_instrument_id(f.instrument_id);
      out->set_age_band(static_cast<int32_t>(f.age_band));
      out->set_intake_class(static_cast<int32_t>(f.intake_class));
      ToRecord(f.day, out->mutable_day());
    }
  }
  return r.SerializeAsString();
}

absl::StatusOr<analytics::ClientFacts> DecodeClientFacts(
    absl::string_view bytes) {
  absl::StatusOr<ClientFactsRecord> r =
      Parse<ClientFactsRecord>(bytes, "client facts");
  if (!r.ok()) return r.status();
  analytics::ClientFacts facts;
  for (const EpisodeFactsRecord& e : r->episodes()) {
    std::vector<analytics::PresenceFact>& list = facts[e.episode_id()];
    for (const PresenceFactRecord& f : e.facts()) {
      list.push_back({static_cast<analytics::Population>(f.population()),
                      f.org_unit(), f.clinician_id(), f.instrument_id(),
                      static_cast<scoring::AgeBand>(f.age_band()),
                      static_cast<domain::IntakeClass>(f.intake_class()),
                      FromRecord(f.day())});
    }
  }
  return facts;
}

std::string EncodeIdempotency(const IdempotencyTarget& target) {
  IdempotencyRecord r;
  r.set_episode_id(target.episode_id);
  r.set_administration_id(target.administration_id);
  return r.SerializeAsString();
}

absl::StatusOr<IdempotencyTarget> DecodeIdempotency(absl::string_view bytes) {
  absl::StatusOr<IdempotencyRecord> r =
      Parse<IdempotencyRecord>(bytes, "idempotency");
  if (!r.ok()) return r.status();
  return IdempotencyTarget{r->episode_id(), r->administration_id()};
}

std::string EncodeAudit(const domain::AuditEntry& e) {
  AuditRecord r;
  r.set_time_unix_micros(absl::ToUnixMicros(e.time));
  r.set_tenant_id(e.tenant_id);
  r.set_actor_name(e.actor.name);
  r.set_actor_role(e.actor.role);
  r.set_actor_tenant_id(e.actor.tenant_id);
  r.set_request_id(e.actor.request_id);
  r.set_peer(e.actor.peer);
  r.set_action(e.action);
  r.set_episode_id(e.episode_id);
  r.set_client_id(e.client_id);
  r.set_outcome(e.outcome);
  r.set_detail(e.detail);
  r.set_sequence(e.sequence);
  return r.SerializeAsString();
}

absl::StatusOr<domain::AuditEntry> DecodeAudit(absl::string_view bytes) {
  absl::StatusOr<AuditRecord> r = Parse<AuditRecord>(bytes, "audit entry");
  if (!r.ok()) return r.status();
  domain::AuditEntry e;
  e.time = absl::FromUnixMicros(r->time_unix_micros());
  e.tenant_id = r->tenant_id();
  e.actor = {r->actor_name(), r->actor_role(), r->actor_tenant_id(),
             r->request_id(), r->peer()};
  e.action = r->action();
  e.episode_id = r->episode_id();
  e.client_id = r->client_id();
  e.outcome = r->outcome();
  e.detail = r->detail();
  e.sequence = r->sequence();
  return e;
}

std::string EncodeErasureRequest(const domain::ErasureRequest& q) {
  ErasureRequestRecord r;
  r.set_tenant_id(q.tenant_id);
  r.set_request_id(q.request_id);
  r.set_client_id(q.client_id);
  r.set_reason(q.reason);
  r.set_requested_by(q.requested_by);
  r.set_requested_at_unix_micros(absl::ToUnixMicros(q.requested_at));
  r.set_state(static_cast<int32_t>(q.state));
  r.set_decided_by(q.decided_by);
  r.set_decided_at_unix_micros(absl::ToUnixMicros(q.decided_at));
  r.set_episodes_erased(q.episodes_erased);
  r.set_episodes_changed(q.episodes_changed);
  r.set_administrations_erased(q.administrations_erased);
  return r.SerializeAsString();
}

absl::StatusOr<domain::ErasureRequest> DecodeErasureRequest(
    absl::string_view bytes) {
  absl::StatusOr<ErasureRequestRecord> r =
      Parse<ErasureRequestRecord>(bytes, "erasure request");
  if (!r.ok()) return r.status();
  domain::ErasureRequest q;
  q.tenant_id = r->tenant_id();
  q.request_id = r->request_id();
  q.client_id = r->client_id();
  q.reason = r->reason();
  q.requested_by = r->requested_by();
  q.requested_at = absl::FromUnixMicros(r->requested_at_unix_micros());
  q.state = static_cast<domain::ErasureState>(r->state());
  q.decided_by = r->decided_by();
  q.decided_at = absl::FromUnixMicros(r->decided_at_unix_micros());
  q.episodes_erased = r->episodes_erased();
  q.episodes_changed = r->episodes_changed();
  q.administrations_erased = r->administrations_erased();
  return q;
}

}  // namespace tilbake::storage::codec
