#include "proto/names.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tilbake::names {
namespace {

template <typename Enum>
using Table = std::vector<std::pair<const char*, Enum>>;

const Table<v1::Rater::Relation>& Relations() {
  static const auto* table = new Table<v1::Rater::Relation>{
      {"parent", v1::Rater::RELATION_PARENT},
      {"carer", v1::Rater::RELATION_CARER},
      {"partner", v1::Rater::RELATION_PARTNER},
      {"sibling", v1::Rater::RELATION_SIBLING},
      {"other-family", v1::Rater::RELATION_OTHER_FAMILY},
      {"teacher", v1::Rater::RELATION_TEACHER},
      {"other", v1::Rater::RELATION_OTHER},
  };
  return *table;
}

const Table<v1::EpisodeType>& EpisodeTypes() {
  static const auto* table = new Table<v1::EpisodeType>{
      {"individual", v1::EPISODE_TYPE_INDIVIDUAL},
      {"couple", v1::EPISODE_TYPE_COUPLE},
      {"family", v1::EPISODE_TYPE_FAMILY},
      {"group", v1::EPISODE_TYPE_GROUP},
  };
  return *table;
}

const Table<v1::AgeBand>& AgeBands() {
  static const auto* table = new Table<v1::AgeBand>{
      {"under-6", v1::AGE_BAND_UNDER_6},
      {"child", v1::AGE_BAND_CHILD},
      {"adolescent", v1::AGE_BAND_ADOLESCENT},
      {"adult", v1::AGE_BAND_ADULT},
  };
  return *table;
}

const Table<v1::EndingType>& EndingTypes() {
  static const auto* table = new Table<v1::EndingType>{
      {"planned", v1::ENDING_TYPE_PLANNED},
      {"unilateral", v1::ENDING_TYPE_UNILATERAL},
  };
  return *table;
}

template <typename Enum>
std::string NameOf(const Table<Enum>& table, Enum value) {
  for (const auto& [name, v] : table) {
    if (v == value) return name;
  }
  return "";
}

template <typename Enum>
std::optional<Enum> ValueOf(const Table<Enum>& table, absl::string_view name) {
  for (const auto& [n, value] : table) {
    if (name == n) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string RelationName(v1::Rater::Relation relation) {
  return NameOf(Relations(), relation);
}

std::optional<v1::Rater::Relation> RelationFromName(absl::string_view name) {
  return ValueOf(Relations(), name);
}

std::string AdministrationIdOf(const v1::Rating& rating) {
  std::string series = "client";
  if (rating.rater().kind() == v1::Rater::KIND_COLLATERAL) {
    series =
        absl::StrCat("collateral.", RelationName(rating.rater().relation()));
    if (!rating.rater().rater_id().empty()) {
      absl::StrAppend(&series, ".", rating.rater().rater_id());
    }
  }
  return absl::StrCat(rating.session_number(), "/", rating.instrument_id(), "/",
                      rating.client_id(), "/", series);
}

std::optional<v1::Rater> RaterFromName(absl::string_view name,
                                       absl::string_view rater_id) {
  v1::Rater rater;
  if (name == "client") {
    rater.set_kind(v1::Rater::KIND_CLIENT);
    return rater;
  }
  std::optional<v1::Rater::Relation> relation = RelationFromName(name);
  if (!relation.has_value()) return std::nullopt;
  rater.set_kind(v1::Rater::KIND_COLLATERAL);
  rater.set_relation(*relation);
  rater.set_rater_id(std::string(rater_id));
  return rater;
}

std::string EpisodeTypeName(v1::EpisodeType type) {
  return NameOf(EpisodeTypes(), type);
}

std::optional<v1::EpisodeType> EpisodeTypeFromName(absl::string_view name) {
  return ValueOf(EpisodeTypes(), name);
}

std::string AgeBandName(v1::AgeBand band) { return NameOf(AgeBands(), band); }

std::optional<v1::AgeBand> AgeBandFromName(absl::string_view name) {
  return ValueOf(AgeBands(), name);
}

std::string EndingTypeName(v1::EndingType type) {
  return NameOf(EndingTypes(), type);
}

std::optional<v1::EndingType> EndingTypeFromName(absl::string_view name) {
  return ValueOf(EndingTypes(), name);
}

}  // namespace tilbake::names
