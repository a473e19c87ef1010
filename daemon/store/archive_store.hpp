#pragma once
// What the public archive shows: accepted alerts as published (the document, when it
// was sent, which messages it corrects and which later ones correct it), never their
// targets, errors, keys or subscribers.
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/store/database.hpp"

namespace araldo::store {

struct ArchiveLink {
  std::string id;
  std::string msg_type;  // of the other message
  std::string sent;      // CAP datetime
  std::string sender;
};

struct ArchivedAlert {
  std::string id;
  std::string sent;  // CAP datetime (UTC, written -00:00)
  boost::json::value document;
  std::vector<ArchiveLink> references;   // what this message corrects
  std::vector<ArchiveLink> corrections;  // later updates and cancels of it
};

// Public means: status Actual, scope Public, not awaiting or refused approval, and its
// send time reached. `public_only` false: any alert (for an authenticated reader).
std::optional<ArchivedAlert> archived_alert(Database& db, const std::string& id, bool public_only);
// An alert's area drawn for its public page, by PostGIS (ST_AsSVG, in Web Mercator so
// shapes look as on a map): the area and the outlines of the zones it touched, in one
// viewBox. Nothing to draw (no area, or ISTAT codes of zones without a shape): nullopt.
struct AreaDrawing {
  std::string view_box;
  std::string area;  // SVG path data; empty: only ISTAT codes
  struct Zone {
    std::string label, path;
    double x = 0, y = 0;  // where its label goes (a point on its surface)
  };
  std::vector<Zone> zones;
  double unit = 1;  // a hundredth of the drawing's width, for text sizes
};
std::optional<AreaDrawing> area_drawing(Database& db, const std::string& id);

// The newest public alerts first, at most `limit`.
std::vector<ArchivedAlert> public_alerts(Database& db, int limit);

}  // namespace araldo::store
