import t from 'tap'
import { formatBalance, parseCents } from '../../../web/src/format.js'

t.test('a balance reads as owed, or as a credit when more was paid than charged', async (t) => {
  const owed = formatBalance(1250)
  t.equal(owed.label, 'Owed')
  t.match(owed.amount, /12\.50/)
  t.equal(formatBalance(0).label, 'Owed')
  const credit = formatBalance(-800)
  t.equal(credit.label, 'In credit')
  t.match(credit.amount, /8\.00/)
  t.notMatch(credit.amount, /-|−/, 'a credit is shown without a minus sign')
})

t.test('amounts typed by a person become whole cents', async (t) => {
  t.equal(parseCents('12.5'), 1250)
  t.equal(parseCents('3'), 300)
  t.equal(parseCents('1,05'), 105)
  t.equal(parseCents('-1'), undefined)
  t.equal(parseCents('1.234'), undefined)
})
