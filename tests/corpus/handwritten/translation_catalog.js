// Pins: `geofence` must NOT fire. Choosing a translation catalog by locale is localisation:
// every locale gets its own strings; nothing else about behaviour changes.
const catalogs = {
  en: { hello: "Hello" },
  "zh-CN": { hello: "你好" },
  ja: { hello: "こんにちは" },
};
export function t(key) {
  const lang = process.env.LANG?.split(".")[0].replace("_", "-") || navigator.language;
  const catalog = catalogs[lang] || catalogs[lang.split("-")[0]] || catalogs.en;
  return catalog[key];
}
