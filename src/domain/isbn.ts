// ISBN-10 and ISBN-13, checked by their check digit. Kept as digits only (and a final X for
// ISBN-10): hyphens and spaces are how people write them, not part of the number.

/** The ISBN without separators if its check digit is right; undefined otherwise. */
export function normalizeIsbn(input: string): string | undefined {
  const isbn = input.replace(/[\s-]/g, '').toUpperCase()
  if (/^[0-9]{9}[0-9X]$/.test(isbn)) {
    // Weights 10..1; X is 10; the sum is a multiple of 11.
    let sum = 0
    for (let i = 0; i < 10; i++) {
      const c = isbn[i]!
      sum += (10 - i) * (c === 'X' ? 10 : Number(c))
    }
    return sum % 11 === 0 ? isbn : undefined
  }
  if (/^97[89][0-9]{10}$/.test(isbn)) {
    // Weights 1, 3, 1, 3, ...; the sum is a multiple of 10.
    let sum = 0
    for (let i = 0; i < 13; i++) sum += (i % 2 === 0 ? 1 : 3) * Number(isbn[i])
    return sum % 10 === 0 ? isbn : undefined
  }
  return undefined
}
