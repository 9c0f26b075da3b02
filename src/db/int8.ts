// node-postgres returns int8 as a string and PGlite as a number; both go through this one parser,
// so money and positions are plain safe integers everywhere, and an overflow is loud, not rounded.
export function parseInt8(text: string | number): number {
  const n = typeof text === 'number' ? text : Number(text)
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} is not a safe integer`)
  return n
}

export const INT8_OID = 20
