import { randomBytes } from 'node:crypto';
import type { HookrelayConfig } from '@hookrelay/config';

export interface DashboardLogin {
  /** A password to hand the apps as DASHBOARD_PASSWORD, when the config has no credential at all. */
  readonly generatedPassword?: string;
  /** What npm start prints beside the dashboard's URL. */
  readonly note: string;
}

export function newDashboardPassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * How the operator logs in to the dashboard. A password is shown only the one time it is made: when
 * npm start has just written it into a new .env, or, with no credential configured at all, when it
 * generates one for this run. Otherwise the note only says where the credential comes from.
 */
export function planDashboardLogin(
  dashboard: HookrelayConfig['dashboard'],
  passwordJustWrittenToEnv: boolean,
  generate: () => string = newDashboardPassword,
): DashboardLogin {
  const user = `user ${dashboard.username}`;
  if (dashboard.password && passwordJustWrittenToEnv) {
    return {
      note: `${user}, password ${dashboard.password} (generated into .env, shown this once)`,
    };
  }
  if (dashboard.password || dashboard.token) {
    const how = [
      dashboard.password ? 'password DASHBOARD_PASSWORD' : '',
      dashboard.token ? 'Bearer DASHBOARD_TOKEN' : '',
    ].filter(Boolean);
    return { note: `${user}; ${how.join(' or ')} from .env or the environment` };
  }
  const password = generate();
  return {
    generatedPassword: password,
    note: `${user}, password ${password} (generated for this run only; set DASHBOARD_PASSWORD in .env to keep one)`,
  };
}
