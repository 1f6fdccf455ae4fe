// A plain js-libp2p peer (TCP, Noise, Yamux, Identify, Ping) for the C# interop tests.
// Prints one JSON object per line on stdout; the C# tests read them.
// Usage: node peer.mjs [--listen MA] [--dial MA] [--ping-on-connect] [--no-early-muxer]
//                      [--seed HEX64] [--exit-after MS]
// Always serves /decentral/echo/1.0.0 (echoes every byte, then closes) for flow-control tests.
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'

const args = process.argv.slice(2)
const flag = name => args.includes(name)
const option = name => {
  const i = args.indexOf(name)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined
}
const emit = obj => process.stdout.write(JSON.stringify(obj) + '\n')

const seedHex = option('--seed')
const privateKey = seedHex === undefined
  ? undefined
  : await generateKeyPairFromSeed('Ed25519', Uint8Array.from(Buffer.from(seedHex, 'hex')))

const node = await createLibp2p({
  privateKey,
  addresses: { listen: option('--listen') === undefined ? [] : [option('--listen')] },
  transports: [tcp()],
  connectionEncrypters: [flag('--no-early-muxer') ? noise({ extensions: { streamMuxers: [] } }) : noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping() }
})

await node.handle('/decentral/echo/1.0.0', async ({ stream }) => {
  await stream.sink(stream.source)
})

const pingPeer = async peer => {
  try {
    const rtt = await node.services.ping.ping(peer)
    emit({ event: 'ping', peer: peer.toString(), rttMs: rtt })
  } catch (err) {
    emit({ event: 'error', stage: 'ping', message: String(err?.message ?? err) })
  }
}

node.addEventListener('peer:connect', evt => {
  emit({ event: 'connected', peer: evt.detail.toString() })
  if (flag('--ping-on-connect')) {
    void pingPeer(evt.detail)
  }
})
node.addEventListener('peer:disconnect', evt => emit({ event: 'disconnected', peer: evt.detail.toString() }))
node.addEventListener('peer:identify', evt => emit({
  event: 'identify',
  peer: evt.detail.peerId.toString(),
  protocols: evt.detail.protocols,
  agentVersion: evt.detail.agentVersion,
  listenAddrs: evt.detail.listenAddrs.map(a => a.toString()),
  // Present only when js verified the remote's signed peer record (RFC 0003).
  signedPeerRecord: evt.detail.signedPeerRecord == null ? null : {
    seq: evt.detail.signedPeerRecord.seq.toString(),
    addresses: evt.detail.signedPeerRecord.addresses.map(a => a.toString())
  }
}))

emit({ event: 'listening', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })

const dial = option('--dial')
if (dial !== undefined) {
  try {
    const connection = await node.dial(multiaddr(dial))
    emit({ event: 'dialed', peer: connection.remotePeer.toString(), muxer: connection.multiplexer ?? null })
  } catch (err) {
    emit({ event: 'error', stage: 'dial', message: String(err?.message ?? err) })
  }
}

const stop = async () => {
  await node.stop()
  process.exit(0)
}
setTimeout(stop, Number(option('--exit-after') ?? 30000))
process.stdin.on('end', stop)
process.stdin.resume()
