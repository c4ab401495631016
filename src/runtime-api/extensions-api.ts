import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import protocol from './protocol.json' with { type: 'json' };

/** The lifecycle events an extension may subscribe to (AWS: INVOKE, SHUTDOWN). */
export type ExtensionEventType = 'INVOKE' | 'SHUTDOWN';

export interface InvokeEvent {
  eventType: 'INVOKE';
  deadlineMs: number;
  requestId: string;
  invokedFunctionArn: string;
  tracing: { type: 'X-Amzn-Trace-Id'; value: string };
}

export interface ShutdownEvent {
  eventType: 'SHUTDOWN';
  shutdownReason: string;
  deadlineMs: number;
}

export type ExtensionEvent = InvokeEvent | ShutdownEvent;

/** A request the Extensions API refuses: AWS answers 403 with an `Extension.*` errorType. */
export class ApiRefusal extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly status = 403,
  ) {
    super(message);
  }
}

/** What the environment does with the Extensions API's requests (src/workers/extensions.ts). */
export interface ExtensionsService {
  register(name: string, events: string[], withAccountId: boolean): { id: string; body: object };
  /** Hands the next event to `deliver` now or later; `deliver` says whether it could send it. */
  next(id: string, deliver: (event: ExtensionEvent) => boolean): void;
  /** The long poll closed before an event came. */
  abandon(id: string, deliver: (event: ExtensionEvent) => boolean): void;
  initError(id: string, errorType: string): void;
  exitError(id: string, errorType: string): void;
}

const MAX_BODY_BYTES = 1_048_576;

/**
 * The Lambda Extensions API (2020-01-01) on the Runtime API's address: register, the event long
 * poll, and the two error reports, with the answers AWS's Runtime API gives (AWS's open-source
 * runtime interface emulator, rapi/handler): 200 for register and events, 202 for error reports,
 * 403 with an `Extension.*` errorType for everything refused. This module speaks the protocol;
 * the environment's extension registry decides.
 */
export function extensionsRoute(
  service: () => ExtensionsService | undefined,
): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    if (!url.startsWith('/2020-01-01/extension/')) return false;
    const target = service();
    const p = protocol.paths;
    if (!target) reply(res, 404, { errorMessage: 'Unknown path', errorType: 'NotFound' });
    else if (req.method === 'POST' && url === p.extensionRegister) register(target, req, res);
    else if (req.method === 'GET' && url === p.extensionNext) next(target, req, res);
    else if (req.method === 'POST' && url === p.extensionInitError)
      report(req, res, (id, type) => target.initError(id, type));
    else if (req.method === 'POST' && url === p.extensionExitError)
      report(req, res, (id, type) => target.exitError(id, type));
    else reply(res, 404, { errorMessage: 'Unknown path', errorType: 'NotFound' });
    return true;
  };
}

function register(
  service: ExtensionsService,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const name = header(req, protocol.headers.extensionName);
  readBody(req, (body) => {
    answer(res, () => {
      if (!name) throw new ApiRefusal('Extension.InvalidExtensionName', 'Empty extension name');
      const events = parseRegister(body);
      // AWS adds accountId only for an extension that asks for it (Lambda-Extension-Accept-Feature).
      const features = (header(req, protocol.headers.extensionAcceptFeature) ?? '')
        .split(',')
        .map((f) => f.trim());
      const { id, body: out } = service.register(name, events, features.includes('accountId'));
      res.setHeader('Lambda-Extension-Identifier', id);
      reply(res, 200, out);
    });
  });
}

/** AWS's register body: {"events": [...]}; configurationKeys is refused as deprecated. */
function parseRegister(body: Buffer): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ApiRefusal('InvalidRequestFormat', (err as Error).message);
  }
  const value = (parsed ?? {}) as { events?: unknown; configurationKeys?: unknown };
  if (Array.isArray(value.configurationKeys) && value.configurationKeys.length > 0)
    throw new ApiRefusal(
      'InvalidRequestFormat',
      'configurationKeys are deprecated; use environment variables instead',
    );
  if (value.events === undefined || value.events === null) return [];
  if (!Array.isArray(value.events) || value.events.some((e) => typeof e !== 'string'))
    throw new ApiRefusal(
      'InvalidRequestFormat',
      'json: cannot unmarshal events into Go struct field RegisterRequest.events of type []core.Event',
    );
  return value.events as string[];
}

function next(service: ExtensionsService, req: http.IncomingMessage, res: http.ServerResponse) {
  answer(res, () => {
    const id = identifier(req);
    const deliver = (event: ExtensionEvent): boolean => {
      if (res.destroyed || res.writableEnded) return false;
      res.setHeader('Lambda-Extension-Event-Identifier', randomUUID());
      reply(res, 200, event);
      return true;
    };
    res.on('close', () => {
      if (!res.writableEnded) service.abandon(id, deliver);
    });
    service.next(id, deliver);
  });
  req.resume();
}

function report(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  act: (id: string, errorType: string) => void,
): void {
  readBody(req, () => {
    answer(res, () => {
      const id = identifier(req);
      const errorType = header(req, protocol.headers.extensionErrorType);
      if (!errorType)
        throw new ApiRefusal(
          'Extension.MissingHeader',
          'Lambda-Extension-Function-Error-Type not found',
        );
      act(id, errorType);
      reply(res, 202, { status: 'OK' });
    });
  });
}

/** AWS checks the identifier header before anything else: present, then a UUID. */
export function identifier(req: http.IncomingMessage): string {
  const id = header(req, protocol.headers.extensionIdentifier);
  if (!id)
    throw new ApiRefusal(
      'Extension.MissingExtensionIdentifier',
      'Missing Lambda-Extension-Identifier header',
    );
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    throw new ApiRefusal(
      'Extension.InvalidExtensionIdentifier',
      'Invalid Lambda-Extension-Identifier',
    );
  return id.toLowerCase();
}

/** Runs `act`; a refusal becomes its answer, anything else AWS's 500. */
export function answer(res: http.ServerResponse, act: () => void): void {
  try {
    act();
  } catch (err) {
    if (err instanceof ApiRefusal)
      reply(res, err.status, { errorMessage: err.message, errorType: err.errorType });
    else
      reply(res, 500, { errorMessage: 'Internal Server Error', errorType: 'InternalServerError' });
  }
}

export function readBody(req: http.IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => then(Buffer.concat(chunks)));
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function reply(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
