#pragma once
// Renders an alert into a channel's message text with Mustache templates.
// Lookup, first match wins: the channel's template_dir, the global templates_dir, the
// templates compiled into the binary; for the alert's language, then the channel's
// default language, then English.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "channels/channel.hpp"
#include "daemon/model/alert.hpp"

namespace araldo::render {

struct RenderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Renderer {
 public:
  explicit Renderer(std::optional<std::filesystem::path> templates_dir = std::nullopt);

  std::string render(const channels::Channel& channel, const model::Alert& alert) const;
  // Fails at start, not at 3 a.m., if a channel has no usable default template.
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
