#!/usr/bin/env bash
# Builds and starts the interop server on http://127.0.0.1:3000 (PORT and HOST override).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2
export PORT="${PORT:-3000}" HOST="${HOST:-127.0.0.1}"
exec dotnet interop-tests/server/bin/Release/net10.0/SocketIo.InteropServer.dll
