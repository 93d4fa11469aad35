// `@affil/collector/merchant`: the merchant kit, for shops that install the whole collector. It is
// `@affil/merchant` itself, so a shop that wants only the kit installs that small package instead
// (no SQLite, no Express).
export * from '@affil/merchant';
