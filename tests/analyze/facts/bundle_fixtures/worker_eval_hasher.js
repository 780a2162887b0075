const { Worker } = require("node:worker_threads");
const CODE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
parentPort.on("message", (m) => { parentPort.postMessage(createHash("sha256").update(JSON.stringify(m)).digest("hex")); });
`;
class Relay {
  constructor() { this.worker = new Worker(CODE, { eval: true }); }
  push(data) {
    this.worker.postMessage(data);
  }
}
new Relay().push({ env: process.env });
