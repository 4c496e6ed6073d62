// The part of TypeBox chathub uses, imported everywhere as '#typebox'. From the sources it is typebox
// itself; the build bundles this file into dist/vendor/typebox.js, one module instead of the ~640
// that `import 'typebox'` loads (most of a `chathub serve` start's module loading; scripts/build.mjs).
export { type Static, type TSchema, Type } from 'typebox'
export { Check, Default } from 'typebox/value'
