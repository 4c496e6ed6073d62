// Types the totp service needs from the core, through core/plugin-api only.
export type { AuditEntry, Db } from '#core/plugin-api'

/** The part of a pino/Fastify logger the service uses (the CLI passes none). */
export interface FastifyBaseLoggerLike {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}
