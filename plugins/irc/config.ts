// The irc plugin's config: IRC servers by name, and the common bridge options (links, queue, back-off).
import { type Static, Type } from '#typebox'
import { BridgeOptions } from '#core/plugin-api'

export const IrcServer = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'IRC server host' }),
    port: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 6667,
      description: 'IRC server port (6697 with TLS)',
    }),
    tls: Type.Boolean({ default: false, description: 'connect with TLS' }),
    tlsInsecure: Type.Boolean({
      default: false,
      description: 'accept any certificate, unchecked (prefer tlsCaFile)',
    }),
    tlsCaFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'PEM file of a CA or self-signed certificate to trust (besides the system CAs); the name must still match',
      }),
    ),
    nick: Type.String({
      pattern: '^[A-Za-z\\[\\]\\\\`_^{|}][A-Za-z0-9\\[\\]\\\\`_^{|}-]{0,29}$',
      default: 'chathub',
      description: 'relay nick; when in use (433), `_` then digits are tried',
    }),
    username: Type.String({
      pattern: '^[A-Za-z0-9._-]{1,16}$',
      default: 'chathub',
      description: 'IRC user name',
    }),
    realname: Type.String({ default: 'chathub bridge', description: 'IRC real name' }),
    password: Type.Optional(Type.String({ description: 'server password, PASS (secret)' })),
    sasl: Type.Optional(
      Type.Object(
        {
          user: Type.String({ minLength: 1, description: 'SASL PLAIN account' }),
          password: Type.String({ minLength: 1, description: 'SASL PLAIN password (secret)' }),
        },
        { additionalProperties: false },
      ),
    ),
    nickservPassword: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'sent as `IDENTIFY <password>` to NickServ after connecting (secret)',
      }),
    ),
    floodBurst: Type.Integer({
      minimum: 1,
      default: 5,
      description: 'lines sent at once before the rate applies',
    }),
    floodRate: Type.Number({
      exclusiveMinimum: 0,
      default: 2,
      description: 'lines per second after the burst',
    }),
    showJoins: Type.Boolean({
      default: false,
      description: 'relay joins, parts and quits into the room',
    }),
    connectTimeoutMs: Type.Integer({
      minimum: 100,
      default: 20000,
      description: 'time to register and join',
    }),
    answerTimeoutMs: Type.Integer({
      minimum: 100,
      default: 30000,
      description:
        'time the server has to answer the PING sent after relayed lines; past it the link is reported down, reconnects and sends them again',
    }),
  },
  { additionalProperties: false },
)
export type IrcServer = Static<typeof IrcServer>

export const IrcConfig = Type.Object(
  {
    servers: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$' }), IrcServer, {
      default: {},
      description: 'IRC servers by name; a link target is `irc:<name>/#channel`',
    }),
    ...BridgeOptions,
  },
  { additionalProperties: false },
)
export type IrcConfig = Static<typeof IrcConfig>
