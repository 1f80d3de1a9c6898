// A min-heap of timed entries. Entries with the same instant come out in insertion order, so that two
// payments due in the same millisecond are executed (and debit the balance) in the order they arrived.

interface Slot<T> {
  at: number;
  seq: number;
  item: T;
}

export class Agenda<T> {
  readonly #heap: Slot<T>[] = [];
  #seq = 0;

  push(at: number, item: T): void {
    const heap = this.#heap;
    heap.push({ at, seq: this.#seq++, item });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Instant of the earliest entry, or undefined when empty. */
  peekAt(): number | undefined {
    return this.#heap[0]?.at;
  }

  /** Removes and returns the earliest entry if it is due at `now`. */
  popDue(now: number): { at: number; item: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (!top || top.at > now) return undefined;
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(l, m)) m = l;
        if (r < heap.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return { at: top.at, item: top.item };
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a];
    const y = this.#heap[b];
    if (!x || !y) return false;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap;
    const x = heap[a];
    const y = heap[b];
    if (!x || !y) return;
    heap[a] = y;
    heap[b] = x;
  }
}
