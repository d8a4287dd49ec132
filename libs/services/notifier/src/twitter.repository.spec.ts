import { describe, expect, it } from 'vitest';
import { budgetWait } from './twitter.repository';

const now = Date.parse('2026-12-01T12:00:00Z');
const at = (s: number) => new Date(now + s * 1000);

describe('X posting budget', () => {
  it('posts freely while the budget is comfortable or unknown', () => {
    expect(budgetWait({ remaining: null, resetAt: null, dayRemaining: null, dayResetAt: null }, now)).toBeUndefined();
    expect(budgetWait({ remaining: 40, resetAt: at(600), dayRemaining: 900, dayResetAt: at(80_000) }, now)).toBeUndefined();
  });

  it('waits for the reset of a spent window, the 24-hour one when that is spent', () => {
    expect(budgetWait({ remaining: 0, resetAt: at(600), dayRemaining: 50, dayResetAt: at(80_000) }, now)).toEqual({ until: at(600), spent: true });
    expect(budgetWait({ remaining: 30, resetAt: at(600), dayRemaining: 0, dayResetAt: at(80_000) }, now)).toEqual({ until: at(80_000), spent: true });
  });

  it('paces the last posts of a window until its reset, so each one sums up', () => {
    expect(budgetWait({ remaining: 2, resetAt: at(900), dayRemaining: null, dayResetAt: null }, now)).toEqual({ until: at(300), spent: false });
    expect(budgetWait({ remaining: 1, resetAt: at(900), dayRemaining: null, dayResetAt: null }, now)).toEqual({ until: at(450), spent: false });
  });

  it('forgets a window whose reset has passed', () => {
    expect(budgetWait({ remaining: 0, resetAt: at(-1), dayRemaining: null, dayResetAt: null }, now)).toBeUndefined();
  });
});
