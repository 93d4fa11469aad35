import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type { Request } from 'express';
import { linkSelector } from '@affil/sdk/url';
import type { ProgramConfig } from '../config.js';
import { Problem } from '../errors.js';

type AssetName = 'affil.js' | 'affil-merchant.js';

/** The expression the SDK build leaves for the collector to replace with the program (its JSON). */
const PLACEHOLDER = 'self.__AFFIL_PROGRAM__';

/** One script as served: its text, and that text compressed once (the size budget is gzipped). */
export interface SdkAsset {
  body: string;
  etag: string;
  gzip: Buffer;
  br: Buffer;
}

export interface SdkAssets {
  get(name: AssetName, program: ProgramConfig, req: Request): SdkAsset;
}

/**
 * Variants kept, one per script and endpoint origin. Without a `publicUrl` the origin comes from
 * the request's Host header, which anyone can set: past this many, the cache starts over.
 */
const MAX_VARIANTS = 64;

/**
 * Serves the built SDK bundles with this program's marketplaces embedded, so a publisher's
 * page needs one script and no extra request. Bundles are read once; each endpoint origin's
 * variant is built (and compressed, gzip and brotli) once and kept.
 */
export function sdkAssets(publicUrl: string | undefined): SdkAssets {
  const require = createRequire(import.meta.url);
  const sources = new Map<AssetName, string>();
  let built = new Map<string, SdkAsset>();
  const source = (name: AssetName): string => {
    let text = sources.get(name);
    if (text === undefined) {
      try {
        text = readFileSync(require.resolve(`@affil/sdk/${name}`), 'utf8');
      } catch {
        throw new Problem('not_found', `${name} has not been built: run "npm run build"`);
      }
      sources.set(name, text);
    }
    return text;
  };
  return {
    get(name, program, req) {
      const endpoint = publicUrl ?? `${req.protocol}://${req.get('host')}`;
      const key = `${name} ${endpoint}`;
      let asset = built.get(key);
      if (!asset) {
        const embedded = JSON.stringify({
          endpoint,
          tagPattern: program.tagPattern,
          marketplaces: program.marketplaces.map((m) => ({ id: m.id, hosts: m.hosts, tagSuffix: m.tagSuffix })),
          // Worked out here once rather than in every reader's browser (and its bytes in the bundle).
          ...(name === 'affil.js' ? { links: linkSelector(program.marketplaces) } : {}),
        });
        const body = source(name).replace(PLACEHOLDER, () => `(${embedded})`);
        asset = {
          body,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
          gzip: gzipSync(body, { level: 9 }),
          br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
        };
        if (built.size >= MAX_VARIANTS) built = new Map();
        built.set(key, asset);
      }
      return asset;
    },
  };
}
