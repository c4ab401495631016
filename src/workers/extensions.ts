import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  ApiRefusal,
  type ExtensionEvent,
  type ExtensionEventType,
  type ExtensionsService,
  type InvokeEvent,
} from '../runtime-api/extensions-api.js';

/** AWS's extension states, as its EXTENSION log line and platform.extension event name them. */
type AgentState =
  | 'Started'
  | 'Registered'
  | 'Ready'
  | 'Running'
  | 'InitError'
  | 'ExitError'
  | 'ShutdownFailed'
  | 'Exited';

interface Agent {
  name: string;
  id: string;
  /** An executable of /opt/extensions (a process of its own), else internal (in the runtime). */
  external: boolean;
  events: Set<ExtensionEventType>;
  state: AgentState;
  errorType?: string;
  queue: ExtensionEvent[];
  waiter?: (event: ExtensionEvent) => boolean;
  /** It was handed an event and has not asked for the next one yet. */
  busy: boolean;
  /** It called event/next at least once (init is over for it). */
  readyOnce: boolean;
  exited: boolean;
}

/** What the register answer carries (AWS: the function's metadata). */
export interface FunctionMetadata {
  functionName: string;
  functionVersion: string;
  handler: string;
  accountId: string;
}

/** Why an extension ended the current init or invocation, in AWS's words. */
export interface ExtensionFailure {
  errorType: string;
  /** `exit status 1`, `signal: killed`… (Go's wording, as AWS reports it). */
  reason: string;
}

/** An extension as AWS's EXTENSION log line and platform.extension event show it after init. */
export interface ExtensionInfo {
  name: string;
  state: string;
  events: string[];
  errorType?: string;
}

/** AWS allows ten extensions per function, internal and external together. */
const MAX_EXTENSIONS = 10;
const NOT_ALLOWED = 'State transition is not allowed';

/**
 * The extensions of one execution environment and their lifecycle, as AWS's Runtime API keeps
 * them: external ones (files of /opt/extensions, expected from the start) register by their file
 * name, internal ones (threads of the runtime) by any other name until the runtime is ready; each
 * init and each invocation waits until every party has called event/next; SHUTDOWN goes to the
 * external ones that asked for it. A process exit outside shutdown fails what is in progress.
 */
export class ExtensionRegistry implements ExtensionsService {
  private agents: Agent[] = [];
  private registrationOpen = true;
  private shuttingDown = false;
  /** The first fatal error reported (AWS keeps the first: Extension.InitError / ExitError). */
  private fatal: string | undefined;
  private changed: (() => void)[] = [];
  /** Told when an extension process exits outside shutdown. */
  onFailure: ((failure: ExtensionFailure) => void) | undefined;

  constructor(private readonly metadata: FunctionMetadata) {}

  /** A new init: the external extensions that were just launched, by file name. */
  begin(external: readonly string[]): void {
    for (const agent of this.agents) agent.waiter = undefined;
    this.agents = external.map((name) => newAgent(name, true));
    this.registrationOpen = true;
    this.shuttingDown = false;
    this.fatal = undefined;
  }

  get count(): number {
    return this.agents.length;
  }

  hasExternal(): boolean {
    return this.agents.some((a) => a.external);
  }

  nameOf(id: string): string | undefined {
    return this.agents.find((a) => a.id === id)?.name;
  }

  /** Every external extension has registered (AWS starts the runtime then). */
  allRegistered(): boolean {
    return this.agents.every((a) => !a.external || a.state !== 'Started');
  }

  /** The runtime is ready: no internal extension may register any more. */
  closeRegistration(): void {
    this.registrationOpen = false;
  }

  /** Every registered extension called event/next once: its init is over. */
  allReady(): boolean {
    return this.agents.every((a) => a.state !== 'Started' && a.readyOnce);
  }

  /** Resolves on the next change of any extension's state (a registration, a next, an exit). */
  changes(): Promise<void> {
    return new Promise((resolve) => this.changed.push(resolve));
  }

  /** Hands INVOKE to the extensions subscribed to it; they are busy until they call next again. */
  dispatchInvoke(event: InvokeEvent): void {
    for (const agent of this.agents)
      if (agent.events.has('INVOKE') && !agent.exited) this.enqueue(agent, event);
  }

  /** Every extension handed INVOKE has called next again (AWS's post-runtime phase is over). */
  invokeDone(): boolean {
    return this.agents.every((a) => !a.events.has('INVOKE') || a.exited || caughtUp(a));
  }

