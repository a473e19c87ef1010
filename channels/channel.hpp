#pragma once
// The one interface every platform plugin implements. A plugin knows its platform and
// nothing else: it never sleeps, retries, touches SQL or does I/O. The dispatcher
// sends what build_request() returns and feeds the answer to classify().
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/http_exchange.hpp"
#include "channels/outcome.hpp"

namespace araldo::channels {

// Settings every channel has, whatever its platform.
struct ChannelSettings {
  std::string name;  // the operator's name for this channel instance, e.g. "telegram-comune"
  std::string type;  // the plugin, e.g. "telegram"
  bool enabled = true;
  std::string language = "it";              // default template language
  std::optional<std::string> template_dir;  // operator's own templates, overriding ours
};

struct Message {
  std::string target;  // a chat id, an account, a phone number: the platform's address
  std::string text;    // rendered, already escaped for the platform
};

class Channel {
 public:
  explicit Channel(ChannelSettings settings) : settings_(std::move(settings)) {}
  virtual ~Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  const ChannelSettings& settings() const { return settings_; }
  const std::string& name() const { return settings_.name; }

  // Where an alert goes when the operator names this channel.
  virtual std::vector<std::string> targets() const = 0;
  // Escapes an alert field for the platform's markup; templates call it for {{field}}.
  virtual std::string escape(std::string_view text) const = 0;
  // Why a rendered text cannot be sent as one message (too long, empty), or nothing.
  virtual std::optional<std::string> check_rendered(std::string_view text) const = 0;
  virtual OutgoingRequest build_request(const Message& message) const = 0;
  virtual Outcome classify(const Answer& answer) const = 0;

 private:
  ChannelSettings settings_;
};

}  // namespace araldo::channels
