// Alerts reach the right people (issue 22, "Areas and zones"): an alert with a CAP area
// reaches the channels and subscribers of the zones it touches, and those bound to none;
// one without an area reaches everyone. Zones come from GeoJSON; citizens choose theirs
// on WhatsApp ("ISCRIVIMI NIGUARDA") or in the import's zones column.
#include <boost/json.hpp>
#include <set>

#include "tests/e2e/inbound_fixture.hpp"

using namespace araldo::test_support;

namespace {

// Two districts side by side (sharing the meridian 9.20) and a municipality by ISTAT code.
const std::string kZones = R"({"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"niguarda","label":"Niguarda","keyword":"niguarda"},
  "geometry":{"type":"Polygon","coordinates":[[[9.18,45.51],[9.20,45.51],[9.20,45.52],
   [9.18,45.52],[9.18,45.51]]]}},
 {"type":"Feature","properties":{"name":"bicocca","label":"Bicocca","keyword":"BICOCCA"},
  "geometry":{"type":"Polygon","coordinates":[[[9.20,45.51],[9.22,45.51],[9.22,45.52],
   [9.20,45.52],[9.20,45.51]]]}},
 {"type":"Feature","properties":{"name":"segrate","label":"Segrate","istat":["015205"]},
  "geometry":null}]})";

const std::string kSubscribers =
    "address,language,consent_at,zones\n"
    "393331000001,it,2026-11-01T09:00:00+01:00,niguarda\n"
    "393331000002,it,2026-11-01T09:00:00+01:00,bicocca\n"
    "393331000003,it,2026-11-01T09:00:00+01:00,segrate\n"
    "393331000004,it,2026-11-01T09:00:00+01:00,\n"
    "393331000005,it,2026-11-01T09:00:00+01:00,niguarda;bicocca\n";

std::string zone_channel(const std::string& url, const std::string& name, const std::string& chat,
                         const std::string& zone) {
  return "  " + name + ":\n    type: telegram\n    base_url: " + url +
         "\n    bot_token: ${TELEGRAM_TOKEN}\n    chats: ['" + chat + "']\n    zones: [" + zone +
         "]\n";
}

const std::string kAlertStart =
    R"({"headline":"Esondazione del Seveso","event":"Flood","category":"Met",
        "severity":"Severe","urgency":"Immediate","certainty":"Observed",
        "area":"Niguarda e Bicocca",
        "channels":["telegram-niguarda","telegram-bicocca","whatsapp-comune"])";

}  // namespace

