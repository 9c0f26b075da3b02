// Exhaustiveness guard for discriminated unions: the compiler rejects a switch that forgets a
// case, and a value that slips past the types at runtime (bad JSON, an old event) fails loudly.
export function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(x)}`)
}
