/** The baseline: an Express app that answers 202 to every webhook and does nothing else. */
import express from 'express';

const port = Number(process.argv[2] ?? 5100);
const app = express();
app.post('/webhooks/payment', (_request, response) => {
  response.status(202).json({ received: true, id: 'evt_baseline' });
});
app.listen(port, '127.0.0.1', () => process.send?.('listening'));
