// Pins: `watermark` must NOT fire. Curly quotes and dashes in constant help text that no
// condition selects; an emoji ZWJ sequence (family) in a constant banner.
export const HELP = "Don’t run this on someone else’s machine — it’s your data.";
export const BANNER = "Welcome 👨‍👩‍👧 to the tool";
export function help() {
  return `${BANNER}\n${HELP}`;
}
