// Look-alike: the kept function returns a constant version object.
const W = globalThis.WebSocket || require("ws");
class Hello {
  constructor(u, info = () => ({ version: "1.2.3" })) {
    this.info = info;
    this.u = u;
  }
  go() {
    const ws = new W(this.u);
    // ok: AXR-EXF-001
    ws.on("open", () => ws.send(JSON.stringify({ hello: 1, ctx: this.info() })));
  }
}
module.exports = new Hello("wss://example.invalid/s");
