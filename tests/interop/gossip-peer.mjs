// A plain js-libp2p GossipSub peer driven by JSON lines on stdin, printing JSON lines on stdout.
// The C# interop tests start it as a child process (loopback only).
//
// usage: node gossip-peer.mjs [--listen /ip4/127.0.0.1/tcp/0] [--topic decentral-test]
// stdin commands (one JSON object per line):
//   {"cmd":"dial","addr":"/ip4/127.0.0.1/tcp/4001/p2p/12D3..."}
//   {"cmd":"publish","dataBase64":"..."}
//   {"cmd":"ping","peer":"12D3..."}
//   {"cmd":"model","peer":"12D3...","bodyBytes":n}   one /decentral/model/1.0.0 request: header "js",
//                                                    a body of n pattern bytes (i*31+7 mod 256)
//   {"cmd":"stop"}
// stdout events:
//   {"event":"listening","peerId":...,"addrs":[...]}
//   {"event":"message","from":...,"topic":...,"dataBase64":...}
//   {"event":"subscribed","peer":...}          a peer joined our topic
//   {"event":"heartbeat","mesh":[...],"topicPeers":[...]}  only when mesh or topic peers change
//   {"event":"published","recipients":n} | {"event":"dialed","peer":...} | {"event":"ping",...}
//   {"event":"model","status":s,"bytes":n,"sha256":hex}  the response: status byte, body length, body hash
//   {"event":"error","message":...}
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createInterface } from 'node:readline'
import { createHash } from 'node:crypto'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback
}
const listen = option('--listen', '/ip4/127.0.0.1/tcp/0')
const topic = option('--topic', 'decentral-test')
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

const node = await createLibp2p({
  addresses: { listen: [listen] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({ emitSelf: false, allowPublishToZeroTopicPeers: true, globalSignaturePolicy: 'StrictSign' })
  }
})
const pubsub = node.services.pubsub

pubsub.addEventListener('message', (evt) => {
  const msg = evt.detail
  emit({ event: 'message', from: msg.type === 'signed' ? msg.from.toString() : null, topic: msg.topic, dataBase64: Buffer.from(msg.data).toString('base64') })
})
pubsub.addEventListener('subscription-change', (evt) => {
  for (const sub of evt.detail.subscriptions) {
    if (sub.topic === topic && sub.subscribe) emit({ event: 'subscribed', peer: evt.detail.peerId.toString() })
  }
})
let lastState = ''
pubsub.addEventListener('gossipsub:heartbeat', () => {
  const mesh = pubsub.getMeshPeers(topic).sort()
  const topicPeers = pubsub.getSubscribers(topic).map(p => p.toString()).sort()
  const state = JSON.stringify({ mesh, topicPeers })
  if (state !== lastState) {
    lastState = state
    emit({ event: 'heartbeat', mesh, topicPeers })
  }
})
pubsub.subscribe(topic)
emit({ event: 'listening', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })

const varint = (n) => {
  const out = []
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80) }
  out.push(n)
  return Uint8Array.from(out)
}

// The request as the C# ModelTransferProtocol reads it: uvarint header length, header, uvarint
// body length, body; then the response: status byte, uvarint body length, body.
const requestModel = async (peer, bodyBytes) => {
  const stream = await node.dialProtocol(peerIdFromString(peer), '/decentral/model/1.0.0')
  const header = Buffer.from('js')
  async function * request () {
    yield Uint8Array.from([...varint(header.length), ...header, ...varint(bodyBytes)])
    const chunk = new Uint8Array(64 * 1024)
    for (let sent = 0; sent < bodyBytes; sent += chunk.length) {
      const n = Math.min(chunk.length, bodyBytes - sent)
      for (let i = 0; i < n; i++) chunk[i] = ((sent + i) * 31 + 7) & 0xff
      yield chunk.slice(0, n)
    }
  }
  const sending = stream.sink(request())
  const hash = createHash('sha256')
  let status = -1; let length = -1; let shift = 1; let received = 0; let lengthDone = false
  for await (const list of stream.source) {
    let bytes = list.subarray()
    if (status < 0) { status = bytes[0]; bytes = bytes.subarray(1); length = 0 }
    while (!lengthDone && bytes.length > 0) {
      const b = bytes[0]; bytes = bytes.subarray(1)
      length += (b & 0x7f) * shift; shift *= 0x80
      lengthDone = (b & 0x80) === 0
    }
    hash.update(bytes); received += bytes.length
  }
  await sending
  return { status, bytes: received, declared: length, sha256: hash.digest('hex') }
}

const handle = async (line) => {
  let cmd
  try { cmd = JSON.parse(line) } catch { emit({ event: 'error', message: `not JSON: ${line}` }); return }
  try {
    if (cmd.cmd === 'dial') {
      const conn = await node.dial(multiaddr(cmd.addr))
      emit({ event: 'dialed', peer: conn.remotePeer.toString() })
    } else if (cmd.cmd === 'publish') {
      const result = await pubsub.publish(topic, Buffer.from(cmd.dataBase64, 'base64'))
      emit({ event: 'published', recipients: result.recipients.length })
    } else if (cmd.cmd === 'ping') {
      const rtt = await node.services.ping.ping(peerIdFromString(cmd.peer))
      emit({ event: 'ping', peer: cmd.peer, rttMs: rtt })
    } else if (cmd.cmd === 'model') {
      emit({ event: 'model', ...(await requestModel(cmd.peer, cmd.bodyBytes)) })
    } else if (cmd.cmd === 'stop') {
      await node.stop()
      process.exit(0)
    } else {
      emit({ event: 'error', message: `unknown command ${cmd.cmd}` })
    }
  } catch (e) {
    emit({ event: 'error', message: `${cmd.cmd}: ${e.message}` })
  }
}

const rl = createInterface({ input: process.stdin })
rl.on('line', (line) => { if (line.trim() !== '') handle(line) })
rl.on('close', async () => { await node.stop(); process.exit(0) })
