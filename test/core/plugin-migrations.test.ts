// A plugin's own migrations (ChatPlugin.migrations), with a real hub on a real data dir: the notes
// fixture (test/fixtures/plugins/notes) loads by path like an out-of-tree plugin and ships a
// migrations folder; variants of it point at a copy of that folder that a test changes or breaks.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { beforeEach, describe, expect, test } from 'vitest'
import type { ChatPlugin } from '#core/plugin-api'
import { DB_FILE } from '#core/db/client'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import notes from '../fixtures/plugins/notes/index.ts'
import { refusal } from './support.ts'

const NOTES_DIR = fileURLToPath(new URL('../fixtures/plugins/notes/', import.meta.url))

/** This test's temp folder: the data dir and copies of the migrations folder. */
let root: string
let dataDir: string
let hub: TestHub | undefined
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chathub-plugin-migrations-'))
  dataDir = join(root, 'data')
  mkdirSync(dataDir)
  return async () => {
    await hub?.close()
    hub = undefined
    rmSync(root, { recursive: true, force: true })
  }
})

/** The hub on this test's data dir with notes loaded by path, as `module: <path>` in a config. */
const startWithModule = async () =>
  (hub = await startHub(
    { plugins: { notes: { module: join(NOTES_DIR, 'index.ts') } } },
    { builtins: {}, dataDir },
  ))

/** The hub with a notes variant whose migrations are `folder` (an absolute path). */
const startWithFolder = async (folder: string) => {
  const variant: ChatPlugin = { ...notes, migrations: folder }
  return (hub = await startHub(
    { plugins: { notes: {} } },
    { builtins: { notes: variant }, dataDir },
  ))
}

const stop = async () => {
  await hub?.close()
  hub = undefined
}

/** A copy of the fixture's migrations folder, for a test to change. */
const copyOfMigrations = (): string => {
  const dir = mkdtempSync(join(root, 'migrations-'))
  cpSync(join(NOTES_DIR, 'migrations'), dir, { recursive: true })
  return dir
}

/** Read the data dir's database (the hub is closed or between starts). */
const inDatabase = <T>(read: (sqlite: Database.Database) => T): T => {
  const sqlite = new Database(join(dataDir, DB_FILE), { readonly: true })
  try {
    return read(sqlite)
  } finally {
    sqlite.close()
  }
}

const tables = (sqlite: Database.Database, prefix: string): string[] =>
  (
    sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ORDER BY name")
      .all(`${prefix}%`) as { name: string }[]
  ).map((r) => r.name)

const recorded = (sqlite: Database.Database) =>
  sqlite
    .prepare(
      "SELECT name, sha256, applied_at AS appliedAt FROM plugin_migrations WHERE plugin = 'notes' ORDER BY name",
    )
    .all() as {
    name: string
    sha256: string
    appliedAt: number
  }[]

const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

/** `/note ...` as alice: the plugin's answer, written after reading its own table. */
const note = async (h: TestHub, text: string): Promise<string> => {
  const alice = await h.connect('alice')
  await alice.create('notes').catch(() => undefined)
  await alice.join('notes')
  await alice.say('notes', `/note ${text}`)
  return (await alice.next('notice')).text
}

const appliedLogs = (h: TestHub) =>
  h.logs
    .filter((l) => l.plugin === 'notes' && l.msg === 'plugin migration applied')
    .map((l) => l.migration)

describe('a plugin that ships migrations', () => {
  test('its migrations run in name order before its setup, which writes and reads its table through ctx.db', async () => {
    const h = await startWithModule()
    // 0001 adds `tag` to the table 0000 created; the setup wrote a start row already.
    expect(await note(h, '#todo buy milk')).toBe('1 notes (1 tagged "todo"), 1 starts')
    expect(appliedLogs(h)).toEqual(['0000_items.sql', '0001_tags.sql'])
    // Migrations ran with foreign keys off (SQLite's table rebuild); the hub's connection has them back.
    expect(h.hub.db.$client.pragma('foreign_keys', { simple: true })).toBe(1)
    await stop()
    inDatabase((sqlite) => {
      expect(tables(sqlite, 'notes_')).toEqual(['notes_items'])
      expect(
        sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'notes_items_kind_idx'").get(),
      ).toBeDefined()
      expect(recorded(sqlite).map(({ name, sha256 }) => ({ name, sha256 }))).toEqual(
        ['0000_items.sql', '0001_tags.sql'].map((name) => ({
          name,
          sha256: sha256Of(join(NOTES_DIR, 'migrations', name)),
        })),
      )
    })
  })

  test('a restart applies nothing again (0000 has no IF NOT EXISTS: it would fail) and keeps the rows', async () => {
    await startWithModule()
    await stop()
    const first = inDatabase(recorded)
    const h = await startWithModule()
    expect(appliedLogs(h)).toEqual([])
    expect(await note(h, 'again')).toBe('1 notes (1 tagged ""), 2 starts')
    await stop()
    expect(inDatabase(recorded)).toEqual(first)
  })

  test('a migration added in a later version is applied alone at the next start', async () => {
    const folder = copyOfMigrations()
    await startWithFolder(folder)
    await stop()
    writeFileSync(
      join(folder, '0002_pins.sql'),
      'ALTER TABLE `notes_items` ADD `pinned` integer DEFAULT 0 NOT NULL;\n',
    )
    const h = await startWithFolder(folder)
    expect(appliedLogs(h)).toEqual(['0002_pins.sql'])
    await stop()
    inDatabase((sqlite) => {
      expect(recorded(sqlite).map((r) => r.name)).toEqual([
        '0000_items.sql',
        '0001_tags.sql',
        '0002_pins.sql',
      ])
      expect(
        (sqlite.pragma('table_info(notes_items)') as { name: string }[]).map((c) => c.name),
      ).toContain('pinned')
    })
  })
})

