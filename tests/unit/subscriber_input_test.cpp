#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "daemon/api/subscriber_input.hpp"
#include "daemon/text/csv_reader.hpp"

using namespace araldo;

namespace {
std::vector<http::FieldError> errors_of(const api::SubscribersOrErrors& r) {
  if (auto* e = std::get_if<std::vector<http::FieldError>>(&r)) return *e;
  return {};
}
}  // namespace

TEST(SubscriberInput, PhoneNumbersAreNormalisedToE164Digits) {
  EXPECT_EQ(api::normalize_phone("+39 333 1234567"), "393331234567");
  EXPECT_EQ(api::normalize_phone("393331234567"), "393331234567");
  EXPECT_FALSE(api::normalize_phone("0333 1234567"));  // no country code
  EXPECT_FALSE(api::normalize_phone("+39-333-1234567"));
  EXPECT_FALSE(api::normalize_phone("12345"));
  EXPECT_FALSE(api::normalize_phone("39333+1234567"));
}

TEST(SubscriberInput, CsvWithHeaderInAnyOrderIsRead) {
  const auto r = api::subscribers_from_csv(
      "language,address,consent_at\r\n"
      "it-IT,+39 333 0000001,2026-01-01T10:00:00+01:00\r\n"
      "\r\n"
      "EN,\"393330000002\",2026-01-02 08:00:00Z\r\n",
      100);
  ASSERT_TRUE(errors_of(r).empty()) << errors_of(r).front().detail;
  const auto& subs = std::get<std::vector<store::Subscriber>>(r);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(subs[0].address, "393330000001");
  EXPECT_EQ(subs[0].language, "it");
  EXPECT_EQ(subs[1].address, "393330000002");
  EXPECT_EQ(subs[1].language, "en");
}

TEST(SubscriberInput, EveryBadLineIsReportedByNumber) {
  const auto errors =
      errors_of(api::subscribers_from_csv("address,language,consent_at\n"
                                          "393330000001,it,2026-01-01T10:00:00+01:00\n"
                                          "not-a-number,it,2026-01-01T10:00:00+01:00\n"
                                          "393330000003,italiano!,2026-01-01T10:00:00\n"
                                          "393330000001,en,2026-01-01T10:00:00+01:00\n"
                                          "393330000005,it\n",
                                          100));
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].pointer, "/line/3");
  EXPECT_NE(errors[0].detail.find("address"), std::string::npos);
  EXPECT_EQ(errors[1].pointer, "/line/4");  // language
  EXPECT_EQ(errors[2].pointer, "/line/4");  // consent time without its zone
  EXPECT_EQ(errors[3].pointer, "/line/5");
  EXPECT_NE(errors[3].detail.find("already on line 2"), std::string::npos);
  EXPECT_EQ(errors[4].pointer, "/line/6");
  EXPECT_EQ(errors_of(api::subscribers_from_csv("phone,lang\n", 100)).size(), 3u);
  EXPECT_FALSE(errors_of(api::subscribers_from_csv("address,language,consent_at\n"
                                                   "393330000001,it,2026-01-01T10:00:00Z\n"
                                                   "393330000002,it,2026-01-01T10:00:00Z\n",
                                                   1))
                   .empty());
}

// RFC 4180 as spreadsheet programs write it: a byte order mark, CRLF, quoted fields
// holding commas, doubled quotes and line breaks; each record keeps its first line.
TEST(CsvReader, QuotedFieldsCrlfAndAByteOrderMark) {
  const auto read = text::read_csv(
      "\xEF\xBB\xBFname,note\r\n"
      "\"Rossi, Mario\",\"said \"\"ok\"\"\"\r\n"
      "\r\n"
      "\"Bianchi\",\"two\r\nlines\"\r\n"
      "Verdi,plain\n");
  ASSERT_TRUE(std::holds_alternative<std::vector<text::CsvRecord>>(read));
  const auto& records = std::get<std::vector<text::CsvRecord>>(read);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"name", "note"}));  // no BOM
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"Rossi, Mario", "said \"ok\""}));
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[2].fields[1], "two\r\nlines");
  EXPECT_EQ(records[2].line, 4u);  // after the blank line 3
  EXPECT_EQ(records[3].line, 6u);  // the break inside the quotes counted
}

TEST(CsvReader, AStrayQuoteIsAnErrorOnItsLine) {
  const auto bad = text::read_csv("a,b\nok,fine\nx\"y\",z\n");
  ASSERT_TRUE(std::holds_alternative<text::CsvError>(bad));
  EXPECT_EQ(std::get<text::CsvError>(bad).line, 3u);
  const auto open = text::read_csv("a,b\n\"never closed,b\n");
  ASSERT_TRUE(std::holds_alternative<text::CsvError>(open));
  EXPECT_EQ(std::get<text::CsvError>(open).line, 2u);
}

TEST(SubscriberInput, ACommaInsideQuotesAndABomAreRead) {
  const auto r = api::subscribers_from_csv(
      "\xEF\xBB\xBF\"address\",\"language\",\"consent_at\"\r\n"
      "\"+39 333 0000001\",\"it\",\"2026-01-01T10:00:00+01:00\"\r\n",
      100);
  ASSERT_TRUE(errors_of(r).empty()) << errors_of(r).front().detail;
  EXPECT_EQ(std::get<std::vector<store::Subscriber>>(r).at(0).address, "393330000001");
  // A comma inside a quoted field is one field, not two: the count says so.
  const auto errors = errors_of(api::subscribers_from_csv(
      "address,language,consent_at\n\"393330000002, 393330000003\",it,2026-01-01T10:00:00Z\n",
      100));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].pointer, "/line/2");
  EXPECT_NE(errors[0].detail.find("address"), std::string::npos);
}

// A day that does not exist is refused here, at its line, not by PostgreSQL.
TEST(SubscriberInput, AConsentTimeThatDoesNotExistIsRefusedAtItsLine) {
  const auto errors = errors_of(api::subscribers_from_csv(
      "address,language,consent_at\n393330000001,it,2026-02-30T10:00:00+01:00\n"
      "393330000002,it,2026-01-01T25:00:00+01:00\n"
      "393330000003,it,0000-01-01T10:00:00+01:00\n",
      100));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[2].pointer, "/line/4");  // a year PostgreSQL does not have
  EXPECT_EQ(errors[0].pointer, "/line/2");
  EXPECT_NE(errors[0].detail.find("consent_at"), std::string::npos);
  EXPECT_EQ(errors[1].pointer, "/line/3");
}

TEST(SubscriberInput, OneSubscriberAsJson) {
  const auto ok = api::subscriber_from_json(boost::json::parse(
      R"({"address":"+393331234567","language":"it","consent_at":"2026-01-01T10:00:00+01:00"})"));
  ASSERT_TRUE(errors_of(ok).empty());
  EXPECT_EQ(std::get<std::vector<store::Subscriber>>(ok).at(0).address, "393331234567");
  const auto bad = errors_of(api::subscriber_from_json(
      boost::json::parse(R"({"address":7,"language":"it","name":"Mario"})")));
  ASSERT_EQ(bad.size(), 3u);
  EXPECT_EQ(bad[0].pointer, "/address");
  EXPECT_EQ(bad[1].pointer, "/consent_at");
  EXPECT_EQ(bad[2].pointer, "/name");
}
