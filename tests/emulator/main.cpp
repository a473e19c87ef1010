// araldo-emulator: a local stand-in for the platforms' APIs, for tests, demos and
// benchmarks. It prints "listening on http://HOST:PORT" once it accepts connections.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "daemon/http/http_server.hpp"
#include "tests/emulator/control_api.hpp"
#include "tests/emulator/telegram/telegram_api.hpp"
#include "tests/emulator/x/x_api.hpp"

int main(int argc, char** argv) {
  using namespace araldo;
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"araldo-emulator: strict local stand-in for the Telegram Bot API and X API v2"};
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
  app.add_flag("--no-rate-limits", no_rate_limits, "never answer 429 on its own");
  app.add_option("--telegram-global-per-second", tg.global_per_second, "messages/s per bot");
  app.add_option("--telegram-private-per-second", tg.private_per_second,
                 "messages/s per private chat");
  app.add_option("--telegram-group-per-minute", tg.group_per_minute,
                 "messages/min per group or channel");
  CLI11_PARSE(app, argc, argv);
  tg.tokens.insert(tokens.begin(), tokens.end());
  tg.chats.insert(chats.begin(), chats.end());
  tg.blocked_chats.insert(blocked.begin(), blocked.end());
  tg.rate_limits = !no_rate_limits;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  emulator::EmulatorState state;
  emulator::telegram::TelegramApi telegram(tg, state);
  emulator::x::XApi x({{x_consumer_key, config::Secret(x_consumer_secret), x_token,
                        config::Secret(x_token_secret)}},
                      state);
  http::ServerOptions options;
  options.address = host;
  options.port = port;
  options.threads = 4;
  options.body_limit = 1 << 20;
  http::HttpServer server(options, [&](const http::Request& req) {
    if (auto r = emulator::handle_control(state, req)) return *r;
    if (auto r = telegram.handle(req)) return *r;
    if (auto r = x.handle(req)) return *r;
    return http::Response::json(404, R"({"ok":false,"error_code":404,"description":"Not Found"})");
  });
  const auto bound = server.start();
  std::cout << "araldo-emulator listening on http://" << host << ":" << bound << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  return 0;
}