test('a table rebuild (drizzle-kit style) does not cascade into the rows that reference the table', async () => {
  const folder = copyOfMigrations()
  writeFileSync(
    join(folder, '0002_links.sql'),
    [
      'CREATE TABLE `notes_links` (`item_id` integer NOT NULL REFERENCES `notes_items`(`id`) ON DELETE cascade, `url` text NOT NULL);',
      "INSERT INTO `notes_items` (`id`, `kind`, `text`, `created_at`) VALUES (7, 'note', 'seven', 0);",
      "INSERT INTO `notes_links` (`item_id`, `url`) VALUES (7, 'https://example.org/');",
    ].join('\n--> statement-breakpoint\n'),
  )
  await startWithFolder(folder)
  await stop()
  // SQLite's 12-step rebuild, as drizzle-kit generates it to change a column.
  writeFileSync(
    join(folder, '0003_rebuild.sql'),
    [
      'PRAGMA foreign_keys=OFF;',
      "CREATE TABLE `__new_notes_items` (`id` integer PRIMARY KEY NOT NULL, `kind` text NOT NULL, `text` text DEFAULT '' NOT NULL, `tag` text DEFAULT '' NOT NULL, `created_at` integer NOT NULL);",
      'INSERT INTO `__new_notes_items` SELECT `id`, `kind`, `text`, `tag`, `created_at` FROM `notes_items`;',
      'DROP TABLE `notes_items`;',
      'ALTER TABLE `__new_notes_items` RENAME TO `notes_items`;',
      'PRAGMA foreign_keys=ON;',
    ].join('\n--> statement-breakpoint\n'),
  )
  const h = await startWithFolder(folder)
  expect(appliedLogs(h)).toEqual(['0003_rebuild.sql'])
  await stop()
  inDatabase((sqlite) => {
    expect(sqlite.prepare('SELECT item_id, url FROM notes_links').all()).toEqual([
      { item_id: 7, url: 'https://example.org/' },
    ])
    expect(sqlite.pragma('foreign_key_check')).toEqual([])
  })
})

