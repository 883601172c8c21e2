/**
 * Runs work for one key at a time within this process. The batches of one fetch round (one per partition) and the
 * retry loop run concurrently, and events of one order arrive on several topics: without this they race on the
 * order's compare-and-set, and the loser loads, decides and fails again (a thrown conflict per race).
 */
export class KeyLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(key, tail);
    try {
      if (previous) await previous;
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with work running or waiting (for tests and leak checks). */
  get size(): number {
    return this.tails.size;
  }
}
