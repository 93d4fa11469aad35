import { DEFAULT_TAG_PATTERN } from '@affil/merchant/contract';
import type { Marketplace } from './marketplace.js';
import type { PayoutsConfig } from './payouts.js';
import { BUILTIN_STOREFRONTS } from '../data/storefronts.js';
import { resolveIntegrity, type IntegrityConfig } from './integrity/config.js';

/*
 * The program's rules live here, once: the serve settings (config.ts) extend them, services and the
 * dashboard read them. The default tag pattern is the wire contract's (merchant kits check it too).
 */

/** The affiliate program's rules: windows, which tags it accepts, its storefronts. */
export interface ProgramConfig {
  /** Hours after a click in which every order of the visitor is credited. Default 24. */
  clickWindowHours: number;
  /** Days after an in-window cart add in which that item is still credited. Default 90. */
  cartWindowDays: number;
  /** Regular expression every tracking ID must match. */
  tagPattern: string;
  /** Beacon and redirect requests per client address per minute; 0 turns limiting off. Default 600. */
  rateLimitPerMinute: number;
  /** Days raw events are kept. Default 400. */
  retentionDays: number;
  marketplaces: Marketplace[];
  /** Money out (config `payouts`); absent: the defaults of `parsePayoutsConfig`. */
  payouts?: PayoutsConfig;
  /** Integrity rules (SPEC §10, docs/integrity.md): every rule on by default. */
  integrity: IntegrityConfig;
}

/**
 * Default commission rates (basis points) for the built-in storefronts, modelled on the
 * Associates fixed-fee table; configure your own `rates` per marketplace.
 */
export const DEFAULT_RATES = {
  default: 400,
  luxury_beauty: 1000,
  music: 500,
  handmade: 500,
  books: 450,
  kitchen: 450,
  automotive: 450,
  electronics: 400,
  toys: 300,
  furniture: 300,
  home: 300,
  computers: 250,
  video_games: 100,
  grocery: 100,
  health: 100,
} as const;

export { DEFAULT_TAG_PATTERN };

export const DEFAULT_MARKETPLACES: Marketplace[] = BUILTIN_STOREFRONTS.map((s) => ({
  id: s.id,
  hosts: [s.host],
  tagSuffix: s.tagSuffix,
  currency: s.currency,
  rates: { ...DEFAULT_RATES },
}));

export const DEFAULT_PROGRAM: ProgramConfig = {
  clickWindowHours: 24,
  cartWindowDays: 90,
  tagPattern: DEFAULT_TAG_PATTERN,
  rateLimitPerMinute: 600,
  retentionDays: 400,
  marketplaces: DEFAULT_MARKETPLACES,
  integrity: resolveIntegrity(undefined),
};

