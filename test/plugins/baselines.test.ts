// The built-in plugins' baselines (plugins/{totp,bots,webhooks}/migrations/0000_baseline.sql): their
// tables were created by the core's migrations 0001/0003/0009 until the plugins owned them. On a data
// dir from before, enabling the plugins changes nothing in those tables; where the tables are
// missing, the baselines create exactly what the core's migrations did.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pino from 'pino'
import { beforeEach, expect, test } from 'vitest'
import { DB_FILE, openDb } from '#core/db/client'
import { readMigrationFolder } from '#core/plugins/migration-files'
import { applyPluginMigrations } from '#core/plugins/migrations'
import { builtinPlugins } from '#plugins/registry'
import { databaseBefore } from '#test/helpers/old-database'
import { startHub } from '#test/helpers/start-hub'

const OWNERS = ['totp', 'bots', 'webhooks'] as const

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chathub-baselines-'))
  return () => rmSync(dir, { recursive: true, force: true })
})

const migrationsOf = (plugin: (typeof OWNERS)[number]) => {
  const folder = builtinPlugins[plugin]?.migrations
  if (folder === undefined) throw new Error(`${plugin} declares no migrations`)
  return folder
}

/** Everything SQLite knows about the built-in plugins' tables: columns, indexes, foreign keys. */
const pluginSchema = (sqlite: Database.Database) => {
  const names = (
    sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'totp\\_%' ESCAPE '\\' OR name LIKE 'bots\\_%' ESCAPE '\\' OR name LIKE 'webhooks\\_%' ESCAPE '\\') ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name)
  return Object.fromEntries(
    names.map((table) => [
      table,
      {
        columns: sqlite.pragma(`table_xinfo(${table})`),
        indexes: (
          sqlite.pragma(`index_list(${table})`) as {
            name: string
            unique: number
            origin: string
            partial: number
          }[]
        )
          .map(({ name, unique, origin, partial }) => ({
            name,
            unique,
            origin,
            partial,
            columns: sqlite.pragma(`index_xinfo(${name})`),
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
        foreignKeys: sqlite.pragma(`foreign_key_list(${table})`),
      },
    ]),
  )
}

const rowsOf = (sqlite: Database.Database, tables: string[]) =>
  Object.fromEntries(
    tables.map((t) => [t, sqlite.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]),
  )

test('on a data dir from before, enabling totp, bots and webhooks records their baselines and changes nothing else', async () => {
  const dataDir = join(dir, 'data')
  mkdirSync(dataDir)
  const old = databaseBefore(join(dataDir, DB_FILE), '0010_plugin_migrations')
  old.exec(`
    INSERT INTO users (id, name, password_hash, created_at) VALUES (1, 'alice', NULL, 0);
    INSERT INTO totp_accounts (user_id, secret, status, algorithm, digits, period, created_at)
      VALUES (1, x'0102', 'enabled', 'SHA1', 6, 30, 0);
    INSERT INTO totp_recovery_codes (user_id, code_hash) VALUES (1, 'ab'), (1, 'cd');
    INSERT INTO bots_kv (bot, key, value, size, updated_at) VALUES ('echo', 'count', '3', 6, 0);
    INSERT INTO webhooks_hooks (id, room, name, secret_hash, created_at) VALUES ('h1', 'general', 'ci', 'ef', 0);
    INSERT INTO webhooks_deliveries (room, url, seq, status, attempts, http_status, error_code, created_at, updated_at)
      VALUES ('general', 'https://example.org/hook', 1, 'failed', 5, NULL, 'WEBHOOKS_DESTINATION_REFUSED', 0, 0);
  `)
  const schemaBefore = pluginSchema(old)
  const tables = Object.keys(schemaBefore)
  expect(tables).toEqual([
    'bots_kv',
    'totp_accounts',
    'totp_login_tickets',
    'totp_recovery_codes',
    'webhooks_deliveries',
    'webhooks_hooks',
  ])
  const rowsBefore = rowsOf(old, tables)
  old.close()

  const botsDir = join(dir, 'bots')
  mkdirSync(botsDir)
  const hub = await startHub(
    { plugins: { totp: {}, bots: { dir: botsDir }, webhooks: {} } },
    { dataDir },
  )
  const applied = hub.logs
    .filter((l) => l.msg === 'plugin migration applied')
    .map((l) => `${String(l.plugin)}/${String(l.migration)}`)
  await hub.close()
  expect(applied.sort()).toEqual([
    'bots/0000_baseline.sql',
    'totp/0000_baseline.sql',
    'webhooks/0000_baseline.sql',
  ])

  const after = new Database(join(dataDir, DB_FILE), { readonly: true })
  try {
    expect(pluginSchema(after)).toEqual(schemaBefore)
    expect(rowsOf(after, tables)).toEqual(rowsBefore)
    const recorded = after
      .prepare('SELECT plugin, name, sha256 FROM plugin_migrations ORDER BY plugin')
      .all()
    expect(recorded).toEqual(
      ['bots', 'totp', 'webhooks'].map((plugin) => {
        const [baseline] = readMigrationFolder(
          plugin,
          migrationsOf(plugin as (typeof OWNERS)[number]),
        )
        return { plugin, name: '0000_baseline.sql', sha256: baseline?.sha256 }
      }),
    )
  } finally {
    after.close()
  }
})

test('where their tables are missing, the baselines create what the core migrations created (a new data dir ends the same)', () => {
  const db = openDb(join(dir, DB_FILE))
  const sqlite = db.$client
  const fromCore = pluginSchema(sqlite)
  expect(Object.keys(fromCore)).toHaveLength(6)
  for (const table of Object.keys(fromCore)) sqlite.exec(`DROP TABLE ${table}`)
  expect(pluginSchema(sqlite)).toEqual({})

  const log = pino({ level: 'silent' })
  const apply = (plugin: (typeof OWNERS)[number]) =>
    applyPluginMigrations({ plugin, folder: migrationsOf(plugin), db, log, now: Date.now })
  for (const plugin of OWNERS) expect(apply(plugin)).toEqual(['0000_baseline.sql'])
  expect(pluginSchema(sqlite)).toEqual(fromCore)
  for (const plugin of OWNERS) expect(apply(plugin)).toEqual([])
  sqlite.close()
})
