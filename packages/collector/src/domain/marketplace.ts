import type { Marketplace as LinkMarketplace } from '@affil/sdk/url';

/** A storefront of the program: where links go, which tags it takes, what it pays. */
export interface Marketplace extends LinkMarketplace {
  /** ISO 4217 code of every amount in this marketplace. */
  currency: string;
  /** Commission rates in basis points by category; `default` covers the rest. */
  rates: Readonly<Record<string, number>> & { default: number };
}

/** The rate (basis points) a line of `category` earns in `marketplace`. */
export function rateFor(marketplace: Marketplace, category: string): number {
  const own = Object.hasOwn(marketplace.rates, category) ? marketplace.rates[category] : undefined;
  return own ?? marketplace.rates.default;
}
