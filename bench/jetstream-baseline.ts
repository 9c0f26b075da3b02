// W3's baseline: what JetStream itself costs from publish to consume. A publisher at a fixed rate
// and a durable pull consumer with explicit ack (as the projection workers use), on a file-backed
// stream of its own, in one process so that both ends read the same clock. Prints one JSON line.
//   node --import tsx bench/jetstream-baseline.ts NATS_URL STREAM SUBJECT RATE SECONDS
import { performance } from 'node:perf_hooks'
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { percentile } from './report.js'

const [url, stream, subject, rateArg, secondsArg] = process.argv.slice(2)
const rate = Number(rateArg)
const seconds = Number(secondsArg)
if (!url || !stream || !subject || !(rate > 0) || !(seconds > 0)) {
  process.stderr.write('usage: jetstream-baseline.ts NATS_URL STREAM SUBJECT RATE SECONDS\n')
  process.exit(2)
}

const nc = await connect({ servers: url, timeout: 5_000 })
const jsm = await jetstreamManager(nc)
await jsm.streams.add({
  name: stream,
  subjects: [`${subject}.>`],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  num_replicas: 1,
})
await jsm.consumers.add(stream, {
  durable_name: 'latency',
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
})
const js = jetstream(nc)
const total = Math.round(rate * seconds)
const sentAt = new Float64Array(total)
const latencies: number[] = []
// About the size of an event on the wire (bus/message.ts).
const filler = 'x'.repeat(360)
const encoder = new TextEncoder()
const decoder = new TextDecoder()

let resolveDone: () => void = () => {}
const done = new Promise<void>((r) => {
  resolveDone = r
})
const consumer = await js.consumers.get(stream, 'latency')
const messages = await consumer.consume({
  max_messages: 500,
  callback: (m) => {
    const seq = (JSON.parse(decoder.decode(m.data)) as { seq: number }).seq
    latencies.push(performance.now() - sentAt[seq]!)
    m.ack()
    if (latencies.length === total) resolveDone()
  },
})

// Publish on a fixed schedule: every few milliseconds, whatever is due by now.
const acks: Promise<unknown>[] = []
const start = performance.now()
let sent = 0
while (sent < total) {
  const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000))
  for (; sent < due; sent++) {
    sentAt[sent] = performance.now()
    const payload = encoder.encode(JSON.stringify({ seq: sent, filler }))
    acks.push(js.publish(`${subject}.event`, payload, { msgID: `m${sent}` }))
  }
  await new Promise((r) => setTimeout(r, 2))
}
await Promise.all(acks)
const timeout = setTimeout(resolveDone, 30_000)
await done
clearTimeout(timeout)
await messages.close()
await jsm.streams.delete(stream).catch(() => false)
await nc.close()

process.stdout.write(
  `${JSON.stringify({
    sent: total,
    received: latencies.length,
    seconds: (performance.now() - start) / 1000,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
  })}\n`,
)
