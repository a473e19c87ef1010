#!/usr/bin/env bash
# Installs what is needed, builds, and runs a ready-to-try Araldo on this machine:
# its own PostgreSQL cluster under a local data directory, the platform emulator
# standing in for Telegram, and araldod in front. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./deploy/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARALDO_BUILD_TESTS=ON >/dev/null
cmake --build build --target araldod araldoctl araldo-emulator

port=${ARALDO_PORT:-8080}
emulator_port=${ARALDO_EMULATOR_PORT:-8081}
pg_port=${ARALDO_PG_PORT:-55433}
var="$root/var"
mkdir -p "$var"
pgdata="$var/pg"
# As root, the server runs as 'postgres', which may not be able to enter this checkout.
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$var"; then
  pgdata="/var/tmp/araldo-local-pg"
  echo "try-local: 'postgres' cannot enter $var; the cluster lives in $pgdata"
fi
./deploy/pg-cluster.sh start "$pgdata" "$pg_port"
psql_admin=(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qAt)
if [ -z "$("${psql_admin[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'araldo'")" ]; then
  "${psql_admin[@]}" -c "CREATE DATABASE araldo"
fi

# A made-up bot token: only the emulator knows it.
export TELEGRAM_BOT_TOKEN="110201543:LocalEmulatorTokenNotForTelegram0AB"
export X_CONSUMER_KEY=local-consumer-key X_CONSUMER_SECRET=local-consumer-secret
export X_ACCESS_TOKEN=1-local-access-token X_ACCESS_TOKEN_SECRET=local-token-secret
export FACEBOOK_PAGE_TOKEN=local-page-token FACEBOOK_APP_SECRET=local-app-secret
export WHATSAPP_TOKEN=local-whatsapp-token
export ARALDO_DATABASE_URL="host=127.0.0.1 port=$pg_port user=postgres dbname=araldo"
# The key that signs the audit log's tree heads: made once, kept in var/.
if [ ! -s "$var/audit-key" ]; then (umask 077 && openssl rand -hex 32 >"$var/audit-key"); fi
ARALDO_AUDIT_KEY=$(cat "$var/audit-key")
export ARALDO_AUDIT_KEY
# The key of citizens' pseudonyms in the audit log: made once, kept for good.
if [ ! -s "$var/pseudonym-key" ]; then (umask 077 && openssl rand -hex 16 >"$var/pseudonym-key"); fi
ARALDO_PSEUDONYM_KEY=$(cat "$var/pseudonym-key")
export ARALDO_PSEUDONYM_KEY
sed -e "s|@EMULATOR@|http://127.0.0.1:$emulator_port|" -e "s|@PORT@|$port|" \
  deploy/araldo.local.yaml >"$var/araldo.yaml"

./build/tests/emulator/araldo-emulator --port "$emulator_port" \
  --telegram-token "$TELEGRAM_BOT_TOKEN" --telegram-chat @allerta_comune \
  --telegram-chat -1001234567890 --x-consumer-key "$X_CONSUMER_KEY" \
  --x-consumer-secret "$X_CONSUMER_SECRET" --x-access-token "$X_ACCESS_TOKEN" \
  --x-access-token-secret "$X_ACCESS_TOKEN_SECRET" --facebook-page-id 104857600 \
  --facebook-page-token "$FACEBOOK_PAGE_TOKEN" --facebook-app-secret "$FACEBOOK_APP_SECRET" \
  --whatsapp-phone-number-id 1055555 --whatsapp-token "$WHATSAPP_TOKEN" \
  --whatsapp-app-secret "$FACEBOOK_APP_SECRET" --whatsapp-template allerta_comune:it,en_US:4 \
  --whatsapp-template allerta_comune_risposta:it,en_US:4:2 --whatsapp-template risposta_urp:it:1 \
  >"$var/emulator.log" 2>&1 &
emulator_pid=$!
cleanup() {
  kill "$emulator_pid" 2>/dev/null || true
  ./deploy/pg-cluster.sh stop "$pgdata"
}
trap cleanup EXIT

./build/araldod -c "$var/araldo.yaml" migrate
# An operator's key (sends, follows, cancels) and an admin's (subscribers, keys), kept
# readable only by their owner.
if [ ! -s "$var/api-key" ]; then
  (umask 077 && ./build/araldod -c "$var/araldo.yaml" keys create --role operator local-operator \
    >"$var/api-key")
fi
if [ ! -s "$var/admin-key" ]; then
  (umask 077 && ./build/araldod -c "$var/araldo.yaml" keys create --role admin local-admin \
    >"$var/admin-key")
fi
key=$(cat "$var/api-key")
admin_key=$(cat "$var/admin-key")
# The emulator's WhatsApp webhooks (receipts, citizens writing STOP) go to this araldod.
curl -s -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$port/webhooks/whatsapp-comune\"}" \
  "http://127.0.0.1:$emulator_port/_emulator/whatsapp/webhook" || true

cat <<MSG

Araldo is starting on http://127.0.0.1:$port (Ctrl-C stops it).
  Console:   http://127.0.0.1:$port/console  (paste a key below to sign in)
  Metrics:   http://127.0.0.1:$port/metrics
  API keys:  operator $key  (var/api-key)
             admin    $admin_key  (var/admin-key)
  Audit log: ./build/araldoctl --database-url "$ARALDO_DATABASE_URL" audit verify \\
               --public-key $(./build/araldod -c "$var/araldo.yaml" audit-public-key)
  Emulator:  http://127.0.0.1:$emulator_port  (stands in for Telegram, X, Facebook and WhatsApp;
             log in var/emulator.log)

Post an alert:
  curl -i -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \\
       -d @deploy/examples/alert.json http://127.0.0.1:$port/v1/alerts
Follow it:    curl -H "Authorization: Bearer $key" http://127.0.0.1:$port/v1/alerts/<id>
WhatsApp goes to subscribers; add some first (an admin's work):
  curl -H "Authorization: Bearer $admin_key" -H 'Content-Type: text/csv' \
       --data-binary @deploy/examples/subscribers.csv \
       http://127.0.0.1:$port/v1/channels/whatsapp-comune/subscribers/import
A citizen writes STOP on WhatsApp (the emulator signs and sends the webhook):
  curl -H 'Content-Type: application/json' -d '{"from":"393331234567","text":"STOP"}' \
       http://127.0.0.1:$emulator_port/_emulator/whatsapp/inbound
What each platform would have received:
              curl http://127.0.0.1:$emulator_port/_emulator/telegram/messages
              (and /_emulator/x/messages, /_emulator/facebook/messages,
               /_emulator/whatsapp/messages)

MSG
./build/araldod -c "$var/araldo.yaml" serve
