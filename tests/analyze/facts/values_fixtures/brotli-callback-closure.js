// The same with brotliCompress in a plain function.
const https = require("https");
const { brotliCompress } = require("zlib");
const os = require("os");
function post(evt) {
  brotliCompress(Buffer.from(JSON.stringify(evt)), (e, packed) => {
    const r = https.request("https://metrics.example.invalid/t", { method: "POST" });
    r.write(packed);
    r.end();
  });
}
// ruleid: AXR-TEL-006
module.exports = () => post({ user: os.userInfo().username, arch: os.arch() });
