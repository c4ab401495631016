import type { Namespace } from '../aws/arn.js';
import { LambdaError } from '../aws/errors.js';
import { asyncSettings, type AsyncSettings } from '../control-plane/event-invoke-configs.js';
import { routedVersion } from '../control-plane/aliases.js';
import type { FunctionService } from '../control-plane/functions.js';
import type { EventQueueStore } from '../store/event-queue-store.js';
import type { EventOutcome, QueuedEvent } from '../store/records.js';
import { DestinationDispatcher, type DestinationKind } from './destinations.js';
import type { FunctionRunner } from './function-runner.js';
import type { AsyncInvoker } from './invocation-service.js';

export interface AcceptRequest {
  ns: Namespace;
  functionName: string;
  qualifier?: string;
  payload: Buffer;
  requestId: string;
}

export interface AsyncQueueTiming {
  /** The wait before retry n after a function error is n times this (AWS: about a minute). */
  retryBaseMs: number;
  /** The first wait after a throttle; it doubles while throttles go on, up to 5 minutes. */
  throttleBaseMs: number;
  /**
   * How many events of one function run at once. AWS scales its pollers out; on one machine an
   * environment per queued event would start hundreds of runtimes, so a lane stays below this.
   */
  maxPerFunction: number;
}

const MAX_THROTTLE_WAIT_MS = 5 * 60 * 1000;

/**
 * One function's share of the queue. Events whose time has come wait in `ready`; the lane starts
 * them within the concurrency it has seen the function get: a throttle pauses the lane with a
 * growing back-off and lowers how many it starts at once, a finished attempt frees room again.
 */
interface Lane {
  ready: QueuedEvent[];
  running: number;
  /** How many attempts to start at once; lowered by throttles, raised by finished attempts. */
  limit: number;
  pausedUntil: number;
  throttles: number;
  timer?: NodeJS.Timeout;
}

type AttemptEnd = 'finished' | 'throttled';

/**
 * The asynchronous invocation queue, as AWS runs it. An accepted event is stored before the 202
 * goes out and leaves the store only once it has ended in one of three ways: success (then its
 * OnSuccess destination), failure (retries exhausted or too old: its OnFailure destination), or a
 * drop that is logged with its reason. Before each attempt the event is stored with the attempt
 * counted and marked in flight, so a restart resumes it where it was; its outcome is stored
 * before its destination is delivered, so an event that succeeded never runs again.
 */