  /**
   * SHUTDOWN to the external extensions subscribed to it; resolves when they have all exited, or
   * at the deadline. The caller then kills what is left.
   */
  async shutdown(reason: string, deadlineMs: number): Promise<void> {
    this.shuttingDown = true;
    const waiting = this.agents.filter((a) => a.external && a.events.has('SHUTDOWN') && !a.exited);
    for (const agent of waiting)
      this.enqueue(agent, { eventType: 'SHUTDOWN', shutdownReason: reason, deadlineMs });
    const deadline = new Promise<void>((resolve) =>
      setTimeout(resolve, Math.max(0, deadlineMs - Date.now())).unref(),
    );
    while (waiting.some((a) => !a.exited)) {
      const outcome = await Promise.race([this.changes().then(() => 'change'), deadline]);
      if (outcome !== 'change') break;
    }
    for (const agent of waiting) if (!agent.exited) agent.state = 'ShutdownFailed';
  }

  /** The launcher saw an external extension's process end (`status` as sh reports it). */
  exited(name: string, status: number): void {
    const agent = this.agents.find((a) => a.external && a.name === name);
    if (!agent || agent.exited) return;
    agent.exited = true;
    agent.waiter = undefined;
    if (this.shuttingDown) {
      agent.state = status === 0 ? 'Exited' : 'ShutdownFailed';
    } else {
      const errorType = this.fatal ?? 'Extension.Crash';
      this.onFailure?.({ errorType, reason: exitReason(status) });
    }
    this.notify();
  }

  /** The EXTENSION lines of init's end, one per extension. */
  describe(): ExtensionInfo[] {
    return this.agents.map((a) => ({
      name: a.name,
      state: a.state === 'Running' ? 'Ready' : a.state,
      events: [...a.events].sort(),
      ...(a.errorType ? { errorType: a.errorType } : {}),
    }));
  }

  // ---- ExtensionsService: the Extensions API's requests ----

  register(name: string, events: string[], withAccountId: boolean): { id: string; body: object } {
    const external = this.agents.find((a) => a.external && a.name === name);
    const agent = external ?? this.createInternal(name, events);
    for (const event of events) this.checkEvent(event, agent.external);
    if (agent.state !== 'Started')
      throw new ApiRefusal(
        'Extension.InvalidExtensionState',
        transitionText(agent.state, 'Registered', agent.name),
      );
    for (const event of events) agent.events.add(event as ExtensionEventType);
    agent.state = 'Registered';
    this.notify();
    const { accountId, ...metadata } = this.metadata;
    return { id: agent.id, body: withAccountId ? { ...metadata, accountId } : metadata };
  }

  next(id: string, deliver: (event: ExtensionEvent) => boolean): void {
    const agent = this.find(id);
    // A poll that closed leaves the extension Ready and may be made again; two at once may not.
    const allowed =
      !agent.exited &&
      (agent.state === 'Registered' ||
        agent.state === 'Running' ||
        (agent.state === 'Ready' && !agent.waiter));
    if (!allowed)
      throw new ApiRefusal(
        'Extension.InvalidExtensionState',
        transitionText(agent.state, 'Ready', id),
      );
    agent.readyOnce = true;
    agent.busy = false;
    agent.waiter = deliver;
    agent.state = 'Ready';
    this.flush(agent);
    this.notify();
  }

  abandon(id: string, deliver: (event: ExtensionEvent) => boolean): void {
    const agent = this.agents.find((a) => a.id === id);
    if (agent?.waiter === deliver) agent.waiter = undefined;
  }

  initError(id: string, errorType: string): void {
    this.reportError(id, errorType, 'InitError', ['Registered']);
    this.fatal ??= 'Extension.InitError';
  }

  exitError(id: string, errorType: string): void {
    this.reportError(id, errorType, 'ExitError', ['Registered', 'Ready', 'Running']);
    this.fatal ??= 'Extension.ExitError';
  }

  // ---- internals ----

  private createInternal(name: string, events: string[]): Agent {
    for (const event of events) this.checkEvent(event, false);
    if (!this.registrationOpen)
      throw new ApiRefusal('Extension.RegistrationClosed', 'Extension registration closed already');
    if (this.agents.some((a) => a.name === name))
      throw new ApiRefusal(
        'Extension.InvalidExtensionState',
        'Extension with this name already registered',
      );
    if (this.agents.length >= MAX_EXTENSIONS)
      throw new ApiRefusal(
        'Extension.TooManyExtensions',
        `Extension limit (${MAX_EXTENSIONS}) reached`,
      );
    const agent = newAgent(name, false);
    this.agents.push(agent);
    return agent;
  }

