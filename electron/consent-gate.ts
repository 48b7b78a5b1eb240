/**
 * When a consent window may take an answer. Approving must be a deliberate click on a window the
 * user has had in front of them: a window that pops up (or regains focus) under a moving cursor
 * must not turn a click meant for something else into an approval. Declining is never gated by
 * time: saying no is always at least as fast as saying yes.
 */
export const MIN_FOCUSED_MS = 500;

export interface ConsentWindowTimes {
  /** When the window was last shown (ms), if ever. */
  shownAt: number | undefined;
  /** When the window last gained focus (ms), if ever. */
  focusedAt: number | undefined;
  visible: boolean;
}

export type GateResult = { ok: true } | { ok: false; code: string; message: string };

export function checkAnswerTiming(
  times: ConsentWindowTimes,
  action: 'approve' | 'deny' | 'done',
  now: number,
  minMs = MIN_FOCUSED_MS,
): GateResult {
  if (action === 'deny') return { ok: true };
  if (times.shownAt === undefined || !times.visible) {
    return { ok: false, code: 'CONSENT_WINDOW_HIDDEN', message: 'The consent window is not showing.' };
  }
  if (times.focusedAt === undefined) {
    return { ok: false, code: 'CONSENT_WINDOW_UNFOCUSED', message: 'Click the consent window first, then choose.' };
  }
  if (now - times.shownAt < minMs || now - times.focusedAt < minMs) {
    return {
      ok: false,
      code: 'CONSENT_TOO_SOON',
      message: 'That was too quick to be a deliberate choice: please choose again.',
    };
  }
  return { ok: true };
}
