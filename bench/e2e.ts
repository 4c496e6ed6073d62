// `npm run bench -- e2e`: end-to-end encrypted rooms (issue 17, docs/e2e.md) against the same room
// in clear, in one run. Per run one hub (bench/servers/hub.ts, pinned to core 0) and 100 members on
// raw `ws` sockets in two rooms: "bench" in clear and "secret", an E2E room whose MLS group holds a
// device of every member. The hub is MLS's Delivery Service and does no cryptography, so its CPU per
// delivery should stay near the clear room's; the devices' work (encrypt, decrypt, adding members,
// joining) is timed in this process on the real device code (core/client/e2e) against that hub.
import WebSocket from 'ws'
import type { Request } from '#core/client/sdk'
import { ChatClient } from '#core/client/sdk'
import { Device } from '#core/client/e2e/device'
import { RoomGroup } from '#core/client/e2e/group'
import { makeKeyPackages, type KeyPackageBatch } from '#core/client/e2e/key-packages'
import { decodePayload, encodePayload } from '#core/client/e2e/payload'
import { E2eSession } from '#core/client/e2e/session'
import { MemoryDeviceStore } from '#core/client/e2e/store'
import { DeviceTrust, type DeviceDirectory } from '#core/client/e2e/trust'
import { fromBase64, toBase64 } from '#core/protocol/e2e'
import type { AckResults, ClientFrameType, DeviceView } from '#core/protocol/messages'
import { cpuSeconds, median, type Proc, start } from './process.ts'

/** Members of both rooms (one sender, 99 receivers); user u100 is the inviter of the per-user adds. */
const MEMBERS = 100
/** Messages measured per room (in two windows), after WARMUP unmeasured ones. */
const MESSAGES = 2000
const WARMUP = 100
/** Messages the sender keeps in flight (unacknowledged), as a chatty client would. */
const IN_FLIGHT = 8
/** The user's text in each message: 100 characters, as in the fan-out bench. */
const TEXT = 'x'.repeat(100)
/** Messages a receiving device decrypts one by one for the per-message figure. */
const DECRYPTS = 100

/** Node flags for the hub only, as in the fan-out bench: CHATHUB_BENCH_HUB_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const HUB_NODE_ARGS = ['--expose-gc', ...(process.env.CHATHUB_BENCH_HUB_ARGS ?? '').split(' ').filter(Boolean)]

/**
 * The clear room, the E2E room and a control, with the same 100 members: `wide` is a clear room whose
 * frames are as long as the E2E room's (the text padded), to tell what the hub does per E2E message
 * from what the bigger frames cost (MLS framing, padding to 256 bytes, base64).
 */
const ROOMS = ['bench', 'secret', 'wide'] as const
type Room = (typeof ROOMS)[number]

const startsWith = (b: Buffer, prefix: Buffer): boolean =>
  b.length >= prefix.length && b.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
const ACK = Buffer.from('{"type":"ack"')
const ERROR = Buffer.from('{"type":"error"')

/** Counts the `message` frames of one room over every member's socket, until `expected`. */
class Tally {
  delivered = 0
  /** One delivered frame, for its size. */
  sample: Buffer | undefined
  private readonly prefix: Buffer
  readonly done: Promise<void>
  private finish!: () => void

  constructor(room: string, readonly expected: number) {
    this.prefix = Buffer.from(`{"type":"message","room":"${room}"`)
    this.done = new Promise((resolve) => (this.finish = resolve))
  }

  count(data: Buffer): void {
    if (!startsWith(data, this.prefix)) return
    this.sample ??= data
    if (++this.delivered === this.expected) this.finish()
  }
}

