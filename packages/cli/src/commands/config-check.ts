import { ConfigError, loadConfigAsWritten, maskSecrets } from '@hookrelay/config';
import { verifyPlugin } from '@hookrelay/verifiers';
import { stringify } from 'yaml';
import type { Output } from '../output.js';

/**
 * `hookrelay config check`: validates the config and prints it as a config file, with its own keys
 * and every default written out, secrets masked: with the secrets put back, it reads the same.
 * Returns the exit code.
 */
export function configCheck(path: string | undefined, output: Output): number {
  try {
    const { path: file, written } = loadConfigAsWritten({ path, verify: verifyPlugin });
    const masked = maskSecrets(written);
    if (output.json) output.data({ valid: true, path: file, config: masked });
    else
      output.line(
        `# ${file}: valid (defaults filled in, secrets masked)\n${stringify(masked).trimEnd()}`,
      );
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    if (output.json) output.data({ valid: false, problems: error.problems });
    else output.line(`invalid config:\n${error.problems.join('\n')}`);
    return 1;
  }
}
