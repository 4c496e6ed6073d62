// Every `chathub` command example in README.md, ERRORS.md, docs/*.md, plugins/*/README.md and the
// commands' own `static examples` is resolved and parsed as oclif does it for `chathub` (command ids
// from the built manifest, the command class's own parse; test/docs/check-example.ts), so the docs
// cannot drift from the program: an unknown command or flag, a bad value or a missing argument
// fails here with the file, the line and the example. Nothing runs, so no hub is needed.
//
// What counts as an example (test/docs/doc-examples.ts, test/docs/shell-words.ts):
// - In a fenced code block with `$ ` prompts, each prompt line; the other lines are output. In a
//   `sh`/`bash`/`shell`/`zsh` block without prompts, every line. Other blocks (yaml, ts, …) are not
//   commands. A line ending in `\` continues on the next.
// - In such a line, every command whose word is `chathub` or `npx chathub`, after `NAME=value`
//   prefixes and wherever it stands in a list or pipeline (`uptime | chathub send --room ops`,
//   `npm install && npx chathub serve`). Words are split as a shell does (quotes, backslashes;
//   `$VAR`, `$(…)` and `~` kept as written); a command ends at `|`, `||`, `&&`, `;` or `&`;
//   redirects (`2>hub.log`) and `#` comments are dropped.
// - In the prose, every inline code span that starts with `chathub ` (or `npx chathub `):
//   - in synopsis notation (brackets, parentheses, braces, `|`, `…`, or a word list such as
//     `user add/list/remove`), each command it names must exist and each flag it names must be one
//     of theirs;
//   - otherwise it is a command, checked like a code line, except that it may leave out what the
//     sentence is not about: required flags and arguments, and the value of a flag it ends on
//     (`chathub send --image`). Two flags that exclude each other are still an error.
// Placeholders are words: UPPER_CASE names (ROOM, SEQ, FILE), `<…>`, `…`, `$VAR` and `$(…)` stand for
// any value, so they pass an integer flag or a list of options. A command that reads a pipe gets
// stdin as oclif gives it (into a missing argument that does not ignore stdin); one that does not
// reads a terminal, so a required argument left out is an error there, as it is for the user.
// `npm test` builds first (pretest); alone, run `node scripts/build.mjs` before this file.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, test } from 'vitest'
import { type ExampleChecker, loadChecker } from './check-example.ts'
import { type DocExample, docExamples } from './doc-examples.ts'
import { chathubInvocations } from './shell-words.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const markdownIn = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `${dir}/${f}`)
const pluginReadmes = readdirSync(join(root, 'plugins'))
  .sort()
  .map((name) => `plugins/${name}/README.md`)
  .filter((page) => existsSync(join(root, page)))
const pages = ['README.md', 'ERRORS.md', ...markdownIn('docs'), ...pluginReadmes]

let checker: ExampleChecker
beforeAll(async () => {
  checker = await loadChecker(root)
})

/** One line per broken example: where, what, why. */
const broken = async (examples: DocExample[]): Promise<string[]> => {
  const out: string[] = []
  for (const example of examples) {
    const why = await checker.check(example)
    if (why)
      out.push(`${example.where}: ${example.text}\n    -> ${why.replaceAll('\n', '\n       ')}`)
  }
  return out
}

describe('documentation examples', () => {
  test.each(pages)('%s', async (page) => {
    const examples = docExamples(page, readFileSync(join(root, page), 'utf8'))
    expect(await broken(examples)).toEqual([])
  })

  test("the commands' static examples", async () => {
    const examples = checker.commandExamples()
    expect(examples.length).toBeGreaterThan(100)
    expect(await broken(examples)).toEqual([])
  })
})

