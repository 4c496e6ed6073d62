// `chathub init` writes a config that loads back as the defaults; a bad value stops `chathub serve`.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { parse } from 'yaml'
import { configLeaves, defaultConfig, envName, loadConfig } from '#core/config'
import type { TSchema } from '#core/schema/typebox'
import { compile } from '#core/schema/validator'
import { builtinPlugins } from '#plugins/registry'
import { json, runCli, startCli, tempDir } from '#test/helpers/run-cli'

interface Node {
  description?: string
  properties?: Record<string, Node>
  patternProperties?: Record<string, Node>
  items?: Node
}

/** Every option of a plugin schema (entries of its mappings and items of its lists included). */
const optionsOf = (schema: Node): { key: string; description?: string }[] => {
  const children = {
    ...schema.properties,
    ...Object.values(schema.patternProperties ?? {})[0]?.properties,
    ...schema.items?.properties,
  }
  return Object.entries(children).flatMap(([key, child]) => [
    { key, description: child.description },
    ...optionsOf(child),
  ])
}

/** The file with the `plugins:` block uncommented once: every built-in plugin enabled, as written. */
const uncommentPlugins = (text: string): string => {
  const lines = text.split('\n')
  const from = lines.indexOf('# plugins:')
  expect(from).toBeGreaterThan(0)
  return [
    ...lines.slice(0, from),
    ...lines.slice(from).map((l) => (l.startsWith('# ') ? l.slice(2) : l === '#' ? '' : l)),
  ].join('\n')
}

