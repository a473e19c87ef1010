#include "daemon/model/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/stream_parser.hpp>
#include <set>
#include <vector>

#include "daemon/text/utf8.hpp"

namespace araldo::model {
namespace {

// A basic_parser handler that builds nothing: it only walks the document, keeping the
// keys of each open object and the path to the current value, and stops at the first key
// an object already has.
struct DuplicateKeyFinder {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  struct Level {
    bool object = false;
    std::set<std::string> keys;
    std::string token;  // the current key, or the current index
    std::size_t index = 0;
  };
  std::vector<Level> levels;
  std::string key;
  std::string duplicate_at;  // set when found

  std::string path() const {
    std::string out;
    for (const auto& l : levels) out += "/" + l.token;
    return out;
  }
  // Before each value inside an array, the index becomes its token.
  void value() {
    if (!levels.empty() && !levels.back().object) {
      levels.back().token = std::to_string(levels.back().index++);
    }
  }
  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    value();
    levels.push_back({true, {}, "", 0});
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    levels.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) {
    value();
    levels.push_back({false, {}, "", 0});
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    levels.pop_back();
    return true;
  }
  bool on_key_part(std::string_view s, std::size_t, boost::system::error_code&) {
    key.append(s);
    return true;
  }
  bool on_key(std::string_view s, std::size_t, boost::system::error_code& ec) {
    key.append(s);
    auto& level = levels.back();
    level.token = escape_pointer_token(key);
    if (!level.keys.insert(key).second) {
      duplicate_at = path();
      ec = boost::json::error::syntax;  // stop here
      return false;
    }
    key.clear();
    return true;
  }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(std::string_view, std::size_t, boost::system::error_code&) {
    value();
    return true;
  }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code&) {
    value();
    return true;
  }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) {
    value();
    return true;
  }
  bool on_double(double, std::string_view, boost::system::error_code&) {
    value();
    return true;
  }
  bool on_bool(bool, boost::system::error_code&) {
    value();
    return true;
  }
  bool on_null(boost::system::error_code&) {
    value();
    return true;
  }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }
};

}  // namespace

http::Problem to_problem(const JsonSyntaxError& error) {
  std::vector<http::FieldError> where;
  if (!error.pointer.empty()) where.push_back({error.pointer, "duplicate key"});
  return http::bad_request("malformed-json", error.detail, std::move(where));
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

std::variant<boost::json::value, JsonSyntaxError> parse_json_body(std::string_view body) {
  if (auto bad = text::first_invalid_utf8(body)) {
    return JsonSyntaxError{"the body is not valid UTF-8 (at byte " + std::to_string(*bad) + ")",
                           ""};
  }
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  const auto consumed = parser.write_some(body.data(), body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return JsonSyntaxError{
        "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message(), ""};
  }
  // The document is valid: walk it once more for keys that repeat.
  boost::json::basic_parser<DuplicateKeyFinder> finder(boost::json::parse_options{});
  boost::system::error_code dup;
  finder.write_some(false, body.data(), body.size(), dup);
  if (!finder.handler().duplicate_at.empty()) {
    const auto& at = finder.handler().duplicate_at;
    return JsonSyntaxError{"the key at " + at + " appears twice in its object: say it once", at};
  }
  return parser.release();
}

}  // namespace araldo::model
