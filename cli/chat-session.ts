// The terminal chat behind `chathub chat`: recent history, then live messages, typing and presence,
// and every line read from stdin sent to the room. Works on a terminal (prompt kept below incoming
// lines) and on pipes (lines in, exit at EOF once every line is acked).
import { randomUUID } from 'node:crypto'
import { type Interface, clearLine, createInterface, cursorTo, moveCursor } from 'node:readline'
import { backoffDelay } from '#core/backoff'
import type { ChatClient } from '#core/client/sdk'
import { type ChatError, coreErrors, isChatError } from '#core/errors'
import { CloseCodes } from '#core/protocol/close-codes'
import type { EventOf, MessageView } from '#core/protocol/messages'
import { cliErrors } from './errors.ts'
import { LOCAL_HELP, chatHint } from './chat-hint.ts'
import { CHAT_COMMANDS, parseChatLine } from './chat-commands.ts'
import { formatMessage, plural } from './format.ts'
import { ReadTracker } from './read-tracker.ts'

export interface ChatOptions {
  room: string
  /** A direct conversation: the other participant (shown instead of the room name). */
  peer?: string
  /** How many recent messages to show first. */
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
  const { room, input, output } = options
  const title = options.peer === undefined ? room : `@${options.peer}`
  const tty = Boolean(input.isTTY && output.isTTY)
  const me = client.user
  let rl: Interface | undefined = undefined
  let shownUpTo = 0
  // What is shown is read: the hub moves the marker (unread counts on every device follow).
  const reads = new ReadTracker(client, room)
  /** Other rooms whose messages reach this chat: the user's direct conversations. */
  const directRooms = new Set<string>()
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

  const showMessage = (m: MessageView) => {
    if (m.seq <= shownUpTo) return
    shownUpTo = m.seq
    reads.shownUpTo(m.seq)
    typingShownAt.delete(m.from)
    if (m.txn !== undefined && m.from === me && sentTxns.delete(m.txn)) return // our own line, already on screen
    print(formatMessage(m))
  }

  const finish = async (err?: ChatError) => {
    if (closing) return
    closing = true
    clearTimeout(typingTimer)
    rl?.close()
    await reads.flush()
    client.removeAllListeners()
    await client.close()
    if (err) settle?.reject(err)
    else settle?.resolve()
  }

  client.on('message', (m: EventOf<'message'>) => {
    // This connection follows only the chat's room and, unasked, the user's direct conversations.
    if (m.room !== room) {
      directRooms.add(m.room)
      if (live && m.from !== me && m.text !== null) print(`* direct message from ${m.from}: ${m.text} (answer with chathub chat --dm ${m.from})`)
      return
    }
    if (live) showMessage(m)
    else early.push(m)
  })
  client.on('reaction', (e: EventOf<'reaction'>) => {
    if (e.room === room && e.user !== me) print(`* ${e.user} ${e.added ? 'reacted' : 'took back'} ${e.emoji} ${e.added ? 'to' : 'from'} #${e.seq}`)
  })
  client.on('edited', (e: EventOf<'edited'>) => {
    if (e.room === room) print(`* #${e.seq} edited: ${e.text}`)
  })
  client.on('deleted', (e: EventOf<'deleted'>) => {
    if (e.room === room) print(`* #${e.seq} deleted by ${e.by}`)
  })
  client.on('typing', (e: EventOf<'typing'>) => {
    if (e.room !== room || e.user === me) return
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
    if (e.room === room && e.user !== me)
      print(`* ${e.user} ${e.status === 'online' ? 'is online' : 'went offline'}`)
  })
  client.on('joined', (e: EventOf<'joined'>) => {
    if (e.room === room && e.user !== me) print(`* ${e.user} joined ${title}`)
  })
  client.on('left', (e: EventOf<'left'>) => {
    if (e.room === room && e.user !== me) print(`* ${e.user} left ${title}`)
  })
  // Mentions elsewhere (a direct message that mentions you is shown whole already).
  client.on('mention', (e: EventOf<'mention'>) => {
    if (e.room !== room && !directRooms.has(e.room)) print(`* ${e.from} mentioned you in ${e.room} (#${e.seq})`)
  })
  client.on('invited', (e: EventOf<'invited'>) =>
    print(`* ${e.by} invited you to ${e.room} (chathub chat --room ${e.room})`),
  )
  client.on('topic', (e: EventOf<'topic'>) => {
    if (e.room === room) print(e.topic === '' ? `* ${e.by} cleared the topic` : `* ${e.by} set the topic: ${e.topic}`)
  })
  client.on('notice', (e: EventOf<'notice'>) => {
    if (e.room === undefined || e.room === room) print(`* ${e.text}`)
  })
  client.on('kicked', (e: EventOf<'kicked'>) => {
    if (e.room === room) void finish(cliErrors.kicked(title, e.by, e.reason))
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

  // Join (which subscribes), then show the recent page; live messages that raced it are merged by seq.
  const joined = await client.join(room)
  const seen = client.lastSeq.get(room) ?? 0
  client.lastSeq.set(room, Math.max(seen, joined.seq))
  const page =
    options.history > 0 ? await client.history(room, { limit: options.history }) : { messages: [] }
  const heading = options.peer === undefined ? room : `direct with ${options.peer}`
  // On a terminal, the hint suggests only commands this hub has (it lists them for the room).
  const hint = tty ? `; ${chatHint(await client.commands(room).then((a) => a.commands, () => undefined))}` : ''
  print(`— ${heading} — ${plural(joined.seq, 'message')}${hint}`)
  for (const m of page.messages) showMessage(m)
  shownUpTo = Math.max(shownUpTo, joined.seq)
  reads.shownUpTo(shownUpTo)
  live = true
  for (const m of early.splice(0)) showMessage(m)
  const others = joined.online.filter((u) => u !== me)
  print(
    `* online: ${others.length > 0 ? others.join(', ') : 'nobody else'}${me ? ` (you are ${me})` : ''}`,
  )

  /** The last message this chat sent (what /edit and /delete act on without a SEQ). */
  let lastOwnSeq: number | undefined
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
  const act = async (action: Exclude<ReturnType<typeof parseChatLine>, { kind: 'quit' | 'usage' }>): Promise<void> => {
    switch (action.kind) {
      case 'send': {
        const txn = randomUUID()
        sentTxns.add(txn)
        try {
          const ack = await client.say(room, action.text, { txn, ...(action.replyTo === undefined ? {} : { replyTo: action.replyTo }) })
          if (ack.seq > 0) lastOwnSeq = ack.seq
        } catch (err) {
          sentTxns.delete(txn)
          throw err
        }
        return
      }
      case 'edit': {
        const seq = action.seq ?? lastOwnSeq
        if (seq === undefined) return print('! nothing of yours to edit yet: /edit SEQ TEXT')
        await client.edit(room, seq, action.text)
        return print(`* #${seq} edited`)
      }
      case 'delete': {
        const seq = action.seq ?? lastOwnSeq
        if (seq === undefined) return print('! nothing of yours to delete yet: /delete SEQ')
        await client.delete(room, seq)
        if (seq === lastOwnSeq) lastOwnSeq = undefined
        return print(`* #${seq} deleted`)
      }
      case 'react': {
        const seq = action.seq ?? shownUpTo
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
    }
  }

  rl = createInterface({
    input,
    output: tty ? output : undefined,
    terminal: tty,
    prompt: `${title}> `,
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
      client.typing(room).catch(() => {})
    })
    rl.prompt()
  }
  return done
}
