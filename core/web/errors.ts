// Browser session error codes (CHATHUB_CSRF_*, listed in ERRORS.md). Codes are API: add, never rename or reuse.
import { defineError } from '#core/errors'

export const webErrors = {
  /**
   * A request authenticated by the session cookie that changes something came without the CSRF
   * header matching the chathub_csrf cookie, or from a page of an origin the hub does not allow.
   */
  csrfRefused: defineError(
    'CHATHUB_CSRF_REFUSED',
    403,
    () =>
      'Refused: this request carries the browser session cookie but not its X-Chathub-CSRF header (the value of the ' +
      'chathub_csrf cookie, also in GET /api/v1/me), or it comes from a page of another origin. Reload the page and try again.',
  ),
}
