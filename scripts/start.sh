#!/usr/bin/env bash
# Builds and starts the chat sample on http://127.0.0.1:3000 (PORT and HOST override; REDIS_URL joins a Redis cluster).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2
export PORT="${PORT:-3000}" HOST="${HOST:-127.0.0.1}"
exec dotnet samples/Chat/bin/Release/net10.0/SocketIo.Samples.Chat.dll
