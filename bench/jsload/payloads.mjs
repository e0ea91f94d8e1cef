// The echo payloads: every request carries its own value (client and sequence number in it), so that an ack with
// another request's payload, or a corrupted one, is caught.
//   str   an N-character ASCII string (`--size N`)
//   json  an object with 10 fields of mixed types (strings, numbers, a boolean, null, an array, a nested object)
//   bin   an N-byte binary attachment (`451-` + a binary frame)

export function makePayloads(kind, size) {
  if (kind === "str") {
    const filler = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(Math.ceil(size / 36) + 1);
    return (client, seq) => {
      const head = `${client}.${seq}.`;
      return head.length >= size ? head.slice(0, size) : head + filler.slice(0, size - head.length);
    };
  }
  if (kind === "json") {
    return (client, seq) => ({
      id: seq,
      client: `client-${client}`,
      active: seq % 2 === 0,
      score: client + 0.25,
      tags: ["alpha", "beta", "gamma"],
      position: { x: client, y: seq % 1000, z: -1 },
      note: null,
      count: 42,
      label: "the quick brown fox",
      ratio: 0.5,
    });
  }
  if (kind === "bin") {
    const pattern = Buffer.alloc(size);
    for (let i = 0; i < size; i++) pattern[i] = (i * 31 + 7) & 0xff;
    return (client, seq) => {
      const b = Buffer.from(pattern);
      if (size >= 8) {
        b.writeUInt32LE(client, 0);
        b.writeUInt32LE(seq >>> 0, 4);
      }
      return b;
    };
  }
  throw new Error(`unknown payload kind ${kind} (str, json, bin)`);
}
