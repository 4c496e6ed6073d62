// `chathub init` writes a config that loads back as the defaults; a bad value stops `chathub serve`.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { configLeaves, defaultConfig, envName, loadConfig } from '#core/config'
import { json, runCli, tempDir } from '#test/helpers/run-cli'

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
