/**
 * Child-process entry of bench/target.ts: `target-process.ts bare|asimov`. It reports its URL
 * over IPC, answers queries (environment count, its own CPU time), and closes its server when told to.
 */
import fs from 'node:fs';
import { openTarget, type TargetKind } from './target.js';

const kind = process.argv[2] as TargetKind;
if (kind !== 'bare' && kind !== 'asimov') throw new Error(`unknown target kind: ${kind}`);
const target = await openTarget(kind);
const send = (message: unknown): void => void process.send?.(message);

process.on('message', (message: { type: string }) => {
  if (message.type === 'envs') {
    void target.environmentCount().then((value) => send({ type: 'envs', value }));
  } else if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', value: (user + system) / 1000, children: childrenCpuMs() });
  } else if (message.type === 'close') {
    void target.close().finally(() => {
      // process.exit writes the --cpu-prof profile, and does not wait for stray handles.
      process.exit(0);
    });
  }
});
process.on('disconnect', () => {
  void target.close().finally(() => process.exit(0));
});
send({ type: 'ready', url: target.url });

/** Fields 14-17 of /proc/<pid>/stat (utime, stime, cutime, cstime), in clock ticks of 10 ms. */
function statTimes(pid: number | 'self'): number[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after it are plain.
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .slice(11, 15)
    .map(Number);
}

/** Child pids of a process, over all of its threads. */
function childrenOf(pid: number | 'self'): number[] {
  const pids: number[] = [];
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const list = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list) pids.push(...list.split(' ').map(Number));
  }
  return pids;
}

/**
 * CPU ms of this server's runtime processes and whatever wraps them (a sandbox launcher may sit
 * in between): every live descendant's own time, plus what exited ones left in their parents'
 * cutime/cstime. Undefined without /proc.
 */
function childrenCpuMs(): number | undefined {
  try {
    const [, , cutime = 0, cstime = 0] = statTimes('self');
    let ticks = cutime + cstime;
    const pending = childrenOf('self');
    while (pending.length > 0) {
      const pid = pending.pop() as number;
      try {
        const [utime = 0, stime = 0, cu = 0, cs = 0] = statTimes(pid);
        ticks += utime + stime + cu + cs;
        pending.push(...childrenOf(pid));
      } catch {
        // exited meanwhile
      }
    }
    return ticks * 10;
  } catch {
    return undefined;
  }
}
