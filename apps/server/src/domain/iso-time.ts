const dayMs = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from there on `toISOString` writes six-digit years. */
const fourDigitYearsEnd = 253_402_300_800_000;

const pad = (digits: number) => (n: number) => String(n).padStart(digits, '0');
const twoDigits = Array.from({ length: 100 }, (_, n) => pad(2)(n));
const threeDigits = Array.from({ length: 1000 }, (_, n) => pad(3)(n));

let cachedDay = Number.NaN;
let cachedDate = '';
let lastMs = Number.NaN;
let lastText = '';

/**
 * `new Date(ms).toISOString()`, the form every time in the API takes, without its cost: V8 formats
 * a Date through a C++ builtin and `snprintf`, about 7,000 instructions a call, and every order an
 * answer or event shows has two times (`bench:orders-instructions`: 3.7 % of the server's
 * instructions per request). The date part is formatted once per day and kept; the time of day is
 * put together from digit tables. Times before 1970, from year 10000 on, fractional or not finite
 * go to `Date` itself, so the result, and the RangeError of an invalid time, are always Date's.
 *
 * The last time's text is kept too: a batch stamps all its changes with one time, so most of the
 * times a batch presents are the same, and they share one string. It is built flat (joined, not
 * concatenated): a concatenated string is a tree of pieces, which the young-generation collector
 * copies piece by piece while the batch's views are alive.
 */
export function isoTime(ms: number): string {
  if (ms === lastMs) return lastText;
  if (!(ms >= 0 && ms < fourDigitYearsEnd && Number.isInteger(ms))) return new Date(ms).toISOString();
  const day = Math.floor(ms / dayMs);
  if (day !== cachedDay) {
    cachedDate = new Date(day * dayMs).toISOString().slice(0, 11);
    cachedDay = day;
  }
  let rest = ms - day * dayMs;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  rest -= seconds * 1000;
  lastText = [
    cachedDate,
    twoDigits[hours],
    ':',
    twoDigits[minutes],
    ':',
    twoDigits[seconds],
    '.',
    threeDigits[rest],
    'Z',
  ].join('');
  lastMs = ms;
  return lastText;
}
