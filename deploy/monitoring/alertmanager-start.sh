#!/bin/sh
# Starts Alertmanager with deploy/monitoring/alertmanager.yml, the Discord webhook URL put in from a secret file:
# Alertmanager 0.25 cannot read it from a file itself. The URL is checked first (a Discord-style webhook URL, no
# spaces or quotes), and the config holding it is written readable by this user only. Fails, saying why, otherwise.
# Usage: alertmanager-start.sh ALERTMANAGER-BINARY [ALERTMANAGER-ARGS…]   (--config.file is added here)
# Environment: DISCORD_WEBHOOK_URL_FILE (default /run/secrets/discord_webhook_url), ALERTMANAGER_TEMPLATE (default
# /etc/alertmanager/alertmanager.yml), ALERTMANAGER_CONFIG (the written file; default /tmp/alertmanager/alertmanager.yml).
set -eu
secret=${DISCORD_WEBHOOK_URL_FILE:-/run/secrets/discord_webhook_url}
template=${ALERTMANAGER_TEMPLATE:-/etc/alertmanager/alertmanager.yml}
config=${ALERTMANAGER_CONFIG:-/tmp/alertmanager/alertmanager.yml}
[ $# -ge 1 ] || { echo "usage: $0 ALERTMANAGER-BINARY [ARGS…]" >&2; exit 2; }
[ -r "$secret" ] || { echo "alertmanager-start: no Discord webhook URL: $secret is missing or unreadable" >&2; exit 1; }
url=$(head -n 1 "$secret" | tr -d '\r\n')
if ! printf '%s' "$url" | grep -Eq '^https?://[A-Za-z0-9.:-]+/api(/v[0-9]+)?/webhooks/[0-9]+/[A-Za-z0-9_-]+$'; then
  echo "alertmanager-start: $secret does not hold a Discord webhook URL (https://discord.com/api/webhooks/ID/TOKEN)" >&2
  exit 1
fi
grep -q 'webhook_url: DISCORD_WEBHOOK_URL$' "$template" || { echo "alertmanager-start: $template has no 'webhook_url: DISCORD_WEBHOOK_URL' line" >&2; exit 1; }
umask 077
mkdir -p "$(dirname "$config")"
# The URL's characters are checked above: none of them means anything to sed after '|'.
sed "s|webhook_url: DISCORD_WEBHOOK_URL\$|webhook_url: '$url'|" "$template" >"$config"
binary=$1
shift
exec "$binary" --config.file="$config" "$@"