/** A member's raw socket: requests answered by JSON acks while setting up, `message` frames counted as bytes. */
class Member {
  tally: Tally | undefined
  private counter = 0
  private readonly pending = new Map<string, { resolve: (ack: unknown) => void; reject: (err: Error) => void }>()

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      if (this.tally) this.tally.count(data)
      if (startsWith(data, ACK) || startsWith(data, ERROR)) this.answer(data)
    })
    // E.g. 1009 for a frame over the hub's limits.maxFrameBytes: what was asked will never be answered.
    ws.on('close', (code: number) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`the hub closed the connection (${code})`))
      this.pending.clear()
    })
  }

  static open(url: string): Promise<Member> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
      ws.once('error', reject)
      ws.once('open', () => resolve(new Member(ws)))
    })
  }

  request<T extends ClientFrameType>(type: T, body: Request<T>): Promise<AckResults[T]> {
    const ref = `r${++this.counter}`
    return this.send(JSON.stringify({ type, ref, ...body }), ref)
  }

  /** Send a frame serialised beforehand with `ref`; resolves with its ack. */
  send<A>(frame: string, ref: string): Promise<A> {
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve: resolve as (ack: unknown) => void, reject })
      this.ws.send(frame)
    })
  }

  close(): void {
    this.ws.close()
  }

  private answer(data: Buffer): void {
    const frame = JSON.parse(data.toString()) as { type: string; ref?: string; code?: string; message?: string }
    const waiter = frame.ref === undefined ? undefined : this.pending.get(frame.ref)
    if (!waiter || frame.ref === undefined) return
    this.pending.delete(frame.ref)
    if (frame.type === 'ack') waiter.resolve(frame)
    else waiter.reject(new Error(`${frame.code}: ${frame.message}`))
  }
}

