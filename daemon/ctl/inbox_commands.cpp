#include "daemon/ctl/inbox_commands.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <ostream>

#include "daemon/ctl/alert_input.hpp"
#include "daemon/ctl/answer.hpp"

namespace araldo::ctl {
namespace {

// One line of a message, at most `width` characters wide in bytes (a preview).
std::string one_line(std::string text, std::size_t width) {
  for (auto& ch : text) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  if (text.size() <= width) return text;
  auto cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string or_dash(const boost::json::value* v) {
  return !v || v->is_null() ? "-" : text_of(v);
}

}  // namespace

Exit list_inbox(Context& c, const std::string& state) {
  const std::string query = state.empty() ? "" : "?state=" + state;
  return answer(c, c.api.request("GET", "/v1/inbox" + query), [&](const boost::json::object& doc) {
    c.out << fmt::format("{:>6}  {:<9} {:<16} {:<38} {:<16} {}\n", "ID", "STATE", "CHANNEL",
                         "CITIZEN", "ASSIGNEE", "LAST MESSAGE");
    for (const auto& v : doc.at("conversations").as_array()) {
      const auto& o = v.as_object();
      c.out << fmt::format("{:>6}  {:<9} {:<16} {:<38} {:<16} {}\n", text_of(o.if_contains("id")),
                           text_of(o.if_contains("state")), text_of(o.if_contains("channel")),
                           text_of(o.if_contains("citizen")), or_dash(o.if_contains("assignee")),
                           one_line(text_of(o.if_contains("last_text")), 60));
    }
  });
}

Exit show_conversation(Context& c, const std::string& id) {
  return answer(c, c.api.request("GET", "/v1/inbox/" + encode_segment(id)),
                [&](const boost::json::object& o) {
                  c.out << "conversation " << text_of(o.if_contains("id")) << " ("
                        << text_of(o.if_contains("state")) << ", "
                        << or_dash(o.if_contains("assignee")) << ") on "
                        << text_of(o.if_contains("channel")) << " with "
                        << text_of(o.if_contains("citizen")) << "\n";
                  for (const auto& v : o.at("history").as_array()) {
                    const auto& m = v.as_object();
                    const bool in = text_of(m.if_contains("direction")) == "in";
                    c.out << text_of(m.if_contains("at")) << "  "
                          << (in ? "citizen" : or_dash(m.if_contains("author"))) << " ("
                          << text_of(m.if_contains("kind"));
                    if (!in) c.out << ", " << or_dash(m.if_contains("outcome"));
                    c.out << "): " << text_of(m.if_contains("text")) << "\n";
                  }
                });
}

Exit assign_conversation(Context& c, const std::string& id, const std::string& person,
                         const std::string& role) {
  if (person.empty() == role.empty()) {
    c.err << "araldoctl: inbox assign: give either --to PERSON or --role ROLE\n";
    return Exit::usage;
  }
  const boost::json::object body =
      person.empty() ? boost::json::object{{"role", role}} : boost::json::object{{"to", person}};
  return answer(c,
                c.api.request("POST", "/v1/inbox/" + encode_segment(id) + "/assign",
                              boost::json::serialize(body), "application/json"),
                [&](const boost::json::object& o) {
                  c.out << "conversation " << text_of(o.if_contains("id")) << " assigned to "
                        << or_dash(o.if_contains("assignee")) << "\n";
                });
}

Exit reply_to_conversation(Context& c, const std::string& id, const std::string& text) {
  std::string body = text;
  if (text == "-") {
    try {
      body = read_input_file("-");
    } catch (const AlertInputError& e) {
      c.err << "araldoctl: " << e.what() << "\n";
      return Exit::usage;
    }
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  }
  return answer(c,
                c.api.request("POST", "/v1/inbox/" + encode_segment(id) + "/reply",
                              boost::json::serialize(boost::json::object{{"text", body}}),
                              "application/json"),
                [&](const boost::json::object& o) {
                  c.out << "replied (" << text_of(o.if_contains("via")) << "), message "
                        << text_of(o.if_contains("message")) << "\n";
                });
}

}  // namespace araldo::ctl
