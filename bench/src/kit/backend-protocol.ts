/** What the bench and the backend child (kit/backend-child.ts) say over IPC. Types only. */

export type BackendCommand =
  | { readonly type: 'expect'; readonly count: number }
  | { readonly type: 'report'; readonly times: boolean }
  | { readonly type: 'reset' };

export interface BackendReport {
  /** Every request received, repeats included. */
  readonly requests: number;
  /** Distinct deliveries: path and event id. */
  readonly distinct: number;
  /** Bodies without a readable JSON `id`. */
  readonly unreadable: number;
  /** When the first and the last distinct delivery arrived, epoch ms (0: none). */
  readonly firstAt: number;
  readonly lastAt: number;
  /** With `times`: `[path + ' ' + event id, epoch ms]` of each distinct delivery. */
  readonly arrivals?: [string, number][];
}

export type BackendMessage =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'reached'; readonly distinct: number; readonly lastAt: number }
  | { readonly type: 'report'; readonly report: BackendReport }
  | { readonly type: 'reset' };
