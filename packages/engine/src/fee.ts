/** Parts per million, the unit of fee rates. */
export const ppmPerUnit = 1_000_000;

/**
 * The fee on a received amount at a rate in parts per million, rounded up (in the fee account's
 * favour, so rounding can never create money). Splitting the amount keeps every intermediate
 * product below 2^53: amount / 10^6 * rate <= amount, and (amount mod 10^6) * rate < 10^12.
 */
export function feeOf(amount: number, ratePpm: number): number {
  if (ratePpm === 0) return 0;
  const millions = Math.floor(amount / ppmPerUnit);
  const rest = amount - millions * ppmPerUnit;
  return millions * ratePpm + Math.floor((rest * ratePpm + (ppmPerUnit - 1)) / ppmPerUnit);
}
