// Two js-libp2p peers in one process: time a transfer over TCP + Noise + Yamux on loopback.
// Prints one JSON line: {"event":"bench","bytes":N,"ms":[...]} (one entry per run).
// Usage: node bench.mjs [--mb 16] [--runs 3]
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : fallback
}
const total = option('--mb', 16) * 1024 * 1024
const runs = option('--runs', 3)
const chunk = new Uint8Array(64 * 1024).fill(7)

const make = () => createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()]
})
const a = await make()
const b = await make()
await b.handle('/bench/1.0.0', async ({ stream }) => {
  let received = 0
  for await (const part of stream.source) {
    received += part.byteLength
  }
  await stream.sink([new Uint8Array([received === total ? 1 : 0])])
})

const times = []
for (let run = 0; run < runs; run++) {
  const stream = await a.dialProtocol(b.getMultiaddrs()[0], '/bench/1.0.0')
  const started = performance.now()
  await stream.sink((async function * () {
    for (let sent = 0; sent < total; sent += chunk.byteLength) {
      yield chunk
    }
  })())
  let ok = 0
  for await (const part of stream.source) {
    ok = part.subarray()[0]
  }
  times.push(performance.now() - started)
  if (ok !== 1) {
    process.stdout.write(JSON.stringify({ event: 'error', message: 'receiver saw a different byte count' }) + '\n')
    process.exit(1)
  }
}
process.stdout.write(JSON.stringify({ event: 'bench', bytes: total, ms: times }) + '\n')
await a.stop()
await b.stop()
process.exit(0)
