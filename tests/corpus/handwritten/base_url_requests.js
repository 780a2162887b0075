// Pins: `fingerprint` must NOT fire. The configured API base URL is read only to send requests
// to it; it is never compared with specific providers.
export async function complete(prompt) {
  const base = process.env.ANTHROPIC_BASE_URL || "https://api.anthropic.com";
  const res = await fetch(new URL("/v1/messages", base), {
    method: "POST",
    body: JSON.stringify({ prompt }),
  });
  return res.json();
}
