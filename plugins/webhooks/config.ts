// The webhooks plugin's config: incoming limits, outgoing signing and retries, and the common bridge options.
import { type Static, Type } from '#typebox'
import { BridgeOptions } from '#core/plugin-api'

export const WebhooksConfig = Type.Object(
  {
    signingSecret: Type.String({
      default: '',
      description:
        'HMAC-SHA256 key that signs outgoing POSTs (secret; at least 16 characters; needed for webhook:https://... links)',
    }),
    maxBodyBytes: Type.Integer({
      minimum: 256,
      default: 16384,
      description: 'largest incoming request body',
    }),
    incomingPerMinute: Type.Number({
      exclusiveMinimum: 0,
      default: 60,
      description: 'incoming posts per hook per minute',
    }),
    incomingBurst: Type.Integer({
      minimum: 1,
      default: 20,
      description: 'incoming posts per hook allowed at once',
    }),
    retries: Type.Integer({
      minimum: 1,
      default: 5,
      description: 'attempts per outgoing POST before the link counts as down',
    }),
    retryMinMs: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'first retry delay (doubles each attempt)',
    }),
    retryMaxMs: Type.Integer({ minimum: 1, default: 60000, description: 'longest retry delay' }),
    timeoutMs: Type.Integer({
      minimum: 100,
      default: 10000,
      description: 'time allowed per outgoing POST',
    }),
    allowPrivateDestinations: Type.Boolean({
      default: false,
      description:
        'let outgoing webhooks reach loopback, link-local, private and other special-purpose addresses (refused by default)',
    }),
    allowDestinations: Type.Array(
      Type.String({
        pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$',
        description: 'an IP address or CIDR range',
      }),
      {
        default: [],
        description:
          'special-purpose addresses or CIDR ranges outgoing webhooks may reach all the same, e.g. "10.1.2.3" or "fd00::/8"',
      },
    ),
    ...BridgeOptions,
  },
  { additionalProperties: false },
)
export type WebhooksConfig = Static<typeof WebhooksConfig>
