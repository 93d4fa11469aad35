import { validSub } from '@affil/sdk/url';

/**
 * The longest dwell kept (ms): a day. A click's dwell is the time since its page loaded; a tab left
 * open for longer says nothing more (the stuffing rule only asks whether it is under `minDwellMs`),
 * and a day fits every integer column.
 */
export const MAX_DWELL_MS = 86_400_000;

/** What a click says beyond where it went (SPEC §10): its sub-ID and the SDK's integrity signals. */
export interface ClickSignals {
  sub: string | null;
  trusted: boolean | null;
  visible: boolean | null;
  framed: boolean | null;
  dwell: number | null;
}

const flag = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);

/**
 * The sub-ID and signals of a click event as sent, each kept only when well-formed and null
 * otherwise: the SDK sends `sub` as the page gave it, so the collector is its only check. A bad or
 * missing field never rejects the click (a missing signal never flags it, either): an invalid `sub`
 * (not 1–64 of `A-Za-z0-9._-`), a signal that is not a boolean, a `dwell` that is not a
 * non-negative integer are dropped; a dwell over a day is kept as a day.
 */
export function clickSignals(event: { sub?: unknown; trusted?: unknown; visible?: unknown; framed?: unknown; dwell?: unknown }): ClickSignals {
  const { dwell } = event;
  return {
    sub: subOf(event.sub),
    trusted: flag(event.trusted),
    visible: flag(event.visible),
    framed: flag(event.framed),
    dwell: typeof dwell === 'number' && Number.isSafeInteger(dwell) && dwell >= 0 ? Math.min(dwell, MAX_DWELL_MS) : null,
  };
}

/**
 * A sub-ID as sent (a beacon field, `/go?…&sub=`): the valid one, else null (dropped, the click
 * kept). Only a string: `validSub` alone would turn the number 42 or the array ["a"] into text.
 */
export const subOf = (value: unknown): string | null => (typeof value === 'string' ? (validSub(value) ?? null) : null);
