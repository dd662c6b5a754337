export { createServer, type DashboardApp, type DashboardDependencies } from './server.js';
export { CredentialCheck, MissingCredentialsError, hasCredentials } from './credentials.js';
export {
  LoginThrottle,
  DEFAULT_LOGIN_THROTTLE,
  type LoginThrottleOptions,
} from './login-throttle.js';
export { ALLOWED_BOARD_WRITES } from './board-actions.js';
