#!/usr/bin/env bash
# Browser end-to-end run: a fresh SQLite database seeded by `pulseline demo`, the
# server on a free local port, then the scenarios of e2e/run.mjs in Debian's headless
# Chromium. Screenshots go to docs/screenshots/ (or PULSELINE_E2E_SCREENSHOTS).
# Usage: e2e/run.sh PATH-TO-PULSELINE
set -euo pipefail
cd "$(dirname "$0")"
bin="$(realpath "${1:?usage: e2e/run.sh path/to/pulseline}")"
chromium="${PULSELINE_E2E_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || { echo "no Chromium at $chromium" >&2; exit 1; }

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
  npm ci --no-audit --no-fund
fi

work="$(mktemp -d)"
server=""
sink_pid=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="$work/e2e.db"
export PULSELINE_LOG_FORMAT=text
export RUST_LOG="${RUST_LOG:-warn}"
demo_out="$("$bin" demo --seed 7)"
echo "$demo_out"
admin_email="$(sed -n 's/^sign in as \(.*\) with password .*$/\1/p' <<<"$demo_out")"
admin_password="$(sed -n 's/^sign in as .* with password \(.*\)$/\1/p' <<<"$demo_out")"
[ -n "$admin_email" ] && [ -n "$admin_password" ] || { echo "demo printed no credentials" >&2; exit 1; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PULSELINE_BIND="127.0.0.1:$port"

# A real SMTP server (scripts/smtp_sink.py, aiosmtpd) takes the server's e-mail; the
# scenarios read the messages from its file (the personal answer link, for one).
mail_python="${PULSELINE_TEST_PYTHON:-python3}"
mail_file="$work/mail.jsonl"
coproc SINK { exec "$mail_python" ../scripts/smtp_sink.py "$mail_file"; }
sink_pid=$SINK_PID
read -r smtp_port <&"${SINK[0]}" || true
[[ "$smtp_port" =~ ^[0-9]+$ ]] || { echo "the SMTP sink did not start (is aiosmtpd installed for $mail_python?)" >&2; exit 1; }
export PULSELINE_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export PULSELINE_PUBLIC_URL="http://127.0.0.1:$port"
export PULSELINE_MAIL_FROM="Pulse <pulse@e2e.example>"
export PULSELINE_MAIL_POLL_MS=200
export PULSELINE_MAIL_RATE=200
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

MAIL_FILE="$mail_file" BASE_URL="http://127.0.0.1:$port" ADMIN_EMAIL="$admin_email" ADMIN_PASSWORD="$admin_password" \
  CHROMIUM="$chromium" SCREENSHOTS="${PULSELINE_E2E_SCREENSHOTS:-$(realpath ../docs)/screenshots}" node run.mjs \
  || { echo "--- server log ---" >&2; tail -n 50 "$work/server.log" >&2; exit 1; }