/** Send `frames` with IN_FLIGHT of them unacknowledged at a time. */
const sendAll = async (sender: Member, frames: { ref: string; frame: string }[]): Promise<void> => {
  let next = 0
  const lane = async () => {
    while (next < frames.length) {
      const f = frames[next++] as { ref: string; frame: string }
      await sender.send(f.frame, f.ref)
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
}

/** What the hub did for one room over a run's windows. */
interface Window {
  cpuPerDelivery: number
  perSecond: number
  frameBytes: number
  /** One delivered frame. */
  sample: Buffer | undefined
}

/** A room's windows added up. */
interface Sum {
  cpu: number
  ms: number
  messages: number
  deliveries: number
  sample: Buffer | undefined
}

const emptySum = (): Sum => ({ cpu: 0, ms: 0, messages: 0, deliveries: 0, sample: undefined })

const windowOf = (sum: Sum): Window => ({
  cpuPerDelivery: sum.cpu / sum.deliveries,
  perSecond: (sum.messages / sum.ms) * 1000,
  frameBytes: sum.sample?.length ?? 0,
  sample: sum.sample,
})

/** Send `frames` into `room` until every member got every one; the hub's CPU seconds meanwhile. */
const deliver = async (pid: number, members: Member[], room: string, frames: { ref: string; frame: string }[]) => {
  const tally = new Tally(room, frames.length * members.length)
  for (const m of members) m.tally = tally
  const cpu0 = cpuSeconds(pid)
  const t0 = performance.now()
  await sendAll(members[0] as Member, frames)
  const timeout = setTimeout(() => process.stderr.write(`e2e: ${room}: ${tally.delivered} of ${tally.expected} delivered after 60 s\n`), 60_000)
  await tally.done
  clearTimeout(timeout)
  const ms = performance.now() - t0
  const cpu = cpuSeconds(pid) - cpu0
  for (const m of members) m.tally = undefined
  return { cpu, ms, messages: frames.length, deliveries: tally.expected, sample: tally.sample }
}

/** A full GC in the hub (heap-probe.ts, on SIGUSR2), so that no window pays for garbage made before it. */
const collect = async (hub: Proc): Promise<void> => {
  const heap = hub.line('heap')
  hub.child.kill('SIGUSR2')
  await heap
}

interface RunResult {
  clear: Window
  e2e: Window
  /** The clear room with frames as long as the E2E room's. */
  wide: Window
  /** Per message, medians over the run's messages (ms). */
  encrypt: number
  decrypt: number
  /** The session saves the group state after each message it encrypts or decrypts. */
  stateSave: number
  /** A clear room's client work per message: the `say` frame out, the `message` event parsed. */
  clearClient: number
  /** One Commit adding 99 devices: claiming their KeyPackages, building it, the hub accepting it. */
  addOneCommit: number
  addBuild: number
  /** The session's invite, user after user (99 Commits): in the first run only (it takes long). */
  perUser: PerUser | undefined
  /** A new member: the Welcome into a group (its 100 devices looked up at the hub, or known), then the first message. */
  join: number
  joinKnownDevices: number
  firstMessage: number
  sizes: { commit: number; welcome: number; groupInfo: number; plaintext: number }
}

const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now()
  const value = await f()
  return [value, performance.now() - t0]
}

/** A device's trust, looking devices up at the hub through `via` (what the SDK does) or in `known`. */
const trustOf = (user: string, device: Device, directory: DeviceDirectory) =>
  new DeviceTrust({ store: new MemoryDeviceStore(), directory, self: { user, device } })

interface PerUser {
  total: number
  /** The first invite (a group of one) and the last (99 devices in, the 100th added), ms. */
  first: number
  last: number
  /** The session's `say` in that group of 100 devices (encrypt, the group state saved twice, the hub's ack), median ms. */
  say: number
}

/** The SDK's way: a room made on u100's device through the session, then `invite` user after user. */
const invitePerUser = async (server: string, token: string, users: string[]): Promise<PerUser> => {
  const client = await ChatClient.connect(server, token)
  try {
    const session = await E2eSession.attach(client, { deviceName: 'bench inviter', store: new MemoryDeviceStore() })
    await session.enable()
    await client.create('invites', { e2e: true, private: true })
    const each: number[] = []
    for (const u of users) each.push((await timed(() => client.invite('invites', u)))[1])
    const says: number[] = []
    for (let i = 0; i < 20; i++) says.push((await timed(() => client.say('invites', TEXT)))[1])
    return { total: each.reduce((a, b) => a + b, 0), first: each[0] ?? 0, last: each.at(-1) ?? 0, say: median(says) }
  } finally {
    await client.close()
  }
}

const runOnce = async (run: number, messages: number): Promise<RunResult> => {
  const hub = start('bench/servers/hub.ts', [String(MEMBERS + 1)], 0, HUB_NODE_ARGS)
  const members: Member[] = []
  try {
    const ready = await hub.line<{ port: number; tokens: string[] }>()
    const pid = hub.child.pid as number
    const url = `ws://127.0.0.1:${ready.port}/api/v1/ws`
    const user = (i: number) => `u${i}`

    // Every member's device, and for the 99 receivers a one-time and a last-resort KeyPackage.
    const devices = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => Device.create(`bench ${i}`)))
    const batches: KeyPackageBatch[] = []
    for (let i = 0; i < MEMBERS; i++) batches.push(await makeKeyPackages(user(i), devices[i] as Device, i === 0 ? 0 : 1, { lastResort: i > 0 }))
    for (let i = 0; i < MEMBERS; i++) {
      const m = await Member.open(url)
      members.push(m)
      await m.request('auth', { token: ready.tokens[i] as string })
      await m.request('device', (devices[i] as Device).registration())
      const batch = batches[i] as KeyPackageBatch
      if (i > 0) await m.request('keypackages', { packages: batch.packages.map(toBase64), lastResort: toBase64(batch.lastResort as Uint8Array) })
      await m.request('join', { room: 'bench' })
    }
    const sender = members[0] as Member
    const lookUp = (via: Member): DeviceDirectory => async (u) => (await via.request('devices', { user: u })).devices

    // The E2E room, made on the sender's device; everyone joins it, then one Commit adds their devices.
    const created = await sender.request('create', { room: 'secret', e2e: true })
    const self = { user: user(0), device: devices[0] as Device, trust: trustOf(user(0), devices[0] as Device, lookUp(sender)) }
    const group = await RoomGroup.create(self, fromBase64(created.e2e?.group ?? ''))
    await sender.request('create', { room: 'wide' })
    await Promise.all(members.map((m) => m.request('join', { room: 'secret' })))
    await Promise.all(members.map((m) => m.request('join', { room: 'wide' })))
    const receivers = Array.from({ length: MEMBERS - 1 }, (_, i) => user(i + 1))
    let addBuild = 0
    const [pending, addOneCommit] = await timed(async () => {
      const claims = await Promise.all(receivers.map((u) => sender.request('claim', { room: 'secret', user: u })))
      const [commit, build] = await timed(() => group.proposeCommit({ add: claims.flatMap((c) => c.packages.map((p) => fromBase64(p.data))) }))
      addBuild = build
      if (!commit?.welcome) throw new Error('the Commit adds nobody')
      await sender.request('mls', {
        room: 'secret',
        txn: 'add',
        data: toBase64(commit.commit),
        groupInfo: toBase64(commit.groupInfo),
        welcome: toBase64(commit.welcome),
        to: commit.added,
      })
      group.confirm()
      return commit
    })
    const welcome = pending.welcome as Uint8Array

    // The messages, encrypted on the sender's device as the session does (payload, MLS, base64).
    const encrypted: string[] = []
    const encryptMs: number[] = []
    let plaintext = 0
    for (let i = 0; i < WARMUP + messages; i++) {
      const [data, ms] = await timed(async () => {
        const payload = encodePayload({ v: 1, t: 'say', text: TEXT, txn: `e${i}` })
        plaintext = payload.length
        return toBase64(await group.encrypt(payload))
      })
      encrypted.push(data)
      encryptMs.push(ms)
    }

    // New members: u1 looks the group's devices up at the hub as the SDK does, u2 knows them already.
    const joiner = { user: user(1), device: devices[1] as Device, trust: trustOf(user(1), devices[1] as Device, lookUp(members[1] as Member)) }
    const [joined, join] = await timed(() => RoomGroup.join(joiner, welcome, (batches[1] as KeyPackageBatch).kept))
    const receive = async (g: RoomGroup, data: string) => {
      const out = await g.process(fromBase64(data))
      if (out.kind !== 'application' || decodePayload(out.bytes).t !== 'say') throw new Error('not a message')
    }
    const [, firstMessage] = await timed(() => receive(joined.group, encrypted[0] as string))
    const known = new Map<string, DeviceView[]>()
    for (let i = 0; i < MEMBERS; i++) known.set(user(i), await (lookUp(members[2] as Member))(user(i)))
    const knowing = { user: user(2), device: devices[2] as Device, trust: trustOf(user(2), devices[2] as Device, async (u) => known.get(u) ?? []) }
    const [, joinKnownDevices] = await timed(() => RoomGroup.join(knowing, welcome, (batches[2] as KeyPackageBatch).kept))
    const decryptMs: number[] = []
    for (let i = 1; i <= DECRYPTS; i++) decryptMs.push((await timed(() => receive(joined.group, encrypted[i] as string)))[1])
    const saveMs: number[] = []
    for (let i = 0; i < 10; i++) saveMs.push((await timed(async () => joined.group.encode()))[1])

    // Both rooms warmed up, then measured in two windows each, ABBA (BAAB in odd runs), each after a
    // full GC: neither room always comes first, and a drift of the machine over the run cancels out.
    // `wide`'s text: as long as the clear one plus what the E2E frame has more (known after the warm-up).
    let wideText = plaintext
    const frames = (room: Room, from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => {
        const i = from + k
        const ref = `${room[0]}${i}`
        if (room === 'secret') return { ref, frame: `{"type":"mls","ref":"${ref}","room":"${room}","txn":"${ref}","data":"${encrypted[i]}"}` }
        const text = 'x'.repeat(room === 'wide' ? wideText : plaintext)
        return { ref, frame: `{"type":"say","ref":"${ref}","room":"${room}","txn":"${ref}","text":"${text}"}` }
      })
    const warm = { bench: await deliver(pid, members, 'bench', frames('bench', 0, WARMUP)), secret: await deliver(pid, members, 'secret', frames('secret', 0, WARMUP)) }
    wideText += (warm.secret.sample?.length ?? 0) - (warm.bench.sample?.length ?? 0)
    await deliver(pid, members, 'wide', frames('wide', 0, WARMUP))
    const order = run % 2 === 0 ? [...ROOMS] : ([...ROOMS].reverse() as Room[])
    const sums: Record<Room, Sum> = { bench: emptySum(), secret: emptySum(), wide: emptySum() }
    for (const room of [...order, ...[...order].reverse()]) {
      const sum = sums[room]
      await collect(hub)
      const from = WARMUP + sum.messages
      const w = await deliver(pid, members, room, frames(room, from, from + messages / 2))
      sum.cpu += w.cpu
      sum.ms += w.ms
      sum.messages += w.messages
      sum.deliveries += w.deliveries
      sum.sample ??= w.sample
    }
    const windows = { bench: windowOf(sums.bench), secret: windowOf(sums.secret), wide: windowOf(sums.wide) }
    const clear = windows.bench
    const sample = clear.sample?.toString() ?? '{}'
    const [, clearBatch] = await timed(async () => {
      for (let i = 0; i < 1000; i++) {
        JSON.stringify({ type: 'say', ref: `c${i}`, room: 'bench', txn: `c${i}`, text: TEXT })
        JSON.parse(sample)
      }
    })

    const perUser = run === 0 ? await invitePerUser(`http://127.0.0.1:${ready.port}`, ready.tokens[MEMBERS] as string, receivers) : undefined

    return {
      clear,
      e2e: windows.secret,
      wide: windows.wide,
      encrypt: median(encryptMs.slice(WARMUP)),
      decrypt: median(decryptMs),
      stateSave: median(saveMs),
      clearClient: clearBatch / 1000,
      addOneCommit,
      addBuild,
      perUser,
      join,
      joinKnownDevices,
      firstMessage,
      sizes: { commit: pending.commit.length, welcome: welcome.length, groupInfo: pending.groupInfo.length, plaintext },
    }
  } finally {
    for (const m of members) m.close()
    await hub.stop()
  }
}

