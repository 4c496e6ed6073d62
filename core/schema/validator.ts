// TypeBox schemas compiled with Ajv for config, plugin options and wire frames.
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv'
import type { Static, TSchema } from '#typebox'

const Ajv = AjvModule.default

export interface Checker<T> {
  /** True when `value` matches; defaults are filled in place. */
  check(value: unknown): value is T
  /** The problems of the last failed check, one line each ("/limits/port: must be integer"). */
  problems(): string[]
}

/**
 * The Ajv instances, one per option set, made on first use. An instance compiles the JSON Schema
 * meta-schema before its first schema (to check it), which costs more than a small frame schema
 * itself: one instance per schema made the hub's start-up take seconds.
 */
const instances = new Map<boolean, InstanceType<typeof Ajv>>()

const ajvFor = (coerceTypes: boolean): InstanceType<typeof Ajv> => {
  let ajv = instances.get(coerceTypes)
  if (!ajv) {
    ajv = new Ajv({
      strict: false,
      allErrors: true,
      useDefaults: true,
      // JSON like 1e400 parses to Infinity; without this Ajv counts it as an integer.
      strictNumbers: true,
      coerceTypes,
    })
    instances.set(coerceTypes, ajv)
  }
  return ajv
}

export const compile = <S extends TSchema>(
  schema: S,
  options: { coerceTypes?: boolean } = {},
): Checker<Static<S>> => {
  const validate: ValidateFunction = ajvFor(options.coerceTypes ?? false).compile(schema)
  return {
    check: (value: unknown): value is Static<S> => validate(value) === true,
    problems: () => (validate.errors ?? []).map(describe),
  }
}

const describe = (e: ErrorObject): string => {
  const path = e.instancePath || '/'
  if (e.keyword === 'additionalProperties') {
    return `${path}: unknown key "${String(e.params.additionalProperty)}"`
  }
  if (e.keyword === 'enum') return `${path}: must be one of ${JSON.stringify(e.params.allowedValues)}`
  return `${path}: ${e.message ?? 'is invalid'}`
}
