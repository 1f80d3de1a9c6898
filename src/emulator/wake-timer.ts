// One timer for the whole emulator: armed for the earliest instant something must happen without a
// request to trigger it (a callback to send when a payment turns final, a scheduled run at 00:00 of its
// date, an approval expiring while a webhook listens). Unref'd, so it never keeps a process alive;
// close() clears it.
//
// Instants are on the emulator's clock (EmulatorOptions.clock, Date.now by default); the wait itself is
// measured on the monotonic clock, so a test clock that jumps ahead makes the next arm() shorter.
// setTimeout cannot wait longer than 2^31-1 ms (~24.8 days; longer delays fire at once), so a longer
// wait — a payment scheduled months ahead — is chained: each leg waits at most that long, and only the
// last one wakes the emulator.

/** setTimeout's largest delay: a signed 32-bit number of milliseconds. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

export class WakeTimer {
  #timer: NodeJS.Timeout | undefined;
  /** Monotonic deadline (performance.now() scale) of the armed wake, or Infinity. */
  #deadline = Infinity;
  #closed = false;
  readonly #onWake: () => void;
  readonly #now: () => number;

  constructor(onWake: () => void, now: () => number = Date.now) {
    this.#onWake = onWake;
    this.#now = now;
  }

  /** Makes sure the emulator is woken at or before `at` (an instant on the emulator's clock). */
  arm(at: number): void {
    if (this.#closed) return;
    const deadline = performance.now() + Math.max(0, at - this.#now());
    if (deadline >= this.#deadline) return;
    this.#deadline = deadline;
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    this.#clear();
    this.#deadline = Infinity;
  }

  #schedule(): void {
    this.#clear();
    const delay = Math.min(Math.max(0, this.#deadline - performance.now()), MAX_TIMER_DELAY_MS);
    this.#timer = setTimeout(() => {
      this.#fire();
    }, delay);
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    // A leg of a chained long wait (or a timer that fired a fraction of a millisecond early): wait on.
    if (performance.now() < this.#deadline - 1) {
      this.#schedule();
      return;
    }
    this.#deadline = Infinity;
    this.#onWake();
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
