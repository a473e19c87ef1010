#pragma once
// An accepted alert as a CAP 1.2 document (shared/cap.md): <alert> in the 1.2 namespace,
// its elements in the schema's order, one <info> per language (the alert's own first,
// then its translations), datetimes with an explicit offset and never 'Z'.
#include <string>
#include <vector>

#include "daemon/model/alert.hpp"

namespace araldo::cap {

// A message an Update or a Cancel refers to, as CAP writes it: sender,identifier,sent.
struct Reference {
  std::string sender;
  std::string identifier;
  std::string sent;  // CAP datetime
};

struct Envelope {
  std::string identifier;  // the alert's id
  std::string sender;      // the alert's sender, or the daemon's default
  std::string sent;        // CAP datetime: when it was accepted
  std::vector<Reference> references;
};

std::string to_cap_xml(const Envelope& envelope, const model::Alert& alert);

inline constexpr const char* cap_namespace = "urn:oasis:names:tc:emergency:cap:1.2";
inline constexpr const char* cap_media_type = "application/cap+xml";

}  // namespace araldo::cap