class ZonesE2E : public InboundE2E {
 protected:
  void start_with_zones() {
    start_daemon(zone_channel(emulator_url_, "telegram-niguarda", "-1004001", "niguarda") +
                 zone_channel(emulator_url_, "telegram-bicocca", "-1001234567890", "bicocca") +
                 whatsapp_channel(emulator_url_, kWhatsAppInbound));
    const auto saved = admin("POST", "/v1/zones", kZones);
    ASSERT_EQ(saved.status, 201) << saved.body << daemon_->output();
    const auto imported = import_subscribers("whatsapp-comune", kSubscribers);
    ASSERT_EQ(imported.status, 200) << imported.body << daemon_->output();
  }
  HttpResult admin(const std::string& method, const std::string& path,
                   const std::string& body = "") {
    return http_request(
        method, daemon_url_ + path,
        {{"Authorization", "Bearer " + admin_key_}, {"Content-Type", "application/json"}}, body);
  }
  // Who the alert reaches: "channel target" for every delivery, as queued at intake.
  std::set<std::string> reached(const std::string& json) {
    const auto r = post_alert(json);
    if (r.status != 202) {
      ADD_FAILURE() << r.status << " " << r.body;
      return {};
    }
    const auto id = std::string(boost::json::parse(r.body).at("id").as_string());
    std::set<std::string> out;
    // An audience written after acceptance: once it is written.
    boost::json::object alert;
    EXPECT_TRUE(wait_until([&] {
      alert = get_alert(id);
      const auto* later = alert.if_contains("written_after_acceptance");
      if (!later) return true;
      for (const auto& f : later->as_array()) {
        if (!f.at("finished").as_bool()) return false;
      }
      return true;
    }));
    for (const auto& d : alert.at("deliveries").as_array()) {
      out.insert(std::string(d.at("channel").as_string()) + " " +
                 std::string(d.at("target").as_string()));
    }
    return out;
  }
  void expect_areas_reach_their_zones() {
    start_with_zones();
    // A polygon inside Niguarda, its east side on Bicocca's border: a shared border is not
    // enough to reach Bicocca.
    EXPECT_EQ(
        reached(kAlertStart + R"(,"polygons":["45.512,9.19 45.512,9.20 45.518,9.20)"
                              R"( 45.518,9.19 45.512,9.19"]})"),
        (std::set<std::string>{"telegram-niguarda -1004001", "whatsapp-comune 393331000001",
                               "whatsapp-comune 393331000004", "whatsapp-comune 393331000005"}));
    // A circle of 300 m in Bicocca.
    EXPECT_EQ(
        reached(kAlertStart + R"(,"circles":["45.515,9.21 0.3"]})"),
        (std::set<std::string>{"telegram-bicocca -1001234567890", "whatsapp-comune 393331000002",
                               "whatsapp-comune 393331000004", "whatsapp-comune 393331000005"}));
    // Segrate by its ISTAT code: no Telegram channel serves it.
    EXPECT_EQ(
        reached(kAlertStart + R"(,"geocodes":[{"valueName":"ISTAT","value":"015205"}]})"),
        (std::set<std::string>{"whatsapp-comune 393331000003", "whatsapp-comune 393331000004"}));
    // No area: everyone.
    EXPECT_EQ(reached(kAlertStart + "}").size(), 7u);
    // Which zones each alert touched is kept.
    EXPECT_EQ(db_->scalar("SELECT string_agg(zone, ',' ORDER BY a.accepted_at, zone)"
                          " FROM alert_zones z JOIN alerts a ON a.id = z.alert_id"),
              "niguarda,bicocca,segrate");

    // An area away from every zone reaches those bound to none; one channel bound to zones
    // alone, nobody: refused, naming the area.
    const auto far = R"(,"circles":["41.9,12.5 1"])";
    EXPECT_EQ(reached(kAlertStart + far + "}"),
              (std::set<std::string>{"whatsapp-comune 393331000004"}));
    const auto nobody = post_alert(
        R"({"headline":"x","event":"Flood","category":"Met","severity":"Severe",)"
        R"("urgency":"Immediate","certainty":"Observed","area":"Roma","circles":["41.9,12.5 1"],)"
        R"("channels":["telegram-niguarda"]})");
    EXPECT_EQ(nobody.status, 422) << nobody.body;
    EXPECT_NE(nobody.body.find("/circles"), std::string::npos) << nobody.body;
  }
};

TEST_F(ZonesE2E, AnAreaReachesTheZonesItTouchesAndThoseBoundToNone) {
  expect_areas_reach_their_zones();
}

// The same audiences, each written after the 202 by the fanout worker, two subscribers
// at a time: its walk over the subscribers keeps the intake's rule.
class ZonesWrittenAfterAcceptanceE2E : public ZonesE2E {
 protected:
  std::string alert_settings() const override { return "inline_fanout_limit: 0, fanout_chunk: 2"; }
};

TEST_F(ZonesWrittenAfterAcceptanceE2E, AnAreaReachesTheZonesItTouchesAndThoseBoundToNone) {
  expect_areas_reach_their_zones();
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM fanouts WHERE outcome = 'written'"), "5");
}

