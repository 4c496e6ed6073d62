// The hub config: schema, defaults, and the loader (file < CHATHUB_* env < flags). The only reader of process.env in core.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Static, type TSchema, Type } from '#typebox'
import { parse as parseYaml } from 'yaml'
import { coreErrors } from './errors.ts'
import { compile } from './schema/validator.ts'

export const HubConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      default: './data',
      description: 'folder for the SQLite database, the server key and attachments (created if missing)',
    }),
    serverKey: Type.String({
      default: '',
      description:
        'server key (base64, 32 bytes) that encrypts secrets at rest; empty: read or create <dataDir>/server.key (secret)',
    }),
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', description: 'address to listen on' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'TCP port (0 picks a free one)' }),
        tlsCert: Type.String({ default: '', description: 'PEM certificate file; with tlsKey, serves HTTPS/WSS' }),
        tlsKey: Type.String({ default: '', description: 'PEM private key file (secret)' }),
        allowedOrigins: Type.Array(Type.String(), {
          default: [],
          description:
            'browser Origins allowed to open WebSockets with a token (e.g. a web client served from https://chat.example.org), ' +
            'besides the hub\'s own origin and web.allowedOrigins; others are refused. They cannot use the browser session cookie',
        }),
        trustProxy: Type.Boolean({
          default: false,
          description:
            'deprecated, use trustedProxies: true now trusts X-Forwarded-For only from this machine (as trustedProxies: [loopback]), never from every peer',
        }),
        trustedProxies: Type.Array(Type.String(), {
          default: [],
          description:
            'reverse proxies whose X-Forwarded-For names the client (for per-address limits and logs), and whose ' +
            'X-Forwarded-Proto/-Host (or Forwarded) name the scheme and host browsers use (the hub\'s own origin, Secure ' +
            'cookies): IP addresses, CIDR ranges (10.0.0.0/8) or loopback, linklocal, uniquelocal; any other peer is its own ' +
            'client address. Empty: forwarded headers are ignored',
        }),
        metricsToken: Type.String({
          default: '',
          description:
            'bearer token GET /metrics requires (Authorization: Bearer <token>; others get 401 CHATHUB_METRICS_UNAUTHORIZED); ' +
            'empty: /metrics is open to anyone who can reach the port (secret)',
        }),
        publicUrl: Type.String({ default: '', description: 'URL users reach the hub at (shown in links)' }),
      },
      { default: {}, additionalProperties: false },
    ),
    db: Type.Object(
      {
        synchronous: Type.Union([Type.Literal('normal'), Type.Literal('full')], {
          default: 'normal',
          description:
            'normal: acked messages survive a killed process; full: also a power loss (an fsync per commit)',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    auth: Type.Object(
      {
        sessionTtlHours: Type.Integer({ minimum: 1, default: 720, description: 'session lifetime in hours' }),
        minPasswordLength: Type.Integer({ minimum: 8, default: 12, description: 'shortest password accepted' }),
        loginAttemptsPerAccount: Type.Integer({
          minimum: 1,
          default: 5,
          description:
            'failed logins per account from one client address per window; past it that address is refused for ' +
            'that account until the window ends (the owner elsewhere is not). Also the failures an account takes, ' +
            'from all addresses together, before it is slowed down (loginBackoffMaxSeconds)',
        }),
        loginAttemptsPerAddress: Type.Integer({
          minimum: 1,
          default: 30,
          description: 'login attempts per client address per window',
        }),
        loginWindowSeconds: Type.Integer({ minimum: 1, default: 300, description: 'login rate-limit window' }),
        loginBackoffMaxSeconds: Type.Integer({
          minimum: 1,
          default: 60,
          description:
            'longest wait between login attempts on an account that failed loginAttemptsPerAccount times: it takes ' +
            'one attempt, then waits 1, 2, 4 ... seconds up to this (CHATHUB_RATE_LIMITED with retryAfter); addresses ' +
            'that logged in to it recently are not slowed; a right password resets it',
        }),
        argon2MemoryKib: Type.Integer({
          minimum: 19456,
          default: 19456,
          description: 'argon2id memory cost (OWASP minimum 19456 KiB with 2 passes)',
        }),
        argon2Passes: Type.Integer({ minimum: 2, default: 2, description: 'argon2id time cost' }),
      },
      { default: {}, additionalProperties: false },
    ),
    limits: Type.Object(
      {
        maxFrameBytes: Type.Integer({
          minimum: 1024,
          default: 65536,
          description: 'largest WebSocket frame; bigger frames close the connection with 1009',
        }),
        maxMessageLength: Type.Integer({ minimum: 1, default: 4000, description: 'characters per message' }),
        messagesPerSecond: Type.Number({ exclusiveMinimum: 0, default: 20, description: 'frames/s per connection' }),
        messageBurst: Type.Integer({ minimum: 1, default: 60, description: 'frames allowed in a burst' }),
        bridgeMessagesPerSecond: Type.Number({
          exclusiveMinimum: 0,
          default: 500,
          description: 'frames/s per connection of a bridge account (it speaks for a whole remote channel)',
        }),
        connectionsPerUser: Type.Integer({
          minimum: 1,
          default: 20,
          description: 'open WebSockets per account; more are closed with 4029',
        }),
        connectionsPerAddress: Type.Integer({
          minimum: 1,
          default: 200,
          description: 'open WebSockets per client address; more are closed with 4029',
        }),
        maxBufferedBytes: Type.Integer({
          minimum: 16384,
          default: 4194304,
          description: 'bytes queued to a slow client before it is disconnected (close 4009)',
        }),
        heartbeatSeconds: Type.Integer({
          minimum: 1,
          default: 30,
          description: 'ping interval; a client silent for two intervals is dropped',
        }),
        presenceBatchMs: Type.Integer({
          minimum: 0,
          maximum: 10000,
          default: 100,
          description:
            'online/offline changes of a room within this window are announced together, one write per follower; a reconnect inside it is not announced (0: each change at once)',
        }),
        authTimeoutSeconds: Type.Integer({ minimum: 1, default: 10, description: 'time to send the auth frame' }),
        historyPageMax: Type.Integer({ minimum: 1, default: 200, description: 'messages per history page' }),
        replayMax: Type.Integer({
          minimum: 1,
          default: 5000,
          description: 'missed messages replayed per join; the client asks again for more',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    attachments: Type.Object(
      {
        maxBytes: Type.Integer({
          minimum: 1,
          default: 25 * 1024 * 1024,
          description: 'largest attachment upload in bytes (bigger ones get 413 CHATHUB_ATTACHMENT_TOO_LARGE)',
        }),
        maxPixels: Type.Integer({
          minimum: 1,
          default: 40_000_000,
          description: 'largest image (width × height) the hub decodes, for dimensions and thumbnails',
        }),
        thumbnailSize: Type.Integer({
          minimum: 16,
          maximum: 1024,
          default: 320,
          description: 'longest side of image thumbnails, in pixels',
        }),
        quotaBytesPerUser: Type.Integer({
          minimum: 0,
          default: 1024 * 1024 * 1024,
          description:
            'attachment bytes each account may keep stored (every upload counts until it is deleted); 0: unlimited. ' +
            'An upload past it gets 413 CHATHUB_ATTACHMENT_QUOTA_EXCEEDED',
        }),
        maxTotalBytes: Type.Integer({
          minimum: 0,
          default: 0,
          description:
            'attachment bytes the whole hub may keep stored (distinct files; thumbnails not counted); 0: unlimited. ' +
            'An upload past it gets 507 CHATHUB_ATTACHMENT_STORAGE_FULL',
        }),
        unlinkedTtlMinutes: Type.Integer({
          minimum: 1,
          default: 360,
          description: 'an upload not sent in any message within this many minutes is deleted',
        }),
        sweepIntervalSeconds: Type.Integer({
          minimum: 0,
          default: 900,
          description:
            'how often the hub deletes expired uploads, attachments of deleted messages and files nothing ' +
            'references any more; 0: never (run `chathub attachment prune` from cron instead)',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    rooms: Type.Object(
      {
        usersCanCreate: Type.Boolean({ default: true, description: 'whether non-admins may create rooms' }),
      },
      { default: {}, additionalProperties: false },
    ),
    e2e: Type.Object(
      {
        directMessages: Type.Boolean({
          default: false,
          description:
            'every new direct conversation is end-to-end encrypted (its group is made on the opener\'s device); the hub ' +
            'refuses to open a new one in clear (CHATHUB_E2E_REQUIRED). Conversations that exist already stay as they are',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    retention: Type.Object(
      {
        days: Type.Integer({
          minimum: 0,
          default: 0,
          description:
            'delete messages older than this many days, in every room without its own policy (`chathub room set ' +
            '--retention`); 0: keep forever',
        }),
        sweepIntervalSeconds: Type.Integer({
          minimum: 0,
          default: 3600,
          description: 'how often the hub deletes messages past their room\'s retention; 0: never',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    ws: Type.Object(
      {
        perMessageDeflate: Type.Boolean({
          default: false,
          description: 'compress frames (costs CPU and memory; off unless you need it)',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    web: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'serve the browser client at / (false: the hub answers the API, the WebSocket and the CLI only)',
        }),
        dir: Type.String({
          default: '',
          description:
            'folder holding the built browser client (its index.html and assets/); empty: web/dist of the chathub package, ' +
            'built by `npm install` or `npm run build`',
        }),
        allowedOrigins: Type.Array(Type.String(), {
          default: [],
          description:
            'origins besides the hub\'s own (e.g. https://chat.example.org) whose pages may use the browser session ' +
            'cookie, for HTTP requests and the WebSocket. The hub\'s own origin, also behind a trusted proxy, needs no entry',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info', description: 'log level' },
        ),
        file: Type.String({
          default: '',
          description:
            'append the log to this file (JSON lines); "": to stderr, readable lines on a terminal and JSON ' +
            'lines otherwise. `serve` prints its own messages to stdout either way',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    plugins: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.Record(Type.String(), Type.Unknown()), {
      default: {},
      description:
        'plugins to enable, by name, each with its own options; "module" loads a third-party plugin from a path or package',
    }),
  },
  { additionalProperties: false },
)
export type HubConfig = Static<typeof HubConfigSchema>

/** A partial config, as given by a file, the environment or flags. */
export type ConfigInput = Record<string, unknown>

const checker = compile(HubConfigSchema)

/** Validate and fill defaults; every bad key is reported in one CHATHUB_CONFIG_INVALID error. */
export const resolveConfig = (input: ConfigInput): HubConfig => {
  const value = structuredClone(input)
  if (!checker.check(value)) throw coreErrors.configInvalid(checker.problems().map((p) => `  ${p}`).join('\n'))
  return value
}

export const defaultConfig = (): HubConfig => resolveConfig({})

export interface LoadOptions {
  /** Config file path; else CHATHUB_CONFIG; else ./chathub.yaml if it exists. */
  file?: string
  /** Highest-precedence values (from CLI flags), as a nested partial config. */
  overrides?: ConfigInput
  env?: NodeJS.ProcessEnv
}

/** Read the config with precedence flags > env CHATHUB_* > file > defaults. */
export const loadConfig = (options: LoadOptions = {}): { config: HubConfig; file: string | undefined } => {
  const env = options.env ?? process.env
  const file = options.file ?? env.CHATHUB_CONFIG ?? (existsSync('chathub.yaml') ? 'chathub.yaml' : undefined)
  let fromFile: ConfigInput = {}
  if (file !== undefined) fromFile = readConfigFile(file)
  const merged = deepMerge(deepMerge(fromFile, envConfig(env)), options.overrides ?? {})
  return { config: resolveConfig(merged), file }
}

const readConfigFile = (file: string): ConfigInput => {
  let text: string
  try {
    text = readFileSync(resolve(file), 'utf8')
  } catch {
    throw coreErrors.configInvalid(`  cannot read config file ${file}; create one with \`chathub init\``)
  }
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch (err) {
    throw coreErrors.configInvalid(`  ${file} is not valid YAML: ${(err as Error).message}`)
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw coreErrors.configInvalid(`  ${file} must hold a YAML mapping of options`)
  }
  return parsed as ConfigInput
}

/** `limits.maxFrameBytes` <-> `CHATHUB_LIMITS_MAX_FRAME_BYTES`. */
export const envName = (path: string[]): string =>
  'CHATHUB_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')

interface Leaf {
  path: string[]
  schema: TSchema & { type?: string; default?: unknown }
}

/** Every scalar/array option of the schema, for env mapping and for `chathub init`. */
export const configLeaves = (schema: TSchema = HubConfigSchema, path: string[] = []): Leaf[] => {
  const s = schema as TSchema & { type?: string; properties?: Record<string, TSchema> }
  if (s.type === 'object' && s.properties) {
    return Object.entries(s.properties).flatMap(([key, child]) => configLeaves(child, [...path, key]))
  }
  return [{ path, schema: s }]
}

const envConfig = (env: NodeJS.ProcessEnv): ConfigInput => {
  const out: ConfigInput = {}
  const problems: string[] = []
  for (const leaf of configLeaves()) {
    if (leaf.path[0] === 'plugins') continue
    const name = envName(leaf.path)
    const raw = env[name]
    if (raw === undefined) continue
    const value = fromEnvString(raw, leaf.schema)
    if (value === undefined) {
      problems.push(`  ${name}: expected ${typeName(leaf.schema)}, got "${raw}"`)
      continue
    }
    setPath(out, leaf.path, value)
  }
  if (problems.length > 0) throw coreErrors.configInvalid(problems.join('\n'))
  return out
}

const typeName = (schema: Leaf['schema']): string => {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] }).anyOf
  if (anyOf) return `one of ${anyOf.map((a) => JSON.stringify(a.const)).join(', ')}`
  return schema.type ?? 'a value'
}

const fromEnvString = (raw: string, schema: Leaf['schema']): unknown => {
  switch (schema.type) {
    case 'integer':
      return /^-?\d+$/.test(raw) ? Number(raw) : undefined
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : undefined
    case 'boolean':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined
    case 'array':
      return raw === '' ? [] : raw.split(',').map((s) => s.trim())
    default:
      return raw
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

export const deepMerge = (base: ConfigInput, over: ConfigInput): ConfigInput => {
  const out: ConfigInput = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = out[k]
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v
  }
  return out
}

const setPath = (target: ConfigInput, path: string[], value: unknown) => {
  let node = target
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (!isPlainObject(next)) node[key] = {}
    node = node[key] as ConfigInput
  }
  node[path[path.length - 1] as string] = value
}
