// The demo shop's products. Amounts are integer cents (USD), as everywhere in Affil.
export const CATALOG = {
  B0DEMOCAM1: { name: 'Demo Camera X100', category: 'electronics', unitAmount: 49900 },
  B0DEMOBK01: { name: 'Field Guide to Light (book)', category: 'books', unitAmount: 1299 },
  B0DEMOTOY1: { name: 'Wooden Robot', category: 'toys', unitAmount: 2499 },
};

export const formatUsd = (cents) => `$${(cents / 100).toFixed(2)}`;
