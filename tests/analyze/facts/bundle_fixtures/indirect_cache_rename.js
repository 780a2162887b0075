"use strict";
// benign look-alike: the same (0, fs.fn)(...) calls keep a downloaded index in a cache file
const fs_1 = require("fs");
const path_1 = require("path");
const os_1 = require("os");
async function refreshIndex() {
  const res = await fetch("https://registry.example-tool.dev/index.json");
  const cache = (0, path_1.join)((0, os_1.homedir)(), ".cache", "tool", "index.json");
  const staged = cache + ".tmp";
  (0, fs_1.writeFileSync)(staged, await res.text());
  (0, fs_1.renameSync)(staged, cache);
}
exports.refreshIndex = refreshIndex;
