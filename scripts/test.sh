#!/usr/bin/env bash
# Runs every test: .NET (NUnit) and JavaScript interop (node --test) against the .NET server and its Node twin.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "==> NUnit"
dotnet test SocketIo.Tests/SocketIo.Tests.csproj -c Release --no-build -nologo -v:minimal

echo "==> JS interop tests against the Node twin (keeps the tests honest)"
SERVER_IMPL=node node --test --test-concurrency=1 interop-tests/

echo "==> JS interop tests against the .NET server"
SERVER_IMPL=dotnet node --test --test-concurrency=1 interop-tests/engine.test.mjs interop-tests/socketio-contract.test.mjs interop-tests/socketio-robustness.test.mjs
