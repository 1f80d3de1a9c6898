// The emulator's single wake timer, on fake timers: waits longer than setTimeout's 2^31-1 ms are
// chained, earlier instants win, close() clears everything.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMER_DELAY_MS, WakeTimer } from "../../src/emulator/wake-timer.js";

const DAY = 86_400_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"], now: Date.UTC(2026, 10, 27, 15) });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("WakeTimer", () => {
  it("wakes once at an instant 90 days ahead, chaining timers no longer than 2^31-1 ms", () => {
    const onWake = vi.fn();
    const timer = new WakeTimer(onWake);
    const at = Date.now() + 90 * DAY;
    timer.arm(at);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS); // ~24.8 days: a first leg, not the wake
    expect(onWake).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(at - Date.now() - 1);
    expect(onWake).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onWake).toHaveBeenCalledTimes(1);
    expect(Date.now()).toBe(at);
    expect(vi.getTimerCount()).toBe(0);
    timer.close();
  });

  it("keeps the earliest instant: a later arm is ignored, an earlier one replaces the timer", () => {
    const onWake = vi.fn();
    const timer = new WakeTimer(onWake);
    const start = Date.now();
    timer.arm(start + 1000);
    timer.arm(start + 5000);
    timer.arm(start + 200);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(onWake).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onWake).toHaveBeenCalledTimes(1); // one wake; the emulator re-arms for what is left
    timer.arm(start - 1); // already past: at once
    vi.advanceTimersByTime(0);
    expect(onWake).toHaveBeenCalledTimes(2);
    timer.close();
  });

  it("measures the wait on the emulator's clock, so a clock moved ahead shortens the next arm", () => {
    const onWake = vi.fn();
    let shift = 0;
    const timer = new WakeTimer(onWake, () => Date.now() + shift);
    const at = Date.now() + 60_000;
    timer.arm(at);
    shift = 59_000; // the emulator's clock now reads one second before `at`
    timer.arm(at);
    vi.advanceTimersByTime(1000);
    expect(onWake).toHaveBeenCalledTimes(1);
    timer.close();
  });

  it("close() clears the timer and refuses new ones", () => {
    const onWake = vi.fn();
    const timer = new WakeTimer(onWake);
    timer.arm(Date.now() + 40 * DAY);
    timer.close();
    expect(vi.getTimerCount()).toBe(0);
    timer.arm(Date.now() + 10);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(50 * DAY);
    expect(onWake).not.toHaveBeenCalled();
  });

  it("does not keep the process alive (unref'd)", () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, "setTimeout");
    const timer = new WakeTimer(() => undefined);
    timer.arm(Date.now() + 40 * DAY);
    const handle = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(spy.mock.calls[0]?.[1]).toBe(MAX_TIMER_DELAY_MS);
    expect(handle.hasRef()).toBe(false);
    timer.close();
    spy.mockRestore();
  });
});
