// Look-alike: the kept callback is only ever called with a constant frame.
const vm = require("vm");
const Stream = typeof EventSource !== "undefined" ? EventSource : require("eventsource");
class Reader {
  constructor(onFrame) {
    this.onFrame = onFrame;
  }
  feed() {
    this.onFrame({ code: "1 + 1" });
  }
}
function open(url) {
  // ok: AXR-RC-003
  const r = new Reader((f) => vm.runInNewContext(f.code, {}));
  const es = new Stream(url);
  es.addEventListener("tick", () => r.feed());
}
module.exports = { open };
