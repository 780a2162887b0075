// Pins: `geofence` must NOT fire. getTimezoneOffset() used in arithmetic to render a UTC offset,
// the way date libraries do; no comparison with a region's offset.
export function utcOffset(date = new Date()) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
