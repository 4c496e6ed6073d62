// The part of oclif chathub uses, imported everywhere as '#oclif'. From the sources it is
// @oclif/core itself; the build bundles this file with oclif into dist/vendor/oclif.js, one module
// instead of ~200 (see scripts/build.mjs), which is most of a CLI command's start-up.
export { Args, Command, Errors, Flags, execute } from '@oclif/core'
