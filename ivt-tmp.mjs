import ivm from 'isolated-vm'
const iso = new ivm.Isolate({ memoryLimit: 32 })
const ctx = await iso.createContext()
const g = ctx.global
await g.set('__getRef', new ivm.Reference(async (k) => { await new Promise(r=>setTimeout(r,50)); return JSON.stringify({k}) }))
await ctx.eval(`const __get = (k) => __getRef.apply(undefined, [k], { arguments: { copy: true }, result: { promise: true, copy: true } }); globalThis.run = async (s) => { const v = await __get(s); return JSON.stringify([s, v, typeof v]) }; globalThis.spin = async () => { await __get('x'); for(;;){} }`)
const run = await g.get('run', { reference: true })
console.log(await run.apply(undefined, ['hi'], { result: { promise: true, copy: true }, timeout: 100 }))
const spin = await g.get('spin', { reference: true })
const t0 = iso.cpuTime
const p = spin.apply(undefined, [], { result: { promise: true, copy: true }, timeout: 100 }).catch(e => 'ERR ' + e.message)
setTimeout(() => { console.log('cpu ms', Number(iso.cpuTime - t0)/1e6); iso.dispose() }, 500)
console.log(await p)
try { ctx.evalSync('1') } catch(e) { console.log('after', e.message) }