  /** External extensions may take INVOKE and SHUTDOWN; internal ones only INVOKE (AWS). */
  private checkEvent(event: string, external: boolean): void {
    if (event !== 'INVOKE' && event !== 'SHUTDOWN')
      throw new ApiRefusal('Extension.InvalidEventType', `${event}: ErrorInvalidEventType`);
    if (event === 'SHUTDOWN' && !external)
      throw new ApiRefusal(
        'Extension.InvalidEventType',
        `${event}: ErrorEventNotSupportedForInternalAgent`,
      );
  }

  private reportError(id: string, errorType: string, to: AgentState, from: AgentState[]): void {
    const agent = this.find(id);
    if (agent.state === to) return; // AWS keeps the first report
    if (!from.includes(agent.state))
      throw new ApiRefusal('Extension.InvalidExtensionState', transitionText(agent.state, to, id));
    agent.state = to;
    agent.errorType = errorType;
    agent.waiter = undefined;
    this.notify();
  }

  private find(id: string): Agent {
    const agent = this.agents.find((a) => a.id === id);
    if (!agent)
      throw new ApiRefusal('Extension.UnknownExtensionIdentifier', `Unknown extension ${id}`);
    return agent;
  }

  private enqueue(agent: Agent, event: ExtensionEvent): void {
    agent.queue.push(event);
    if (event.eventType === 'INVOKE') agent.busy = true;
    this.flush(agent);
  }

  private flush(agent: Agent): void {
    const waiter = agent.waiter;
    const event = agent.queue[0];
    if (!waiter || !event) return;
    agent.waiter = undefined;
    if (!waiter(event)) return;
    agent.queue.shift();
    agent.busy = true;
    agent.state = 'Running';
  }

  private notify(): void {
    for (const resolve of this.changed.splice(0)) resolve();
  }
}

function newAgent(name: string, external: boolean): Agent {
  const agent: Agent = {
    name,
    id: randomUUID(),
    external,
    events: new Set(),
    state: 'Started',
    queue: [],
    busy: false,
    readyOnce: false,
    exited: false,
  };
  return agent;
}

/** Done with what it was handed, nothing waiting for it. */
const caughtUp = (agent: Agent): boolean => agent.queue.length === 0 && !agent.busy;

/** RIE's StateTransitionFailedForExtensionMessageFormat. */
function transitionText(from: string, to: string, who: string): string {
  return `State transition from ${from} to ${to} failed for extension ${who}. Error: ${NOT_ALLOWED}`;
}

/** Go's ProcessState wording for a status as sh reports it (128+N: killed by signal N). */
export function exitReason(status: number): string {
  if (status === 0) return 'exit code 0';
  if (status > 128 && status < 128 + 65) {
    const name = SIGNAL_NAMES[status - 128];
    if (name) return `signal: ${name}`;
  }
  return `exit status ${status}`;
}

const SIGNAL_NAMES: Record<number, string> = {
  1: 'hangup',
  2: 'interrupt',
  3: 'quit',
  4: 'illegal instruction',
  6: 'aborted',
  7: 'bus error',
  8: 'floating point exception',
  9: 'killed',
  11: 'segmentation fault',
  13: 'broken pipe',
  15: 'terminated',
};

/**
 * The external extensions of a layer tree, as AWS finds them: every entry of /opt/extensions
 * that is not a directory, by name. `launchError` is AWS's Extension.LaunchError text for the
 * first one that cannot be executed (`forSandboxUser`: a root server's files are "other" to 993).
 */
export function externalExtensions(
  optRoot: string | undefined,
  forSandboxUser: boolean,
): { names: string[]; launchError?: string } {
  if (!optRoot) return { names: [] };
  const dir = path.join(optRoot, 'extensions');
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return { names: [] };
  }
  const names = entries
    .filter((e) => !e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const name of names) {
    const stat = fs.statSync(path.join(dir, name), { throwIfNoEntry: false });
    const bits = forSandboxUser ? 0o001 : 0o111;
    if (!stat)
      return { names, launchError: `fork/exec /opt/extensions/${name}: no such file or directory` };
    if (!stat.isFile() || (stat.mode & bits) === 0)
      return { names, launchError: `fork/exec /opt/extensions/${name}: permission denied` };
  }
  return { names };
}
