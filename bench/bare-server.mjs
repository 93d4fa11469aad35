// The baseline for the ingest benchmark: Express with one route that answers 204 and does
// nothing else, on the same machine and Node as the collector.
import express from 'express';

const app = express();
app.post('/v1/events', (_req, res) => res.status(204).end());
const server = app.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