describe('the checker finds a broken example', () => {
  const page = [
    'Send with `chathub send --room general --colour red hi`, or see `chathub sned --room R`;',
    'list them with `chathub room list [--json] [--verbose]` or `chathub user add/frob`.',
    '',
    '```',
    '$ chathub send --room general --bogus "hi"',
    'chathub send --room general --bogus "this line is output"',
    '$ uptime | chathub sendd --room ops',
    '$ chathub room create',
    '$ chathub history --room general --limit ten',
    '$ chathub history --room general --dm bob',
    '$ chathub rooms extra',
    '$ chathub send --room general "fine" # --bogus in a comment',
    '$ CHATHUB_HOME=/tmp/x chathub history --room R --before SEQ --json',
    '$ printf "%s\\n" "$PW" | chathub user add bob --password-stdin',
    '$ chathub send --room general "unterminated',
    '```',
    '',
    'Prose may leave things out: `chathub room delete`, `chathub send --image`,',
    '`chathub history --thread SEQ`; `chathub stego embed IN OUT (--message T | --file F) [--force]`.',
  ].join('\n')

  test('unknown flags, commands and values fail with their line; output, comments, placeholders do not', async () => {
    const examples = docExamples('page.md', page)
    const failures = await Promise.all(
      examples.map(async (e) => [e.where, e.text, await checker.check(e)]),
    )
    const failed = failures.filter(([, , why]) => why)
    expect(failed).toEqual([
      [
        'page.md:1',
        'chathub send --room general --colour red hi',
        expect.stringMatching(/^Nonexistent flag: --colour/),
      ],
      ['page.md:1', 'chathub sned --room R', 'command sned not found'],
      ['page.md:2', 'chathub room list [--json] [--verbose]', 'room list has no flag --verbose'],
      ['page.md:2', 'chathub user add/frob', 'command user:frob not found'],
      [
        'page.md:5',
        'chathub send --room general --bogus "hi"',
        expect.stringMatching(/^Nonexistent flag: --bogus/),
      ],
      ['page.md:7', 'uptime | chathub sendd --room ops', 'command sendd not found'],
      ['page.md:8', 'chathub room create', expect.stringMatching(/Missing 1 required arg/)],
      [
        'page.md:9',
        'chathub history --room general --limit ten',
        expect.stringMatching(/Expected an integer but received: ten/),
      ],
      [
        'page.md:10',
        'chathub history --room general --dm bob',
        expect.stringMatching(/--dm cannot also be provided when using --room/),
      ],
      ['page.md:11', 'chathub rooms extra', 'command rooms:extra not found'],
      [
        'page.md:15',
        'chathub send --room general "unterminated',
        expect.stringMatching(/^unterminated "/),
      ],
    ])
    expect(examples.filter((e) => e.where === 'page.md:6')).toEqual([])
    expect(examples.map((e) => e.kind)).toContain('synopsis')
  })
})

describe('shell words', () => {
  test('quotes, escapes and expansions; pipes, lists, redirects and comments', () => {
    const argvs = (line: string) => chathubInvocations(line).map((i) => i.argv)
    expect(argvs(`chathub send --room general "it's \\"done\\"" 'a $b' c\\ d`)).toEqual([
      ['send', '--room', 'general', 'it\'s "done"', 'a $b', 'c d'],
    ])
    expect(argvs('npm install && npx chathub serve --port 9000 2>hub.log # the hub')).toEqual([
      ['serve', '--port', '9000'],
    ])
    expect(
      argvs(`chathub audit --json | jq -c '.[] | .actor' ; chathub audit verify >out.txt`),
    ).toEqual([
      ['audit', '--json'],
      ['audit', 'verify'],
    ])
    expect(argvs('chathub bridge link general irc:libera/#chathub')).toEqual([
      ['bridge', 'link', 'general', 'irc:libera/#chathub'],
    ])
    expect(argvs('chathub db check --data-dir <directory holding it> --full')).toEqual([
      ['db', 'check', '--data-dir', '<directory holding it>', '--full'],
    ])
    const [piped] = chathubInvocations(
      `printf '%s\\n' "$PW" | CHATHUB_HOME=~/h chathub login --password-stdin --server "$(cat url)"`,
    )
    expect(piped).toEqual({
      argv: ['login', '--password-stdin', '--server', '$(cat url)'],
      env: { CHATHUB_HOME: '~/h' },
      piped: true,
      placeholders: ['$(cat url)'],
    })
    expect(chathubInvocations('sqlite3 copy/chathub.db .dump > dump.sql')).toEqual([])
  })
})
