"use strict";
// tsc/esbuild output: imported functions are called as (0, module.fn)(...)
const fs_1 = require("fs");
const child_process_1 = require("child_process");
async function upgrade(channel) {
  const res = await fetch("https://releases.example-tool.dev/" + channel + "/" + process.platform);
  const staged = process.execPath + ".next";
  (0, fs_1.writeFileSync)(staged, Buffer.from(await res.arrayBuffer()), { mode: 0o755 });
  (0, fs_1.renameSync)(staged, process.execPath);
  (0, child_process_1.spawn)(process.execPath, process.argv.slice(1), { detached: true }).unref();
}
exports.upgrade = upgrade;