describe('migrations that stop boot', () => {
  test('a file changed after it was applied refuses the start with CHATHUB_PLUGIN_MIGRATION_CHANGED naming plugin and file', async () => {
    const folder = copyOfMigrations()
    await startWithFolder(folder)
    await stop()
    const file = join(folder, '0001_tags.sql')
    const applied = readFileSync(file)
    writeFileSync(file, "ALTER TABLE `notes_items` ADD `tag` text DEFAULT 'misc' NOT NULL;\n")
    const e = await refusal(startWithFolder(folder))
    expect(e.code).toBe('CHATHUB_PLUGIN_MIGRATION_CHANGED')
    expect((e as unknown as Error).message).toMatch(/"notes".*0001_tags\.sql/)
    // The file as it was applied starts again, with nothing applied twice.
    writeFileSync(file, applied)
    const h = await startWithFolder(folder)
    expect(appliedLogs(h)).toEqual([])
  })

  test('a failing migration stops boot naming plugin and file; nothing of it stays, and setup never ran', async () => {
    const folder = copyOfMigrations()
    writeFileSync(
      join(folder, '0002_labels.sql'),
      [
        'CREATE TABLE `notes_labels` (`id` integer PRIMARY KEY NOT NULL, `name` text NOT NULL);',
        "INSERT INTO `notes_labels` (`id`, `name`) VALUES (1, 'first');",
        'INSERT INTO `notes_nonesuch` (`id`) VALUES (1);',
      ].join('\n--> statement-breakpoint\n'),
    )
    const e = await refusal(startWithFolder(folder))
    expect(e.code).toBe('CHATHUB_PLUGIN_MIGRATION_FAILED')
    expect((e as unknown as Error).message).toMatch(
      /"notes".*0002_labels\.sql.*statement 3 of 3.*notes_nonesuch/,
    )
    inDatabase((sqlite) => {
      // 0000 and 0001 went through, each in its own transaction; 0002 left neither table nor row.
      expect(tables(sqlite, 'notes_')).toEqual(['notes_items'])
      expect(recorded(sqlite).map((r) => r.name)).toEqual(['0000_items.sql', '0001_tags.sql'])
      expect(sqlite.prepare('SELECT count(*) AS n FROM notes_items').get()).toEqual({ n: 0 })
    })
    // Fixed, it applies at the next start.
    writeFileSync(
      join(folder, '0002_labels.sql'),
      'CREATE TABLE `notes_labels` (`id` integer PRIMARY KEY NOT NULL, `name` text NOT NULL);\n',
    )
    const h = await startWithFolder(folder)
    expect(appliedLogs(h)).toEqual(['0002_labels.sql'])
    expect(await note(h, 'fixed')).toBe('1 notes (1 tagged ""), 1 starts')
  })

  test('a migration that leaves broken references is rolled back', async () => {
    const folder = copyOfMigrations()
    writeFileSync(
      join(folder, '0002_links.sql'),
      [
        'CREATE TABLE `notes_links` (`item_id` integer NOT NULL REFERENCES `notes_items`(`id`), `url` text NOT NULL);',
        "INSERT INTO `notes_links` (`item_id`, `url`) VALUES (999, 'https://example.org/');",
      ].join('\n--> statement-breakpoint\n'),
    )
    const e = await refusal(startWithFolder(folder))
    expect(e.code).toBe('CHATHUB_PLUGIN_MIGRATION_FAILED')
    expect((e as unknown as Error).message).toMatch(
      /"notes".*0002_links\.sql.*broken references \(notes_links -> notes_items\)/,
    )
    inDatabase((sqlite) => expect(tables(sqlite, 'notes_links')).toEqual([]))
  })

  test('a file that commits or begins a transaction itself is refused before any of it runs', async () => {
    const folder = copyOfMigrations()
    writeFileSync(
      join(folder, '0002_commits.sql'),
      'CREATE TABLE `notes_labels` (`id` integer PRIMARY KEY NOT NULL);\n--> statement-breakpoint\n-- done\nCOMMIT;\n',
    )
    const e = await refusal(startWithFolder(folder))
    expect(e.code).toBe('CHATHUB_PLUGIN_MIGRATION_FAILED')
    expect((e as unknown as Error).message).toMatch(/"notes".*0002_commits\.sql.*COMMIT/)
    inDatabase((sqlite) => expect(tables(sqlite, 'notes_labels')).toEqual([]))
  })

  test('two statements without a breakpoint between them fail, saying how to separate them', async () => {
    const folder = copyOfMigrations()
    writeFileSync(
      join(folder, '0002_two.sql'),
      'CREATE TABLE `notes_a` (`id` integer);\nCREATE TABLE `notes_b` (`id` integer);\n',
    )
    const e = await refusal(startWithFolder(folder))
    expect(e.code).toBe('CHATHUB_PLUGIN_MIGRATION_FAILED')
    expect((e as unknown as Error).message).toMatch(/0002_two\.sql.*--> statement-breakpoint/)
    inDatabase((sqlite) => expect(tables(sqlite, 'notes_a')).toEqual([]))
  })

  test('a misnamed .sql file, a missing folder or a relative path stops boot with CHATHUB_PLUGIN_FAILED', async () => {
    const folder = copyOfMigrations()
    writeFileSync(join(folder, '2_oops.sql'), 'SELECT 1;')
    const misnamed = await refusal(startWithFolder(folder))
    expect(misnamed.code).toBe('CHATHUB_PLUGIN_FAILED')
    expect((misnamed as unknown as Error).message).toMatch(/"notes".*2_oops\.sql.*NNNN_name\.sql/)
    const missing = await refusal(startWithFolder(join(folder, 'nonesuch')))
    expect(missing.code).toBe('CHATHUB_PLUGIN_FAILED')
    expect((missing as unknown as Error).message).toContain('nonesuch')
    const relative = await refusal(startWithFolder('./migrations'))
    expect(relative.code).toBe('CHATHUB_PLUGIN_FAILED')
    expect((relative as unknown as Error).message).toMatch(/file URL .*absolute path/)
  })
})
