/** How the demo backend should misbehave, set with POST /_control. */
export interface FailureRule {
  /** Only deliveries to this path (all when absent). */
  readonly path?: string;
  /** Answer this status instead of 200. */
  readonly status?: number;
  readonly retryAfter?: string;
  /** Never answer (the relay times out). */
  readonly hang?: boolean;
  /** Answer after this many milliseconds (a slow backend). */
  readonly delayMs?: number;
  /** Apply to this many deliveries, then stop (forever when absent). */
  times?: number;
}

export class FailureRules {
  private rules: FailureRule[] = [];

  set(rules: FailureRule[]): void {
    this.rules = rules;
  }

  list(): readonly FailureRule[] {
    return this.rules;
  }

  /** The rule for this delivery, consuming one of its `times`. */
  take(path: string): FailureRule | undefined {
    const rule = this.rules.find(
      (r) => (!r.path || r.path === path) && (r.times === undefined || r.times > 0),
    );
    if (rule?.times !== undefined) rule.times -= 1;
    return rule;
  }
}