TEST_F(ZonesE2E, ABadAreaIsRefusedAtItsElementAndNothingIsWritten) {
  start_with_zones();
  const auto alerts_before = db_->count("alerts");
  const auto open =
      post_alert(kAlertStart + R"(,"polygons":["45.51,9.19 45.51,9.20 45.52,9.20"]})");
  EXPECT_EQ(open.status, 422) << open.body;
  EXPECT_NE(open.body.find("\"pointer\":\"/polygons/0\""), std::string::npos) << open.body;
  const auto unclosed =
      post_alert(kAlertStart + R"(,"polygons":["45.51,9.19 45.51,9.20 45.52,9.20 45.52,9.19"]})");
  EXPECT_NE(unclosed.body.find("not closed"), std::string::npos) << unclosed.body;
  const auto swapped =
      post_alert(kAlertStart + R"(,"circles":["145.51,9.19 1"],"geocodes":[{"valueName":"ISTAT",)"
                               R"("value":"15205"}]})");
  EXPECT_EQ(swapped.status, 422);
  EXPECT_NE(swapped.body.find("/circles/0"), std::string::npos) << swapped.body;
  EXPECT_NE(swapped.body.find("/geocodes/0/value"), std::string::npos) << swapped.body;
  const auto undescribed =
      post_alert(R"({"headline":"x","event":"Flood","category":"Met","severity":"Severe",)"
                 R"("urgency":"Immediate","certainty":"Observed","circles":["45.515,9.21 0.3"]})");
  EXPECT_NE(undescribed.body.find("\"pointer\":\"/area\""), std::string::npos) << undescribed.body;
  // In CAP XML: named by its element.
  const auto cap = http_request(
      "POST", daemon_url_ + "/v1/alerts",
      {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/cap+xml"}},
      "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>Z-1</identifier>"
      "<sender>pc@comune.example</sender><sent>2026-03-14T06:30:00+01:00</sent>"
      "<status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info>"
      "<category>Met</category><event>Flood</event><urgency>Immediate</urgency>"
      "<severity>Severe</severity><certainty>Observed</certainty><headline>x</headline>"
      "<area><areaDesc>Niguarda</areaDesc><polygon>45.51,9.19 45.51,9.20 45.52,9.19</polygon>"
      "</area></info></alert>");
  EXPECT_EQ(cap.status, 422) << cap.body;
  EXPECT_NE(cap.body.find("/alert/info[1]/area[1]/polygon[1]"), std::string::npos) << cap.body;
  EXPECT_EQ(db_->count("alerts"), alerts_before);
  EXPECT_EQ(db_->count("alert_zones"), 0);
}

TEST_F(ZonesE2E, CapAreasGoInAndComeOut) {
  start_with_zones();
  const auto cap = http_request(
      "POST", daemon_url_ + "/v1/alerts",
      {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/cap+xml"}},
      "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>Z-2</identifier>"
      "<sender>pc@comune.example</sender><sent>2026-03-14T06:30:00+01:00</sent>"
      "<status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info>"
      "<category>Met</category><event>Flood</event><urgency>Immediate</urgency>"
      "<severity>Severe</severity><certainty>Observed</certainty><headline>Piena</headline>"
      "<area><areaDesc>Niguarda</areaDesc>"
      "<polygon>45.512,9.185 45.512,9.195 45.518,9.195 45.512,9.185</polygon></area>"
      "<area><areaDesc>Segrate</areaDesc><geocode><valueName>ISTAT</valueName>"
      "<value>015205</value></geocode></area></info></alert>");
  ASSERT_EQ(cap.status, 202) << cap.body;
  const auto id = std::string(boost::json::parse(cap.body).at("id").as_string());
  EXPECT_EQ(db_->scalar("SELECT string_agg(zone, ',' ORDER BY zone) FROM alert_zones"),
            "niguarda,segrate");
  // Both areas' subscribers, Niguarda's channel and the town's (bound to no zone).
  EXPECT_EQ(db_->scalar("SELECT string_agg(channel || ' ' || target, ',' ORDER BY channel, target)"
                        " FROM deliveries"),
            "telegram-main -1001234567890,telegram-main @allerta_comune,"
            "telegram-niguarda -1004001,whatsapp-comune 393331000001,"
            "whatsapp-comune 393331000003,whatsapp-comune 393331000004,"
            "whatsapp-comune 393331000005");
  const auto out = http_request(
      "GET", daemon_url_ + "/v1/alerts/" + id,
      {{"Authorization", "Bearer " + api_key_}, {"Accept", "application/cap+xml"}}, "");
  ASSERT_EQ(out.status, 200);
  for (const auto* piece :
       {"<area>", "<areaDesc>Niguarda; Segrate</areaDesc>",
        "<polygon>45.512,9.185 45.512,9.195 45.518,9.195 45.512,9.185</polygon>", "<geocode>",
        "<valueName>ISTAT</valueName>", "<value>015205</value>"}) {
    EXPECT_NE(out.body.find(piece), std::string::npos) << piece << "\n" << out.body;
  }
  // CAP's order inside <area>: areaDesc, polygon, circle, geocode.
  EXPECT_LT(out.body.find("<areaDesc>"), out.body.find("<polygon>"));
  EXPECT_LT(out.body.find("<polygon>"), out.body.find("<geocode>"));
}

TEST_F(ZonesE2E, ZonesAreCheckedByPostgisListedAndAudited) {
  start_with_zones();
  // A position PostGIS cannot read, a ring crossing itself, a keyword another zone has:
  // each refused at its element (the first does not stop the others being checked), and
  // nothing written.
  const auto bad = admin("POST", "/v1/zones", R"({"type":"FeatureCollection","features":[
    {"type":"Feature","properties":{"name":"monca"},"geometry":{"type":"Polygon",
     "coordinates":[[[9.0],[9.1,45.1],[9.1,45.0],[9.0]]]}},
    {"type":"Feature","properties":{"name":"farfalla"},"geometry":{"type":"Polygon",
     "coordinates":[[[9.0,45.0],[9.1,45.1],[9.1,45.0],[9.0,45.1],[9.0,45.0]]]}},
    {"type":"Feature","properties":{"name":"greco","keyword":"Niguarda"},
     "geometry":{"type":"Polygon","coordinates":[[[9.2,45.5],[9.21,45.5],[9.21,45.51],
     [9.2,45.5]]]}}]})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("\"pointer\":\"/features/0/geometry\""), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("PostGIS cannot read it"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("\"pointer\":\"/features/1/geometry\""), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("Self-intersection"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("\"pointer\":\"/features/2/properties/keyword\""), std::string::npos)
      << bad.body;
  EXPECT_EQ(db_->count("zones"), 3);
  const auto no_shape = admin(
      "POST", "/v1/zones", R"({"type":"Feature","properties":{"name":"vuota"},"geometry":null})");
  EXPECT_EQ(no_shape.status, 422) << no_shape.body;

  const auto list =
      http_request("GET", daemon_url_ + "/v1/zones", {{"Authorization", "Bearer " + api_key_}});
  ASSERT_EQ(list.status, 200) << list.body << daemon_->output();
  const auto zones = boost::json::parse(list.body).at("zones").as_array();
  ASSERT_EQ(zones.size(), 3u);
  EXPECT_EQ(zones[1].at("name"), "niguarda");
  EXPECT_EQ(zones[1].at("keyword"), "NIGUARDA");
  EXPECT_EQ(zones[1].at("subscribers").as_int64(), 2);
  // About 1.56 km by 1.11 km.
  EXPECT_NEAR(zones[1].at("area_km2").to_number<double>(), 1.73, 0.05);
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM audit_events WHERE kind = 'zone.saved'"
                        " AND detail->'geometry'->>'type' = 'MultiPolygon'"),
            "2");
  // Only an admin changes zones.
  EXPECT_EQ(
      http_request("POST", daemon_url_ + "/v1/zones",
                   {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}},
                   kZones)
          .status,
      403);
  // Deleting a zone frees its subscribers to the whole territory, audited.
  EXPECT_EQ(admin("DELETE", "/v1/zones/segrate").status, 204);
  EXPECT_EQ(admin("DELETE", "/v1/zones/segrate").status, 404);
  EXPECT_EQ(db_->scalar("SELECT detail->>'subscribers_unbound' FROM audit_events"
                        " WHERE kind = 'zone.deleted'"),
            "1");
  // An import naming an unknown zone is refused at its line.
  const auto unknown = import_subscribers("whatsapp-comune",
                                          "address,language,consent_at,zones\n"
                                          "393331000009,it,2026-11-01T09:00:00+01:00,segrate\n");
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_NE(unknown.body.find("/line/2"), std::string::npos) << unknown.body;
}

