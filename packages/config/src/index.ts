export {
  loadConfig,
  loadConfigOrExit,
  loadConfigAsWritten,
  parseConfig,
  parseConfigAsWritten,
  configPath,
  ConfigError,
  type ConfigAsWritten,
  type LoadOptions,
  type ParseOptions,
} from './load.js';
export { maskSecrets, maskUrlPassword } from './mask-secrets.js';
export type {
  HookrelayConfig,
  SourceConfig,
  DestinationConfig,
  RetryPolicy,
  BackoffKind,
  RedisConfig,
  VerifyConfig,
  VerifyPlugin,
} from './schema.js';
export { readDotenv } from './dotenv.js';
