import { randomBytes } from 'node:crypto'
import { feistelPermutation, forEachForward } from '#plugins/stego/permutation'
const n = 36_000_000
const p = feistelPermutation(randomBytes(32), n)
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now()
  let acc = 0
  forEachForward(p, (x, y) => { acc ^= y })
  console.log('forEach', performance.now() - t, acc)
  t = performance.now()
  acc = 0
  for (let x = 0; x < n; x++) acc ^= p.forward(x)
  console.log('forward', performance.now() - t, acc)
  const px = new Uint8Array(n)
  t = performance.now()
  acc = 0
  for (let r = 0; r < 3_000_000; r++) acc ^= px[p.inverse(r)]!
  console.log('inverse 3M random access', performance.now() - t, acc)
}
// check permutation on small domain
const q = feistelPermutation(randomBytes(32), 1000003)
const seen = new Uint8Array(q.n)
forEachForward(q, (x, y) => { if (seen[y]) throw new Error('dup'); seen[y] = 1; if (q.inverse(y) !== x) throw new Error('inv') })
console.log('ok')
