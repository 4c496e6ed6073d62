// The name a browser's device registers with, as `chathub devices` and the device list show it:
// "Chromium on Linux", "Firefox on Windows". From the browser's own client hints where it has them
// (Chromium's navigator.userAgentData), else from the user-agent string.

interface Brand {
  brand: string
}
interface UserAgentData {
  brands?: Brand[]
  platform?: string
}

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chromium\//, 'Chromium'],
  [/(Headless)?Chrome\//, 'Chromium'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
]

const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/CrOS/, 'ChromeOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux|X11/, 'Linux'],
]

/** A brand that names the browser (not "Chromium", which they all are, nor the GREASE brand). */
const namedBrand = (brands: Brand[]): string | undefined =>
  brands.map((b) => b.brand).find((b) => !/^Chromium$|Not.?A.?Brand|Headless/i.test(b)) ??
  (brands.some((b) => b.brand === 'Chromium') ? 'Chromium' : undefined)

export const deviceName = (userAgent: string, hints?: UserAgentData): string => {
  const browser = (hints?.brands && namedBrand(hints.brands)) ?? BROWSERS.find(([re]) => re.test(userAgent))?.[1] ?? 'A browser'
  const system = (hints?.platform || undefined) ?? SYSTEMS.find(([re]) => re.test(userAgent))?.[1]
  return (system ? `${browser} on ${system}` : browser).slice(0, 64)
}

/** This browser's name for its device. */
export const thisBrowser = (): string =>
  deviceName(navigator.userAgent, (navigator as Navigator & { userAgentData?: UserAgentData }).userAgentData)
