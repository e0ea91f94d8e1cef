#!/usr/bin/env bash
# Runs every test: .NET (NUnit), the benchmark smoke pass, and JavaScript interop (node --test) against the .NET
# server, its Node twin, and mixed .NET/Node clusters on Redis.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "==> NUnit"
dotnet test SocketIo.Tests/SocketIo.Tests.csproj -c Release --no-build -nologo -v:minimal

echo "==> benchmark smoke pass (tiny sizes: checks the benchmark runs and its counts are exact)"
npm run bench:smoke

echo "==> JS interop tests against the Node twin (keeps the tests honest)"
SERVER_IMPL=node CLUSTER3_IMPLS=node,node,node node --test --test-concurrency=1 interop-tests/

echo "==> JS interop tests against the .NET server, and mixed clusters"
CLUSTER_IMPLS=dotnet,node node --test --test-concurrency=1 interop-tests/cluster.test.mjs
SERVER_IMPL=dotnet node --test --test-concurrency=1 interop-tests/

echo "==> JS client tests against the .NET server with WebSockets through ASP.NET (DIRECT_WEBSOCKETS=0)"
DIRECT_WEBSOCKETS=0 SERVER_IMPL=dotnet node --test --test-concurrency=1 \
  interop-tests/engine.test.mjs interop-tests/socketio-contract.test.mjs interop-tests/socketio-robustness.test.mjs
