// The texts of a link's recently relayed hub messages, in memory only: what a short correction line
// (`correction: "teh" → "the"`) compares an edit with on networks that cannot edit. Never persisted,
// so that a message's text lives only in the hub's own store; a delete forgets it at once, and after
// a restart an edit of an older message goes out as `correction: <new text>`.

export class RecentTexts {
  private readonly texts = new Map<number, string>()

  constructor(private readonly max = 256) {}

  get(seq: number): string | undefined {
    return this.texts.get(seq)
  }

  set(seq: number, text: string): void {
    this.texts.delete(seq)
    this.texts.set(seq, text)
    // Oldest first in insertion order: drop beyond the bound.
    for (const oldest of this.texts.keys()) {
      if (this.texts.size <= this.max) break
      this.texts.delete(oldest)
    }
  }

  seqs(): number[] {
    return [...this.texts.keys()]
  }

  forget(seq: number): void {
    this.texts.delete(seq)
  }
}
