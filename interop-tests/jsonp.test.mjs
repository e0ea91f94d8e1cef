// JSONP long-polling (engine.io transports/polling-jsonp.ts): a handshake with `j` makes the session answer every poll
// as the script `___eio[j]("<payload as a JS string>");` and read the client's payload from the urlencoded form field
// `d`, its newlines escaped as an old browser's engine.io-client does. Same bytes from the .NET server and the Node twin.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./support/servers.mjs";

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

/** The JS string literal inside a JSONP response, evaluated as the browser would. */
function unwrap(body, j) {
  const head = `___eio[${j}](`;
  assert.ok(body.startsWith(head) && body.endsWith(");"), body);
  return JSON.parse(body.slice(head.length, -2));
}

const poll = async (query) => {
  const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&${query}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; charset=UTF-8");
  return res.text();
};

const post = async (query, form) => {
  const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&${query}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form,
  });
  assert.equal(res.status, 200);
  return res.text();
};

// engine.io-client 3.x's JSONP: literal "\n" (escaped in JSON) becomes "\\\n", a real newline becomes "\n".
const escapeLikeTheClient = (payload) => payload.replace(/\\n/g, "\\\\n").replace(/\n/g, "\\n");

describe("JSONP polling", () => {
  it("wraps the open packet, takes a form-encoded CONNECT and an event, and answers as a script", async () => {
    const open = await poll("j=3");
    assert.match(open, /^___eio\[3\]\("0\{\\"sid\\":\\"/);
    const { sid } = JSON.parse(unwrap(open, 3).slice(1));
    const q = `j=3&sid=${sid}`;

    assert.equal(await post(q, "d=" + encodeURIComponent("40")), "ok");
    assert.match(unwrap(await poll(q), 3), /^40\{"sid":"[\w-]{20}"\}$/);

    const text = 'line\nbreak \\n kept \u2028 "quoted"';
    const payload = "42" + JSON.stringify(["message", text]);
    assert.equal(await post(q, "d=" + encodeURIComponent(escapeLikeTheClient(payload))), "ok");
    const back = await poll(q);
    assert.ok(back.includes("\\u2028"), "U+2028 is escaped: a script may not hold it raw");
    assert.equal(unwrap(back, 3), "42" + JSON.stringify(["message-back", text]));
  });

  it("keeps only the digits of j, and a POST without exactly one d field is answered ok and ignored", async () => {
    const open = await poll("j=1a2");
    assert.ok(open.startsWith("___eio[12]("), open);
    const { sid } = JSON.parse(unwrap(open, 12).slice(1));
    const q = `j=12&sid=${sid}`;

    assert.equal(await post(q, "x=40"), "ok");
    assert.equal(await post(q, "d=40&d=40"), "ok");
    assert.equal(await post(q, "d=" + encodeURIComponent("40")), "ok");
    assert.match(unwrap(await poll(q), 12), /^40\{"sid":"[\w-]{20}"\}$/, "only the last CONNECT was read");
  });
});
