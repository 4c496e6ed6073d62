const n = 36_000_000
const a = 6000
for (const rounds of [1, 2, 4, 6]) {
  const tables = new Int32Array(rounds * a)
  for (let i = 0; i < tables.length; i++) tables[i] = Math.floor(Math.random() * a)
  const t = performance.now()
  let acc = 0
  for (let hi = 0, x = 0; x < n; hi++) {
    for (let lo = 0; lo < a && x < n; lo++, x++) {
      let l = hi % a
      let r = lo
      for (let i = 0; i < rounds; i++) {
        let u = l + tables[i * a + r]!
        if (u >= a) u -= a
        l = r
        r = u
      }
      acc = (acc + l * a + r) | 0
    }
  }
  console.log(rounds, performance.now() - t, acc)
}
{
  const t = performance.now()
  let acc = 0
  const d = new Uint8Array(n)
  for (let x = 0; x < n; x++) acc = (acc + d[x]! * 3 + x) | 0
  console.log('plain loop', performance.now() - t)
}
