// The totp plugin's options under `plugins.totp` (TypeBox; validated by the host before setup).
import { type Static, Type } from '#typebox'

export const TotpConfigSchema = Type.Object(
  {
    issuer: Type.String({
      minLength: 1,
      maxLength: 64,
      default: 'chathub',
      description: 'name authenticator apps show for this hub (the otpauth issuer)',
    }),
    digits: Type.Union([Type.Literal(6), Type.Literal(8)], { default: 6, description: 'code length: 6 or 8' }),
    period: Type.Integer({ minimum: 15, maximum: 300, default: 30, description: 'seconds per code (time step)' }),
    algorithm: Type.Union([Type.Literal('SHA1'), Type.Literal('SHA256'), Type.Literal('SHA512')], {
      default: 'SHA1',
      description: 'HMAC hash: SHA1 (what every app supports), SHA256 or SHA512',
    }),
    window: Type.Integer({
      minimum: 0,
      maximum: 3,
      default: 1,
      description: 'time steps accepted before and after the current one (clock drift), see docs/security.md',
    }),
    policy: Type.Union([Type.Literal('off'), Type.Literal('optional'), Type.Literal('admins'), Type.Literal('all')], {
      default: 'optional',
      description:
        'off: not used; optional: users choose; admins: required for admin accounts; all: required for everyone',
    }),
    maxAttempts: Type.Integer({
      minimum: 1,
      maximum: 20,
      default: 5,
      description: 'wrong codes (or recovery codes) in a row before the account is locked',
    }),
    lockoutSeconds: Type.Integer({
      minimum: 1,
      default: 30,
      description: 'first lock-out; each further lock-out without a success in between doubles it',
    }),
    maxLockoutSeconds: Type.Integer({ minimum: 1, default: 3600, description: 'longest lock-out' }),
    stepUpMinutes: Type.Integer({
      minimum: 1,
      maximum: 60,
      default: 5,
      description: 'how recent a code must be for sensitive actions (user removal, TOTP reset)',
    }),
    ticketSeconds: Type.Integer({
      minimum: 30,
      maximum: 900,
      default: 300,
      description: 'lifetime of the pending-login ticket for the second login step',
    }),
  },
  { additionalProperties: false },
)
export type TotpConfig = Static<typeof TotpConfigSchema>