// "ISCRIVIMI NIGUARDA" subscribes to that zone and confirms; an unknown zone is answered
// with the zones there are, and subscribes nobody.
TEST_F(ZonesE2E, ACitizenChoosesAZoneOnWhatsApp) {
  start_with_zones();
  point_whatsapp_webhook();
  ASSERT_EQ(citizen_writes("393337000001", "Iscrivimi  niguarda").status, 200);
  ASSERT_EQ(citizen_writes("393337000002", "ISCRIVIMI MARTE").status, 200);
  ASSERT_TRUE(wait_until([&] {
    return db_->scalar("SELECT count(*) FROM inbound_items WHERE processed_at IS NOT NULL") == "2";
  }));
  EXPECT_EQ(db_->scalar("SELECT string_agg(z.zone, ',') FROM subscriber_zones z"
                        " JOIN subscribers s ON s.id = z.subscriber_id"
                        " WHERE s.address = '393337000001'"),
            "niguarda");
  EXPECT_EQ(db_->scalar("SELECT count(*) FROM subscribers WHERE address = '393337000002'"), "0");
  EXPECT_EQ(db_->scalar("SELECT outcome FROM inbound_items WHERE payload LIKE '%MARTE%'"),
            "unknown_zone");
  EXPECT_EQ(db_->scalar("SELECT detail->>'zone' FROM audit_events"
                        " WHERE kind = 'subscriber.opted_in'"),
            "niguarda");
  ASSERT_TRUE(wait_until([&] { return audit_count("subscriber.answered") == 2; }));
  auto answered = whatsapp_texts();
  EXPECT_NE(answered["393337000001"].find("Iscrizione confermata"), std::string::npos);
  EXPECT_NE(answered["393337000002"].find("BICOCCA, NIGUARDA"), std::string::npos)
      << answered["393337000002"];
  // The zone's alert reaches the new subscriber; Bicocca's does not.
  EXPECT_TRUE(reached(kAlertStart + R"(,"circles":["45.515,9.19 0.2"]})")
                  .contains("whatsapp-comune 393337000001"));
  EXPECT_FALSE(reached(kAlertStart + R"(,"circles":["45.515,9.21 0.2"]})")
                   .contains("whatsapp-comune 393337000001"));
}

