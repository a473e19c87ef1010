// araldo-emulator: a local stand-in for the platforms' APIs, for tests, demos and
// benchmarks. It prints "listening on http://HOST:PORT" once it accepts connections.
#include <spdlog/spdlog.h>
#include <algorithm>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "daemon/http/http_server.hpp"
#include "tests/emulator/control_api.hpp"
#include "tests/emulator/facebook/facebook_api.hpp"
#include "tests/emulator/telegram/telegram_api.hpp"
#include "tests/emulator/whatsapp/whatsapp_api.hpp"
#include "tests/emulator/x/x_api.hpp"

int main(int argc, char** argv) {
  using namespace araldo;
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "araldo-emulator: strict local stand-in for the Telegram Bot API, X API v2, Facebook "
      "Pages and the WhatsApp Cloud API"};
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  emulator::telegram::Options tg;
  std::vector<std::string> tokens, chats, blocked;
  bool no_rate_limits = false;
  app.add_option("--host", host, "address to listen on");
  app.add_option("--port", port, "port (0: any free port)");
  app.add_option("--telegram-token", tokens, "a bot token that exists (repeatable)");
  std::string x_consumer_key, x_consumer_secret, x_token, x_token_secret;
  app.add_option("--x-consumer-key", x_consumer_key, "the X app's consumer key");
  app.add_option("--x-consumer-secret", x_consumer_secret, "the X app's consumer secret");
  app.add_option("--x-access-token", x_token, "the X account's access token");
  app.add_option("--x-access-token-secret", x_token_secret, "the X account's token secret");
  app.add_option("--telegram-chat", chats, "a chat the bot is in (repeatable; none: any)");
  app.add_option("--telegram-blocked-chat", blocked, "a chat that blocked the bot (repeatable)");
  std::vector<std::string> undeletable;
  app.add_option("--telegram-undeletable-chat", undeletable,
                 "a chat whose messages can no longer be deleted (repeatable)");
  std::vector<std::string> migrated;
  app.add_option("--telegram-migrated-chat", migrated,
                 "OLD:NEW, a group that became supergroup NEW (repeatable)");
  app.add_flag("--no-rate-limits", no_rate_limits, "never answer 429 on its own");
  app.add_option("--telegram-global-per-second", tg.global_per_second, "messages/s per bot");
  app.add_option("--telegram-paid-per-second", tg.paid_per_second,
                 "messages/s per bot sent with allow_paid_broadcast");
  app.add_option("--telegram-private-per-second", tg.private_per_second,
                 "messages/s per private chat");
  app.add_option("--telegram-group-per-minute", tg.group_per_minute,
                 "messages/min per group or channel");
  emulator::x::Options xo;
  app.add_option("--x-posts-per-15min", xo.posts_per_window, "posts per user per 15 minutes");
  emulator::facebook::Options fb;
  std::string fb_secret;
  app.add_option("--facebook-page-id", fb.page_id, "the Page that exists");
  app.add_option("--facebook-page-token", fb.page_token, "its Page access token");
  app.add_option("--facebook-app-secret", fb_secret, "require appsecret_proof with this secret");
  app.add_option("--facebook-posts-per-second", fb.posts_per_second, "Page posts/s");
  app.add_option("--facebook-burst", fb.burst, "Page posts at once");
  emulator::whatsapp::Options wa;
  std::string wa_secret;
  std::vector<std::string> wa_templates, wa_undeliverable;
  app.add_option("--whatsapp-phone-number-id", wa.phone_number_id, "the business number's id");
  app.add_option("--whatsapp-token", wa.token, "its system-user access token");
  app.add_option("--whatsapp-app-secret", wa_secret, "require appsecret_proof with this secret");
  app.add_option("--whatsapp-template", wa_templates,
                 "an approved template, NAME:LANG[,LANG...]:PARAMETERS[:QUICK_REPLIES] "
                 "(repeatable)");
  app.add_option("--whatsapp-undeliverable", wa_undeliverable,
                 "a number not on WhatsApp (repeatable)");
  app.add_option("--whatsapp-per-second", wa.messages_per_second, "messages/s per number");
  app.add_option("--whatsapp-burst", wa.burst, "messages at once per number");
  app.add_option("--whatsapp-pair-seconds", wa.pair_seconds,
                 "seconds between two messages to one recipient");
  CLI11_PARSE(app, argc, argv);
  if (!fb_secret.empty()) fb.app_secret = fb_secret;
  if (!wa_secret.empty()) wa.app_secret = wa_secret;
  fb.rate_limits = wa.rate_limits = !no_rate_limits;
  if (no_rate_limits) xo.posts_per_window = 0;
  for (auto spec : wa_templates) {
    emulator::whatsapp::Template t;
    // NAME:LANGS:PARAMETERS:QUICK_REPLIES: the last field counts the template's buttons.
    if (std::count(spec.begin(), spec.end(), ':') == 3) {
      t.quick_replies = std::stoi(spec.substr(spec.rfind(':') + 1));
      spec.resize(spec.rfind(':'));
    }
    const auto a = spec.find(':');
    const auto b = spec.rfind(':');
    if (a == std::string::npos || a == b) {
      std::cerr << "--whatsapp-template: expected NAME:LANG[,LANG...]:PARAMETERS, got " << spec
                << "\n";
      return 2;
    }
    std::string langs = spec.substr(a + 1, b - a - 1);
    for (std::size_t start = 0; start <= langs.size();) {
      auto end = langs.find(',', start);
      if (end == std::string::npos) end = langs.size();
      t.languages.insert(langs.substr(start, end - start));
      start = end + 1;
    }
    t.parameters = std::stoi(spec.substr(b + 1));
    wa.templates[spec.substr(0, a)] = t;
  }
  wa.undeliverable.insert(wa_undeliverable.begin(), wa_undeliverable.end());
  tg.tokens.insert(tokens.begin(), tokens.end());
  tg.chats.insert(chats.begin(), chats.end());
  tg.blocked_chats.insert(blocked.begin(), blocked.end());
  tg.undeletable_chats.insert(undeletable.begin(), undeletable.end());
  tg.rate_limits = !no_rate_limits;
  for (const auto& m : migrated) {
    const auto colon = m.find(':', 1);
    if (colon == std::string::npos) {
      std::cerr << "--telegram-migrated-chat: expected OLD:NEW, got " << m << "\n";
      return 2;
    }
    tg.migrated_chats[m.substr(0, colon)] = std::stoll(m.substr(colon + 1));
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  emulator::EmulatorState state;
  emulator::telegram::TelegramApi telegram(tg, state);
  xo.account = {x_consumer_key, config::Secret(x_consumer_secret), x_token,
                config::Secret(x_token_secret)};
  emulator::x::XApi x(xo, state);
  emulator::facebook::FacebookApi facebook(fb, state);
  emulator::whatsapp::WhatsAppApi whatsapp(wa, state);
  http::ServerOptions options;
  options.address = host;
  options.port = port;
  options.threads = 8;           // long polls hold a thread each
  options.arrival_times = true;  // the limits count by arrival, as the platforms' do
  options.body_limit = 1 << 20;
  http::HttpServer server(options, [&](const http::Request& req) {
    if (auto r = whatsapp.control(req)) return *r;
    if (auto r = telegram.control(req)) return *r;
    if (auto r = emulator::handle_control(state, req)) return *r;
    if (auto r = telegram.handle(req)) return *r;
    if (auto r = x.handle(req)) return *r;
    if (auto r = facebook.handle(req)) return *r;
    if (auto r = whatsapp.handle(req)) return *r;
    return http::Response::json(404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
  });
  const auto bound = server.start();
  std::cout << "araldo-emulator listening on http://" << host << ":" << bound << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  return 0;
}
