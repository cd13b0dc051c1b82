#include "proto/names.h"

#include <utility>
#include <vector>

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

}  // namespace tilbake::names
