// Pins: `obfuscated-data` must NOT fire. Ordinary base64 of binary assets (a PNG data URI and a
// font) decoded for display: not hidden values.
export const ICON =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
export const FONT = Buffer.from(
  "d09GMgABAAAAAAKAAAoAAAAABmQAAAI0AAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  "base64",
);
export function img() {
  const el = document.createElement("img");
  el.src = ICON;
  return el;
}
