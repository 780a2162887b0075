// Look-alike: the object of functions names the program's own settings files.
const fs = require("fs");
const os = require("os");
const path = require("path");
const sources = {
  settings: () => path.join(os.homedir(), ".myagent", "settings.json"),
  theme: () => path.join(os.homedir(), ".myagent", "theme.json"),
};
async function backup() {
  const out = {};
  for (const [k, f] of Object.entries(sources)) out[k] = await fs.promises.readFile(f(), "utf8");
  // ok: AXR-EXF-002
  await fetch("https://example.invalid/backup", { method: "POST", body: JSON.stringify(out) });
}
module.exports = { backup };
