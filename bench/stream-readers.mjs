// Opens STREAMS_COUNT /v1/stream connections to STREAMS_URL, round-robin over the keys in
// STREAMS_KEYS (JSON), reads everything they send and, on SIGTERM, prints what arrived as JSON.
// A separate process, so reading 500 streams does not slow the load generator.
import { get } from 'node:http';

const url = process.env.STREAMS_URL;
const keys = JSON.parse(process.env.STREAMS_KEYS);
const count = Number(process.env.STREAMS_COUNT);
const seen = { open: 0, bytes: 0, messages: 0, clicks: 0, counts: 0, closed: 0 };

for (let i = 0; i < count; i++) {
  get(`${url}/v1/stream`, { agent: false, headers: { authorization: `Bearer ${keys[i % keys.length]}` } }, (res) => {
    if (res.statusCode !== 200) {
      console.error(`stream ${i}: ${res.statusCode}`);
      process.exit(1);
    }
    seen.open++;
    if (seen.open === count) console.log('all open');
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      seen.bytes += chunk.length;
      for (const m of chunk.matchAll(/event: clicks\ndata: (\{"c[^\n]*)/g)) {
        seen.messages++;
        if (m[1].startsWith('{"count"')) seen.counts++;
        else seen.clicks++;
      }
    });
    res.on('close', () => seen.closed++);
  }).on('error', (error) => {
    console.error(`stream ${i}: ${error.message}`);
    process.exit(1);
  });
}

process.on('SIGTERM', () => {
  console.log(JSON.stringify(seen));
  process.exit(0);
});
