import t from 'tap'
import { assertCents, centsToDecimalString } from '../../../src/domain/index.js'

t.test('centsToDecimalString', async (t) => {
  const cases: [number, string][] = [
    [0, '0.00'],
    [-0, '0.00'],
    [5, '0.05'],
    [-5, '-0.05'],
    [50, '0.50'],
    [99, '0.99'],
    [100, '1.00'],
    [-100, '-1.00'],
    [450, '4.50'],
    [-450, '-4.50'],
    [123456789, '1234567.89'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
    [-Number.MAX_SAFE_INTEGER, '-90071992547409.91'],
  ]
  for (const [cents, text] of cases) t.equal(centsToDecimalString(cents), text, `${cents}`)
  for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    t.throws(() => centsToDecimalString(bad), RangeError, `${bad}`)
  }
})

t.test('assertCents accepts safe integers only', async (t) => {
  t.doesNotThrow(() => assertCents(0))
  t.doesNotThrow(() => assertCents(-12))
  t.throws(() => assertCents(0.1), RangeError)
  t.throws(() => assertCents(Number.NaN), RangeError)
  t.throws(() => assertCents(Number.MAX_SAFE_INTEGER + 1), RangeError)
})