export class AsyncQueue implements AsyncInvoker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly lanes = new Map<string, Lane>();
  /** Ids of events waiting for their time, ready or running: each is in one place at a time. */
  private readonly tracked = new Set<string>();
  private readonly destinations: DestinationDispatcher;
  private closed = false;

  constructor(
    private readonly store: EventQueueStore,
    private readonly functions: FunctionService,
    private readonly runner: FunctionRunner,
    private readonly log: (line: string) => void,
    private readonly timing: AsyncQueueTiming,
  ) {
    this.destinations = new DestinationDispatcher((request) => this.enqueue(request), log);
  }

  /** Stores the event (the caller answers 202 only after this) and starts it when its turn comes. */
  async accept(request: AcceptRequest): Promise<void> {
    this.schedule(await this.enqueue(request));
  }

  /** Events accepted before a restart run after it; finished ones deliver what they had not. */
  async resume(): Promise<void> {
    const pending = await this.store.pendingEvents();
    const queued = new Set(pending.map((event) => event.id));
    for (const event of pending) {
      if (event.outcome) {
        void this.conclude(event, queued);
      } else if (event.inFlight) {
        this.log(
          `event ${event.id} to ${event.functionName}: attempt ${event.attempts} was cut short by a restart; running it again`,
        );
        this.schedule({ ...event, attempts: Math.max(0, event.attempts - 1), inFlight: false });
      } else {
        this.schedule(event);
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
  }

  private async enqueue(request: AcceptRequest): Promise<QueuedEvent> {
    const now = Date.now();
    const event: QueuedEvent = {
      id: request.requestId,
      account: request.ns.account,
      region: request.ns.region,
      functionName: request.functionName,
      ...(request.qualifier ? { qualifier: request.qualifier } : {}),
      payload: request.payload.toString('base64'),
      acceptedAt: now,
      attempts: 0,
      notBefore: now,
    };
    await this.store.putEvent(event);
    return event;
  }

  /** Waits until the event's notBefore, then hands it to its function's lane. */
  private schedule(event: QueuedEvent): void {
    if (this.closed || this.tracked.has(event.id)) return;
    this.tracked.add(event.id);
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        const lane = this.laneOf(event);
        lane.ready.push(event);
        lane.ready.sort((a, b) => a.acceptedAt - b.acceptedAt);
        this.pump(lane);
      },
      Math.max(0, event.notBefore - Date.now()),
    );
    this.timers.add(timer);
  }

  private laneOf(event: QueuedEvent): Lane {
    const key = `${event.account}/${event.region}/${event.functionName}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      const limit = this.timing.maxPerFunction;
      lane = { ready: [], running: 0, limit, pausedUntil: 0, throttles: 0 };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private pump(lane: Lane): void {
    if (this.closed) return;
    const wait = lane.pausedUntil - Date.now();
    if (wait > 0) {
      if (!lane.timer) {
        lane.timer = setTimeout(() => {
          lane.timer = undefined;
          this.pump(lane);
        }, wait);
      }
      return;
    }
    while (lane.ready.length > 0 && lane.running < lane.limit) {
      const event = lane.ready.shift() as QueuedEvent;
      lane.running++;
      void this.attempt(event)
        .catch((err: Error) => {
          this.log(`event ${event.id} to ${event.functionName}: queue error: ${err.message}`);
          this.tracked.delete(event.id);
          return 'finished' as const;
        })
        .then((end) => {
          lane.running--;
          if (end === 'throttled') this.throttled(lane, event);
          else {
            lane.throttles = 0;
            lane.pausedUntil = 0;
            lane.limit = Math.min(this.timing.maxPerFunction, lane.limit + 1);
          }
          this.pump(lane);
        });
    }
  }

  /** The event goes back to its lane; the lane waits, longer while throttles go on. */
  private throttled(lane: Lane, event: QueuedEvent): void {
    lane.ready.unshift(event);
    lane.ready.sort((a, b) => a.acceptedAt - b.acceptedAt);
    lane.limit = Math.max(1, lane.running);
    const now = Date.now();
    if (lane.pausedUntil > now) return;
    const wait = Math.min(this.timing.throttleBaseMs * 2 ** lane.throttles, MAX_THROTTLE_WAIT_MS);
    lane.throttles++;
    lane.pausedUntil = now + wait;
  }

  /** One attempt; function errors are retried here, throttles by the lane. */
  private async attempt(event: QueuedEvent): Promise<AttemptEnd> {
    if (this.closed) return 'finished';
    const ns = { account: event.account, region: event.region };
    let found: Awaited<ReturnType<FunctionService['find']>>;
    try {
      found = await this.functions.find(ns, event.functionName, event.qualifier);
    } catch (err) {
      const gone = err instanceof LambdaError && err.code === 'ResourceNotFoundException';
      await this.drop(event, gone ? (err as Error).message : `cannot run it: ${String(err)}`);
      return 'finished';
    }
    const settings = asyncSettings(found.record, event.qualifier);
    const maxAgeMs = settings.maximumEventAgeInSeconds * 1000;
    if (Date.now() - event.acceptedAt > maxAgeMs) {
      await this.finish(event, { condition: 'EventAgeExceeded', at: Date.now() }, settings);
      return 'finished';
    }

    const version = routedVersion(found.record, found.version, event.qualifier);
    const running: QueuedEvent = { ...event, attempts: event.attempts + 1, inFlight: true };
    await this.store.putEvent(running);
    let payload: Buffer;
    let functionError: string | undefined;
    try {
      const result = await this.runner.run({
        ns,
        record: found.record,
        version,
        qualifier: found.qualifier,
        requestId: event.id,
        payload: Buffer.from(event.payload, 'base64'),
      });
      payload = result.payload;
      functionError = result.functionError;
    } catch (err) {
      // The stored copy stays in flight with the attempt counted: a restart uncounts it.
      if (err instanceof LambdaError && err.code === 'TooManyRequestsException') return 'throttled';
      const code = err instanceof LambdaError ? err.code : 'ServiceException';
      payload = Buffer.from(
        JSON.stringify({ errorType: code, errorMessage: (err as Error).message }),
      );
      functionError = 'Unhandled';
    }
    // Once closing, results are not recorded: the event is still in flight for the next start.
    if (this.closed) return 'finished';
    const at = Date.now();
    const outcome = {
      at,
      executedVersion: version.Version,
      response: payload.toString('base64'),
      ...(functionError ? { functionError } : {}),
    };
    if (!functionError) {
      await this.finish(running, { condition: 'Success', ...outcome }, settings);
      return 'finished';
    }
    const done = `attempt ${running.attempts} of ${settings.maximumRetryAttempts + 1} failed`;
    if (running.attempts > settings.maximumRetryAttempts) {
      this.log(`event ${event.id} to ${event.functionName}: ${done}; no retries left`);
      await this.finish(running, { condition: 'RetriesExhausted', ...outcome }, settings);
      return 'finished';
    }
    const notBefore = at + this.timing.retryBaseMs * running.attempts;
    if (notBefore - event.acceptedAt > maxAgeMs) {
      this.log(
        `event ${event.id} to ${event.functionName}: ${done}; a retry would pass MaximumEventAgeInSeconds (${settings.maximumEventAgeInSeconds})`,
      );
      await this.finish(running, { condition: 'EventAgeExceeded', ...outcome }, settings);
      return 'finished';
    }
    this.log(
      `event ${event.id} to ${event.functionName}: ${done}; retrying in ${notBefore - at} ms`,
    );
    const next: QueuedEvent = { ...running, inFlight: false, notBefore };
    await this.store.putEvent(next);
    this.tracked.delete(event.id);
    this.schedule(next);
    return 'finished';
  }

  /** Records the outcome (after which the event never runs again), then delivers it. */
  private async finish(
    event: QueuedEvent,
    outcome: EventOutcome,
    settings: AsyncSettings,
  ): Promise<void> {
    const recorded: QueuedEvent = { ...event, inFlight: false, outcome };
    await this.store.putEvent(recorded);
    await this.conclude(recorded, undefined, settings);
  }

  /**
   * Sends the record to the destination its outcome names (or logs why it is dropped), removes
   * the event, and only then starts the destination's own event, so that after a crash the
   * destination has either not been queued or is queued exactly once.
   */
  private async conclude(
    event: QueuedEvent,
    queued?: ReadonlySet<string>,
    known?: AsyncSettings,
  ): Promise<void> {
    const outcome = event.outcome as EventOutcome;
    try {
      const settings = known ?? (await this.currentSettings(event));
      const kind: DestinationKind = outcome.condition === 'Success' ? 'OnSuccess' : 'OnFailure';
      const arn = kind === 'OnSuccess' ? settings?.onSuccess : settings?.onFailure;
      let followUp: QueuedEvent | undefined;
      if (arn) {
        followUp = await this.destinations.deliver(event, outcome, kind, arn, queued);
      } else if (kind === 'OnFailure') {
        const why =
          outcome.condition === 'RetriesExhausted'
            ? `${event.attempts} attempt(s) failed`
            : `it is older than MaximumEventAgeInSeconds (${settings?.maximumEventAgeInSeconds ?? '?'}) after ${event.attempts} attempt(s)`;
        this.log(
          `event ${event.id} to ${event.functionName}: dropped: ${why} and no OnFailure destination is configured`,
        );
      }
      if (kind === 'OnFailure') await this.deadLetter(event);
      await this.store.removeEvent(event.id);
      this.tracked.delete(event.id);
      if (followUp) this.schedule(followUp);
    } catch (err) {
      this.log(`event ${event.id}: could not complete: ${(err as Error).message}`);
    }
  }

  private async currentSettings(event: QueuedEvent): Promise<AsyncSettings | undefined> {
    const ns = { account: event.account, region: event.region };
    try {
      const { record } = await this.functions.find(ns, event.functionName, event.qualifier);
      return asyncSettings(record, event.qualifier);
    } catch {
      return undefined;
    }
  }

  /** A function's DeadLetterConfig also receives failed events on AWS; say where it would go. */
  private async deadLetter(event: QueuedEvent): Promise<void> {
    const ns = { account: event.account, region: event.region };
    try {
      const { version } = await this.functions.find(ns, event.functionName, event.qualifier);
      const target = version.DeadLetterConfig?.TargetArn;
      if (target) this.destinations.deadLetter(event, target);
    } catch {}
  }

  private async drop(event: QueuedEvent, reason: string): Promise<void> {
    this.log(`event ${event.id} to ${event.functionName}: dropped: ${reason}`);
    if (this.closed) return;
    await this.store.removeEvent(event.id);
    this.tracked.delete(event.id);
  }
}