/** `messages`: measured per room (default 2000, an even number; smaller only to try the bench out). */
export const runE2e = async (opts: { runs: number; messages?: number }): Promise<string> => {
  const messages = opts.messages ?? MESSAGES
  const runs: RunResult[] = []
  for (let i = 0; i < opts.runs; i++) {
    const r = await runOnce(i, messages)
    runs.push(r)
    process.stderr.write(
      `run ${i + 1}: hub µs/delivery clear ${(r.clear.cpuPerDelivery * 1e6).toFixed(2)} e2e ${(r.e2e.cpuPerDelivery * 1e6).toFixed(2)} ` +
        `clear with E2E-sized frames ${(r.wide.cpuPerDelivery * 1e6).toFixed(2)}; ` +
        `encrypt ${r.encrypt.toFixed(2)} ms, decrypt ${r.decrypt.toFixed(2)} ms; add 99 ${r.addOneCommit.toFixed(0)} ms (one Commit), ` +
        `${r.perUser ? r.perUser.total.toFixed(0) : '-'} ms (per user); join ${r.join.toFixed(0)} ms + first message ${r.firstMessage.toFixed(1)} ms\n`,
    )
  }
  const med = (f: (r: RunResult) => number) => median(runs.map(f))
  const us = (s: number) => (s * 1e6).toFixed(2)
  const ms = (x: number) => x.toFixed(2)
  const hubRatio = med((r) => r.e2e.cpuPerDelivery / r.clear.cpuPerDelivery)
  const wideRatio = med((r) => r.e2e.cpuPerDelivery / r.wide.cpuPerDelivery)
  const clientRatio = med((r) => (r.encrypt + r.decrypt) / r.clearClient)
  const s = runs[0]?.sizes
  const perUser = runs[0]?.perUser
  return [
    `e2e: ${MEMBERS} members, ${messages} messages per room after ${WARMUP} of warm-up, ${IN_FLIGHT} in flight; ${opts.runs} runs, medians`,
    '',
    '| measure | E2E room | same room in clear (baseline) | E2E ÷ clear | target |',
    '|---|---|---|---|---|',
    `| hub CPU µs per delivery | ${us(med((r) => r.e2e.cpuPerDelivery))} | ${us(med((r) => r.clear.cpuPerDelivery))} | **${hubRatio.toFixed(2)}×** (median of pairs) | ≤ 1.2× |`,
    `| … against a clear room with frames as long as the E2E room's | ${us(med((r) => r.e2e.cpuPerDelivery))} | ${us(med((r) => r.wide.cpuPerDelivery))} | **${wideRatio.toFixed(2)}×** (median of pairs) | |`,
    `| messages/s through the hub | ${med((r) => r.e2e.perSecond).toFixed(0)} | ${med((r) => r.clear.perSecond).toFixed(0)} | ${med((r) => r.e2e.perSecond / r.clear.perSecond).toFixed(2)}× | |`,
    `| bytes of one delivered \`message\` frame | ${med((r) => r.e2e.frameBytes)} | ${med((r) => r.clear.frameBytes)} | | |`,
    `| client ms per message: encrypt (sender) | ${ms(med((r) => r.encrypt))} | | | |`,
    `| client ms per message: decrypt (one receiver) | ${ms(med((r) => r.decrypt))} | | | |`,
    `| client ms per message: encrypt + decrypt | **${ms(med((r) => r.encrypt + r.decrypt))}** | ${med((r) => r.clearClient * 1000).toFixed(1)} µs (JSON out and in) | ${clientRatio.toFixed(0)}× | ≤ 3 ms |`,
    `| session's group state save per message (RoomGroup.encode) | ${ms(med((r) => r.stateSave))} | | | |`,
    `| the session's \`say\` in a group of 100 devices (encrypt, 2 state saves, hub ack; first run only) ms | ${perUser ? perUser.say.toFixed(2) : '-'} | | | |`,
    `| add 99 members: one Commit (99 claims, build, hub accepts) ms | ${med((r) => r.addOneCommit).toFixed(0)} | | | |`,
    `| … of which building the Commit (devices checked at the hub) ms | ${med((r) => r.addBuild).toFixed(0)} | | | |`,
    `| add 99 members: the session's \`invite\` per user (99 Commits; first run only) ms | ${perUser ? perUser.total.toFixed(0) : '-'} | | | |`,
    `| … the first invite (group of 1) / the last (99 → 100 devices) ms | ${perUser ? `${perUser.first.toFixed(0)} / ${perUser.last.toFixed(0)}` : '-'} | | | |`,
    `| new member: Welcome → group, devices looked up at the hub ms | ${med((r) => r.join).toFixed(0)} | | | |`,
    `| new member: Welcome → group, devices known ms | ${med((r) => r.joinKnownDevices).toFixed(0)} | | | |`,
    `| new member: first message decrypted ms | ${ms(med((r) => r.firstMessage))} | | | |`,
    `| new member: Welcome + first message ms | **${med((r) => r.join + r.firstMessage).toFixed(0)}** | | | |`,
    '',
    `per-run hub CPU ratios: ${runs.map((r) => (r.e2e.cpuPerDelivery / r.clear.cpuPerDelivery).toFixed(2)).join(', ')} ` +
      `(against E2E-sized clear frames: ${runs.map((r) => (r.e2e.cpuPerDelivery / r.wide.cpuPerDelivery).toFixed(2)).join(', ')}); ` +
      `per-run encrypt + decrypt ms: ${runs.map((r) => (r.encrypt + r.decrypt).toFixed(2)).join(', ')}`,
    s
      ? `sizes (bytes): plaintext payload ${s.plaintext} (the clear room's text has as many characters); Commit adding 99 ${s.commit}, its Welcome ${s.welcome}, GroupInfo ${s.groupInfo}`
      : '',
  ].join('\n')
}
