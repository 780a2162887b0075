// Pins: `geofence` must NOT fire. A timezone picker lists region zones and compares the user's
// choice with a variable (the selected option), not with a region-specific literal.
const ZONES = ["America/New_York", "Europe/Berlin", "Asia/Shanghai", "Asia/Urumqi", "Asia/Tokyo"];
export function options(selected) {
  const current = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return ZONES.map((zone) => ({ zone, selected: zone === selected, current: zone === current }));
}
