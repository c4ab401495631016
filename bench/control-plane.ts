import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { lambdaClient } from '../test/helpers/server.js';
import { bigCreateBody, type Baselines } from './baselines.js';
import { closedLoop } from './http-client.js';
import { createBody, LambdaHttp, NODE, noopZip } from './lambda-api.js';
import { measure, paired, throwIfErrors, type Subject } from './measure.js';
import { pairing, type Plan } from './options.js';
import type { Report } from './report.js';
import { fmtMs, fmtRate, summarize } from './stats.js';
import { startAsimov } from './target.js';

const SECTION = 'Control plane';
const GET_TARGET = 3;
const LIST_TARGET_MS = 50;

export async function benchControlPlane(
  plan: Plan,
  base: Baselines,
  report: Report,
): Promise<Record<string, unknown>> {
  const raw: Record<string, unknown> = {};
  const { target, client } = await startAsimov(plan);
  const api = new LambdaHttp(client);
  const bareGet = base.bare.subject('GET');
  const barePost = base.bare.subject('POST');
  try {
    // ---- CreateFunction with a 1 MB package (random bytes, stored): upload, validate, hash, write.
    const bodies = Array.from({ length: plan.create1mb + 1 }, (_, i) => bigCreateBody(`big-${i}`));
    await api.create(bodies[plan.create1mb] as string); // untimed warm-up
    const creates = await closedLoop(1, { count: plan.create1mb }, (i) =>
      api.create(bodies[i] as string),
    );
    throwIfErrors('CreateFunction (1 MB)', creates);
    const create = summarize(creates.latencies);
    raw.create1mb = { ...create, rate: creates.rate };
    report.add({
      section: SECTION,
      metric: 'CreateFunction, 1 MB zip (stored, random), 1 client',
      value: `p50 ${fmtMs(create.p50)}`,
      baseline: `bare 1.4 MB POST p50 ${fmtMs(base.upload1mb.p50)}`,
      ratio: create.p50 / base.upload1mb.p50,
      note: `${fmtRate(creates.rate, ' ops/s')}, p99 ${fmtMs(create.p99)}, n=${create.n}`,
    });
    for (let i = 0; i <= plan.create1mb; i++) {
      await api.waitActive(`big-${i}`);
      await api.delete(`big-${i}`);
    }

    // ---- Populate the account for ListFunctions (small packages).
    const count = plan.functionCount;
    const names = Array.from({ length: count }, (_, i) => `fn-${String(i).padStart(4, '0')}`);
    // One package per function: identical packages uploaded within the same millisecond collide
    // on the code store's temp file name (a 500; see bench/README.md).
    const populate = await closedLoop(4, { count }, (i) => {
      const name = names[i] as string;
      return api.create(createBody(name, NODE, noopZip(NODE, name)));
    });
    throwIfErrors('CreateFunction (small)', populate);
    const small = summarize(populate.latencies);
    raw.createSmall = { ...small, rate: populate.rate };
    const barePost4 = base.post.get(4);
    report.add({
      section: SECTION,
      metric: `CreateFunction, small zip, 4 clients (${count} functions)`,
      value: fmtRate(populate.rate, ' ops/s'),
      ...(barePost4
        ? {
            baseline: `bare POST 4 clients ${fmtRate(barePost4.rate, ' req/s')}`,
            ratio: populate.rate / barePost4.rate,
          }
        : {}),
      note: `p50 ${fmtMs(small.p50)}, p99 ${fmtMs(small.p99)}`,
    });
    for (const name of [names[0], names[count - 1]]) await api.waitActive(name as string);

    // ---- GetFunction, paired with bare GETs.
    const getName = names[Math.floor(count / 2)] as string;
    const getFn: Subject = {
      target,
      op: async () => void (await api.getFunction(getName)),
    };
    await closedLoop(4, { count: plan.warmupOps }, getFn.op);
    const get1 = await paired(bareGet, getFn, 1, pairing(plan, plan.getFunctionMs), 'GetFunction');
    raw.getFunction1 = get1;
    const getRatio = get1.subject.latency.p50 / get1.bare.latency.p50;
    report.add({
      section: SECTION,
      metric: 'GetFunction p50, 1 client',
      value: fmtMs(get1.subject.latency.p50),
      baseline: `bare GET p50 ${fmtMs(get1.bare.latency.p50)}`,
      ratio: getRatio,
      target: `≤ ${GET_TARGET}x bare`,
      pass: getRatio <= GET_TARGET,
      note: `${fmtRate(get1.subject.rate, ' ops/s')}, n=${get1.subject.ops}`,
    });
    report.add({
      section: SECTION,
      metric: 'GetFunction p99, 1 client',
      value: fmtMs(get1.subject.latency.p99),
      baseline: `bare GET p99 ${fmtMs(get1.bare.latency.p99)}`,
      ratio: get1.subject.latency.p99 / get1.bare.latency.p99,
    });
    await closedLoop(16, { count: 800 }, getFn.op);
    const get16 = await paired(
      bareGet,
      getFn,
      16,
      pairing(plan, plan.getFunctionMs),
      'GetFunction x16',
    );
    raw.getFunction16 = get16;
    report.add({
      section: SECTION,
      metric: 'GetFunction throughput, 16 clients',
      value: fmtRate(get16.subject.rate, ' ops/s'),
      baseline: `bare GET 16 clients ${fmtRate(get16.bare.rate, ' req/s')}`,
      ratio: get16.subject.rate / get16.bare.rate,
      note: `p50 ${fmtMs(get16.subject.latency.p50)}, p99 ${fmtMs(get16.subject.latency.p99)}`,
    });
    if (get16.subject.cpu && get16.bare.cpu) {
      report.add({
        section: SECTION,
        metric: '  CPU per GetFunction in the server process, 16 clients',
        value: fmtMs(get16.subject.cpu.server),
        baseline: `bare server per GET ${fmtMs(get16.bare.cpu.server)}`,
        ratio: get16.subject.cpu.server / get16.bare.cpu.server,
      });
    }
    const sdk = lambdaClient(target.url);
    try {
      const sdkGet: Subject = {
        target,
        op: async () => void (await sdk.send(new GetFunctionCommand({ FunctionName: getName }))),
      };
      await closedLoop(1, { count: 50 }, sdkGet.op);
      const s = await paired(bareGet, sdkGet, 1, pairing(plan, plan.sdkMs), 'GetFunction (SDK)');
      raw.getFunctionSdk = s;
      report.add({
        section: SECTION,
        metric: '  (extra) GetFunction p50 via @aws-sdk, 1 client',
        value: fmtMs(s.subject.latency.p50),
        baseline: `bare GET p50 ${fmtMs(s.bare.latency.p50)}`,
        ratio: s.subject.latency.p50 / s.bare.latency.p50,
        note: 'includes SigV4 signing and SDK middleware',
      });
    } finally {
      sdk.destroy();
    }

    // ---- ListFunctions: a single page, and a walk over every page.
    const pageOp = async (): Promise<void> => {
      const page = await api.listPage();
      if (page.count !== Math.min(50, count)) throw new Error(`first page had ${page.count}`);
    };
    await closedLoop(1, { count: 20 }, pageOp);
    const adjacent = await measure(bareGet, 1, plan.quick ? 300 : 1000, 'bare GET');
    const pages = await closedLoop(1, { count: plan.listPageReps }, pageOp);
    throwIfErrors('ListFunctions page', pages);
    const page = summarize(pages.latencies);
    raw.listPage = page;
    report.add({
      section: SECTION,
      metric: `ListFunctions, one page of 50 (of ${count}) p50`,
      value: fmtMs(page.p50),
      baseline: `bare GET p50 ${fmtMs(adjacent.latency.p50)}`,
      ratio: page.p50 / adjacent.latency.p50,
      target: `< ${LIST_TARGET_MS} ms`,
      pass: page.p50 < LIST_TARGET_MS,
      note: `p99 ${fmtMs(page.p99)}, n=${page.n}`,
    });
    let pageCount = 0;
    const walkOp = async (): Promise<void> => {
      const walked = await api.listAll();
      if (walked.functions !== count) throw new Error(`walk saw ${walked.functions} functions`);
      pageCount = walked.pages;
    };
    await closedLoop(1, { count: 2 }, walkOp);
    const walks = await closedLoop(1, { count: plan.listWalkReps }, walkOp);
    throwIfErrors('ListFunctions walk', walks);
    const walk = summarize(walks.latencies);
    raw.listWalk = { ...walk, pages: pageCount };
    const walkBase = pageCount * adjacent.latency.p50;
    report.add({
      section: SECTION,
      metric: `ListFunctions, walk all ${pageCount} pages (${count} functions) p50`,
      value: fmtMs(walk.p50),
      baseline: `${pageCount} × bare GET p50 = ${fmtMs(walkBase)}`,
      ratio: walk.p50 / walkBase,
      target: `< ${LIST_TARGET_MS} ms`,
      pass: walk.p50 < LIST_TARGET_MS,
      note: `min ${fmtMs(walk.min)}, max ${fmtMs(walk.max)}, n=${walk.n}`,
    });

    // ---- Invoke in a crowded account: per-invoke work that grows with the function count
    // (FunctionRunner sums reserved concurrency over every function of the namespace).
    const fn = 'crowded-noop';
    await api.create(createBody(fn, NODE, noopZip(NODE, fn)));
    await api.waitActive(fn);
    const invokeFn: Subject = { target, op: async () => void (await api.invoke(fn)) };
    await closedLoop(4, { count: plan.warmupOps }, invokeFn.op);
    const warm = await paired(barePost, invokeFn, 1, pairing(plan, plan.warmMs), 'Invoke');
    raw.invokeCrowded1 = warm;
    report.add({
      section: SECTION,
      metric: `  (extra) warm Invoke p50, Node.js, ${count + 1} functions in account`,
      value: fmtMs(warm.subject.latency.p50),
      baseline: `bare POST p50 ${fmtMs(warm.bare.latency.p50)}`,
      ratio: warm.subject.latency.p50 / warm.bare.latency.p50,
      note: `compare with the Invoke section (1 function); p99 ${fmtMs(warm.subject.latency.p99)}`,
    });
    if (warm.subject.cpu && warm.bare.cpu) {
      const cpu = warm.subject.cpu;
      report.add({
        section: SECTION,
        metric: `  (extra) CPU per warm invoke in the server process, ${count + 1} functions`,
        value: fmtMs(cpu.server),
        baseline: `bare server per POST ${fmtMs(warm.bare.cpu.server)}`,
        ratio: cpu.server / warm.bare.cpu.server,
        note: `compare with the Invoke section; runtime ${fmtMs(cpu.runtimes)}, client ${fmtMs(cpu.client)}`,
      });
    }
  } finally {
    client.close();
    await target.close();
  }
  return raw;
}
