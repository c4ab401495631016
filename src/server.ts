import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { scratchDir, type Config } from './config.js';
import { FunctionLifecycle } from './control-plane/function-lifecycle.js';
import { FunctionService, type FunctionObserver } from './control-plane/functions.js';
import { ProvisionedConcurrencyService } from './control-plane/provisioned-concurrency.js';
import { provisionedConcurrencyOperations } from './frontend/routes/provisioned-concurrency.js';
import {
  connectDocker,
  EXECUTORS,
  otherExecutors,
  type ExecutorOptions,
} from './executors/registry.js';
import { ImageFunctions } from './executors/image-functions.js';
import { invokeOperations } from './frontend/routes/invoke.js';
import { invokeWithResponseStreamOperations } from './frontend/routes/invoke-with-response-stream.js';
import { AsyncQueue } from './invocation/async-queue.js';
import { FunctionRunner } from './invocation/function-runner.js';
import { InvocationService } from './invocation/invocation-service.js';
import { ConcurrencyService } from './control-plane/concurrency.js';
import { concurrencyOperations } from './frontend/routes/concurrency.js';
import { EventInvokeConfigService } from './control-plane/event-invoke-configs.js';
import { eventInvokeConfigOperations } from './frontend/routes/event-invoke-configs.js';
import { invokeAsyncOperations } from './frontend/routes/invoke-async.js';
import { FunctionUrlService } from './control-plane/function-urls.js';
import { functionUrlOperations } from './frontend/routes/function-urls.js';
import { functionUrlRouter } from './function-urls/url-router.js';
import { urlDomain } from './aws/function-url-rules.js';
import { CounterService } from './workers/counter-service.js';
import { CodeSigningService } from './control-plane/code-signing.js';
import { PermissionService } from './control-plane/permissions.js';
import { RecursionService } from './control-plane/recursion.js';
import { RuntimeManagementService } from './control-plane/runtime-management.js';
import { TagService } from './control-plane/tags.js';
import { codeSigningOperations } from './frontend/routes/code-signing.js';
import { functionSettingOperations } from './frontend/routes/function-settings.js';
import { permissionOperations } from './frontend/routes/permissions.js';
import { tagOperations } from './frontend/routes/tags.js';
import { RuntimeCommands } from './runtimes/runtime-commands.js';
import { Placement } from './workers/placement.js';
import { WorkerManager } from './workers/worker-manager.js';
import { LambdaError } from './aws/errors.js';
import { errorWriter } from './frontend/error-writer.js';
import { mount, type Operation } from './frontend/operation.js';
import { requestContext } from './frontend/request-context.js';
import { codeDownloadOperations } from './frontend/routes/code-download.js';
import { functionOperations } from './frontend/routes/functions.js';
import { CodeStore } from './store/code-store.js';
import { AliasService } from './control-plane/aliases.js';
import { VersionService } from './control-plane/versions.js';
import { aliasOperations } from './frontend/routes/aliases.js';
import { versionOperations } from './frontend/routes/versions.js';
import { LowdbStore } from './store/lowdb-store.js';
import type { FunctionRecord } from './store/records.js';
import { referencedCode } from './control-plane/code-references.js';
import { LayerService } from './control-plane/layers.js';
import { LayerPermissionService } from './control-plane/layer-permissions.js';
import { layerTree } from './control-plane/layer-references.js';
import { layerOperations } from './frontend/routes/layers.js';
import { CodeWatcher } from './workers/code-watcher.js';

export interface RunningServer {
  /** `http://host:port` of the Lambda API. */
  url: string;
  port: number;
  operations: readonly Operation[];
  workers: WorkerManager;
  counter: CounterService;
  /** The control plane, for what deploys in-process (SAM templates: src/sam/). */
  services: {
    functions: FunctionService;
    layers: LayerService;
    functionUrls: FunctionUrlService;
    concurrency: ConcurrencyService;
    permissions: PermissionService;
  };
  close(): Promise<void>;
}

/** Where an embedding program (asimov invoke) takes the server's output instead of stdout/stderr. */
export interface ServerHooks {
  log?: (line: string) => void;
  functionOutput?: (functionName: string, line: string) => void;
}

