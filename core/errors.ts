// ChatError and the core error codes. Codes are API: add freely, never rename or reuse.

export class ChatError<C extends string = string> extends Error {
  override readonly name = 'ChatError'
  constructor(
    readonly code: C,
    message: string,
    readonly status = 400,
    options?: ErrorOptions & { retryAfter?: number; details?: Record<string, unknown> },
  ) {
    super(message, options)
    this.retryAfter = options?.retryAfter
    this.details = options?.details
  }
  /** Seconds after which a refused action may be retried (rate limits, lock-outs). */
  readonly retryAfter: number | undefined
  /**
   * Extra fields for the client, sent beside `code` and `message` in an HTTP error body
   * (e.g. the pending-login `ticket` with TOTP_CODE_REQUIRED). Never secrets of others.
   */
  readonly details: Record<string, unknown> | undefined
}

/** Build a typed factory: the code is a literal type, the message takes typed arguments. */
export const defineError =
  <C extends string, A extends unknown[]>(code: C, status: number, message: (...args: A) => string) =>
  (...args: A) =>
    new ChatError(code, message(...args), status)

export const isChatError = (err: unknown): err is ChatError => err instanceof ChatError

/**
 * The ChatError a failure means to a client, where it has one: itself, CHATHUB_DATABASE_BUSY for
 * SQLite's SQLITE_BUSY (another process held the write lock past the busy timeout; nothing was
 * written), or a CHATHUB_STORAGE_* code when the database file cannot take the write (disk full,
 * read-only or failing storage, damage; see storageErrorOf). Anything else is a bug, for the caller
 * to log and answer CHATHUB_INTERNAL.
 */
export const chatErrorOf = (err: unknown): ChatError | undefined => {
  if (isChatError(err)) return err
  // Drizzle wraps the driver's error in its own, with the SqliteError as the cause.
  for (let e = err; e instanceof Error; e = e.cause) {
    const code = String((e as { code?: unknown }).code)
    if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_')) return coreErrors.databaseBusy()
    const storage = storageErrorOf(code)
    if (storage) return storage
  }
  return undefined
}

/** SQLite's result codes for storage that cannot take a write, as the error a client gets. */
const storageErrorOf = (code: string): ChatError | undefined => {
  if (code === 'SQLITE_FULL') return coreErrors.storageFull()
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_')) {
    return coreErrors.storageCorrupt()
  }
  if (['SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN'].some((c) => code === c || code.startsWith(`${c}_`))) {
    return coreErrors.storageFailed()
  }
  return undefined
}

