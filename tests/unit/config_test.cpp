#include <gtest/gtest.h>

#include <map>

#include "daemon/app_config.hpp"

using namespace araldo;

namespace {
std::optional<std::string> env(const std::string& name) {
  if (name == "TG_TOKEN") return "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi";
  if (name == "DB_URL") return "host=db password=hunter2";
  return std::nullopt;
}

config::Config load(const std::string& yaml) {
  channels::ChannelRegistry registry;
  channels::register_all_channels(registry);
  return config::load_config(YAML::Load(yaml), registry, env);
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

const std::string database = "database: {url: '${DB_URL}'}\n";
const std::string tg_channel =
    "  tg: {type: telegram, bot_token: '${TG_TOKEN}', chats: ['@allerta_comune']}\n";
const std::string base = "audit: {unsigned: true}\n" + database + "channels:\n" + tg_channel;
}  // namespace

TEST(Config, LoadsWithDefaultsAndExpandsEnvironment) {
  auto c = load("listen: '0.0.0.0:9090'\n" + base);
  EXPECT_EQ(c.http.address, "0.0.0.0");
  EXPECT_EQ(c.http.port, 9090);
  EXPECT_EQ(c.database.url.reveal(), "host=db password=hunter2");
  ASSERT_EQ(c.channels.all().size(), 1u);
  EXPECT_EQ(c.channels.find("tg")->settings().type, "telegram");
  EXPECT_EQ(c.alerts.defaults.language, "it");
}

TEST(Config, SecretsNeverFormatTheirValue) {
  auto c = load(base);
  EXPECT_EQ(fmt::format("{}", c.database.url), "***");
}

TEST(Config, RejectsUnknownKeysWithTheirPath) {
  EXPECT_EQ(error_of("lisen: ':1'\n" + base), "lisen: unknown key");
  EXPECT_EQ(error_of("dispatch: {max_inflight: 3}\n" + base), "dispatch.max_inflight: unknown key");
}

TEST(Config, RejectsBadValues) {
  EXPECT_NE(error_of("listen: 'nohost'\n" + base).find("expected host:port"), std::string::npos);
  EXPECT_NE(error_of("dispatch: {max_in_flight: 0}\n" + base).find("between 1 and"),
            std::string::npos);
  EXPECT_NE(error_of("dispatch: {lease_ms: 1000, request_timeout_ms: 5000}\n" + base)
                .find("lease_ms: must be longer"),
            std::string::npos);
  EXPECT_EQ(error_of("channels: {}\n"), "database.url: is required");
  EXPECT_NE(error_of("database: {url: '${NOPE}'}\n").find("NOPE is not set"), std::string::npos);
}

TEST(Config, EnvExpansionHandlesEscapesAndErrors) {
  EXPECT_EQ(config::expand_env("a${TG_TOKEN}b", env, "x").substr(0, 7), "a123456");
  EXPECT_EQ(config::expand_env("cost $$5 $x", env, "x"), "cost $5 $x");
  EXPECT_THROW(config::expand_env("${TG_TOKEN", env, "x"), config::ConfigError);
}

TEST(Config, AChannelSaysWhichCapStatusesAndScopesItTakes) {
  const std::string drill =
      "audit: {unsigned: true}\n"
      "database: {url: '${DB_URL}'}\n"
      "channels:\n"
      "  tg: {type: telegram, bot_token: '${TG_TOKEN}', chats: ['-100'], STATUSES}\n";
  auto with = [&](const std::string& statuses) {
    auto yaml = drill;
    return yaml.replace(yaml.find("STATUSES"), 8, statuses);
  };
  const auto cfg = load(with("statuses: [Exercise, Test]"));
  const auto& settings = cfg.channels.find("tg")->settings();
  EXPECT_TRUE(settings.takes("Exercise", "Public"));
  EXPECT_FALSE(settings.takes("Actual", "Public"));
  EXPECT_FALSE(settings.is_public());
  EXPECT_TRUE(load(base).channels.find("tg")->settings().is_public());  // the default
  // A public channel takes only Actual alerts; a Draft is never sent anywhere.
  EXPECT_NE(error_of(with("statuses: [Actual, Exercise]")).find("takes only Actual alerts"),
            std::string::npos);
  EXPECT_NE(error_of(with("statuses: [Draft]")).find("'Draft' is not one of"), std::string::npos);
  EXPECT_NE(error_of(with("scopes: [Everyone]")).find("channels.tg.scopes"), std::string::npos);
  EXPECT_NE(error_of(with("statuses: []")).find("empty list"), std::string::npos);
}

TEST(Config, OnCancelAndOnUpdateMustBeWhatThePlatformCanDo) {
  const std::string x =
      "audit: {unsigned: true}\n"
      "database: {url: '${DB_URL}'}\n"
      "channels:\n"
      "  x: {type: x, account: '@a', consumer_key: k, consumer_secret: s, access_token: t,"
      " access_token_secret: u, SETTING}\n";
  auto with = [&](const std::string& setting) {
    auto yaml = x;
    return yaml.replace(yaml.find("SETTING"), 7, setting);
  };
  EXPECT_NE(error_of(with("on_cancel: edit")).find("channels.x.on_cancel: x cannot edit"),
            std::string::npos);
  EXPECT_NE(error_of(with("on_cancel: shout")).find("not one of edit, remove, notice"),
            std::string::npos);
  EXPECT_NE(error_of(with("on_update: remove")).find("an update edits or replies"),
            std::string::npos);
  const auto cfg = load(with("on_cancel: remove"));
  EXPECT_EQ(cfg.channels.find("x")->on_cancel(), channels::Action::remove);
  EXPECT_EQ(cfg.channels.find("x")->on_update(), channels::Action::reply);  // the default
  // Telegram edits by default: readers of the message see it say it is cancelled.
  EXPECT_EQ(load(base).channels.find("tg")->on_cancel(), channels::Action::edit);
}

TEST(Config, ThePublicUrlIsAnAbsoluteHttpUrl) {
  EXPECT_EQ(load("alerts: {public_url: 'https://allerta.comune.example'}\n" + base)
                .alerts.defaults.public_url,
            "https://allerta.comune.example");
  for (const auto* bad : {"allerta.comune.example", "ftp://x.example", "https://x.example/",
                          "https://x.example/?a=1"}) {
    EXPECT_NE(error_of("alerts: {public_url: '" + std::string(bad) + "'}\n" + base)
                  .find("alerts.public_url"),
              std::string::npos)
        << bad;
  }
}

TEST(Config, NoAuditKeyUnlessUnsignedHeadsAreAskedForInSoManyWords) {
  const auto missing = error_of(database + "channels:\n" + tg_channel);
  EXPECT_NE(missing.find("audit.signing_key: required"), std::string::npos) << missing;
  EXPECT_NE(missing.find("audit.unsigned: true"), std::string::npos) << missing;
  const std::string key(64, 'a');
  EXPECT_TRUE(load("audit: {signing_key: '" + key + "'}\n" + database + "channels:\n" + tg_channel)
                  .audit.signing_key);
  EXPECT_FALSE(load(base).audit.signing_key);  // unsigned, as it says
  EXPECT_NE(error_of("audit: {signing_key: '" + key + "', unsigned: true}\n" + database +
                     "channels:\n" + tg_channel)
                .find("audit.unsigned: true contradicts audit.signing_key"),
            std::string::npos);
  EXPECT_NE(error_of("audit: {signing_key: ''}\n" + database + "channels:\n" + tg_channel)
                .find("audit.signing_key: expected an Ed25519 seed"),
            std::string::npos);
}

// A secret a signature or a request is checked with: short, anyone could forge what it
// guards, so the daemon does not start, and says which one.
TEST(Config, SecretsThatCheckSignaturesAreAtLeastSixteenBytes) {
  const std::string fb =
      "  fb: {type: facebook, base_url: 'http://127.0.0.1:9', page_id: '104857600', "
      "page_access_token: EAAPageToken, app_secret: SECRET}\n";
  const std::string wa =
      "  wa: {type: whatsapp, base_url: 'http://127.0.0.1:9', phone_number_id: '1055555', "
      "access_token: EAAWaToken, app_secret: wa-app-s3cret-0123, language: it, "
      "template: {name: allerta_comune, parameters: 4, languages: {it: it, en: en_US}}, "
      "inbound: {verify_token: SECRET}}\n";
  const std::string tg =
      "  tgin: {type: telegram, bot_token: '${TG_TOKEN}', subscribers: true, "
      "inbound: {secret_token: SECRET}}\n";
  const std::map<std::string, std::pair<std::string, std::string>> cases{
      {"facebook app_secret", {fb, "channels.fb.app_secret"}},
      {"whatsapp verify_token", {wa, "channels.wa.inbound.verify_token"}},
      {"telegram secret_token", {tg, "channels.tgin.inbound.secret_token"}}};
  for (const auto& [name, c] : cases) {
    const auto& [yaml, path] = c;
    auto with = [&](const std::string& secret) {
      auto y = yaml;
      y.replace(y.find("SECRET"), 6, secret);
      return "privacy: {pseudonym_key: pseudonym-key-0123}\n" + base + y;
    };
    const auto empty = error_of(with("''"));
    EXPECT_EQ(empty.find(path + ": at least 16 bytes (it has 0)"), 0u) << name << ": " << empty;
    const auto short_one = error_of(with("abcdef0123456_-"));  // 15
    EXPECT_EQ(short_one.find(path + ": at least 16 bytes (it has 15)"), 0u)
        << name << ": " << short_one;
    EXPECT_EQ(error_of(with("abcdef0123456_-x")), "") << name;  // 16
  }
}

TEST(Config, TheReplayWindowIsOneToThreeHundredSixtyFiveDays) {
  EXPECT_EQ(load(base).replay_window.length, std::chrono::hours(24 * 7));  // the default
  EXPECT_EQ(load("inbound: {replay_window_days: 30}\n" + base).replay_window.length,
            std::chrono::hours(24 * 30));
  EXPECT_NE(
      error_of("inbound: {replay_window_days: 0}\n" + base).find("inbound.replay_window_days"),
      std::string::npos);
  EXPECT_EQ(error_of("inbound: {replay_days: 3}\n" + base), "inbound.replay_days: unknown key");
}

// Citizens are named by pseudonym in the audit log: a channel with subscribers needs the
// key, named in the error; a channel that only posts to its configured chats does not.
TEST(Config, APseudonymKeyIsRequiredOnceAChannelTakesSubscribers) {
  const std::string tg_subscribers =
      "  tgsub: {type: telegram, bot_token: '${TG_TOKEN}', subscribers: true, inbound: "
      "{secret_token: tg-secret-token-0123}}\n";
  EXPECT_FALSE(load(base).privacy.pseudonym_key.has_value());
  const auto missing = error_of(base + tg_subscribers);
  EXPECT_EQ(missing.find("privacy.pseudonym_key: required, because channel 'tgsub' takes"), 0u)
      << missing;
  const auto short_key = error_of("privacy: {pseudonym_key: short}\n" + base + tg_subscribers);
  EXPECT_EQ(short_key.find("privacy.pseudonym_key: at least 16 bytes (it has 5)"), 0u) << short_key;
  const auto c = load("privacy: {pseudonym_key: pseudonym-key-0123}\n" + base + tg_subscribers);
  ASSERT_TRUE(c.privacy.pseudonym_key.has_value());
  EXPECT_EQ(c.privacy.pseudonym_key->reveal(), "pseudonym-key-0123");
  EXPECT_EQ(error_of("privacy: {pseudonym: x}\n" + base), "privacy.pseudonym: unknown key");
}

// Webhook items recognise replays for inbound.replay_window_days: they cannot be deleted
// sooner, so a shorter retention does not start.
TEST(Config, RetentionIsAtLeastTheReplayWindow) {
  EXPECT_EQ(load(base).privacy.retention, std::chrono::days(365));  // the default
  EXPECT_EQ(load("privacy: {retention_days: 30}\n" + base).privacy.retention,
            std::chrono::days(30));
  EXPECT_EQ(error_of("privacy: {retention_days: 3}\n" + base)
                .find("privacy.retention_days: "
                      "shorter than inbound."
                      "replay_window_days (7)"),
            0u);
  EXPECT_EQ(error_of("inbound: {replay_window_days: 2}\nprivacy: {retention_days: 3}\n" + base),
            "");
}
