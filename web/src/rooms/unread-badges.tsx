// The counts beside a room in the list: mentions of you (@2) and unread messages (5).
export const UnreadBadges = ({ unread, mentions }: { unread: number; mentions: number }) => (
  <>
    {mentions > 0 && (
      <span class="badge mention-badge" aria-label={`${mentions} mentions`}>
        @{mentions}
      </span>
    )}
    {unread > 0 && (
      <span class="badge" aria-label={`${unread} unread`}>
        {unread}
      </span>
    )}
  </>
)
