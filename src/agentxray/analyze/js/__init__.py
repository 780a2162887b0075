"""Analysis of JavaScript and TypeScript: region/identity data flow, hidden data and watermarks.

How the parts fit (one shared pass per file, :mod:`.analysis`):

- :mod:`.parse` parses once (tree-sitter); :mod:`.nodes` finds names by regex over the bytes and
  maps them to nodes, so only code near the evidence is ever walked.
- :mod:`.signals` finds environment reads (timezone, offset, locale, hostname, user, machine id,
  API base URLs and proxies); :mod:`.flow` follows them through helpers, variables, fields,
  returns and arguments into comparisons, and the comparisons' outcomes into conditions.
- :mod:`.values` resolves what a signal is compared with (literals, lists, decoded data);
  :mod:`.deobfuscate` recognises decoders and runs them in a sandboxed V8 isolate.
- :mod:`.conditions` and :mod:`.formula` say when the code is active, from the guards before it.
- :mod:`.region`, :mod:`.watermark` and :mod:`.deobfuscate.report` turn all that into findings;
  :mod:`.detectors` exposes them to the analysis driver. Region knowledge comes from
  :mod:`agentxray.analyze.regions` (IANA tzdata, CLDR).
"""
