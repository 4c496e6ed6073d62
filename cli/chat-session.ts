// The terminal chat behind `chathub chat`: it follows one or more rooms and direct conversations and
// shows one of them at a time — its recent history, then live messages, typing and presence — while
// the others count what arrives (in the prompt, and as one line when something new or addressed to
// you comes in). Every line read from stdin goes to the room on the screen; `/switch` changes it.
// Works on a terminal (prompt kept below incoming lines) and on pipes (lines in, exit at EOF once
// every line is acked).
import { randomUUID } from 'node:crypto'
import { type Interface, clearLine, createInterface, cursorTo, moveCursor } from 'node:readline'
import { backoffDelay } from '#core/backoff'
import type { ChatClient } from '#core/client/sdk'
import { type ChatError, coreErrors, isChatError } from '#core/errors'
import { CloseCodes } from '#core/protocol/close-codes'
import type { EventOf, MessageView } from '#core/protocol/messages'
import { cliErrors } from './errors.ts'
import { LOCAL_HELP, chatHint } from './chat-hint.ts'
import { CHAT_COMMANDS, type ChatAction, parseChatLine } from './chat-commands.ts'
import { type ChatTarget, type FollowedRoom, FollowedRooms } from './chat-rooms.ts'
import { formatMessage, plural } from './format.ts'

export interface ChatOptions {
  /** What to follow, in order; the first is on the screen first. */
  targets: ChatTarget[]
  /** How many recent messages to show when a room first comes on the screen. */
  history: number
  input: NodeJS.ReadableStream & { isTTY?: boolean }
  output: NodeJS.WritableStream & { isTTY?: boolean }
  /** Print one line (the command's this.log). */
  print: (line: string) => void
}

/** Send `typing` at most this often while the user types. */
export const TYPING_EVERY_MS = 3000
/** How long "bob is typing…" stays up without a new typing event. */
const TYPING_SHOWN_MS = 5000
/** Closes after which the chat reconnects and resumes instead of ending. */
// 1006 (dropped), 1011-1013 (server error, restart, try later) are WebSocket's own (RFC 6455 §7.4.1).
const RECONNECT_CODES = new Set<number>([
  CloseCodes.goingAway,
  1006,
  1011,
  1012,
  1013,
  CloseCodes.slowConsumer,
  CloseCodes.idleTimeout,
])
const RECONNECT_TRIES = 6

