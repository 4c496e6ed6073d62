// Search error codes (CHATHUB_SEARCH_*, listed in ERRORS.md). Codes are API: add, never rename or reuse.
import { defineError } from '#core/errors'

export const searchErrors = {
  /** Nothing left to look for, a bare `*`, or only exclusions: the why says which. */
  queryInvalid: defineError(
    'CHATHUB_SEARCH_QUERY_INVALID',
    400,
    (why: string) =>
      `Search query not understood: ${why}. Write words to find, "an exact phrase", word* for a prefix, -word to leave out, OR between alternatives.`,
  ),
  queryTooLong: defineError(
    'CHATHUB_SEARCH_QUERY_TOO_LONG',
    400,
    (maxChars: number, maxTerms: number) =>
      `Search query is too long: at most ${maxChars} characters and ${maxTerms} words or phrases. Search for fewer words.`,
  ),
  dateInvalid: defineError(
    'CHATHUB_SEARCH_DATE_INVALID',
    400,
    (name: string, value: string) =>
      `"${name}" must be a date (2025-03-01), a time (2025-03-01T14:30:00Z) or milliseconds since 1970, not "${value}".`,
  ),
  cursorInvalid: defineError(
    'CHATHUB_SEARCH_CURSOR_INVALID',
    400,
    () =>
      'That search cursor is not valid; pass the `cursor` of the previous page unchanged, or leave it out to start over.',
  ),
}
