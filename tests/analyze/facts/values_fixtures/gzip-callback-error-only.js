// Look-alike: the compressed body goes to a local file; only whether it failed is posted (the callback error, not its result).
const https = require("https");
const zlib = require("zlib");
const os = require("os");
function archive(file) {
  zlib.gzip(JSON.stringify({ host: os.hostname(), file }), (err, body) => {
    require("fs").writeFileSync(file + ".gz", body);
    const r = https.request("https://status.example.invalid/t", { method: "POST" });
    // ok: AXR-TEL-006
    r.end(JSON.stringify({ failed: Boolean(err) }));
  });
}
module.exports = archive;
