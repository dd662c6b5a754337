/**
 * The framework floor: an Express 5 app that answers 202 to every webhook and does nothing else
 * (it reads no body, checks no signature, writes nothing). Forked by perf/throughput.ts as plain
 * JavaScript: `node bare-express.js <port>`; says {type: 'listening'} over IPC once it listens.
 */
import express from 'express';

const port = Number(process.argv[2]);
const app = express();
app.post('/webhooks/stripe', (_request, response) => {
  response.status(202).json({ received: true, id: 'evt_baseline' });
});
app.listen(port, '127.0.0.1', () => process.send?.({ type: 'listening' }));
process.on('disconnect', () => process.exit(0));