/** Resolves when the user quits or stdin ends (after the last ack); rejects when the hub ends the chat. */
export const runChat = async (client: ChatClient, options: ChatOptions): Promise<void> => {
  const { input, output } = options
  const tty = Boolean(input.isTTY && output.isTTY)
  const me = client.user
  const rooms = new FollowedRooms(client)
  /** Rooms whose join is on the way: their messages wait in `early` until it is answered. */
  const joining = new Set<string>()
  let rl: Interface | undefined = undefined
  /** The room on the screen shows live messages; until then (its page is loading) they wait here, with those of rooms being joined. */
  let live = false
  const early: MessageView[] = []
  const sentTxns = new Set<string>()
  const typingShownAt = new Map<string, number>()
  let typingLine = false
  let typingTimer: NodeJS.Timeout | undefined
  let lastTypingSent = 0
  let closing = false
  let ready: Promise<void> = Promise.resolve()
  let queue: Promise<void> = Promise.resolve()
  let settle: { resolve: () => void; reject: (err: ChatError) => void } | undefined
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject }
  })

  // On a terminal, incoming lines are written above the prompt and the typed input is redrawn.
  const print = (line: string, kind: 'line' | 'typing' = 'line') => {
    if (tty && rl) {
      clearLine(output, 0)
      cursorTo(output, 0)
      if (typingLine) {
        moveCursor(output, 0, -1)
        clearLine(output, 0)
      }
    }
    options.print(line)
    typingLine = tty && kind === 'typing'
    if (tty && rl && !closing) rl.prompt(true)
  }
  const clearTyping = () => {
    if (!typingLine || !rl) return
    clearLine(output, 0)
    moveCursor(output, 0, -1)
    clearLine(output, 0)
    cursorTo(output, 0)
    typingLine = false
    if (!closing) rl.prompt(true)
  }
  /** The prompt names the room on the screen and what is unread elsewhere. */
  const updatePrompt = () => {
    if (!rl || closing) return
    const prompt = rooms.prompt()
    if (rl.getPrompt() === prompt) return
    rl.setPrompt(prompt)
    if (tty) rl.prompt(true)
  }
  /** Whether an event is about the room on the screen. */
  const onScreen = (room: string) => rooms.size > 0 && rooms.active.room === room

  const showMessage = (m: MessageView) => {
    const active = rooms.active
    if (m.seq <= active.shownUpTo) return
    active.shown(m.seq)
    typingShownAt.delete(m.from)
    if (m.txn !== undefined && m.from === me && sentTxns.delete(m.txn)) return // our own line, already on screen
    print(formatMessage(m))
  }

  /** A message in a followed room that is not on the screen: counted; a direct one is shown whole. */
  const countMessage = (followed: FollowedRoom, m: MessageView) => {
    if (m.seq <= followed.newest) return // replayed after a reconnect, or before the room was followed
    followed.newest = m.seq
    if (m.from === me || m.text === null) return
    followed.unread++
    if (followed.peer !== undefined) print(`* ${followed.title}: ${m.text} (/switch ${followed.title})`)
    else if (!followed.announced) print(`* new messages in ${followed.title} (/switch ${followed.title})`)
    followed.announced = true
    updatePrompt()
  }

  const finish = async (err?: ChatError) => {
    if (closing) return
    closing = true
    clearTimeout(typingTimer)
    rl?.close()
    await rooms.flush()
    client.removeAllListeners()
    await client.close()
    if (err) settle?.reject(err)
    else settle?.resolve()
  }

  /** Where a message goes: the screen, a count, or (while a join or the page is on the way) `early`. */
  const route = (m: MessageView) => {
    if (joining.has(m.room) || rooms.size === 0) return void early.push(m)
    let followed = rooms.get(m.room)
    // Only direct conversations reach a connection unasked: someone wrote to you; follow it.
    if (!followed && m.from !== me) {
      followed = rooms.add({ room: m.room, peer: m.from })
      followed.newest = m.seq - 1
    }
    if (!followed) return
    if (followed !== rooms.active) countMessage(followed, m)
    else if (live) showMessage(m)
    else early.push(m)
  }
  client.on('message', (m: EventOf<'message'>) => route(m))
  client.on('reaction', (e: EventOf<'reaction'>) => {
    if (onScreen(e.room) && e.user !== me) print(`* ${e.user} ${e.added ? 'reacted' : 'took back'} ${e.emoji} ${e.added ? 'to' : 'from'} #${e.seq}`)
  })
  client.on('edited', (e: EventOf<'edited'>) => {
    if (onScreen(e.room)) print(`* #${e.seq} edited: ${e.text}`)
  })
  client.on('deleted', (e: EventOf<'deleted'>) => {
    if (onScreen(e.room)) print(`* #${e.seq} deleted by ${e.by}`)
  })
  client.on('typing', (e: EventOf<'typing'>) => {
    if (!onScreen(e.room) || e.user === me) return
    const now = Date.now()
    if (now - (typingShownAt.get(e.user) ?? 0) < TYPING_SHOWN_MS && !tty) return
    typingShownAt.set(e.user, now)
    print(`${e.user} is typing…`, 'typing')
    if (tty) {
      clearTimeout(typingTimer)
      typingTimer = setTimeout(clearTyping, TYPING_SHOWN_MS)
      typingTimer.unref()
    }
  })
  client.on('presence', (e: EventOf<'presence'>) => {
    if (onScreen(e.room) && e.user !== me)
      print(`* ${e.user} ${e.status === 'online' ? 'is online' : 'went offline'}`)
  })
  client.on('joined', (e: EventOf<'joined'>) => {
    if (onScreen(e.room) && e.user !== me) print(`* ${e.user} joined ${rooms.active.title}`)
  })
  client.on('left', (e: EventOf<'left'>) => {
    if (onScreen(e.room) && e.user !== me) print(`* ${e.user} left ${rooms.active.title}`)
  })
  // Mentions off the screen (a direct message is shown whole already).
  client.on('mention', (e: EventOf<'mention'>) => {
    if (onScreen(e.room)) return
    const followed = rooms.get(e.room)
    if (followed?.peer !== undefined) return
    if (followed) {
      followed.mentions++
      followed.announced = true
      updatePrompt()
    }
    print(`* ${e.from} mentioned you in ${e.room} (#${e.seq}; /switch ${e.room})`)
  })
  client.on('invited', (e: EventOf<'invited'>) => print(`* ${e.by} invited you to ${e.room} (/switch ${e.room})`))
  client.on('topic', (e: EventOf<'topic'>) => {
    if (onScreen(e.room)) print(e.topic === '' ? `* ${e.by} cleared the topic` : `* ${e.by} set the topic: ${e.topic}`)
  })
  client.on('notice', (e: EventOf<'notice'>) => {
    if (e.room === undefined || onScreen(e.room)) print(`* ${e.text}`)
    else if (rooms.get(e.room)) print(`* [${rooms.get(e.room)?.title}] ${e.text}`)
  })
  client.on('kicked', (e: EventOf<'kicked'>) => {
    const followed = rooms.get(e.room)
    if (!followed) return
    const err = cliErrors.kicked(followed.title, e.by, e.reason)
    if (rooms.size === 1) return void finish(err)
    // Other rooms are still followed: say so and go on with them.
    const wasOnScreen = followed === rooms.active
    rooms.remove(e.room)
    print(`! ${err.message} (${err.code})`)
    if (wasOnScreen) queue = queue.then(() => show(rooms.active))
    else updatePrompt()
  })

  const reconnect = async (): Promise<void> => {
    print('* connection lost; reconnecting…')
    for (let i = 0; i < RECONNECT_TRIES; i++) {
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(i, { minMs: 500, maxMs: 30_000 })))
      if (closing) return
      try {
        await client.reconnect() // re-authenticates and replays what was missed (shown by the handlers)
        print('* reconnected')
        return
      } catch (err) {
        if (isChatError(err) && err.code === 'CHATHUB_TOKEN_INVALID') return void finish(err)
      }
    }
    void finish(cliErrors.connectionLost(1006, 'could not reconnect'))
  }
  let reconnecting = false
  client.on('close', (code: number, reason: string) => {
    if (closing || reconnecting) return
    if (code === CloseCodes.authFailed || code === CloseCodes.sessionRevoked) return void finish(coreErrors.tokenInvalid())
    if (!RECONNECT_CODES.has(code)) return void finish(cliErrors.connectionLost(code, reason))
    reconnecting = true
    ready = reconnect().finally(() => {
      reconnecting = false
    })
  })

  /** Follow a room or direct conversation on this connection (join subscribes); `newest` is its seq. */
  const follow = async (target: ChatTarget) => {
    joining.add(target.room)
    try {
      const joined = await client.join(target.room)
      client.lastSeq.set(target.room, Math.max(client.lastSeq.get(target.room) ?? 0, joined.seq))
      const followed = rooms.add(target)
      followed.newest = Math.max(followed.newest, joined.seq)
      return { followed, online: joined.online }
    } finally {
      joining.delete(target.room)
    }
  }

  /**
   * Put a followed room on the screen. The first time: its banner and recent history (and who is
   * online, for the room the chat starts in); later: what arrived since it was last shown.
   */
  const show = async (followed: FollowedRoom, online?: string[]) => {
    live = false
    rooms.active = followed
    updatePrompt()
    const { room } = followed
    const heading = followed.peer === undefined ? room : `direct with ${followed.peer}`
    if (!followed.visited) {
      followed.visited = true
      const page = options.history > 0 ? await client.history(room, { limit: options.history }) : { messages: [] }
      // On a terminal, the hint suggests only commands this hub has (it lists them for the room).
      const hint = tty ? `; ${chatHint(await client.commands(room).then((a) => a.commands, () => undefined))}` : ''
      print(`— ${heading} — ${plural(followed.newest, 'message')}${hint}`)
      for (const m of page.messages) showMessage(m)
    } else {
      const page = await client.history(room, { limit: Math.max(options.history, 1) })
      const fresh = page.messages.filter((m) => m.seq > followed.shownUpTo)
      print(`— ${heading} — ${fresh.length === 0 ? 'nothing new' : `${fresh.length} new`}`)
      const first = fresh[0]
      if (first && first.seq > followed.shownUpTo + 1 && followed.shownUpTo > 0)
        print(`* older ones not shown: chathub history ${followed.peer === undefined ? `--room ${room}` : `--dm ${followed.peer}`} --before ${first.seq}`)
      for (const m of fresh) showMessage(m)
    }
    followed.shown(followed.newest)
    live = true
    for (const m of early.splice(0)) route(m)
    if (online) {
      const others = online.filter((u) => u !== me)
      print(`* online: ${others.length > 0 ? others.join(', ') : 'nobody else'}${me ? ` (you are ${me})` : ''}`)
    }
    if (rooms.size > 1 && online) print(`* also following: ${others(followed)} — /switch NAME, /rooms`)
  }
  const others = (on: FollowedRoom) =>
    rooms
      .all()
      .filter((r) => r !== on)
      .map((r) => (r.counts() === '' ? r.title : `${r.title} (${r.counts()})`))
      .join(', ')

  /** `/switch NAME`: a followed room, or one to follow now (a room is joined, `@user` opened). */
  const switchTo = async (name: string | undefined) => {
    if (name === undefined) {
      const next = rooms.waiting()[0]
      return next ? show(next) : print('* nothing unread elsewhere; /switch NAME, /rooms')
    }
    const known = rooms.find(name) ?? rooms.get(name)
    if (known) return known === rooms.active ? print(`* already in ${known.title}`) : show(known)
    const target: ChatTarget = name.startsWith('@')
      ? await client.openDirect(name.slice(1)).then((ack) => ({ room: ack.room, peer: ack.user }))
      : { room: name }
    return show((await follow(target)).followed)
  }

  // Follow everything first (unread counts for the others from the hub), then show the first.
  const [first, ...rest] = options.targets
  if (!first) throw new Error('runChat needs a room to follow')
  const { online } = await follow(first)
  for (const target of rest) await follow(target)
  if (rest.length > 0) {
    const { rooms: listed } = await client.rooms()
    for (const summary of listed) {
      const followed = rooms.get(summary.name)
      if (!followed || followed === rooms.active) continue
      followed.unread = summary.unread ?? 0
      followed.mentions = summary.mentions ?? 0
    }
  }
  await show(rooms.active, online)

  const sendLine = async (line: string) => {
    const text = line.trimEnd()
    if (text.trim() === '') return
    const action = parseChatLine(text)
    if (action.kind === 'quit') {
      rl?.close()
      return
    }
    if (action.kind === 'usage') return print(`! ${action.text}`)
    // `/help` is answered by the hub (its commands); the chat's own come first.
    if (text === '/help') {
      print(`* ${LOCAL_HELP}`)
      for (const c of CHAT_COMMANDS) print(`*   ${c.usage.padEnd(20)} ${c.summary}`)
    }
    await ready
    try {
      await act(action)
    } catch (err) {
      if (!isChatError(err)) throw err
      if (err.code !== 'CHATHUB_CONNECTION_CLOSED') print(`! ${err.message} (${err.code})`)
    }
  }
  const act = async (action: Exclude<ChatAction, { kind: 'quit' | 'usage' }>): Promise<void> => {
    const active = rooms.active
    const { room } = active
    switch (action.kind) {
      case 'send': {
        const txn = randomUUID()
        sentTxns.add(txn)
        try {
          const ack = await client.say(room, action.text, { txn, ...(action.replyTo === undefined ? {} : { replyTo: action.replyTo }) })
          if (ack.seq > 0) active.lastOwnSeq = ack.seq
        } catch (err) {
          sentTxns.delete(txn)
          throw err
        }
        return
      }
      case 'edit': {
        const seq = action.seq ?? active.lastOwnSeq
        if (seq === undefined) return print('! nothing of yours to edit yet: /edit SEQ TEXT')
        await client.edit(room, seq, action.text)
        return print(`* #${seq} edited`)
      }
      case 'delete': {
        const seq = action.seq ?? active.lastOwnSeq
        if (seq === undefined) return print('! nothing of yours to delete yet: /delete SEQ')
        await client.delete(room, seq)
        if (seq === active.lastOwnSeq) active.lastOwnSeq = undefined
        return print(`* #${seq} deleted`)
      }
      case 'react': {
        const seq = action.seq ?? active.shownUpTo
        if (seq === 0) return print('! no message to react to yet: /react SEQ EMOJI')
        const ack = await client.react(room, seq, action.emoji, { remove: action.remove })
        return print(`* ${action.remove ? 'took back' : 'reacted'} ${ack.emoji} ${action.remove ? 'from' : 'to'} #${seq}`)
      }
      case 'topic': {
        const ack = await client.topic(room, action.topic)
        return print(ack.topic === '' ? '* topic cleared' : `* topic: ${ack.topic}`)
      }
      case 'who': {
        const { members } = await client.members(room)
        const online = members.filter((m) => m.online)
        const list = members.map((m) => `${m.user}${m.role === 'member' ? '' : ` (${m.role})`}${m.online ? ' ●' : ''}`)
        return print(`* ${plural(members.length, 'member')}, ${online.length} online (●): ${list.join(', ')}`)
      }
      case 'switch':
        return switchTo(action.target)
      case 'rooms':
        for (const line of rooms.listing()) print(line)
        return
    }
  }

  rl = createInterface({
    input,
    output: tty ? output : undefined,
    terminal: tty,
    prompt: rooms.prompt(),
  })
  rl.on('line', (line) => {
    queue = queue.then(() => sendLine(line)).catch((err: unknown) => print(`! ${String(err)}`))
  })
  rl.on('SIGINT', () => rl?.close())
  rl.on('close', () => {
    // EOF or /quit: leave once every line sent so far is acked.
    void queue.then(() => finish())
  })
  if (tty) {
    input.on('keypress', (_s: string, key: { name?: string } | undefined) => {
      if (key?.name === 'return' || key?.name === 'enter') return
      // Commands (/quit, /help) and an empty line are not "typing a message".
      const current = rl?.line ?? ''
      if (current.trim() === '' || current.startsWith('/')) return
      const now = Date.now()
      if (now - lastTypingSent < TYPING_EVERY_MS) return
      lastTypingSent = now
      client.typing(rooms.active.room).catch(() => {})
    })
    rl.prompt()
  }
  return done
}
