// Scroll paging of the statement (docs/reference/inter-api.md §10.1): `scrollEnabled=true` starts a
// scroll over the entries that match then, each call with its `scrollId` takes the next page. One scroll
// per account (a new one replaces the old), forgotten after 6 minutes without use, as Inter documents.
// Time is the emulator's clock, passed in.
import { randomUUID } from "node:crypto";
import type { StatementEntry } from "./statement.js";

/** A scroll unused this long is gone (Inter: 6 minutes). */
export const SCROLL_IDLE_MS = 6 * 60_000;

export interface Scroll {
  readonly id: string;
  readonly account: string;
  /**
   * The matching entries when the scroll started. ASSUMPTION (UNVERIFIED): a scroll is a snapshot, as
   * search-engine scrolls are; entries made later are not in it.
   */
  readonly entries: readonly StatementEntry[];
  readonly pageSize: number;
  /** Index of the next entry to give. */
  next: number;
  lastUsedAt: number;
}

export interface ScrollPage {
  entries: StatementEntry[];
  /** The id of the next call; null when this page was the last (the scroll is then gone). */
  scrollId: string | null;
  hasMore: boolean;
  /** The page size the scroll started with. */
  pageSize: number;
}

export class StatementScrolls {
  readonly #byAccount = new Map<string, Scroll>();
  readonly #idleMs: number;

  constructor(idleMs = SCROLL_IDLE_MS) {
    this.#idleMs = idleMs;
  }

  /** Starts a scroll (replacing the account's previous one) and takes its first page. */
  start(account: string, entries: readonly StatementEntry[], pageSize: number, now: number): ScrollPage {
    const scroll: Scroll = { id: randomUUID(), account, entries, pageSize, next: 0, lastUsedAt: now };
    this.#byAccount.set(account, scroll);
    return this.#take(scroll, now);
  }

  /**
   * The next page of the account's scroll `id`; undefined when there is no such scroll for this account
   * (never started, replaced, finished, another account's, or idle for longer than the limit).
   */
  continue(account: string, id: string, now: number): ScrollPage | undefined {
    const scroll = this.#byAccount.get(account);
    if (scroll?.id !== id) return undefined;
    if (now - scroll.lastUsedAt > this.#idleMs) {
      this.#byAccount.delete(account);
      return undefined;
    }
    return this.#take(scroll, now);
  }

  #take(scroll: Scroll, now: number): ScrollPage {
    const entries = scroll.entries.slice(scroll.next, scroll.next + scroll.pageSize);
    scroll.next += entries.length;
    scroll.lastUsedAt = now;
    const hasMore = scroll.next < scroll.entries.length;
    if (!hasMore) this.#byAccount.delete(scroll.account);
    return { entries, scrollId: hasMore ? scroll.id : null, hasMore, pageSize: scroll.pageSize };
  }
}
