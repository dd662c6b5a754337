export { createServer, type DashboardApp, type DashboardDependencies } from './server.js';
export { CredentialCheck, MissingCredentialsError, hasCredentials } from './credentials.js';