test('init writes every option with its default, creates the server key, and refuses to overwrite', async () => {
  const cwd = tempDir()
  const first = await runCli(['init', '--json'], { cwd })
  expect(first.code, first.stderr).toBe(0)
  const out = json<{ config: string; dataDir: string; serverKey: string; serverKeyFile: string }>(
    first,
  )
  expect(out).toMatchObject({
    config: join(cwd, 'chathub.yaml'),
    dataDir: join(cwd, 'data'),
    serverKey: 'created',
  })

  const text = readFileSync(out.config, 'utf8')
  for (const leaf of configLeaves()) {
    expect(text).toContain(`${leaf.path[leaf.path.length - 1]}:`)
    if (leaf.path[0] !== 'plugins') expect(text).toContain(envName(leaf.path))
    const { description } = leaf.schema as { description?: string }
    if (description) expect(text.replace(/\n\s*# /g, ' ')).toContain(description)
  }
  // Loaded back as `serve` would (no environment), the file is exactly the defaults.
  expect(loadConfig({ file: out.config, env: {} }).config).toEqual(defaultConfig())
  expect(statSync(out.config).mode & 0o777).toBe(0o600)
  expect(statSync(out.serverKeyFile).mode & 0o777).toBe(0o600)
  const key = readFileSync(out.serverKeyFile, 'utf8')

  const [again, forced] = await Promise.all([
    runCli(['init', '--json'], { cwd }),
    runCli(['init', '--config', 'etc/other.yaml', '--data-dir', 'var/hub'], { cwd }),
  ])
  expect(again.code).toBe(1)
  expect(json<{ error: { code: string } }>(again).error.code).toBe('CHATHUB_CONFIG_EXISTS')
  expect(forced.code, forced.stderr).toBe(0)
  expect(forced.stdout).toContain('created the server key')
  expect(loadConfig({ file: join(cwd, 'etc/other.yaml'), env: {} }).config.dataDir).toBe('var/hub')
  expect(existsSync(join(cwd, 'var/hub/server.key'))).toBe(true)

  const overwrite = await runCli(['init', '--force'], { cwd })
  expect(overwrite.code, overwrite.stderr).toBe(0)
  expect(overwrite.stdout).toContain('kept the existing server key')
  expect(readFileSync(out.serverKeyFile, 'utf8')).toBe(key)
})

test('a wrong value in the config file or the environment stops serve with a message naming the key', async () => {
  const cwd = tempDir()
  expect((await runCli(['init'], { cwd })).code).toBe(0)
  const file = join(cwd, 'chathub.yaml')
  const bad = join(cwd, 'bad.yaml')
  writeFileSync(
    bad,
    readFileSync(file, 'utf8')
      .replace('port: 8080', 'port: "abc"')
      .replace('level: info', 'level: loud'),
  )
  const [fromFile, fromEnv] = await Promise.all([
    runCli(['serve', '--config', bad], { cwd }),
    runCli(['serve', '--config', file], { cwd, env: { CHATHUB_SERVER_PORT: 'abc' } }),
  ])
  expect(fromFile.code).toBe(1)
  expect(fromFile.stderr).toContain('CHATHUB_CONFIG_INVALID')
  expect(fromFile.stderr).toContain('/server/port')
  expect(fromFile.stderr).toContain('/log/level')
  expect(fromFile.stdout).not.toContain('listening')
  expect(fromEnv.code).toBe(1)
  expect(fromEnv.stderr).toContain('CHATHUB_CONFIG_INVALID')
  expect(fromEnv.stderr).toContain('CHATHUB_SERVER_PORT')
})

test(
  'init writes every option of every built-in plugin, commented; uncommented they are the defaults',
  { timeout: 60_000 },
  async () => {
    const cwd = tempDir()
    const done = await runCli(['init'], { cwd })
    expect(done.code, done.stderr).toBe(0)
    const text = readFileSync(join(cwd, 'chathub.yaml'), 'utf8')
    const flat = text.replace(/\n[#\s]*# /g, ' ')
    for (const [name, plugin] of Object.entries(builtinPlugins)) {
      expect(text).toContain(`\n#   ${name}:\n`)
      if (plugin.description) expect(flat).toContain(plugin.description)
      for (const option of optionsOf(plugin.config as Node)) {
        expect(text, `${name}: ${option.key}`).toMatch(new RegExp(`^[#\\s]*# +${option.key}:`, 'm'))
        if (option.description) expect(flat, `${name}: ${option.key}`).toContain(option.description)
      }
    }
    // As written, no plugin is enabled; with the block uncommented once, every plugin gets exactly its defaults.
    expect(loadConfig({ file: join(cwd, 'chathub.yaml'), env: {} }).config.plugins).toEqual({})
    const enabled = uncommentPlugins(text)
    const file = join(cwd, 'all-plugins.yaml')
    writeFileSync(file, enabled)
    const { config } = loadConfig({ file, env: {} })
    expect(Object.keys(config.plugins)).toEqual(Object.keys(builtinPlugins))
    for (const [name, plugin] of Object.entries(builtinPlugins)) {
      const checker = compile(plugin.config as TSchema)
      const written = structuredClone(config.plugins[name])
      expect(checker.check(written), `${name}: ${checker.problems().join('; ')}`).toBe(true)
      const defaults: unknown = {}
      expect(checker.check(defaults)).toBe(true)
      expect(written, name).toEqual(defaults)
    }
    // A hub starts with all of them enabled so.
    const serving = startCli(['serve', '--config', file, '--port', '0'], { cwd })
    await serving.waitFor(/^chathub listening on /m, 30_000)
    for (const name of Object.keys(builtinPlugins))
      expect(serving.stderr()).toContain(`"plugin":"${name}"`)
    serving.child.kill('SIGTERM')
    expect((await serving.exited).code).toBe(0)

    // The example entries stay comments (one more "# " to remove to use them).
    expect(enabled).toMatch(/^ {4}# servers:\n {4}# {3}NAME:$/m)
    const lines = enabled.split('\n')
    const start = lines.indexOf('    # bots:')
    const bot = lines.slice(
      start,
      lines.findIndex((l, i) => i > start && !l.startsWith('    # ')),
    )
    expect(
      parse(
        bot
          .map((l) => l.slice(6))
          .join('\n')
          .replace('<file>', 'hello.ts'),
      ),
    ).toMatchObject({
      bots: {
        NAME: {
          file: 'hello.ts',
          rooms: [],
          enabled: true,
          permissions: { store: true, schedules: true },
        },
      },
    })
  },
)
