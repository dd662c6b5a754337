import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { HookrelayConfig, SourceConfig } from '@hookrelay/config';
import { providerFor, signRequest } from '@hookrelay/verifiers';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { eventTypeNote, sampleRequest, type SampleRequest } from '../samples.js';

export interface SendOptions {
  readonly file?: string;
  readonly event?: string;
  readonly url?: string;
  readonly contentType?: string;
}

export interface SendResult {
  readonly url: string;
  readonly status: number;
  readonly body: unknown;
  /** Set when `--event` named a type the provider has no sample of: only the label changed. */
  readonly note?: string;
}

function findSource(config: HookrelayConfig, name: string): SourceConfig {
  const source = config.sources.find((candidate) => candidate.name === name);
  if (!source)
    throw new CliError(
      `no source named "${name}" in the config (sources: ${config.sources.map((s) => s.name).join(', ')})`,
    );
  return source;
}

/** The ingress as seen from this machine: a wildcard listen address becomes loopback. */
export function ingressBaseUrl(config: HookrelayConfig): string {
  const host = ['0.0.0.0', '::', ''].includes(config.ingress.host)
    ? '127.0.0.1'
    : config.ingress.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.ingress.port}`;
}

function requestFromFile(path: string, contentType: string | undefined): SampleRequest {
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch {
    throw new CliError(`cannot read ${path}`);
  }
  const guessed = ['.form', '.urlencoded'].includes(extname(path))
    ? 'application/x-www-form-urlencoded'
    : 'application/json';
  return { body, contentType: contentType ?? guessed, headers: {} };
}

/**
 * Builds a webhook for `sourceName` (the provider's sample, or --file), signs it the way that
 * provider does with the source's configured secret, and POSTs it to the ingress.
 */
export async function send(
  config: HookrelayConfig,
  sourceName: string,
  options: SendOptions,
): Promise<SendResult> {
  const source = findSource(config, sourceName);
  if (options.file && options.event)
    throw new CliError(
      '--event picks the type of the built-in sample; it cannot be used with --file',
    );
  const provider = providerFor(source.verify.type);
  if (!provider.sign) {
    throw new CliError(
      `source "${source.name}" uses verify type "${source.verify.type}", which hookrelay cannot sign: only the provider holds a key its certificates vouch for. Send a test event from the provider's own webhook simulator.`,
    );
  }
  const request = options.file
    ? requestFromFile(options.file, options.contentType)
    : sampleRequest(source.verify.type, options.event);
  const note = options.event ? eventTypeNote(source.verify.type, options.event) : undefined;
  const url = `${(options.url ?? ingressBaseUrl(config)).replace(/\/$/, '')}${source.paths[0]}`;
  const headers = {
    'content-type': options.contentType ?? request.contentType,
    ...request.headers,
    ...signRequest(source.verify, request.body, { url }),
  };
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: request.body });
  } catch (error) {
    throw new CliError(
      `cannot reach the ingress at ${url} (${(error as Error).cause ?? (error as Error).message}); is it running?`,
    );
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: shown as text.
  }
  return { url, status: response.status, body, ...(note && { note }) };
}

export function printSendResult(result: SendResult, output: Output): void {
  if (output.json) return output.data(result);
  if (result.note) output.progress.write(`hookrelay: ${result.note}\n`);
  output.line(`POST ${result.url}`);
  output.line(
    `${result.status} ${typeof result.body === 'string' ? result.body : JSON.stringify(result.body)}`,
  );
}
