// An external bot: its own program, connecting over the wire protocol with the client SDK and a
// room-scoped bot token (`chathub bot token create clock --rooms lobby`). It answers `!time` and
// `@clock ping`. Unlike script bots it is not sandboxed: it runs wherever you run it, with the
// powers of its token only (rooms in scope, rate limits, marked as a bot).
//
//   CHATHUB_URL=http://127.0.0.1:8080 CHATHUB_BOT_TOKEN=chb_... npx tsx examples/external-bot.ts lobby
import { pathToFileURL } from 'node:url'
import { ChatClient } from '#core/client/sdk'
import type { EventOf } from '#core/protocol/messages'

export interface ExternalBot {
  client: ChatClient
  stop(): Promise<void>
}

export const runExternalBot = async (options: { url: string; token: string; rooms: string[] }): Promise<ExternalBot> => {
  const client = await ChatClient.connect(options.url, options.token)
  const name = client.user
  for (const room of options.rooms) await client.join(room)
  client.on('message', (m: EventOf<'message'>) => {
    if (m.from === name || m.bot || m.text === null) return
    let answer: string | undefined
    if (m.text.trim() === '!time') answer = new Date().toISOString()
    else if (new RegExp(`^@${name}\\s+ping\\b`, 'i').test(m.text)) answer = `@${m.from} pong`
    if (answer) client.say(m.room, answer, { replyTo: m.seq }).catch((err: Error) => process.stderr.write(`send failed: ${err.message}\n`))
  })
  return { client, stop: () => client.close() }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env.CHATHUB_URL ?? 'http://127.0.0.1:8080'
  const token = process.env.CHATHUB_BOT_TOKEN
  if (!token) {
    process.stderr.write('set CHATHUB_BOT_TOKEN (from `chathub bot token create NAME --rooms ROOM`)\n')
    process.exit(1)
  }
  const bot = await runExternalBot({ url, token, rooms: process.argv.slice(2).length ? process.argv.slice(2) : ['lobby'] })
  process.stdout.write(`connected as ${bot.client.user}; Ctrl-C stops\n`)
  process.once('SIGINT', () => void bot.stop().then(() => process.exit(0)))
}
