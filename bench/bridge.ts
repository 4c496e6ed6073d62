// `npm run bench -- bridge`: the IRC bridge's cost. In one run, against a real ngircd: two hubs whose
// rooms are linked to the same channel, so a message goes hub A -> relay A -> ngircd -> relay B -> hub B.
// Reports relayed messages/s (bounded window) and the latency the bridge adds over a direct hub round
// trip (a sender and a receiver on the same hub), p50/p99, as medians over runs.
import type { ChatClient } from '#core/client/sdk'
import type { EventOf } from '#core/protocol/messages'
import { type Ngircd, startNgircd } from '#test/helpers/ngircd'
import { startHub, type TestHub } from '#test/helpers/start-hub'

const CHANNEL = '#bench'

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0
}

const bridgedHub = (daemon: Ngircd, room: string, nick: string): Promise<TestHub> =>
  startHub({
    log: { level: 'warn' },
    plugins: {
      irc: {
        servers: {
          local: {
            host: daemon.host,
            port: daemon.port,
            nick,
            floodBurst: 100_000,
            floodRate: 100_000,
          },
        },
        links: [{ room, target: `irc:local/${CHANNEL}` }],
        reconnectMinMs: 100,
        reconnectMaxMs: 500,
        queueMax: 100_000,
      },
    },
  })

const online = async (client: ChatClient, room: string, user: string): Promise<void> => {
  const deadline = Date.now() + 30_000
  while (!(await client.members(room)).members.some((m) => m.user === user && m.online)) {
    if (Date.now() > deadline) throw new Error(`${user} not online in ${room}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Messages whose text carries `#<n>`, as they arrive at `client` in `room`: n -> arrival time. */
const arrivals = (client: ChatClient, room: string): Map<number, number> => {
  const seen = new Map<number, number>()
  client.on('message', (f: EventOf<'message'>) => {
    if (f.room !== room || f.text === null) return
    const m = /#(\d+)\b/.exec(f.text)
    if (m) seen.set(Number(m[1]), performance.now())
  })
  return seen
}

const until = async (check: () => boolean, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await new Promise((r) => setImmediate(r))
  }
}

/** One at a time: latency of each message from send to arrival at a direct receiver and across the bridge. */
const pingPong = async (
  sender: ChatClient,
  room: string,
  direct: Map<number, number>,
  bridged: Map<number, number>,
  from: number,
  count: number,
): Promise<{ direct: number[]; bridged: number[]; added: number[] }> => {
  const out = { direct: [] as number[], bridged: [] as number[], added: [] as number[] }
  for (let n = from; n < from + count; n++) {
    const t0 = performance.now()
    // From the send to the arrival (not to the sender's ack, which a direct receiver may beat).
    const acked = sender.say(room, `lat #${n}`)
    await until(() => direct.has(n) && bridged.has(n), 10_000, `message ${n}`)
    const d = (direct.get(n) ?? t0) - t0
    const b = (bridged.get(n) ?? t0) - t0
    out.direct.push(d)
    out.bridged.push(b)
    out.added.push(b - d)
    await acked
  }
  return out
}

interface RunResult {
  rate: number
  direct: { p50: number; p99: number }
  bridged: { p50: number; p99: number }
  /** Per message: bridged arrival minus direct arrival of the same send. */
  added: { p50: number; p99: number }
}

const oneRun = async (daemon: Ngircd, messages: number, samples: number): Promise<RunResult> => {
  const a = await bridgedHub(daemon, 'alpha', 'relaya')
  const b = await bridgedHub(daemon, 'beta', 'relayb')
  try {
    const alice = await a.connect('alice')
    await alice.create('alpha')
    await alice.join('alpha')
    const watcher = await a.connect('watcher')
    await watcher.join('alpha')
    const bob = await b.connect('bob')
    await bob.create('beta')
    await bob.join('beta')
    await online(alice, 'alpha', 'irc-bridge')
    await online(bob, 'beta', 'irc-bridge')
    const atBob = arrivals(bob, 'beta')
    const atWatcher = arrivals(watcher, 'alpha')
    // Both relays in the channel: a first message makes it through end to end.
    await alice.say('alpha', 'warm #0')
    await until(() => atBob.has(0), 30_000, 'the first relayed message')

    const lat = await pingPong(alice, 'alpha', atWatcher, atBob, 1, samples)

    // Throughput: a bounded window of unacknowledged sends, until every message reached hub B.
    const first = 1 + samples
    const window = 100
    const t0 = performance.now()
    let next = first
    const inflight = new Set<Promise<unknown>>()
    while (next < first + messages) {
      const p = alice.say('alpha', `rate #${next++}`).finally(() => inflight.delete(p))
      inflight.add(p)
      if (inflight.size >= window) await Promise.race(inflight)
      // Keep the relay path's backlog bounded too: at most 4 windows not yet arrived at hub B.
      while (next - first - [...atBob.keys()].filter((k) => k >= first).length > 4 * window) {
        await new Promise((r) => setTimeout(r, 1))
      }
    }
    await until(
      () => [...atBob.keys()].filter((k) => k >= first).length >= messages,
      120_000,
      'all relayed messages',
    )
    const seconds = (performance.now() - t0) / 1000
    return {
      rate: messages / seconds,
      direct: { p50: percentile(lat.direct, 50), p99: percentile(lat.direct, 99) },
      bridged: { p50: percentile(lat.bridged, 50), p99: percentile(lat.bridged, 99) },
      added: { p50: percentile(lat.added, 50), p99: percentile(lat.added, 99) },
    }
  } finally {
    await a.close()
    await b.close()
  }
}

/** The bridge benchmark as a markdown table (one row per run, then the medians). */
export const runBridge = async (options: {
  runs: number
  messages?: number
  samples?: number
}): Promise<string> => {
  const messages = options.messages ?? 5000
  const samples = options.samples ?? 300
  const daemon = await startNgircd()
  const results: RunResult[] = []
  try {
    for (let i = 0; i < options.runs; i++) results.push(await oneRun(daemon, messages, samples))
  } finally {
    await daemon.close()
  }
  const ms = (x: number) => x.toFixed(2)
  const row = (label: string, r: RunResult) =>
    `| ${label} | ${Math.round(r.rate)} | ${ms(r.direct.p50)} | ${ms(r.direct.p99)} | ${ms(r.bridged.p50)} | ${ms(r.bridged.p99)} | ${ms(r.added.p50)} | ${ms(r.added.p99)} |`
  const med = (f: (r: RunResult) => number) => median(results.map(f))
  const medianRow: RunResult = {
    rate: med((r) => r.rate),
    direct: { p50: med((r) => r.direct.p50), p99: med((r) => r.direct.p99) },
    bridged: { p50: med((r) => r.bridged.p50), p99: med((r) => r.bridged.p99) },
    added: { p50: med((r) => r.added.p50), p99: med((r) => r.added.p99) },
  }
  return [
    `IRC bridge: hub A -> relay -> ngircd -> relay -> hub B; ${messages} messages (window 100) for the rate, ${samples} one-at-a-time for latency (ms; added = bridged minus direct arrival of the same message).`,
    '',
    '| run | relayed msg/s | direct p50 | direct p99 | bridged p50 | bridged p99 | added p50 | added p99 |',
    '|---|---|---|---|---|---|---|---|',
    ...results.map((r, i) => row(String(i + 1), r)),
    row('**median**', medianRow),
  ].join('\n')
}
