// A plain js-libp2p GossipSub peer driven by JSON lines on stdin, printing JSON lines on stdout.
// The C# interop tests start it as a child process (loopback only).
//
// usage: node gossip-peer.mjs [--listen /ip4/127.0.0.1/tcp/0] [--topic decentral-test]
// stdin commands (one JSON object per line):
//   {"cmd":"dial","addr":"/ip4/127.0.0.1/tcp/4001/p2p/12D3..."}
//   {"cmd":"publish","dataBase64":"..."}
//   {"cmd":"ping","peer":"12D3..."}
//   {"cmd":"stop"}
// stdout events:
//   {"event":"listening","peerId":...,"addrs":[...]}
//   {"event":"message","from":...,"topic":...,"dataBase64":...}
//   {"event":"subscribed","peer":...}          a peer joined our topic
//   {"event":"heartbeat","mesh":[...],"topicPeers":[...]}  only when mesh or topic peers change
//   {"event":"published","recipients":n} | {"event":"dialed","peer":...} | {"event":"ping",...}
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
