// Moves this process's wall clock to PIXOUT_TEST_CLOCK_AT (an ISO instant) and lets it flow at real speed
// from there. Loaded as a vitest setup file by the moved-clock projects (vitest.config.ts) and, through
// NODE_OPTIONS=--import, by the CLI processes those tests start (test/helpers/moved-clock-env.ts), so
// that a test computing "tomorrow" and the code it checks agree on what today is — on any date.
//
// Only `Date` moves: timers, performance.now() and OpenSSL's certificate checks keep real time. Why not
// vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true }): it advances Date in 20 ms steps, and
// its interval keeps a child process alive; a constant offset keeps the clock's resolution and flow.
// Without PIXOUT_TEST_CLOCK_AT this module does nothing.
// eslint-disable-next-line no-restricted-properties -- set by the vitest project or the parent test, not a setting of pixout
const at = process.env.PIXOUT_TEST_CLOCK_AT;
if (at !== undefined && at !== "") {
  const REAL = Symbol.for("pixout.test.realDate");
  // Loaded again in a reused worker: move from the real clock, not from an already moved one.
  const RealDate = globalThis[REAL] ?? globalThis.Date;
  globalThis[REAL] = RealDate;
  const target = RealDate.parse(at);
  if (Number.isNaN(target)) throw new Error(`PIXOUT_TEST_CLOCK_AT: not an instant: ${at}`);
  const offset = target - RealDate.now();
  class MovedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
    // Dates made by Node itself (fs.Stats, …) are real Dates: still `instanceof Date`.
    static [Symbol.hasInstance](value) {
      return value instanceof RealDate;
    }
  }
  // `Date()` without `new` gives the current time as a string.
  globalThis.Date = new Proxy(MovedDate, { apply: () => new MovedDate().toString() });
}
