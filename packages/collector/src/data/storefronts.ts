/**
 * Built-in marketplaces: the Amazon storefronts whose Associates tag suffix has public evidence,
 * from shared/corpora/marketplaces.json (sources: ScaleLeap/amazon-marketplaces (MIT), Amazon PA-API
 * locale reference, Mozilla search-config tests (CC0)). Storefronts with an unknown suffix are left out
 * rather than guessed; add them in the config file when you know yours.
 */
export const BUILTIN_STOREFRONTS: readonly { id: string; host: string; tagSuffix: string; currency: string }[] = [
  { id: 'us', host: 'amazon.com', tagSuffix: '-20', currency: 'USD' },
  { id: 'uk', host: 'amazon.co.uk', tagSuffix: '-21', currency: 'GBP' },
  { id: 'de', host: 'amazon.de', tagSuffix: '-21', currency: 'EUR' },
  { id: 'fr', host: 'amazon.fr', tagSuffix: '-21', currency: 'EUR' },
  { id: 'it', host: 'amazon.it', tagSuffix: '-21', currency: 'EUR' },
  { id: 'es', host: 'amazon.es', tagSuffix: '-21', currency: 'EUR' },
  { id: 'nl', host: 'amazon.nl', tagSuffix: '-21', currency: 'EUR' },
  { id: 'se', host: 'amazon.se', tagSuffix: '-21', currency: 'SEK' },
  { id: 'ca', host: 'amazon.ca', tagSuffix: '-20', currency: 'CAD' },
  { id: 'jp', host: 'amazon.co.jp', tagSuffix: '-22', currency: 'JPY' },
  { id: 'br', host: 'amazon.com.br', tagSuffix: '-20', currency: 'BRL' },
  { id: 'in', host: 'amazon.in', tagSuffix: '-21', currency: 'INR' },
];
