// Pins: `geofence` must NOT fire. The user's own timezone is read only to format a date for
// them; no comparison with a region-specific value, no branch on it.
export function stamp(date) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const fmt = new Intl.DateTimeFormat(undefined, { timeZone: zone, dateStyle: "medium" });
  return `${fmt.format(date)} (${zone})`;
}
