export {
  loadConfig,
  loadConfigOrExit,
  parseConfig,
  configPath,
  ConfigError,
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