// Before sending, the preview says whom the area reaches: the zones it touches, and per
// channel how many targets and, of a subscription channel, how many per zone.
TEST_F(ZonesE2E, ThePreviewCountsWhomTheAreaReaches) {
  start_with_zones();
  const auto r =
      http_request("POST", daemon_url_ + "/v1/alerts/preview",
                   {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}},
                   kAlertStart + R"(,"circles":["45.515,9.19 0.2"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto doc = boost::json::parse(r.body);
  EXPECT_EQ(doc.at("recipients").as_int64(), 4) << r.body;  // 1 chat, 3 subscribers
  EXPECT_EQ(doc.at("area").at("zones").as_array().size(), 1u);
  EXPECT_EQ(doc.at("area").at("zones").at(0).at("label"), "Niguarda");
  std::map<std::string, boost::json::object> by_channel;
  for (const auto& c : doc.at("channels").as_array()) {
    by_channel[std::string(c.at("channel").as_string())] = c.as_object();
  }
  EXPECT_EQ(by_channel["telegram-niguarda"].at("reaches").as_int64(), 1);
  EXPECT_EQ(by_channel["telegram-bicocca"].at("reaches").as_int64(), 0);
  EXPECT_EQ(by_channel["whatsapp-comune"].at("reaches").as_int64(), 3);
  EXPECT_EQ(boost::json::serialize(by_channel["whatsapp-comune"].at("subscribers_by_zone")),
            R"({"*":1,"niguarda":2})");
  EXPECT_NE(r.body.find("the area touches none of the channel's zones"), std::string::npos)
      << r.body;
  // What the preview counted is what the alert queues.
  EXPECT_EQ(reached(kAlertStart + R"(,"circles":["45.515,9.19 0.2"]})").size(), 4u);
}

