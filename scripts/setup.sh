#!/usr/bin/env bash
# Shared set-up for the README's commands: npm packages (clients, the Node twin) and a Release build.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
fi

echo "==> dotnet build -c Release"
dotnet build -c Release SocketIoNet.sln -nologo -clp:NoSummary -v:minimal
