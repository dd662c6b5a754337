import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express } from 'express';
import type { DeliveryQueues } from '@hookrelay/ops';
import { guardBoardActions } from './board-actions.js';
import { serveSelfContained } from './self-contained-page.js';

/**
 * Bull Board over every delivery queue, as an Express app to mount at `/`. A queue's Failed tab is
 * its dead-letter set; its Retry buttons replay (fresh attempts, behind live traffic) because the
 * queues hand out ReplayableJobs. Completed (delivered) jobs can be retried too, like the API allows.
 * Read-and-retry only: guardBoardActions refuses every other write (add, edit, clean, obliterate…).
 * Bull Board hides its write buttons only all together (readOnlyMode, which also hides Retry), so
 * the refused ones stay visible and answer with a "Forbidden" notice.
 * Its page loads nothing from outside the dashboard (serveSelfContained drops the Google Fonts link).
 */
export function createBoard(queues: DeliveryQueues): Express {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/');
  createBullBoard({
    queues: queues.all().map(
      ({ source, destination, queue }) =>
        new BullMQAdapter(queue, {
          allowRetries: true,
          description: `deliveries of source "${source}" to destination "${destination}"; Failed = dead-letter`,
        }),
    ),
    serverAdapter,
    options: {
      uiConfig: { boardTitle: 'hookrelay', hideDocsLink: true },
      handlerHooks: { before: guardBoardActions },
    },
  });
  const board = serverAdapter.getRouter() as Express;
  serveSelfContained(board);
  // A mounted Express app sets its own X-Powered-By, whatever the parent app says.
  board.disable('x-powered-by');
  return board;
}
