// Whether the screen is phone-sized: the stylesheet's one breakpoint, seen from script (the members
// panel is a side panel on wide screens and a dialog on phones).
import { useEffect, useState } from 'preact/hooks'

const NARROW = '(max-width: 700px)'

export const useNarrow = (): boolean => {
  const [narrow, setNarrow] = useState(() => matchMedia(NARROW).matches)
  useEffect(() => {
    const query = matchMedia(NARROW)
    const changed = () => setNarrow(query.matches)
    query.addEventListener('change', changed)
    return () => query.removeEventListener('change', changed)
  }, [])
  return narrow
}
