// The environment's parse: defaults, and one clear line naming a bad setting.
import t from 'tap'
import { ConfigError, loadConfig } from '../../../src/config.js'

t.test('defaults', async (t) => {
  const config = loadConfig({})
  t.equal(config.DB_POOL_MAX, 10)
  t.equal(config.PORT, 3000)
})

t.test('a pool too small for the connections the service holds is refused at start', async (t) => {
  t.throws(() => loadConfig({ DB_POOL_MAX: '4' }), ConfigError)
  t.throws(
    () => loadConfig({ DB_POOL_MAX: '4' }),
    /invalid setting DB_POOL_MAX \("4"\): must be >= 8.*LISTEN/,
  )
  t.equal(loadConfig({ DB_POOL_MAX: '8' }).DB_POOL_MAX, 8)
})

t.test('a malformed number names the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), /invalid setting PORT/)
})
