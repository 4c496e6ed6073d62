// The bots plugin: scriptable bots in isolated-vm isolates inside a supervised child process. Each
// bot is a bot account; this plugin acts as it in-process through ctx.hub, scoped to the bot's rooms
// (and its own direct conversations), and relays between the hub and the child over IPC (no
// WebSocket, no token). Its `/commands` reach it through this plugin (access controls, TOTP
// step-up), `/help` lists them.
import { resolve } from 'node:path'
import { type Caller, type ChatCommand, definePlugin } from '#core/plugin-api'
import { BotsConfigSchema } from './config.ts'
import { botsErrors } from './errors.ts'
import type { BotSpec, HelpEntry } from './protocol.ts'
import { Supervisor } from './supervisor.ts'

/**
 * The label of the tokens older versions of this plugin issued for their bot host (which talked to
 * the hub over the wire protocol); revoked at start. Tokens of `chathub bot token create` stay.
 */
export const TOKEN_LABEL = 'bots plugin'

/** What the totp plugin offers for step-up (found through ctx.services when it is enabled). */
interface StepUp {
  requireFreshCode(userId: number, options: { action: string; code?: string }): void
}

const isStepUp = (v: unknown): v is StepUp =>
  typeof v === 'object' && v !== null && typeof (v as StepUp).requireFreshCode === 'function'

export default definePlugin({
  name: 'bots',
  version: '0.1.0',
  description: 'scripted bots in sandboxes (isolated-vm), each a bot account in its rooms',
  /** Its tables (schema.ts); `npm run db:generate:plugin -- bots` adds a migration here. */
  migrations: new URL('./migrations/', import.meta.url),
  optionalDependencies: ['totp'],
  config: BotsConfigSchema,

  setup(ctx) {
    const { config, db, log } = ctx
    const dir = resolve(config.dir)
    const bots: { spec: BotSpec; accountId: number }[] = []
    for (const [name, bot] of Object.entries(config.bots)) {
      let user = ctx.auth.findUser(name)
      if (user && user.kind !== 'bot') throw botsErrors.nameTaken(name)
      if (!user) {
        user = ctx.auth.createAccount(name, 'bot')
        ctx.audit({ actor: 'bots', action: 'bots.account.created', target: name })
      }
      // The bot host needs no token: tokens an older version issued for it (and their sockets) end
      // here. Other tokens of the account (`chathub bot token create`) stay valid.
      ctx.auth.endSessions(user.id, { reason: 'bot restarted', label: TOKEN_LABEL })
      bots.push({
        spec: {
          name,
          file: resolve(dir, bot.file),
          rooms: bot.rooms,
          fetchAllow: bot.fetchAllow,
          commands: bot.commands,
          permissions: bot.permissions,
        },
        accountId: user.id,
      })
    }
    const supervisor = new Supervisor({
      config: { ...config, dir },
      bots,
      hub: ctx.hub,
      db,
      log,
      dataDir: ctx.dataDir,
      audit: ctx.audit,
      now: ctx.now,
    })

    // Step-up for sensitive commands when the totp plugin is enabled (an optional dependency).
    const totp: unknown = ctx.services.totp
    const stepUp: StepUp | undefined = isStepUp(totp) ? totp : undefined

    const runBotCommand =
      (name: string): ChatCommand =>
      async (args, caller) => {
        let candidates = supervisor.commandBots(name, caller.room)
        // Not a bot's configured room: perhaps a direct conversation with one it has not seen yet.
        if (candidates.length === 0) {
          supervisor.findDirect(caller.room)
          candidates = supervisor.commandBots(name, caller.room)
        }
        const [bot] = candidates
        if (!bot) throw botsErrors.notHere(name)
        if (bot.state !== 'running') throw botsErrors.unavailable(bot.spec.name)
        const info = bot.manifest?.commands.find((c) => c.name === name)
        let rest = args
        if (info?.sensitive || bot.spec.commands[name]?.sensitive) {
          // `/deploy prod --code 123456`: a code given with the command is the step-up itself.
          const i = args.indexOf('--code')
          const code = i >= 0 ? args[i + 1] : undefined
          if (i >= 0) rest = [...args.slice(0, i), ...args.slice(i + 2)]
          stepUp?.requireFreshCode(caller.userId, { action: `bots.${bot.spec.name}.${name}`, ...(code ? { code } : {}) })
        }
        const text = await supervisor.command(bot.spec.name, name, rest, {
          user: caller.user,
          room: caller.room,
          admin: caller.admin,
        })
        return text
      }

    const offered = (caller: Caller) => supervisor.help({ user: caller.user, room: caller.room, admin: caller.admin })

    return {
      commands: {
        help: {
          summary: 'the bot commands you may run here, with the bot that answers each',
          async run(_args, caller) {
            const lines = (await offered(caller)).map((c) => `/${c.name}${c.usage ? ` ${c.usage}` : ''} — ${helpLine(c)}`)
            return lines.join('\n') || 'No bot commands you may run in this room.'
          },
        },
      },
      commandFor: (name) => (supervisor.knowsCommand(name) ? runBotCommand(name) : undefined),
      listCommands: async (caller) =>
        (await offered(caller)).map((c) => ({ name: c.name, ...(c.usage ? { usage: c.usage } : {}), summary: helpLine(c) })),
      onListen() {
        supervisor.start()
        log.info({ bots: bots.length }, 'bot host starting')
      },
      close: () => supervisor.close(),
    }
  },
})

/** `ship it [ops] (needs a fresh TOTP code)`: what a bot command does, and which bot answers it. */
const helpLine = (c: HelpEntry): string =>
  `${c.help || 'no help text'} [${c.bot}]${c.sensitive ? ' (needs a fresh TOTP code)' : ''}`
