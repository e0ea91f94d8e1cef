// One Socket.IO client over a `ws` WebSocket, with the Engine.IO and Socket.IO framing written out by hand: the
// open packet `0{…}`, CONNECT `40` → `40{"sid":…}`, ping `2` → pong `3`. Everything after the CONNECT goes to the
// caller's handlers as the raw frame (a string for text, a Buffer for binary), so that each scenario checks its own
// bytes.

import WebSocket from "ws";

/**
 * Opens a WebSocket session on the default namespace. Resolves once the server's CONNECT arrives.
 * handlers: { text(str), binary(buf), closed(code, reason) } — `closed` only for a close after the CONNECT.
 */
export function connect(host, port, handlers = {}, { timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    // No permessage-deflate offer: neither server enables it, and the offer would only cost header bytes.
    const ws = new WebSocket(`ws://${host}:${port}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    let state = "opening"; // → "connecting" (got 0{…}) → "open" (got 40{…}) → "closed"
    const timer = setTimeout(() => fail(new Error(`no CONNECT within ${timeoutMs} ms (state ${state})`)), timeoutMs);
    const conn = {
      ws,
      sid: undefined,
      send: (text) => ws.send(text),
      sendBinary: (buf) => ws.send(buf, { binary: true }),
      // Our own close is not the server's: no `closed` callback for it.
      close: () => {
        state = "closed";
        clearTimeout(timer);
        ws.terminate();
      },
      get open() {
        return state === "open";
      },
    };
    function fail(err) {
      if (state === "open" || state === "closed") return;
      state = "closed";
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    }
    ws.on("error", (err) => fail(err));
    ws.on("close", (code, reason) => {
      if (state === "open") {
        state = "closed";
        handlers.closed?.(code, String(reason));
      } else fail(new Error(`closed before CONNECT (code ${code})`));
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        if (state === "open") handlers.binary?.(data);
        return;
      }
      const text = data.toString();
      if (text === "2") {
        ws.send("3");
        return;
      }
      if (state === "open") {
        handlers.text?.(text);
      } else if (state === "opening" && text[0] === "0") {
        state = "connecting";
        ws.send("40");
      } else if (state === "connecting" && text.startsWith("40{")) {
        conn.sid = JSON.parse(text.slice(2)).sid;
        state = "open";
        clearTimeout(timer);
        resolve(conn);
      } else if (state === "connecting" && text.startsWith("44")) {
        fail(new Error(`CONNECT refused: ${text}`));
      }
    });
  });
}

/** Opens `n` sessions with at most `concurrency` handshakes in flight; `make(i)` gives each one its handlers. */
export async function connectMany(host, port, n, concurrency, make) {
  const conns = new Array(n);
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      conns[i] = await connect(host, port, make(i));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return conns;
}
