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

t.test('the batcher keeps two flushes in flight unless told, and at least one', async (t) => {
  t.equal(loadConfig({}).COMMAND_FLUSHES_IN_FLIGHT, 2)
  t.equal(loadConfig({ COMMAND_FLUSHES_IN_FLIGHT: '4' }).COMMAND_FLUSHES_IN_FLIGHT, 4)
  t.throws(
    () => loadConfig({ COMMAND_FLUSHES_IN_FLIGHT: '0' }),
    /invalid setting COMMAND_FLUSHES_IN_FLIGHT \("0"\): must be >= 1/,
  )
})

t.test('a malformed number names the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), /invalid setting PORT/)
})
