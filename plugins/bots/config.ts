// The bots plugin's options under `plugins.bots` (TypeBox; validated by the host before setup).
import { type Static, Type } from '#typebox'

const NameList = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description }))

export const CommandAclSchema = Type.Object(
  {
    roles: NameList('room roles (owner, moderator, member; a higher role includes lower ones) or "admin" that may run it'),
    users: NameList('users that may run it (besides the roles)'),
    rooms: NameList('rooms where it may run'),
    sensitive: Type.Optional(Type.Boolean({ description: 'require a fresh TOTP code (when the totp plugin is enabled)' })),
  },
  { additionalProperties: false },
)

export const BotConfigSchema = Type.Object(
  {
    file: Type.String({ minLength: 1, description: 'the bot script (.ts or .js), relative to `dir`' }),
    rooms: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }), {
      minItems: 1,
      description: 'rooms the bot joins; its token is scoped to them',
    }),
    permissions: Type.Object(
      {
        store: Type.Boolean({ default: true, description: 'may use its key-value store' }),
        schedules: Type.Boolean({ default: true, description: 'may use every() and at()' }),
      },
      { additionalProperties: false, default: {} },
    ),
    fetchAllow: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'hosts fetch() may reach: "api.example.com", "127.0.0.1:8080" or "*.example.com"; empty: none',
    }),
    commands: Type.Record(Type.String(), CommandAclSchema, {
      default: {},
      description: 'access controls per command name (Errbot-style); a command not listed is open to all',
    }),
    enabled: Type.Boolean({ default: true, description: 'false: configured but not started' }),
  },
  { additionalProperties: false },
)

export const BotsConfigSchema = Type.Object(
  {
    dir: Type.String({ minLength: 1, default: 'bots', description: 'folder of the bot scripts (watched: edits reload)' }),
    memoryMb: Type.Integer({ minimum: 8, maximum: 4096, default: 64, description: 'heap limit of each bot isolate, MB' }),
    cpuMsPerEvent: Type.Integer({ minimum: 5, default: 200, description: 'CPU time one event may use in a bot, ms' }),
    wallMsPerEvent: Type.Integer({ minimum: 100, default: 30_000, description: 'wall time one event may take (awaits included), ms' }),
    sendsPerSecond: Type.Number({ exclusiveMinimum: 0, default: 5, description: 'messages a bot may send per second' }),
    sendBurst: Type.Integer({ minimum: 1, default: 20, description: 'messages a bot may send in a burst' }),
    queueMax: Type.Integer({ minimum: 1, default: 1000, description: 'events waiting per bot before new ones are dropped' }),
    storeQuotaBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'store size per bot (keys + JSON values), bytes' }),
    fetchTimeoutMs: Type.Integer({ minimum: 100, default: 5000, description: 'fetch() timeout, ms' }),
    fetchMaxBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: 'largest fetch() response body, bytes' }),
    replayMissed: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 100,
      description: 'messages a bot missed while it was down, replayed per room when it is back (the newest ones); 0: none',
    }),
    restartDelayMs: Type.Integer({ minimum: 10, default: 1000, description: 'first restart delay after a failure (doubles each time)' }),
    maxRestartDelayMs: Type.Integer({ minimum: 10, default: 60_000, description: 'longest restart delay' }),
    maxFailures: Type.Integer({
      minimum: 1,
      default: 5,
      description: 'failures within failureWindowMs after which a bot is disabled (editing its file or `bot enable` revives it)',
    }),
    failureWindowMs: Type.Integer({ minimum: 1000, default: 600_000, description: 'window in which failures count, ms' }),
    overrunsPerUser: Type.Integer({
      minimum: 0,
      default: 3,
      description:
        'events one user may send that run over cpuMsPerEvent or wallMsPerEvent within overrunWindowMs before the bot ignores that user until the window clears (overruns are skipped, never counted as the bot\'s failures); 0: no limit',
    }),
    overrunWindowMs: Type.Integer({ minimum: 1000, default: 300_000, description: 'window in which a user\'s overruns count, ms' }),
    bots: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,31}$' }), BotConfigSchema, {
      default: {},
      description: 'the bots, by account name',
    }),
  },
  { additionalProperties: false },
)
export type BotsConfig = Static<typeof BotsConfigSchema>
export type BotConfig = Static<typeof BotConfigSchema>
