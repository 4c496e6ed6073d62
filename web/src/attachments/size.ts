// File sizes as the hub and the CLI write them (512 B, 12.5 KiB, 1.5 MiB). The same as formatBytes in
// core/attachments/errors.ts, which the initial JS does not import: that would bring every attachment
// error message of the hub with it.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export const formatSize = (bytes: number): string => {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : Math.round(value * 10) / 10} ${UNITS[unit]}`
}
