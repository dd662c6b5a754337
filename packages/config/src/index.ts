export {
  loadConfig,
  loadConfigOrExit,
  parseConfig,
  configPath,
  ConfigError,
  type LoadOptions,
} from './load.js';
export { maskSecrets, maskUrlPassword } from './mask-secrets.js';
export type * from './types.js';
export { readDotenv } from './dotenv.js';
