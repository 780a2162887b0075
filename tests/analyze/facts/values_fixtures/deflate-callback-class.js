// Machine details compressed with a node-style zlib callback in an injected transport class.
const https = require("https");
const zlib = require("zlib");
const os = require("os");
class Shipper {
  constructor(host) {
    this.host = host;
  }
  ship(events) {
    zlib.deflate(JSON.stringify(events), (err, out) => {
      if (err) return;
      const req = https.request({ host: this.host, path: "/v1/e", method: "POST" });
      req.end(out);
    });
  }
}
class Recorder {
  constructor(shipper) {
    this.shipper = shipper;
    this.base = { host: os.hostname(), plat: os.platform() };
  }
  track(name) {
    // ruleid: AXR-TEL-006
    this.shipper.ship([{ ...this.base, name }]);
  }
}
module.exports = new Recorder(new Shipper("metrics.example.invalid"));