export const coreErrors = {
  internal: defineError('CHATHUB_INTERNAL', 500, () => 'Something went wrong on the server; it was logged.'),
  databaseBusy: () =>
    new ChatError(
      'CHATHUB_DATABASE_BUSY',
      'The database stayed locked by another process for 5 s; nothing was changed. Try again.',
      503,
      { retryAfter: 1 },
    ),
  /** With `file`: at start (for the admin); without: a write that failed (for the client). */
  storageFull: (file?: string) =>
    new ChatError(
      'CHATHUB_STORAGE_FULL',
      file
        ? `The disk holding ${file} is full. Free space on it (or move the data directory), then start chathub again.`
        : "The hub's disk is full, so this was not saved. Try again later; the hub's admin has to free space.",
      507,
      { retryAfter: 10 },
    ),
  storageCorrupt: (file?: string, why?: string) =>
    new ChatError(
      'CHATHUB_STORAGE_CORRUPT',
      file
        ? `The database ${file} is damaged (${why ?? 'SQLite reports it malformed'}). Stop chathub, copy the data directory aside, run \`chathub db check\` and restore the database from a backup (docs/operations.md, "Database damage").`
        : "The hub's database is damaged, so this was not saved. Tell the hub's admin (`chathub db check`).",
      503,
    ),
  storageFailed: () =>
    new ChatError(
      'CHATHUB_STORAGE_FAILED',
      "The hub cannot write to its storage (read-only or failing disk), so this was not saved. Try again later; the hub's admin has to check the disk.",
      503,
      { retryAfter: 10 },
    ),
  dataDirUnwritable: defineError(
    'CHATHUB_DATA_DIR_UNWRITABLE',
    500,
    (path: string, why: string) =>
      `Cannot write to ${path} (${why}). chathub keeps its database there: make it writable for the user running chathub (owner and permissions, a read-only mount, \`chattr -i\`), or choose another --data-dir.`,
  ),
  dataDirLocked: defineError(
    'CHATHUB_DATA_DIR_LOCKED',
    500,
    (dir: string, holder: string) =>
      `The data directory ${dir} is in use by another \`chathub serve\`${holder}. Stop that one first, or give this one another --data-dir. (Admin commands such as \`chathub user add\` work while it runs.)`,
  ),
  configInvalid: defineError(
    'CHATHUB_CONFIG_INVALID',
    500,
    (problems: string) => `The configuration is invalid:\n${problems}`,
  ),
  frameInvalid: defineError('CHATHUB_FRAME_INVALID', 400, (why: string) => `Frame rejected: ${why}.`),
  /** A name, topic or password the hub refuses, from any door (CLI, HTTP, a frame's field). */
  inputInvalid: defineError('CHATHUB_INPUT_INVALID', 400, (why: string) => `${why.charAt(0).toUpperCase()}${why.slice(1)}.`),
  frameMalformed: defineError(
    'CHATHUB_FRAME_MALFORMED',
    400,
    () => 'Frame rejected: it is not a JSON object. Send one JSON object per text frame.',
  ),
  frameUnknown: defineError(
    'CHATHUB_FRAME_UNKNOWN_TYPE',
    400,
    (type: string) => `Unknown frame type "${type}". See docs/protocol.md for the frame types.`,
  ),
  authRequired: defineError(
    'CHATHUB_AUTH_REQUIRED',
    401,
    () => 'Authenticate first: send an "auth" frame with your session token.',
  ),
  authFailed: defineError('CHATHUB_AUTH_FAILED', 401, () => 'Wrong user name or password.'),
  tokenInvalid: defineError(
    'CHATHUB_TOKEN_INVALID',
    401,
    () => 'The session token is invalid, expired or revoked; log in again.',
  ),
  alreadyAuthenticated: defineError(
    'CHATHUB_ALREADY_AUTHENTICATED',
    400,
    () => 'This connection is already authenticated.',
  ),
  forbidden: defineError('CHATHUB_FORBIDDEN', 403, (what: string) => `You are not allowed to ${what}.`),
  sessionRestricted: defineError(
    'CHATHUB_SESSION_RESTRICTED',
    403,
    (plugin: string) =>
      `This session can only finish ${plugin} enrolment (e.g. \`chathub ${plugin} setup\`); do that, then go on.`,
  ),
  adminRequired: defineError('CHATHUB_ADMIN_REQUIRED', 403, () => 'This needs an admin account.'),
  metricsUnauthorized: defineError(
    'CHATHUB_METRICS_UNAUTHORIZED',
    401,
    () => 'This hub’s /metrics needs its token: send `Authorization: Bearer <server.metricsToken>`.',
  ),
  rateLimited: (seconds: number) =>
    new ChatError('CHATHUB_RATE_LIMITED', `Slow down; try again in ${seconds}s.`, 429, {
      retryAfter: seconds,
    }),
  userNotFound: defineError('CHATHUB_USER_NOT_FOUND', 404, (name: string) => `User "${name}" does not exist.`),
  userExists: defineError('CHATHUB_USER_EXISTS', 409, (name: string) => `User "${name}" already exists.`),
  userDisabled: defineError('CHATHUB_USER_DISABLED', 403, () => 'This account is disabled; ask an admin.'),
  passwordWeak: defineError(
    'CHATHUB_PASSWORD_WEAK',
    400,
    (min: number) => `Choose a password of at least ${min} characters.`,
  ),
  roomNotFound: defineError('CHATHUB_ROOM_NOT_FOUND', 404, (room: string) => `Room "${room}" does not exist.`),
  roomExists: defineError('CHATHUB_ROOM_EXISTS', 409, (room: string) => `Room "${room}" already exists.`),
  notMember: defineError(
    'CHATHUB_ROOM_NOT_MEMBER',
    403,
    (room: string) => `You are not a member of "${room}"; join it first.`,
  ),
  banned: defineError('CHATHUB_ROOM_BANNED', 403, (room: string) => `You are banned from "${room}".`),
  messageNotFound: defineError(
    'CHATHUB_MESSAGE_NOT_FOUND',
    404,
    (room: string, seq: number) => `Message ${seq} does not exist in "${room}".`,
  ),
  messageTooLong: defineError(
    'CHATHUB_MESSAGE_TOO_LONG',
    400,
    (max: number) => `Message is too long; the limit is ${max} characters.`,
  ),
  tooManyConnections: defineError(
    'CHATHUB_TOO_MANY_CONNECTIONS',
    429,
    (limit: number) => `Too many open connections (limit ${limit}); close one first.`,
  ),
  pluginFailed: defineError(
    'CHATHUB_PLUGIN_FAILED',
    500,
    (plugin: string, why: string) => `Plugin "${plugin}" failed to start: ${why}`,
  ),
  pluginDependencyMissing: defineError(
    'CHATHUB_PLUGIN_DEPENDENCY_MISSING',
    500,
    (plugin: string, dep: string) =>
      `Plugin "${plugin}" needs plugin "${dep}", which is not enabled (or forms a cycle). Enable it in the config.`,
  ),
  pluginNotFound: defineError(
    'CHATHUB_PLUGIN_NOT_FOUND',
    500,
    (plugin: string) => `Plugin "${plugin}" is not built in and has no "module" to load it from.`,
  ),
  pluginMigrationChanged: defineError(
    'CHATHUB_PLUGIN_MIGRATION_CHANGED',
    500,
    (plugin: string, file: string, applied: string, now: string) =>
      `Plugin "${plugin}": migration ${file} was changed after this database applied it (sha256 then ${applied}, now ${now}). ` +
      'An applied migration must stay as it was: restore the file (or the plugin version that shipped it) and put the change in a new migration file.',
  ),
  /** At boot: a plugin's migration failed and was rolled back (`cause`: SQLite's error). */
  pluginMigrationFailed: (plugin: string, file: string, why: string, cause?: unknown) =>
    new ChatError(
      'CHATHUB_PLUGIN_MIGRATION_FAILED',
      `Plugin "${plugin}": migration ${file} failed and was rolled back, nothing of it applied: ${why}. ` +
        'Fix the migration (or the rows it trips on) and start again, or disable the plugin.',
      500,
      { cause },
    ),
  commandUnknown: defineError(
    'CHATHUB_COMMAND_UNKNOWN',
    404,
    (name: string) => `Unknown command "/${name}"; /help lists the commands you can run here.`,
  ),
  commandAmbiguous: defineError(
    'CHATHUB_COMMAND_AMBIGUOUS',
    409,
    (name: string, forms: string[]) =>
      `Several plugins have "/${name}": say which with ${forms.map((f) => `"${f}"`).join(' or ')}.`,
  ),
  notLoggedIn: defineError(
    'CHATHUB_NOT_LOGGED_IN',
    401,
    () => 'You are not logged in; run `chathub login --server URL --user NAME` first.',
  ),
  serverUnreachable: defineError(
    'CHATHUB_SERVER_UNREACHABLE',
    503,
    (url: string) => `Cannot reach the hub at ${url}; is \`chathub serve\` running?`,
  ),
}
export type CoreErrorCode = ReturnType<(typeof coreErrors)[keyof typeof coreErrors]>['code']
