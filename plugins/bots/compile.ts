// Turning a bot file (TypeScript or JavaScript) into one script for its isolate: esbuild strips the
// types and rewrites the module to CommonJS, so any `import` becomes a `require` the sandbox lacks.
import { transform } from 'esbuild'

/** Transpile a bot's source; the result evaluates to the bot's default export (a function or null). */
export const compileBot = async (source: string, file: string): Promise<string> => {
  const loader = /\.[cm]?ts$/.test(file) ? 'ts' : 'js'
  const out = await transform(source, { loader, format: 'cjs', target: 'es2022', sourcefile: file })
  return `(function () {
const module = { exports: {} }; const exports = module.exports;
${out.code}
const f = module.exports && typeof module.exports === 'object' && 'default' in module.exports ? module.exports.default : module.exports;
return typeof f === 'function' ? f : null
})()`
}
