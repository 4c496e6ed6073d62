// The plugin contract's types (checked by `tsc --noEmit`, which covers test/): the schema's Static
// reaches setup's ctx.config, hooks get their event types, commands return string | void. A small
// run through the real host confirms the validated config (defaults filled) is what setup sees.
import { Type } from 'typebox'
import { describe, expect, expectTypeOf, test } from 'vitest'
import {
  type Awaitable,
  type Caller,
  type ChatCommand,
  type ChatPlugin,
  definePlugin,
  type JoinEvent,
  type LoginDecision,
  type LoginEvent,
  type MessageEvent,
  type PluginContext,
  type PluginHooks,
  type PluginRuntime,
} from '#core/plugin-api'
import { startHub } from '#test/helpers/start-hub'

const schema = Type.Object(
  {
    greeting: Type.String({ default: 'hello' }),
    times: Type.Integer({ minimum: 1, default: 2 }),
    rooms: Type.Array(Type.String(), { default: [] }),
    mode: Type.Union([Type.Literal('loud'), Type.Literal('quiet')], { default: 'quiet' }),
    note: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)
interface Expected {
  greeting: string
  times: number
  rooms: string[]
  mode: 'loud' | 'quiet'
  note?: string
}

const seen: { config?: Expected } = {}

const echo = definePlugin({
  name: 'echo',
  version: '1.0.0',
  config: schema,
  setup(ctx) {
    expectTypeOf(ctx).toEqualTypeOf<PluginContext<Expected>>()
    expectTypeOf(ctx.config).toEqualTypeOf<Expected>()
    expectTypeOf(ctx.config.mode).toEqualTypeOf<'loud' | 'quiet'>()
    // @ts-expect-error a key the schema does not have
    void ctx.config.greting
    // @ts-expect-error the literal union is not widened to string
    const whisper: typeof ctx.config.mode = 'whisper'
    void whisper
    seen.config = ctx.config
    const { greeting, times } = ctx.config
    return {
      onLogin(event) {
        expectTypeOf(event).toEqualTypeOf<LoginEvent>()
        expectTypeOf(event.body).toEqualTypeOf<Record<string, unknown>>()
      },
      onJoin(event) {
        expectTypeOf(event).toEqualTypeOf<JoinEvent>()
        expectTypeOf(event.userId).toBeNumber()
      },
      onMessage(event) {
        expectTypeOf(event).toEqualTypeOf<MessageEvent>()
        return event.text === 'ping' ? 'pong' : undefined
      },
      commands: {
        echo(args, caller) {
          expectTypeOf(args).toEqualTypeOf<string[]>()
          expectTypeOf(caller).toEqualTypeOf<Caller>()
          return Array.from({ length: times }, () => `${greeting} ${args.join(' ')}`).join(' / ')
        },
        quiet() {},
        async later() {
          return 'done'
        },
      },
    }
  },
})

describe('types', () => {
  test('definePlugin keeps the schema type', () => {
    expectTypeOf(echo).toEqualTypeOf<ChatPlugin<typeof schema>>()
    expectTypeOf(echo.setup).parameter(0).toEqualTypeOf<PluginContext<Expected>>()
    expectTypeOf(echo.setup).returns.toEqualTypeOf<Awaitable<PluginRuntime>>()
  })

  test('migrations: an optional folder, as a file URL or a path', () => {
    expectTypeOf<ChatPlugin['migrations']>().toEqualTypeOf<URL | string | undefined>()
    const withFolder = definePlugin({
      ...echo,
      migrations: new URL('./migrations/', import.meta.url),
    })
    expectTypeOf(withFolder).toEqualTypeOf<ChatPlugin<typeof schema>>()
    // @ts-expect-error a list of files is not a folder
    const listed: ChatPlugin = { ...echo, migrations: ['0000_a.sql'] }
    void listed
  })

  test('hooks: event types and what each may return', () => {
    expectTypeOf<NonNullable<PluginHooks['onJoin']>>().parameter(0).toEqualTypeOf<JoinEvent>()
    expectTypeOf<NonNullable<PluginHooks['onJoin']>>().returns.toEqualTypeOf<Awaitable<void>>()
    expectTypeOf<NonNullable<PluginHooks['onMessage']>>().parameter(0).toEqualTypeOf<MessageEvent>()
    expectTypeOf<NonNullable<PluginHooks['onMessage']>>().returns.toEqualTypeOf<
      Awaitable<string | void>
    >()
    expectTypeOf<NonNullable<PluginHooks['onLogin']>>().parameter(0).toEqualTypeOf<LoginEvent>()
    expectTypeOf<NonNullable<PluginHooks['onLogin']>>().returns.toEqualTypeOf<
      Awaitable<LoginDecision | void>
    >()
    const badMessageHook: PluginHooks = {
      // @ts-expect-error onMessage may return text or nothing, not a number
      onMessage: () => 42,
    }
    void badMessageHook
  })

  test('a command takes (args, caller) and returns string | void, sync or async', () => {
    expectTypeOf<ChatCommand>().parameters.toEqualTypeOf<[string[], Caller]>()
    expectTypeOf<ChatCommand>().returns.toEqualTypeOf<Awaitable<string | void>>()
    // @ts-expect-error a command cannot return a number
    const bad: ChatCommand = () => 42
    // @ts-expect-error nor an object
    const badAsync: ChatCommand = async () => ({ text: 'no' })
    void bad
    void badAsync
  })
})

test('through the real host: setup sees the validated config with defaults; hooks and commands run', async () => {
  const hub = await startHub({ plugins: { echo: { times: 3 } } }, { builtins: { echo } })
  try {
    expect(seen.config).toEqual({ greeting: 'hello', times: 3, rooms: [], mode: 'quiet' })
    const alice = await hub.connect('alice')
    await alice.create('room')
    await alice.join('room')
    const pong = await alice.say('room', 'ping')
    expect(await alice.next('message', (m) => m.seq === pong.seq)).toMatchObject({ text: 'pong' })
    await alice.say('room', '/echo hi')
    expect((await alice.next('notice')).text).toBe('hello hi / hello hi / hello hi')
    await alice.say('room', '/later')
    expect((await alice.next('notice')).text).toBe('done')
  } finally {
    await hub.close()
  }
})
