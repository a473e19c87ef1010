// CAP 1.2 in and out: documents shaped like the four examples of the CAP 1.2
// specification's appendix parse; what Araldo emits parses back to the same alert;
// hostile XML is refused with a precise problem.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "daemon/cap/cap_reader.hpp"
#include "daemon/cap/cap_writer.hpp"
#include "daemon/model/alert_json.hpp"

using namespace araldo;

namespace {

std::string example(const std::string& name) {
  std::ifstream in(std::string(ARALDO_CAP_EXAMPLES) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

cap::CapMessage read_ok(const std::string& xml) {
  auto r = cap::read_cap(xml);
  if (auto* errors = std::get_if<std::vector<http::FieldError>>(&r)) {
    std::string all;
    for (const auto& e : *errors) all += e.pointer + ": " + e.detail + "\n";
    ADD_FAILURE() << all;
    return {};
  }
  return std::get<cap::CapMessage>(r);
}

std::string first_error(const std::string& xml) {
  auto r = cap::read_cap(xml);
  const auto* errors = std::get_if<std::vector<http::FieldError>>(&r);
  if (!errors || errors->empty()) return "(accepted)";
  return errors->front().pointer + ": " + errors->front().detail;
}

// An alert Araldo would accept (no clock: the examples are from 2003).
model::Alert as_alert(const boost::json::object& doc) {
  auto r = model::alert_from_json(doc, {"it", ""}, std::chrono::system_clock::time_point{});
  if (auto* errors = std::get_if<std::vector<http::FieldError>>(&r)) {
    ADD_FAILURE() << errors->front().pointer << ": " << errors->front().detail << " in "
                  << boost::json::serialize(doc);
    return {};
  }
  return std::get<model::Alert>(r);
}

const std::string kHead =
    "<?xml version=\"1.0\"?><alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">";
const std::string kEnvelope =
    "<identifier>X1</identifier><sender>pc@comune.example</sender>"
    "<sent>2026-03-14T06:30:00+01:00</sent><status>Actual</status><msgType>Alert</msgType>"
    "<scope>Public</scope>";
const std::string kInfo =
    "<info><category>Met</category><event>Flood</event><urgency>Immediate</urgency>"
    "<severity>Severe</severity><certainty>Observed</certainty><headline>Piena</headline></info>";

}  // namespace

TEST(Cap, TheSpecificationsFourExamplesParse) {
  const auto advisory = read_ok(example("advisory.xml"));
  EXPECT_EQ(advisory.identifier, "43b080713727");
  EXPECT_EQ(advisory.alert.at("severity"), "Severe");
  EXPECT_EQ(advisory.alert.at("category").at(0), "Security");
  EXPECT_EQ(advisory.alert.at("language"), "en-US");  // CAP's default
  EXPECT_EQ(as_alert(advisory.alert).headline, "Homeland Security Sets Code ORANGE");

  const auto storm = read_ok(example("thunderstorm.xml"));
  EXPECT_EQ(storm.alert.at("expires"), "2003-06-17T16:00:00-07:00");
  EXPECT_EQ(storm.alert.at("event"), "SEVERE THUNDERSTORM");
  EXPECT_TRUE(std::string(storm.alert.at("area").as_string()).starts_with("EXTREME NORTH"));
  EXPECT_EQ(as_alert(storm.alert).certainty, "Observed");

  const auto quake = read_ok(example("earthquake.xml"));
  EXPECT_EQ(quake.msg_type, "Update");
  ASSERT_EQ(quake.references.size(), 1u);
  EXPECT_EQ(quake.references[0], "TRI13970876.1");
  EXPECT_EQ(as_alert(quake.alert).urgency, "Past");

  const auto amber = read_ok(example("amber.xml"));
  EXPECT_EQ(amber.alert.at("sender"), "KARO@CLETS.DOJ.CA.GOV");
  EXPECT_EQ(as_alert(amber.alert).area, "Los Angeles County");
}

TEST(Cap, WhatAraldoEmitsParsesBackToTheSameAlert) {
  model::Alert a;
  a.headline = "Esondazione <Seveso> & Lambro";
  a.description = "Acqua alta in via Valfurva.";
  a.instruction = "Salire ai piani alti.";
  a.event = "Flood";
  a.categories = {"Met", "Safety"};
  a.severity = "Extreme";
  a.urgency = "Immediate";
  a.certainty = "Observed";
  a.area = "Niguarda";
  a.language = "it";
  a.sender = "pc@comune.example";
  a.expires = "2026-03-14T18:00:00+01:00";
  a.web = "https://www.comune.milano.it/allerta";
  a.status = "Exercise";
  a.scope = "Restricted";
  a.restriction = "Sindaci";
  a.translations.push_back({"en", "Seveso flooding", "High water.", "Go upstairs.", "", "", {}});
  // The area's shapes go out in every <info>'s <area>, in CAP's order, and read back.
  a.geometry.polygons = {"45.512,9.185 45.512,9.195 45.518,9.195 45.512,9.185"};
  a.geometry.circles = {"45.515,9.21 0.3"};
  a.geometry.geocodes = {{"ISTAT", "015146"}, {"EMMA_ID", "IT-MI"}};
  const auto xml = cap::to_cap_xml({"id-1", a.sender, "2026-03-14T06:30:00+01:00", {}}, a);
  EXPECT_LT(xml.find("<areaDesc>"), xml.find("<polygon>"));
  EXPECT_LT(xml.find("<polygon>"), xml.find("<circle>"));
  EXPECT_LT(xml.find("<circle>"), xml.find("<geocode>"));
  EXPECT_NE(xml.find("<polygon>", xml.find("<language>en</language>")), std::string::npos);
  const auto back = read_ok(xml);
  EXPECT_EQ(back.identifier, "id-1");
  EXPECT_EQ(back.msg_type, "Alert");
  EXPECT_EQ(boost::json::serialize(model::alert_to_json(as_alert(back.alert))),
            boost::json::serialize(model::alert_to_json(a)))
      << xml;

  // An update names what it corrects, and reads back so.
  a.msg_type = "Update";
  const auto update = read_ok(cap::to_cap_xml({"id-2",
                                               a.sender,
                                               "2026-03-14T07:00:00+01:00",
                                               {{a.sender, "id-1", "2026-03-14T06:30:00+01:00"}}},
                                              a));
  EXPECT_EQ(update.msg_type, "Update");
  EXPECT_EQ(update.references, std::vector<std::string>{"id-1"});
}

// A shape CAP 1.2 does not allow is refused at its element, with what is wrong.
TEST(Cap, BadAreasAreRefusedAtTheirElement) {
  auto with_area = [](const std::string& area) {
    return "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>A</identifier>"
           "<sender>s@x</sender><sent>2026-03-14T06:30:00+01:00</sent><status>Actual</status>"
           "<msgType>Alert</msgType><scope>Public</scope><info><category>Met</category>"
           "<event>Flood</event><urgency>Immediate</urgency><severity>Severe</severity>"
           "<certainty>Observed</certainty><area><areaDesc>Z</areaDesc>" +
           area + "</area></info></alert>";
  };
  EXPECT_EQ(first_error(with_area("<polygon>45.5,9.1 45.6,9.1 45.5,9.1</polygon>")),
            "/alert/info[1]/area[1]/polygon[1]: has 3 points; CAP 1.2 needs at least 4, the "
            "first repeated as the last");
  EXPECT_EQ(first_error(with_area("<polygon>45.5,9.1 45.6,9.1 45.6,9.2 45.5,9.2</polygon>")),
            "/alert/info[1]/area[1]/polygon[1]: is not closed: CAP 1.2 repeats the first point "
            "as the last");
  EXPECT_EQ(first_error(with_area("<polygon>45.5,9.1 45.6,9.1 45.6,9.2 45.5,9.1</polygon>"
                                  "<circle>95.5,9.1 2</circle>")),
            "/alert/info[1]/area[1]/circle[1]: latitude 95.5 is outside -90..90 (CAP puts the "
            "latitude first)");
  EXPECT_EQ(first_error(with_area("<geocode><valueName>ISTAT</valueName><value>15146</value>"
                                  "</geocode>")),
            "/alert/info[1]/area[1]/geocode[1]/value: ISTAT code '15146' is not six digits, "
            "such as 015146 (Milano)");
  EXPECT_EQ(first_error(with_area("<circle>45.5,9.1 2</circle><polygon>45.5,9.1 45.6,9.1 45.6,"
                                  "9.2 45.5,9.1</polygon>")),
            "/alert/info[1]/area[1]/polygon: out of order: CAP 1.2 puts <polygon> before "
            "<circle>");
  EXPECT_EQ(first_error(with_area("<polygon>45.5,9.1 45.6,9.1 45.7,9.1 45.5,9.1</polygon>")),
            "/alert/info[1]/area[1]/polygon[1]: encloses no area: its points lie on one line");
}

TEST(Cap, HostileOrWrongXmlIsRefusedSayingWhere) {
  // Entity expansion ("billion laughs") and external entities: no DTD at all.
  EXPECT_NE(first_error("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>" +
                        kHead.substr(21) + kEnvelope + "<note>&lol2;</note></alert>")
                .find("DOCTYPE is refused"),
            std::string::npos);
  EXPECT_NE(first_error("<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "
                        "\"file:///etc/passwd\">]>" +
                        kHead.substr(21) + kEnvelope + "<note>&xxe;</note></alert>")
                .find("DOCTYPE is refused"),
            std::string::npos);
  // 10,000-deep nesting: refused where it starts, without recursion trouble.
  std::string deep = kHead + kEnvelope + "<info>";
  for (int i = 0; i < 10000; ++i) deep += "<x>";
  for (int i = 0; i < 10000; ++i) deep += "</x>";
  deep += "</info></alert>";
  EXPECT_EQ(first_error(deep), "/alert/info[1]/x: not a CAP 1.2 element here");
  // Wrong namespace, CAP 1.1, wrong root.
  EXPECT_NE(first_error("<alert xmlns=\"urn:example\">" + kEnvelope + "</alert>")
                .find("the namespace must be urn:oasis:names:tc:emergency:cap:1.2"),
            std::string::npos);
  EXPECT_NE(
      first_error("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.1\">" + kEnvelope + "</alert>")
          .find("CAP 1.1 is not accepted"),
      std::string::npos);
  EXPECT_NE(first_error("<feed/>").find("the root must be a CAP <alert>"), std::string::npos);
  // Element order, required elements, enumerations, datetimes.
  EXPECT_EQ(first_error(kHead +
                        "<sender>pc@comune.example</sender><identifier>X1</identifier>"
                        "<sent>2026-03-14T06:30:00+01:00</sent><status>Actual</status>"
                        "<msgType>Alert</msgType><scope>Public</scope>" +
                        kInfo + "</alert>"),
            "/alert/identifier: out of order: CAP 1.2 puts <identifier> before <sender>");
  EXPECT_EQ(first_error(kHead + "<identifier>X1</identifier></alert>"), "/alert/sender: required");
  auto with = [&](const std::string& from, const std::string& to) {
    auto doc = kHead + kEnvelope + kInfo + "</alert>";
    return doc.replace(doc.find(from), from.size(), to);
  };
  EXPECT_EQ(first_error(with("<status>Actual</status>", "<status>actual</status>")),
            "/alert/status: 'actual' is not a CAP value here (case-sensitive)");
  EXPECT_NE(
      first_error(with("2026-03-14T06:30:00+01:00", "2026-03-14T06:30:00Z")).find("/alert/sent"),
      std::string::npos);
  EXPECT_EQ(first_error(with("<severity>Severe</severity>", "")),
            "/alert/info[1]/severity: required");
  EXPECT_EQ(first_error(with("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>")),
            "/alert/references: an Cancel names what it corrects");
  EXPECT_NE(first_error(kHead + kEnvelope + "<scope>Public</scope>" + kInfo + "</alert>")
                .find("given twice"),
            std::string::npos);
  EXPECT_NE(first_error("<alert").find("not well-formed XML"), std::string::npos);
}
