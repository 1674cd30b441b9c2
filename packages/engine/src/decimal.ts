import { Result } from './result-codes.ts';

/**
 * Exact decimal strings at the edge: the core only ever sees integers (ticks, lots, an asset's
 * smallest units). Parsing is string arithmetic, never `parseFloat`, so "0.1" is exactly one
 * tenth and a value that does not fit a safe integer is refused instead of rounded.
 */

/** The longest decimal string the edge accepts; longer input cannot be a sane amount. */
export const decimalTextLengthMax = 64;
/** The most decimals any asset or tick may have; 10^18 units per whole is finer than any chain. */
export const decimalsMax = 18;

const maxSafeDigits = String(Number.MAX_SAFE_INTEGER);
const decimalPattern = /^(-?)(\d+)(?:\.(\d+))?$/;

/** The outcome of parsing: `code` is Result.OK and `value` the integer, or `code` says why not. */
export interface ParsedInteger {
  code: number;
  value: number;
}

/** Whether a string of digits without leading zeros is at most Number.MAX_SAFE_INTEGER. */
function fitsSafeInteger(digits: string): boolean {
  if (digits.length !== maxSafeDigits.length) return digits.length < maxSafeDigits.length;
  return digits <= maxSafeDigits;
}

/** Parses a positive decimal string into an integer count of 10^-decimals units. */
export function parseUnits(text: unknown, decimals: number): ParsedInteger {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > decimalsMax) {
    throw new RangeError(`decimals must be an integer in 0..${decimalsMax}`);
  }
  if (typeof text !== 'string' || text.length > decimalTextLengthMax)
    return { code: Result.INVALID_NUMBER, value: 0 };
  const match = decimalPattern.exec(text);
  if (match === null) return { code: Result.INVALID_NUMBER, value: 0 };
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const digits = ((match[2] ?? '') + fraction.padEnd(decimals, '0')).replace(/^0+/, '');
  if (match[1] === '-') return { code: Result.NEGATIVE_AMOUNT, value: 0 };
  if (fraction.length > decimals) return { code: Result.TOO_MANY_DECIMALS, value: 0 };
  if (digits === '') return { code: Result.ZERO_AMOUNT, value: 0 };
  if (!fitsSafeInteger(digits)) return { code: Result.AMOUNT_TOO_LARGE, value: 0 };
  return { code: Result.OK, value: Number(digits) };
}

/** Formats an integer count of 10^-decimals units as an exact decimal string with all decimals. */
export function formatUnits(units: number, decimals: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer: ${units}`);
  const negative = units < 0;
  const digits = String(Math.abs(units)).padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const text = decimals === 0 ? whole : `${whole}.${digits.slice(digits.length - decimals)}`;
  return negative ? `-${text}` : text;
}

/** A positive decimal step such as a tick size, as mantissa × 10^-decimals with no trailing zeros. */
export interface DecimalStep {
  mantissa: number;
  decimals: number;
}

/** Splits a positive decimal string (a tick or step size) into its exact mantissa and decimals. */
export function parseStep(text: string): DecimalStep | undefined {
  const match = decimalPattern.exec(text);
  if (match === null || match[1] === '-') return undefined;
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > decimalsMax) return undefined;
  const digits = ((match[2] ?? '') + fraction).replace(/^0+/, '');
  if (digits === '' || !fitsSafeInteger(digits)) return undefined;
  return { mantissa: Number(digits), decimals: fraction.length };
}

/**
 * Parses a positive decimal into whole multiples of a step: `"100.05"` with step 0.01 is 10005.
 * Off-step input (including more decimals than the step has) gets `offStepCode`.
 */
export function parseMultiple(text: unknown, step: DecimalStep, offStepCode: number): ParsedInteger {
  const parsed = parseUnits(text, step.decimals);
  if (parsed.code === Result.TOO_MANY_DECIMALS) return { code: offStepCode, value: 0 };
  if (parsed.code !== Result.OK) return parsed;
  if (parsed.value % step.mantissa !== 0) return { code: offStepCode, value: 0 };
  return { code: Result.OK, value: parsed.value / step.mantissa };
}

/** Formats a count of steps as an exact decimal string. */
export function formatMultiple(count: number, step: DecimalStep): string {
  return formatUnits(count * step.mantissa, step.decimals);
}
