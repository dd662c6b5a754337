import { Command, InvalidArgumentError } from 'commander';
import {
  DEFAULT_EVENT_LIMIT,
  DEFAULT_REPLAY_RATE,
  MAX_EVENT_LIMIT,
  parseEventQuery,
} from '@hookrelay/ops';
import { PROVIDERS, sampleEventTypes } from '@hookrelay/verifiers';
import { paletteFor } from './colour.js';
import { configCheck } from './commands/config-check.js';
import { dlqList } from './commands/dlq.js';
import { eventShow } from './commands/event-show.js';
import { events, type EventsFlags } from './commands/events.js';
import { pause, resume } from './commands/pause.js';
import { replay, replayRequestOf, type ReplayFlags } from './commands/replay.js';
import { printSendResult, send } from './commands/send.js';
import { status } from './commands/status.js';
import { tail, type TailOptions } from './commands/tail.js';
import { runCommand, withOps, type GlobalOptions } from './context.js';
import { consoleOutput } from './output.js';

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number above 0');
  return Number(value);
}

/** `send --help`: the event types each provider's sample has a payload of its own for. */
function sampleTypesHelp(): string {
  const signable = PROVIDERS.filter((provider) => provider.sign).map(({ type }) => type);
  const typed = signable.filter((type) => sampleEventTypes(type).length > 0);
  const untyped = signable.filter((type) => !typed.includes(type));
  return [
    '\nSample payloads by event type (the first is the default):',
    ...typed.map((type) => `  ${type}: ${sampleEventTypes(type).join(', ')}`),
    `  ${untyped.join(', ')}: none (their webhooks name no event type)`,
  ].join('\n');
}

