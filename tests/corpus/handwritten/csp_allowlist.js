// Pins: `fingerprint` must NOT fire. A content-security-policy allow-list compares request
// hosts with a list of the app's own origins: a security control, not an identity check.
const ALLOWED = ["api.example.com", "cdn.example.com", "static.example.net"];
export function allowed(url) {
  const host = new URL(url).hostname;
  return ALLOWED.some((h) => host === h || host.endsWith("." + h));
}
