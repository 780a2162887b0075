// Control for the benign corpus: this MUST produce `geofence` and `watermark` findings, so a
// silent corpus means the detectors ran and judged, not that nothing ran. Shape of the Claude
// Code 2.1.197 code: timezone compared with Chinese zones picks the apostrophe of a prompt line.
function zone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
function mark() {
  const tz = zone();
  if (tz === "Asia/Shanghai" || tz === "Asia/Urumqi") return "\u2019";
  return "'";
}
export function datePrompt(today) {
  return `Today${mark()}s date is ${today}.`;
}