/** Assembles the service chain of docs/architecture.md and starts listening. */
export async function startServer(config: Config, hooks: ServerHooks = {}): Promise<RunningServer> {
  const log =
    hooks.log ??
    ((line: string): void => {
      if (!config.quiet) process.stderr.write(`[asimov] ${line}\n`);
    });
  const codeRoot = config.inMemory ? scratchDir() : path.join(config.dataDir, 'code');
  const store = await LowdbStore.open(config.inMemory ? null : config.dataDir);
  const code = new CodeStore(codeRoot);
  await code.init();
  await code.collectGarbage(await referencedCode(store));
  const layers = new LayerService(store, code);
  const layerPermissions = new LayerPermissionService(store);

  const lifecycle = new FunctionLifecycle(store, code, config.stateTransitionDelayMs, log);
  const endpoint: { url?: string } = {};
  const executorOptions: ExecutorOptions = {
    sandbox: config.sandbox,
    isolateNetwork: config.isolateNetwork,
    hiddenPaths: [config.dataDir, codeRoot],
    log,
    docker: {
      images: config.dockerImages,
      network: config.dockerNetwork,
      callbackHost: config.dockerCallbackHost,
      host: config.dockerHost,
      transfer: config.dockerTransfer,
    },
  };
  const { executor, notes, docker } = await EXECUTORS[config.executor](executorOptions);
  for (const note of notes) log(note); // which sandbox is in force and why, then any warning
  const codeWatcher = new CodeWatcher(log); // hot reload of functions run from local folders
  // PackageType Image functions run on Docker: the docker executor's engine, else one of their own.
  const imageFunctions = new ImageFunctions(
    docker ? async () => ({ ...docker, notes: [] }) : () => connectDocker(executorOptions),
    log,
  );
  if (!docker && (await store.allFunctions()).some(hasImageVersion)) imageFunctions.connectNow();
  const others = otherExecutors(
    config.executor,
    config.functionExecutors,
    executorOptions,
    imageFunctions,
  );
  await others.check();
  const workers = new WorkerManager(
    new Placement(executor, undefined, others, config.functionExecutors),
    new RuntimeCommands(config.interpreters),
    code,
    {
      keepAliveMs: config.keepAliveMs,
      get endpointUrl() {
        return config.injectEndpoint ? endpoint.url : undefined;
      },
      echo:
        hooks.functionOutput ??
        ((fn, line) => {
          if (config.printFunctionLogs && !config.quiet) process.stdout.write(`[${fn}] ${line}\n`);
        }),
      log,
      layerTree: (arns) => layerTree(store, code, arns),
      watchCode: (folder, key, onChange) => codeWatcher.watch(folder, key, onChange),
      debug: { functions: config.debugFunctions, everyFunction: config.debugPort },
    },
  );
  const observers: FunctionObserver[] = [workers];
  const functions = new FunctionService(
    store,
    code,
    lifecycle,
    { functionChanged: (ns, name) => observers.forEach((o) => o.functionChanged(ns, name)) },
    imageFunctions,
  );
  const counter = new CounterService(config.accountConcurrency);
  const runner = new FunctionRunner(store, counter, workers);
  const events = new AsyncQueue(store, functions, runner, log, {
    retryBaseMs: config.asyncRetryBaseMs,
    throttleBaseMs: config.asyncThrottleBaseMs,
    maxPerFunction: config.asyncConcurrencyPerFunction,
  });
  const invocations = new InvocationService(
    functions,
    runner,
    events,
    config.stateTransitionDelayMs > 0,
  );
  const concurrency = new ConcurrencyService(store, functions, config.accountConcurrency);
  const eventInvokeConfigs = new EventInvokeConfigService(store, functions);
  const provisioned = new ProvisionedConcurrencyService(
    store,
    functions,
    workers,
    config.accountConcurrency,
    log,
  );
  observers.push(provisioned);
  const versions = new VersionService(store, functions);
  const aliases = new AliasService(store, provisioned);
  // Function URLs name the port this server listens on, known once it listens.
  const listening = { port: 0 };
  const functionUrls = new FunctionUrlService(
    store,
    (urlId, region) => `http://${urlDomain(urlId, region)}:${listening.port}/`,
  );
  await lifecycle.resume();
  await provisioned.resume();

  const permissions = new PermissionService(store);
  const operations: Operation[] = [
    // First: express tries the routes in order, and Invoke is by far the most frequent request.
    ...invokeOperations(invocations),
    ...functionOperations(functions, store, config.accountConcurrency),
    ...invokeWithResponseStreamOperations(invocations),
    ...concurrencyOperations(concurrency),
    ...provisionedConcurrencyOperations(provisioned),
    ...eventInvokeConfigOperations(eventInvokeConfigs),
    ...invokeAsyncOperations(invocations),
    ...codeDownloadOperations(code),
    ...versionOperations(versions),
    ...aliasOperations(aliases),
    // Resource policies, tags, runtime management, recursion, code signing.
    ...permissionOperations(permissions),
    ...tagOperations(new TagService(store)),
    ...functionSettingOperations(new RuntimeManagementService(store), new RecursionService(store)),
    ...codeSigningOperations(new CodeSigningService(store)),
    ...layerOperations(layers, layerPermissions),
    ...functionUrlOperations(functionUrls),
  ];
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(requestContext(config.defaultRegion));
  app.use(functionUrlRouter({ urls: functionUrls, invocations, port: () => listening.port }));
  mount(app, operations);
  app.use(() => {
    throw new LambdaError('UnknownOperationException', 'Unknown operation');
  });
  app.use(errorWriter(log));

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  listening.port = port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  endpoint.url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  await events.resume();

  return {
    url: `http://${host}:${port}`,
    workers,
    counter,
    port,
    operations,
    services: { functions, layers, functionUrls, concurrency, permissions },
    async close() {
      events.close();
      codeWatcher.close();
      await workers.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      if (config.inMemory) await fs.rm(codeRoot, { recursive: true, force: true });
    },
  };
}

function hasImageVersion(record: FunctionRecord): boolean {
  return [record.latest, ...Object.values(record.versions)].some((v) => v.PackageType === 'Image');
}