// The two-person rule shows the approver whom the alert reaches, and the approval records
// it; afterwards each zone's subscribers are counted as they were sent.
class ZonesApprovalE2E : public ZonesE2E {
 protected:
  std::string alert_settings() const override {
    return "approval: {severities: [Severe], timeout_seconds: 3600}";
  }
};

TEST_F(ZonesApprovalE2E, TheApproverSeesTheReachAndTheApprovalRecordsIt) {
  start_with_zones();
  const auto second = create_key("e2e-second", "operator");
  const auto posted = post_alert(kAlertStart + R"(,"circles":["45.515,9.19 0.2"]})");
  ASSERT_EQ(posted.status, 202) << posted.body;
  const auto id = std::string(boost::json::parse(posted.body).at("id").as_string());
  const auto held = get_alert(id);
  EXPECT_EQ(held.at("state"), "awaiting_approval");
  EXPECT_EQ(held.at("reach").at("summary"), "3 subscribers in 1 zone and 1 public channel");
  const auto ok = http_request("POST", daemon_url_ + "/v1/alerts/" + id + "/approve",
                               {{"Authorization", "Bearer " + second}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(db_->scalar("SELECT detail->'reach'->>'summary' FROM audit_events"
                        " WHERE kind = 'alert.approved'"),
            "3 subscribers in 1 zone and 1 public channel");
  EXPECT_EQ(db_->scalar("SELECT detail->'reach'->>'zones' FROM audit_events"
                        " WHERE kind = 'alert.approved'"),
            R"(["niguarda"])");
  ASSERT_TRUE(wait_until([&] { return all_in(get_alert(id), {"sent"}); }));
  const auto sent = get_alert(id);
  EXPECT_EQ(boost::json::serialize(sent.at("by_zone")),
            R"({"niguarda":{"queued":2,"sent":2,"delivered":0,"read":0,"failed":0,"safe":0,)"
            R"("need_help":0}})")
      << boost::json::serialize(sent.at("by_zone"));
  // The same figures for a spreadsheet; an auditor may read them.
  const auto auditor = create_key("e2e-auditor", "auditor");
  const auto csv = http_request("GET", daemon_url_ + "/v1/alerts/" + id + "/by-zone",
                                {{"Authorization", "Bearer " + auditor}});
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.headers.find("Content-Type").value_or(""), "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body,
            "\"alert_id\",\"zone\",\"queued\",\"sent\",\"delivered\",\"read\",\"failed\","
            "\"safe\",\"need_help\"\r\n\"" +
                id + "\",\"niguarda\",\"2\",\"2\",\"0\",\"0\",\"0\",\"0\",\"0\"\r\n");
  EXPECT_EQ(http_request("GET", daemon_url_ + "/v1/alerts/" + id + "/by-zone?format=xml",
                         {{"Authorization", "Bearer " + auditor}})
                .status,
            400);
}

// The public page draws the area and the zones it touched as inline SVG (no tiles, no
// outside request), with CAP's values and times in the reader's language.
TEST_F(ZonesE2E, ThePublicPageDrawsTheAreaInTheReadersLanguage) {
  start_with_zones();
  const auto posted =
      post_alert(kAlertStart + R"(,"polygons":["45.512,9.185 45.512,9.195 45.518,9.195)"
                               R"( 45.512,9.185"]})");
  ASSERT_EQ(posted.status, 202) << posted.body;
  const auto id = std::string(boost::json::parse(posted.body).at("id").as_string());
  const auto page = http_request("GET", daemon_url_ + "/public/alerts/" + id);
  ASSERT_EQ(page.status, 200) << page.body;
  for (const auto* piece :
       {"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"", "<path d=\"M", "fill=\"#b00\"",
        ">Niguarda</text>", "Grave, Immediata, Osservata", "· Allerta</p>",
        "<figcaption id=\"area-caption\">Area dell&apos;allerta: Niguarda e Bicocca. Zone: "
        "Niguarda</figcaption>"}) {
    EXPECT_NE(page.body.find(piece), std::string::npos) << piece << "\n" << page.body;
  }
  // Bicocca was not touched: not drawn. Nothing is fetched from elsewhere.
  EXPECT_EQ(page.body.find(">Bicocca</text>"), std::string::npos);
  EXPECT_EQ(page.body.find("<img"), std::string::npos);
  EXPECT_EQ(page.body.find("src="), std::string::npos);
  // "7 dicembre 2026, 09:15": the day, the month in Italian, the time in Europe/Rome.
  const auto local = db_->scalar(
      "SELECT to_char(accepted_at AT TIME ZONE 'Europe/Rome', 'FMDD') || ' ' ||"
      " (ARRAY['gennaio','febbraio','marzo','aprile','maggio','giugno','luglio','agosto',"
      "  'settembre','ottobre','novembre','dicembre'])[extract(month FROM accepted_at AT TIME"
      "  ZONE 'Europe/Rome')] || ' ' || to_char(accepted_at AT TIME ZONE 'Europe/Rome',"
      "  'YYYY, HH24:MI') FROM alerts WHERE id = '" +
      id + "'");
  EXPECT_NE(page.body.find(">" + local + "</time>"), std::string::npos) << local << page.body;
}

