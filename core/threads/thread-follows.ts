// Who follows which thread (core/db/schema/threads.ts): the root's author and everyone who replies
// follow it on their own; anyone who may read the room can follow or leave it with the `thread`
// frame. A reply notifies the thread's followers (a `thread` event on all their connections) in the
// message store's commit, so a follower never misses a reply that was stored.
import type { Sqlite } from '#core/db/client'

export class ThreadFollows {
  private readonly followStmt
  private readonly followRootAuthorStmt
  private readonly unfollowStmt
  private readonly followersStmt
  private readonly isFollowingStmt

  constructor(sqlite: Sqlite) {
    this.followStmt = sqlite.prepare(
      'INSERT INTO thread_follows (user_id, room_id, root_seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    )
    this.followRootAuthorStmt = sqlite.prepare(
      `INSERT INTO thread_follows (user_id, room_id, root_seq)
       SELECT sender_id, room_id, seq FROM messages WHERE room_id = ? AND seq = ? ON CONFLICT DO NOTHING`,
    )
    this.unfollowStmt = sqlite.prepare('DELETE FROM thread_follows WHERE user_id = ? AND room_id = ? AND root_seq = ?')
    this.followersStmt = sqlite.prepare<[number, number], { user_id: number }>(
      'SELECT user_id FROM thread_follows WHERE room_id = ? AND root_seq = ?',
    )
    this.isFollowingStmt = sqlite.prepare<[number, number, number], { one: number }>(
      'SELECT 1 AS one FROM thread_follows WHERE user_id = ? AND room_id = ? AND root_seq = ?',
    )
  }

  /**
   * Inside the commit of a reply: its author (and the root's) follow the thread from now on. Returns
   * the followers to notify: everyone following it but the author.
   */
  replied(roomId: number, root: number, authorId: number): number[] {
    this.followRootAuthorStmt.run(roomId, root)
    this.followStmt.run(authorId, roomId, root)
    return this.followersStmt
      .all(roomId, root)
      .map((r) => r.user_id)
      .filter((id) => id !== authorId)
  }

  /** Follow (or leave) a thread; false when that was so already. */
  set(userId: number, roomId: number, root: number, follow: boolean): boolean {
    const stmt = follow ? this.followStmt : this.unfollowStmt
    return stmt.run(userId, roomId, root).changes === 1
  }

  following(userId: number, roomId: number, root: number): boolean {
    return this.isFollowingStmt.get(userId, roomId, root) !== undefined
  }
}
