import { parseArgs } from 'node:util';
import {
  EVENT_CATALOGUE,
  findEvent,
  generateEvent,
  type EventTemplate,
} from '../events/catalogue.js';

export const GENERATE_EVENT_USAGE =
  '       asimov generate-event <service> <event> [--option value]…   (asimov generate-event --help lists them)';

/**
 * `asimov generate-event <service> <event> [--option value]…`, as `sam local generate-event`:
 * prints the event as the service sends it to Lambda, for `asimov invoke --event`. Without an
 * event (or with --help) it lists what there is. Returns the exit status.
 */
export function generateEventCommand(args: readonly string[]): number {
  const [service, event, ...rest] = args;
  if (service === undefined || service.startsWith('-')) {
    process.stdout.write(servicesHelp());
    return service === undefined || service === '--help' || service === '-h' ? 0 : 2;
  }
  const events = EVENT_CATALOGUE[service];
  if (!events) return fail(`unknown service '${service}'\n${servicesHelp()}`);
  if (event === undefined || event.startsWith('-')) {
    process.stdout.write(eventsHelp(service));
    return 0;
  }
  const template = findEvent(service, event);
  if (!template) return fail(`${service} has no event '${event}'\n${eventsHelp(service)}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(optionsHelp(service, event, template));
    return 0;
  }
  let values: Record<string, string>;
  try {
    values = optionValues(template, rest);
  } catch (err) {
    return fail(`${(err as Error).message}\n${optionsHelp(service, event, template)}`);
  }
  process.stdout.write(`${JSON.stringify(generateEvent(template, values), null, 2)}\n`);
  return 0;
}

function optionValues(template: EventTemplate, args: readonly string[]): Record<string, string> {
  const { values } = parseArgs({
    args: [...args],
    options: Object.fromEntries(template.options.map((o) => [o.name, { type: 'string' }])),
    allowPositionals: false,
  });
  return values as Record<string, string>;
}

function servicesHelp(): string {
  const lines = Object.entries(EVENT_CATALOGUE).map(
    ([service, events]) => `  ${service.padEnd(12)} ${Object.keys(events).join(', ')}`,
  );
  return `usage: asimov generate-event <service> <event> [--option value]…\nservices and their events:\n${lines.join('\n')}\n`;
}

function eventsHelp(service: string): string {
  const events = Object.entries(EVENT_CATALOGUE[service] ?? {});
  const lines = events.map(([name, t]) => `  ${name.padEnd(18)} ${t.help}`);
  return `usage: asimov generate-event ${service} <event> [--option value]…\n${lines.join('\n')}\n`;
}

function optionsHelp(service: string, event: string, template: EventTemplate): string {
  const lines = template.options.map(
    (o) => `  --${o.name.padEnd(18)} ${o.help} (default: ${JSON.stringify(o.default)})`,
  );
  return `usage: asimov generate-event ${service} ${event} [--option value]…\n${template.help}\n${lines.join('\n')}\n`;
}

function fail(message: string): number {
  process.stderr.write(`asimov generate-event: ${message}`);
  return 2;
}