/** The `hookrelay` command line (docs/contract.md §6); every command reads the same config and env as the apps. */
export function buildProgram(): Command {
  const program = new Command('hookrelay')
    .description(
      'Operate hookrelay: send signed test webhooks, find events and follow live traffic, watch queues, replay dead letters, pause deliveries.',
    )
    .option(
      '-c, --config <path>',
      'config file (default: $HOOKRELAY_CONFIG, else hookrelay.yaml here or above)',
    )
    .option('--json', 'print results as JSON, for scripts')
    .showHelpAfterError();
  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();

  program
    .command('send <source>')
    .description(
      "build a sample webhook (or read --file), sign it as the source's provider does, POST it to the ingress",
    )
    .option('-f, --file <path>', 'send this body instead of the built-in sample')
    .option(
      '-e, --event <type>',
      "event type of the built-in sample: the provider's payload of that type where it has one (below), else its default payload with only the type label changed (a line on stderr says so)",
    )
    .addHelpText('after', sampleTypesHelp)
    .option(
      '--content-type <type>',
      "Content-Type to send (default: the sample's, or from the file extension)",
    )
    .option('--url <base>', 'ingress base URL (default: http://127.0.0.1:<ingress.port>)')
    .action((source: string, _options, command: Command) =>
      runCommand(globals(command), async ({ config, output }) => {
        const result = await send(config, source, command.opts());
        printSendResult(result, output);
        return result.status >= 200 && result.status < 300 ? 0 : 1;
      }),
    );

  program
    .command('status')
    .description(
      'counts of every source and destination: waiting, active, delayed, retrying, delivered, dead',
    )
    .action((_options, command: Command) =>
      runCommand(globals(command), ({ config, output }) =>
        withOps(config, (ops) => status(ops, output)),
      ),
    );

  program
    .command('dlq')
    .description('dead-letter queue')
    .command('list')
    .description('dead events, newest first, with their last error')
    .option('-s, --source <name>', 'only this source')
    .option('-n, --limit <count>', 'at most this many (default 100, at most 1000)', positiveInteger)
    .option('--id <id>', "only this event: hookrelay's id (evt_…) or the provider's event id")
    .action((options: { source?: string; limit?: number; id?: string }, command: Command) =>
      runCommand(globals(command), ({ config, output }) =>
        withOps(config, (ops) => dlqList(ops, options, output)),
      ),
    );

  const eventsCommand = program
    .command('events')
    .description(
      'retained events, newest first, one row per destination (`events show <id>` for one event)',
    )
    .option('-s, --source <name>', 'only this source')
    .option('-d, --destination <name>', 'only this destination')
    .option(
      '--status <status>',
      'only events in this status: waiting, scheduled, delivering, retrying, delivered or dead',
    )
    .option('-t, --type <type>', 'only this event type; * matches anything (payment_intent.*)')
    .option('--event-id <id>', "only events with this provider's event id")
    .option(
      '--since <when>',
      'received at or after: a duration back from now (1h, 30m) or a date (2026-05-01T10:00:00Z)',
    )
    .option('--until <when>', 'received at or before: same forms as --since')
    .option(
      '-n, --limit <count>',
      `at most this many rows (default ${DEFAULT_EVENT_LIMIT}, at most ${MAX_EVENT_LIMIT})`,
    )
    .option('--cursor <id>', 'the page after the one whose "More:" line gave this evt_… id')
    .action((flags: EventsFlags, command: Command) =>
      runCommand(globals(command), ({ config, output }) => {
        // A bad filter is reported before Redis is reached.
        const request = { query: parseEventQuery(flags), flags, config: globals(command).config };
        return withOps(config, (ops) => events(ops, request, output));
      }),
    );

  eventsCommand
    .command('show <id>')
    .description(
      "one event by hookrelay's id (evt_…) or the provider's: what was received, then every attempt with the backend's answer",
    )
    .action((id: string, _options, command: Command) =>
      runCommand(globals(command), ({ config, output }) =>
        withOps(config, (ops) => eventShow(ops, id, output)),
      ),
    );

  program
    .command('tail')
    .description(
      'follow live traffic like `stripe listen`: a line per event received and per delivery attempt, until Ctrl-C',
    )
    .option('-s, --source <name>', 'only this source')
    .action((options: TailOptions, command: Command) =>
      runCommand(globals(command), ({ config, output }) =>
        withOps(config, (ops) => tail(ops, options, output, paletteFor(process.stdout))),
      ),
    );

  program
    .command('replay')
    .description('replay dead events under their own ids, behind live traffic, paced')
    .option('-s, --source <name>', 'only this source')
    .option(
      '--since <when>',
      'received at or after: a duration back from now (2h, 30m) or a date (2026-05-01T10:00:00Z)',
    )
    .option('--until <when>', 'received at or before: same forms as --since')
    .option(
      '--id <ids...>',
      "only these events: hookrelay's ids (evt_…) or the provider's event ids",
    )
    .option(
      '--rate <perSecond>',
      `replays started per second (default ${DEFAULT_REPLAY_RATE})`,
      positiveInteger,
    )
    .option('--dry-run', 'count what would be replayed; change nothing')
    .action((options: ReplayFlags, command: Command) =>
      runCommand(globals(command), ({ config, output }) =>
        withOps(config, (ops) => replay(ops, replayRequestOf(options), output)),
      ),
    );

  program
    .command('pause <source>')
    .description('hold deliveries of a source (the ingress keeps accepting and queuing)')
    .action((source: string, _options, command: Command) =>
      runCommand(globals(command), ({ config, output }) =>
        withOps(config, (ops) => pause(ops, source, output)),
      ),
    );

  program
    .command('resume <source>')
    .description('release the held deliveries of a source')
    .action((source: string, _options, command: Command) =>
      runCommand(globals(command), ({ config, output }) =>
        withOps(config, (ops) => resume(ops, source, output)),
      ),
    );

  program
    .command('config')
    .description('the config file')
    .command('check')
    .description('validate the config and print it with secrets masked')
    .action((_options, command: Command) => {
      const options = globals(command);
      process.exitCode = configCheck(options.config, consoleOutput(options.json ?? false));
    });

  return program;
}
