import http from 'node:http';
import net from 'node:net';
import { ApiRefusal } from '../runtime-api/extensions-api.js';
import type {
  Subscription,
  TelemetryService,
  TelemetryType,
} from '../runtime-api/telemetry-api.js';

/** One telemetry event as AWS delivers it: `{time, type, record}`. */
export interface TelemetryEvent {
  time: string;
  type: string;
  record: unknown;
}

/** How the server reaches a port inside the environment (its loopback, or a relay into it). */
export type ConnectInside = (port: number) => net.Socket;

/** Events only one of the two APIs has (AWS's Logs API predates initStart & co.). */
const TELEMETRY_ONLY = new Set([
  'platform.initStart',
  'platform.initRuntimeDone',
  'platform.initReport',
  'platform.telemetrySubscription',
]);
const LOGS_ONLY = new Set(['platform.end', 'platform.logsSubscription']);

/** Events of the current init kept for extensions that subscribe later in the same init. */
const BACKLOG_LIMIT = 1000;
const RETRY_LIMIT = 5;

interface Subscriber {
  extension: string;
  subscription: Subscription;
  buffer: TelemetryEvent[];
  bytes: number;
  timer?: NodeJS.Timeout;
  sending: Promise<void>;
}

/**
 * The telemetry of one execution environment: subscriptions made through the Telemetry API or
 * the Logs API during init, and the delivery of platform events, function logs and extension
 * logs to each subscriber's listener, batched as its buffering asks (maxItems, maxBytes,
 * timeoutMs) and POSTed as a JSON array (HTTP) or written as lines of JSON (TCP), in order,
 * retried a few times when the listener is not there yet.
 */
export class TelemetryHub implements TelemetryService {
  private subscribers: Subscriber[] = [];
  private backlog: TelemetryEvent[] = [];
  private open = true;

  constructor(
    private readonly nameOf: (extensionId: string) => string | undefined,
    private readonly connect: ConnectInside,
    private readonly warn: (line: string) => void,
  ) {}

  /** A new init: subscriptions of the previous one are gone with its extensions (AWS). */
  begin(): void {
    for (const s of this.subscribers) clearTimeout(s.timer);
    this.subscribers = [];
    this.backlog = [];
    this.open = true;
  }

  /** Init is over: AWS takes no subscription after it. */
  close(): void {
    this.open = false;
    this.backlog = [];
  }

  subscribe(extensionId: string, subscription: Subscription): boolean {
    const name = this.nameOf(extensionId);
    if (name === undefined)
      throw new ApiRefusal(
        'Extension.UnknownExtensionIdentifier',
        `Unknown extension ${extensionId}`,
      );
    const label = subscription.api === 'logs' ? 'Logs' : 'Telemetry';
    if (!this.open)
      throw new ApiRefusal(
        `${label}.SubscriptionClosed`,
        `${label} API subscription is closed already`,
      );
    const existing = this.subscribers.find((s) => s.extension === name);
    if (existing && existing.subscription.api !== subscription.api)
      throw new ApiRefusal(
        'ValidationError',
        `extension ${name} is subscribed through the ${existing.subscription.api === 'logs' ? 'Logs' : 'Telemetry'} API already`,
        400,
      );
    if (existing) return false;
    const subscriber: Subscriber = {
      extension: name,
      subscription,
      buffer: [],
      bytes: 0,
      sending: Promise.resolve(),
    };
    this.subscribers.push(subscriber);
    const type =
      subscription.api === 'logs' ? 'platform.logsSubscription' : 'platform.telemetrySubscription';
    this.emit(type, { name, state: 'Subscribed', types: subscription.types });
    for (const event of this.backlog) this.offer(subscriber, event);
    return true;
  }

  emit(type: string, record: unknown): void {
    if (!this.open && this.subscribers.length === 0) return; // nobody listens, nobody will
    const event: TelemetryEvent = { time: new Date().toISOString(), type, record };
    if (this.open && this.backlog.length < BACKLOG_LIMIT) this.backlog.push(event);
    for (const subscriber of this.subscribers) this.offer(subscriber, event);
  }

  /** Sends what is buffered now (AWS flushes at shutdown) and waits until it is delivered. */
  async flush(): Promise<void> {
    for (const subscriber of this.subscribers) this.send(subscriber);
    await Promise.all(this.subscribers.map((s) => s.sending));
  }

  private offer(subscriber: Subscriber, event: TelemetryEvent): void {
    const { api, types, buffering } = subscriber.subscription;
    if (!types.includes(category(event.type))) return;
    if ((api === 'logs' ? TELEMETRY_ONLY : LOGS_ONLY).has(event.type)) return;
    subscriber.buffer.push(event);
    subscriber.bytes += Buffer.byteLength(JSON.stringify(event));
    if (subscriber.buffer.length >= buffering.maxItems || subscriber.bytes >= buffering.maxBytes)
      this.send(subscriber);
    else subscriber.timer ??= setTimeout(() => this.send(subscriber), buffering.timeoutMs);
  }

  private send(subscriber: Subscriber): void {
    clearTimeout(subscriber.timer);
    subscriber.timer = undefined;
    if (subscriber.buffer.length === 0) return;
    const batch = subscriber.buffer.splice(0);
    subscriber.bytes = 0;
    subscriber.sending = subscriber.sending.then(() => this.deliver(subscriber, batch));
  }

  private async deliver(subscriber: Subscriber, batch: TelemetryEvent[]): Promise<void> {
    const { protocol, uri } = subscriber.subscription;
    for (let attempt = 0; ; attempt++) {
      try {
        if (protocol === 'HTTP') await this.post(uri, batch);
        else await this.write(uri, batch);
        return;
      } catch (err) {
        if (attempt >= RETRY_LIMIT || !this.subscribers.includes(subscriber)) {
          this.warn(
            `telemetry: ${batch.length} events for extension ${subscriber.extension} dropped: ${(err as Error).message}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /** An agent whose connections reach the port inside the environment, whatever the host name. */
  private agent(port: number): http.Agent {
    const connect = this.connect;
    return new (class extends http.Agent {
      override createConnection(): net.Socket {
        return connect(port);
      }
    })();
  }

  private post(uri: string, batch: TelemetryEvent[]): Promise<void> {
    const url = new URL(uri);
    const body = JSON.stringify(batch);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          method: 'POST',
          host: url.hostname,
          path: `${url.pathname}${url.search}`,
          agent: this.agent(Number(url.port || 80)),
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: 10_000,
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            (res.statusCode ?? 500) < 300
              ? resolve()
              : reject(new Error(`the listener answered ${res.statusCode}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('the listener did not answer')));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** TCP: newline-delimited JSON, one event a line (AWS's NDJSON). */
  private write(uri: string, batch: TelemetryEvent[]): Promise<void> {
    const url = new URL(uri);
    const text = batch.map((e) => `${JSON.stringify(e)}\n`).join('');
    return new Promise((resolve, reject) => {
      const socket = this.connect(Number(url.port));
      socket.once('error', reject);
      socket.once('connect', () => socket.end(text, () => resolve()));
    });
  }
}

function category(type: string): TelemetryType {
  return type === 'function' || type === 'extension' ? type : 'platform';
}

/** Loopback of the host's network, which a sandbox without a network namespace of its own shares. */
export const connectLoopback: ConnectInside = (port) => net.connect(port, '127.0.0.1');
