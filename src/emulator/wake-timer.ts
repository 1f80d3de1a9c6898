// One timer for the whole emulator: armed for the earliest instant something must happen without a
// request to trigger it (a callback to send when a payment turns final, a scheduled run, an approval
// expiring while a webhook listens). Unref'd, so it never keeps a process alive.

export class WakeTimer {
  #timer: NodeJS.Timeout | undefined;
  #at = Infinity;
  #closed = false;
  readonly #onWake: () => void;

  constructor(onWake: () => void) {
    this.#onWake = onWake;
  }

  /** Makes sure the timer fires at or before `at`. */
  arm(at: number): void {
    if (this.#closed || at >= this.#at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#at = at;
    // setTimeout's delay is a signed 32-bit number of ms (~24.8 days); a later instant re-arms on wake.
    const delay = Math.min(Math.max(0, at - Date.now()), 2_147_483_647);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#at = Infinity;
      this.#onWake();
    }, delay);
    this.#timer.unref();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
