// Two js-libp2p peers in one process transfer N MiB over one yamux stream on loopback
// (TCP + Noise + Yamux), the same path as the C# benchmark. Prints {"sizeBytes":..,"ms":[...]}.
// usage: node bench-transfer.mjs [sizeMiB=16] [runs=5]
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'

const sizeMiB = Number(process.argv[2] ?? 16)
const runs = Number(process.argv[3] ?? 5)
const size = sizeMiB * 1024 * 1024
const chunk = new Uint8Array(64 * 1024).fill(7)
const protocol = '/bench/transfer/1.0.0'

const make = () => createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()]
})
const receiver = await make()
const sender = await make()
let done = null
await receiver.handle(protocol, async ({ stream }) => {
  let received = 0
  for await (const part of stream.source) received += part.byteLength
  await stream.close()
  done(received)
}, { maxInboundStreams: 4 })

const times = []
for (let i = 0; i < runs + 1; i++) {
  const finished = new Promise((resolve) => { done = resolve })
  const start = process.hrtime.bigint()
  const stream = await sender.dialProtocol(receiver.getMultiaddrs()[0], protocol)
  await stream.sink((async function * () {
    for (let sent = 0; sent < size; sent += chunk.byteLength) yield chunk
  })())
  const received = await finished
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (received !== size) throw new Error(`received ${received} of ${size}`)
  if (i > 0) times.push(ms) // the first run warms up the connection and the JIT
}
process.stdout.write(JSON.stringify({ sizeBytes: size, ms: times }) + '\n')
await sender.stop()
await receiver.stop()
