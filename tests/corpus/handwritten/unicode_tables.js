// Pins: `watermark` and `obfuscated-data` must NOT fire. Unicode tables of invisible and
// confusable characters used to *strip* them from input (a sanitizer), plus char codes used to
// build an alphabet.
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF\u202A-\u202E]/g;
const QUOTES = { "\u2018": "'", "\u2019": "'", "\u02BC": "'", "\u201C": '"', "\u201D": '"' };
const ALPHABET = String.fromCharCode(...Array.from({ length: 26 }, (_, i) => 97 + i));
export function clean(text) {
  return text.replace(INVISIBLE, "").replace(/[\u2018\u2019\u02BC\u201C\u201D]/g, (c) => QUOTES[c]);
}
export { ALPHABET };
