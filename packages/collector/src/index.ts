export { startCollector, type Collector } from './server.js';
export { resolveServeConfig, readConfigFile, DEFAULT_PROGRAM, DEFAULT_MARKETPLACES, DEFAULT_RATES, type ServeConfig, type ProgramConfig } from './config.js';
export { attribute, type Attribution, type AttributionInput } from './domain/attribution.js';
export { applyOrderEvent } from './domain/lifecycle.js';
export { lineCommission, divideHalfEven } from './domain/money.js';
export type { Marketplace } from './domain/marketplace.js';
export { run } from './cli.js';
