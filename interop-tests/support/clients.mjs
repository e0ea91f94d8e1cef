// Client-side helpers shared by the Socket.IO interop tests: bounded acks and event recorders.

/** Emits with an ack and resolves with the ack's argument list; rejects after `timeoutMs`. */
export function call(socket, event, ...args) {
  return callWithin(socket, 5000, event, ...args);
}

/** As `call`, with an explicit ack timeout. */
export function callWithin(socket, timeoutMs, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, ...args, (err, ...res) => {
      if (err) reject(new Error(`no ack for "${event}" within ${timeoutMs} ms`));
      else resolve(res);
    });
  });
}

/** Records every `event` a socket receives; `until(pred)` waits (bounded) for a matching entry. */
export function recorder(socket, event) {
  const list = [];
  const waiters = new Set();
  socket.on(event, (...args) => {
    list.push(args);
    for (const w of waiters) w();
  });
  return {
    list,
    until(pred, timeoutMs = 5000, label = event) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = list.find(pred);
          if (found) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}; got ${JSON.stringify(list)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Ordinal string comparison (what the contract's sorted lists use). */
export function byString(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The socket.io-client `transports` option for a test mode: "websocket", "polling", or "upgrade" (polling, then websocket). */
export function transportsOf(mode) {
  return mode === "upgrade" ? ["polling", "websocket"] : [mode];
}

/** Disconnects and forgets every client of a test file's set (after each test, and at the end). */
export function disconnectAll(clients) {
  for (const c of clients) c.disconnect();
  clients.clear();
}
