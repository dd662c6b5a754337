import { ConfigError, configPath, loadConfig, maskSecrets } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { stringify } from 'yaml';
import type { Output } from '../output.js';

/** `hookrelay config check`: validates the config and prints it resolved, secrets masked. Returns the exit code. */
export function configCheck(path: string | undefined, output: Output): number {
  try {
    const file = configPath({ path });
    const masked = maskSecrets(loadConfig({ path: file, verify: verifyPlugin }));
    if (output.json) output.data({ valid: true, path: file, config: masked });
    else output.line(`# ${file}: valid\n${stringify(masked).trimEnd()}`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (output.json) output.data({ valid: false, problems: error.problems });
    else output.line(`invalid config:\n${error.problems.join('\n')}`);
    return 1;
  }
}
