import type { AttemptRecord, EventStatus } from '@hookrelay/queue';
import { html, type SafeHtml } from './html.js';

type Tone = 'green' | 'red' | 'amber' | 'grey';

const STATUS_TONES: Partial<Record<EventStatus, Tone>> = {
  delivered: 'green',
  dead: 'red',
  retrying: 'amber',
};

const OUTCOME_TONES: Partial<Record<AttemptRecord['outcome'], Tone>> = {
  delivered: 'green',
  dead: 'red',
  retry: 'amber',
};

function badge(text: string, tone: Tone): SafeHtml {
  return html`<span class="badge ${tone}">${text}</span>`;
}

/** An event's status: delivered green, dead red, retrying amber, the others (on their way) grey. */
export function statusBadge(status: EventStatus): SafeHtml {
  return badge(status, STATUS_TONES[status] ?? 'grey');
}

/** What came of one attempt, in the same colours (`held`: grey, the attempt was not spent). */
export function outcomeBadge(outcome: AttemptRecord['outcome']): SafeHtml {
  return badge(outcome, OUTCOME_TONES[outcome] ?? 'grey');
}
