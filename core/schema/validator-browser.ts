// The browser's side of validator.ts (package.json "imports", "browser" condition): the same
// Checker over TypeBox's own interpreter instead of Ajv. Ajv compiles every schema into code with
// `new Function`, which the hub's Content-Security-Policy forbids in the page (no 'unsafe-eval');
// TypeBox checks a value by walking the schema. The client's end-to-end code (payloads, the device
// store) is what the browser checks this way.
import { Check, Default, Errors } from 'typebox/value'
import type { Static, TSchema } from '#typebox'

/** As in validator.ts (not imported from there: its Ajv import does not type-check in the browser's build). */
export interface Checker<T> {
  /** True when `value` matches; defaults are filled in place. */
  check(value: unknown): value is T
  /** The problems of the last failed check, one line each ("/limits/port: must be integer"). */
  problems(): string[]
}

export const compile = <S extends TSchema>(
  schema: S,
  // Coercion is the hub's (config files, query strings); nothing the browser checks needs it.
  _options: { coerceTypes?: boolean } = {},
): Checker<Static<S>> => {
  let problems: string[] = []
  return {
    check: (value: unknown): value is Static<S> => {
      // Defaults filled in place, as Ajv's useDefaults does.
      Default(schema, value)
      if (Check(schema, value)) {
        problems = []
        return true
      }
      problems = Errors(schema, value).map((e) => `${e.instancePath || '/'}: ${e.message}`)
      return false
    },
    problems: () => problems,
  }
}
