import type { Marketplace } from './url.js';
import type { PrivacyOptions } from './consent.js';

/**
 * What a collector serves its scripts with: where beacons go and which links are merchant links.
 * Each can be given (or overridden) in `init` options.
 */
export interface Program {
  /** Collector base URL; beacons go to `endpoint + '/v1/events'`. Default: the embedded one. */
  endpoint?: string;
  /** Tracking IDs the program accepts (a RegExp source). Default: the embedded one (ESM build: the collector's default). */
  tagPattern: string;
  /** Default: the embedded ones. */
  marketplaces: Marketplace[];
  /**
   * A selector matching at least every link to the marketplaces' hosts (`linkSelector`: the
   * collector embeds it); links it leaves out are never read. Ignored when `marketplaces` is given
   * without it. Default: every link.
   */
  links?: string;
}

/** `Affil.init(tag, options)`. */
export interface InitOptions extends PrivacyOptions, Partial<Program> {
  /** Tag per marketplace id, e.g. `{ uk: 'janesblog-21' }`. Default: the main tag, where its suffix fits. */
  tags?: Record<string, string>;
  /** Replace tags other affiliates put on links. Default `false`. */
  overrideForeignTags?: boolean;
  /**
   * Sub-ID for the clicks on this page (1–64 of `A-Za-z0-9._-`); a link's `data-affil-sub` replaces
   * it. Sent as given: the collector drops an invalid one (the click is kept). Default: none.
   */
  sub?: string;
  /** Log what the SDK does. Default `false` (or `?affil_debug=1` in the page URL). */
  debug?: boolean;
}

/**
 * The program the collector embedded, spread into the caller's settings. The collector serves
 * `/affil.js` and `/affil-merchant.js` with the text `self.__AFFIL_PROGRAM__` replaced by the
 * program's JSON (a JS expression); unreplaced (ESM build, tests) it reads a global no page sets and
 * is undefined: the caller's options must then carry a program.
 */
export const embeddedProgram = (): Partial<Program> | undefined =>
  (self as typeof self & { __AFFIL_PROGRAM__?: Partial<Program> }).__AFFIL_PROGRAM__;

/**
 * The `data-tag` of the `<script>` running now. `document.currentScript` is only set while a classic
 * script first runs (null later, and in modules), so the bundle entry calls this at once. This is the
 * only place the SDK looks at its own script element.
 */
export const scriptTag = (): string | undefined => document.currentScript?.dataset.tag;
