import type { PostingBudget } from '@slotwatch/channel-twitter';
import type { Db } from '@slotwatch/db';

export interface TwitterAccount {
  id: string;
  name: string;
  watchIds: string[];
  language: 'en' | 'fr';
  tokensSealed: string;
  disabled: boolean;
  /** The budget X last reported; nulls before the first post. */
  budget: { remaining: number | null; resetAt: Date | null; dayRemaining: number | null; dayResetAt: Date | null };
}

export async function loadAccount(db: Db, id: string): Promise<TwitterAccount | undefined> {
  const [r] = await db<{ id: string; name: string; watch_ids: string[]; language: 'en' | 'fr'; tokens_sealed: string; disabled: boolean; remaining: number | null; reset_at: Date | null; day_remaining: number | null; day_reset_at: Date | null }[]>`
    SELECT a.id, a.name, a.watch_ids, a.language, a.tokens_sealed, a.disabled_at IS NOT NULL AS disabled,
      s.remaining, s.reset_at, s.day_remaining, s.day_reset_at
    FROM twitter_accounts a LEFT JOIN twitter_state s ON s.account_id = a.id WHERE a.id = ${id}`;
  if (!r) return undefined;
  return {
    id: r.id, name: r.name, watchIds: r.watch_ids, language: r.language, tokensSealed: r.tokens_sealed, disabled: r.disabled,
    budget: { remaining: r.remaining, resetAt: r.reset_at, dayRemaining: r.day_remaining, dayResetAt: r.day_reset_at },
  };
}

/** Keeps what X said about the account's budget (every answer carries it) and the last error. */
export async function saveBudget(db: Db, accountId: string, budget: PostingBudget | undefined, options: { posted: boolean; error: string | null }): Promise<void> {
  await db`
    INSERT INTO twitter_state (account_id, limit_window, remaining, reset_at, day_remaining, day_reset_at, last_post_at, last_error)
    VALUES (${accountId}, ${budget?.limit ?? null}, ${budget?.remaining ?? null}, ${budget?.resetAt ?? null},
            ${budget?.dayRemaining ?? null}, ${budget?.dayResetAt ?? null}, ${options.posted ? new Date() : null}, ${options.error})
    ON CONFLICT (account_id) DO UPDATE SET
      limit_window = COALESCE(EXCLUDED.limit_window, twitter_state.limit_window),
      remaining = COALESCE(EXCLUDED.remaining, twitter_state.remaining),
      reset_at = COALESCE(EXCLUDED.reset_at, twitter_state.reset_at),
      day_remaining = COALESCE(EXCLUDED.day_remaining, twitter_state.day_remaining),
      day_reset_at = COALESCE(EXCLUDED.day_reset_at, twitter_state.day_reset_at),
      last_post_at = COALESCE(EXCLUDED.last_post_at, twitter_state.last_post_at),
      last_error = EXCLUDED.last_error,
      updated_at = now()`;
}

/**
 * Budget decisions, from what X last reported for the account:
 * - a spent window (15 min or 24 h) → wait for its reset (X would answer 429 until then);
 * - a window running low (≤ LOW_WATER left) → pace the rest evenly until its reset, so each post
 *   sums up what gathered meanwhile and the budget never runs out before the reset.
 */
export const LOW_WATER = 2;

export function budgetWait(b: TwitterAccount['budget'], now: number): { until: Date; spent: boolean } | undefined {
  const windows = [
    { remaining: b.remaining, resetAt: b.resetAt },
    { remaining: b.dayRemaining, resetAt: b.dayResetAt },
  ].filter((w): w is { remaining: number; resetAt: Date } => w.remaining !== null && w.resetAt !== null && new Date(w.resetAt).getTime() > now);
  let wait: { until: Date; spent: boolean } | undefined;
  for (const w of windows) {
    const reset = new Date(w.resetAt).getTime();
    const candidate = w.remaining <= 0 ? { until: new Date(reset), spent: true } : w.remaining <= LOW_WATER ? { until: new Date(now + (reset - now) / (w.remaining + 1)), spent: false } : undefined;
    if (candidate && (!wait || candidate.until > wait.until)) wait = candidate;
  }
  return wait;
}
