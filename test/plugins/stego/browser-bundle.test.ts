// What the browser loads for hidden messages: the worker's module graph bundles for the browser
// with no Node built-in, no native module and no Node-only package; the page's client stays small
// and leaves the codec to the worker (it is loaded lazily, apart from the initial bundle).
import { build, type Metafile } from 'esbuild'
import { describe, expect, test } from 'vitest'

/** Bundle `entry` as Vite does for web/ (package.json "imports" through "chathub-source"). */
const bundle = async (entry: string) => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    conditions: ['chathub-source'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  return {
    inputs: Object.keys((result.metafile as Metafile).inputs),
    bytes: result.outputFiles[0]!.contents.length,
  }
}

const NODE_ONLY = /^node:|node_modules\/(sharp|pngjs|@node-rs|@img)\//

describe('the browser bundle', () => {
  test('the worker bundles for the browser, with the codec and nothing Node-only', async () => {
    const { inputs } = await bundle('web/src/stego/stego-worker.ts')
    expect(inputs.filter((path) => NODE_ONLY.test(path))).toEqual([])
    for (const path of [
      'plugins/stego/create-codec.ts',
      'plugins/stego/primitives-browser.ts',
      'plugins/stego/analysis.ts',
      'web/src/stego/png.ts',
    ]) {
      expect(inputs).toContain(path)
    }
    expect(inputs.some((path) => path.includes('node_modules/hash-wasm/'))).toBe(true)
    expect(inputs.some((path) => path.includes('node_modules/fast-png/'))).toBe(true)
    // of the core, only the error type, which imports nothing
    expect(inputs.filter((path) => path.startsWith('core/'))).toEqual(['core/errors.ts'])
    for (const path of [
      'plugins/stego/primitives-node.ts',
      'plugins/stego/codec.ts',
      'plugins/stego/image-io.ts',
    ]) {
      expect(inputs).not.toContain(path)
    }
  })

  test('the check is real: the Node side of the codec does not bundle for the browser', async () => {
    await expect(bundle('plugins/stego/codec.ts')).rejects.toThrow(/node:crypto|node:zlib/)
  })

  test('the client the page loads lazily holds no codec: that is in the worker only', async () => {
    const { inputs, bytes } = await bundle('web/src/stego/stego-client.ts')
    expect(
      inputs.filter((path) => /plugins\/stego\/(?!errors)|hash-wasm|fast-png/.test(path)),
    ).toEqual([])
    expect(bytes).toBeLessThan(10_000) // minified, before gzip; the worker is some 100 KB
  })
})
