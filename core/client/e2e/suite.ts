// The MLS cipher suite implementation (ts-mls), made once per suite: building it imports the HPKE,
// AEAD and signature back-ends, and every group, KeyPackage and vouch check of a device needs it.
import { type CiphersuiteImpl, getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls'
import { DEFAULT_SUITE, SUITE_NAMES, type SuiteId } from '#core/protocol/e2e'

// A cache of stateless implementations (no keys, no group state), so sharing it is safe.
const implementations = new Map<SuiteId, Promise<CiphersuiteImpl>>()

/** The implementation of an MLS cipher suite (default: suite 1, X25519 / AES-128-GCM / SHA-256 / Ed25519). */
export const cipherSuite = (suite: SuiteId = DEFAULT_SUITE): Promise<CiphersuiteImpl> => {
  let impl = implementations.get(suite)
  if (!impl) {
    impl = getCiphersuiteImpl(getCiphersuiteFromName(SUITE_NAMES[suite]))
    // A failed build (a missing optional peer) must not stay cached as a rejected promise.
    impl.catch(() => implementations.delete(suite))
    implementations.set(suite, impl)
  }
  return impl
}
