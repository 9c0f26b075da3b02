// Money is integer cents everywhere. Conversions to a decimal string work on digits, never on
// floats, so no rounding can creep in.

/** Throws unless `n` is a safe integer (a valid amount of cents, of any sign). */
export function assertCents(n: number, what = 'cents'): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} must be a safe integer, got ${n}`)
}

/** 450 -> "4.50", -5 -> "-0.05", 0 -> "0.00". */
export function centsToDecimalString(cents: number): string {
  assertCents(cents)
  const negative = cents < 0
  // Digits of |cents|, padded so there is always one digit before the two decimals.
  const digits = String(negative ? -cents : cents).padStart(3, '0')
  const units = digits.slice(0, -2)
  const fraction = digits.slice(-2)
  return `${negative ? '-' : ''}${units}.${fraction}`
}