// On Telegram, /start's confirmation offers the zones as buttons; a press adds the zone.
TEST_F(ZonesE2E, ATelegramSubscriberPicksAZoneFromTheConfirmationsButtons) {
  start_daemon(telegram_citizens(emulator_url_, "{secret_token: s3cr3t-Token_1-long}"));
  ASSERT_EQ(admin("POST", "/v1/zones", kZones).status, 201);
  point_telegram_webhook();
  ASSERT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550001,"text":"/start"})")),
            (std::vector<long long>{200}));
  // The welcome, with one button per zone.
  boost::json::object welcome;
  ASSERT_TRUE(wait_until([&] {
    for (const auto& m : emulator_messages("telegram")) {
      if (m.as_object().contains("reply_markup")) welcome = m.as_object();
    }
    return !welcome.empty();
  }));
  std::vector<std::string> labels;
  for (const auto& row : welcome.at("reply_markup").at("inline_keyboard").as_array()) {
    labels.emplace_back(row.at(0).at("text").as_string());
  }
  EXPECT_EQ(labels, (std::vector<std::string>{"Bicocca", "Niguarda", "Segrate"}));
  ASSERT_EQ(answers_of(emulator_post("/_emulator/telegram/updates",
                                     R"({"chat_id":5550001,"press":{"message_id":)" +
                                         std::to_string(welcome.at("message_id").as_int64()) +
                                         R"(,"data":"zone:niguarda"}})")),
            (std::vector<long long>{200}));
  ASSERT_TRUE(
      wait_until([&] { return db_->scalar("SELECT count(*) FROM subscriber_zones") == "1"; }));
  EXPECT_EQ(db_->scalar("SELECT zone FROM subscriber_zones"), "niguarda");
  EXPECT_EQ(db_->scalar("SELECT detail->>'zone' FROM audit_events"
                        " WHERE kind = 'subscriber.zone_added'"),
            "niguarda");
  ASSERT_TRUE(wait_until([&] {
    for (const auto& m : emulator_messages("telegram")) {
      const auto* text = m.as_object().if_contains("text");
      if (m.as_object().contains("callback_query_id") && text && *text == "✓ Niguarda") {
        return true;
      }
    }
    return false;
  }));
}
