#pragma once
// Renders an alert into a channel's message text with Mustache templates.
// The text: the alert's translation into the language the target asked for, else into
// the channel's default language, else the alert as written. The template: for that
// text's language, then the channel's default, then English; first match wins among
// the channel's template_dir, the global templates_dir and the built-in templates.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "channels/channel.hpp"
#include "daemon/model/alert.hpp"

namespace araldo::render {

struct RenderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Renderer {
 public:
  explicit Renderer(std::optional<std::filesystem::path> templates_dir = std::nullopt);

  struct Rendered {
    std::string language;  // of the template used
    std::string text;
  };
  // `language` empty: the channel's default.
  Rendered render(const channels::Channel& channel, const model::Alert& alert,
                  std::string_view language = {}) const;
  // Fails at start, not at 3 a.m., if a channel has no usable default template or it
  // renders a sample alert into something the channel cannot send.
  void check(const channels::Channel& channel) const;

 private:
  struct Found {
    std::string source;  // where it came from, for error messages
    std::string text;
  };
  std::optional<Found> find(const channels::Channel& channel, const std::string& language) const;
  std::optional<std::string> read_file(const std::filesystem::path& path) const;

  std::optional<std::filesystem::path> templates_dir_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::optional<std::string>> file_cache_;
};

}  // namespace araldo::render
