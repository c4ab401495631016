import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import protocol from '../../src/runtime-api/protocol.json' with { type: 'json' };
import { extensionsRoute } from '../../src/runtime-api/extensions-api.js';
import { RuntimeApiServer } from '../../src/runtime-api/runtime-api-server.js';
import { telemetryRoute } from '../../src/runtime-api/telemetry-api.js';
import { ExtensionRegistry } from '../../src/workers/extensions.js';
import { TelemetryHub, connectLoopback } from '../../src/workers/telemetry.js';

/**
 * The Extensions, Telemetry and Logs APIs' answers to requests they refuse, as AWS's Runtime API
 * gives them (status, errorType, errorMessage), on a real Runtime API server.
 */
describe('Extensions and Telemetry APIs: refusals as AWS words them', () => {
  const registry = new ExtensionRegistry({
    functionName: 'f',
    functionVersion: '$LATEST',
    handler: 'index.handler',
    accountId: '123456789012',
  });
  const hub = new TelemetryHub(
    (id) => registry.nameOf(id),
    connectLoopback,
    () => undefined,
  );
  let api: RuntimeApiServer;
  let base: string;
  const noop = () => undefined;
  before(async () => {
    api = await RuntimeApiServer.start(
      {
        polled: noop,
        response: noop,
        responseStream: () => ({ write: noop, end: noop }),
        error: noop,
        initError: noop,
        responseTooLarge: noop,
      },
      '127.0.0.1',
      [extensionsRoute(() => registry), telemetryRoute(() => hub)],
    );
    base = `http://${api.address}`;
    registry.begin(['ext-a']);
    hub.begin();
  });
  after(() => api.close());

  const call = async (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ) => {
    const res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const register = (name: string, events: unknown, extra: Record<string, string> = {}) =>
    call(
      'POST',
      protocol.paths.extensionRegister,
      { 'Lambda-Extension-Name': name, ...extra },
      { events },
    );
  let id = '';

  it('registers an external extension by file name; accountId only when asked for', async () => {
    const plain = await register('ext-a', ['INVOKE', 'SHUTDOWN']);
    assert.equal(plain.status, 200);
    id = plain.headers.get('lambda-extension-identifier')!;
    assert.deepEqual(plain.json, {
      functionName: 'f',
      functionVersion: '$LATEST',
      handler: 'index.handler',
    });
    const again = await register('ext-a', ['INVOKE']);
    assert.equal(again.status, 403);
    assert.deepEqual(again.json, {
      errorType: 'Extension.InvalidExtensionState',
      errorMessage:
        'State transition from Registered to Registered failed for extension ext-a. Error: State transition is not allowed',
    });
    const internal = await register('int-b', ['INVOKE'], {
      'Lambda-Extension-Accept-Feature': 'accountId',
    });
    assert.equal(internal.status, 200);
    assert.equal(internal.json.accountId, '123456789012');
  });

  it('refuses bad registrations', async () => {
    const cases: [string, unknown, number, string, string][] = [
      ['', ['INVOKE'], 403, 'Extension.InvalidExtensionName', 'Empty extension name'],
      ['x', ['BOOT'], 403, 'Extension.InvalidEventType', 'BOOT: ErrorInvalidEventType'],
      [
        'y',
        ['SHUTDOWN'],
        403,
        'Extension.InvalidEventType',
        'SHUTDOWN: ErrorEventNotSupportedForInternalAgent',
      ],
      [
        'int-b',
        ['INVOKE'],
        403,
        'Extension.InvalidExtensionState',
        'Extension with this name already registered',
      ],
    ];
    for (const [name, events, status, type, message] of cases) {
      const res = await register(name, events);
      assert.equal(res.status, status, name);
      assert.deepEqual(res.json, { errorType: type, errorMessage: message }, name);
    }
  });

  it('checks the identifier of next, init/error and exit/error', async () => {
    const missing = await call('GET', protocol.paths.extensionNext, {});
    assert.deepEqual(missing.json, {
      errorType: 'Extension.MissingExtensionIdentifier',
      errorMessage: 'Missing Lambda-Extension-Identifier header',
    });
    const invalid = await call('GET', protocol.paths.extensionNext, {
      'Lambda-Extension-Identifier': 'nope',
    });
    assert.deepEqual(invalid.json, {
      errorType: 'Extension.InvalidExtensionIdentifier',
      errorMessage: 'Invalid Lambda-Extension-Identifier',
    });
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const unknown = await call('POST', protocol.paths.extensionInitError, {
      'Lambda-Extension-Identifier': unknownId,
      'Lambda-Extension-Function-Error-Type': 'Extension.Bad',
    });
    assert.equal(unknown.status, 403);
    assert.deepEqual(unknown.json, {
      errorType: 'Extension.UnknownExtensionIdentifier',
      errorMessage: `Unknown extension ${unknownId}`,
    });
    const noType = await call('POST', protocol.paths.extensionExitError, {
      'Lambda-Extension-Identifier': id,
    });
    assert.deepEqual(noType.json, {
      errorType: 'Extension.MissingHeader',
      errorMessage: 'Lambda-Extension-Function-Error-Type not found',
    });
  });

  it('validates subscriptions and answers "OK", then "AlreadySubcribed"', async () => {
    const headers = { 'Lambda-Extension-Identifier': id, 'Content-Type': 'application/json' };
    const good = {
      schemaVersion: '2022-12-13',
      destination: { protocol: 'HTTP', URI: 'http://sandbox.localdomain:4243' },
      types: ['platform', 'function'],
    };
    const bad = await call('PUT', protocol.paths.telemetrySubscribe, headers, {
      ...good,
      buffering: { timeoutMs: 5 },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errorType, 'ValidationError');
    const ok = await call('PUT', protocol.paths.telemetrySubscribe, headers, good);
    assert.deepEqual([ok.status, ok.json], [200, 'OK']);
    const twice = await call('PUT', protocol.paths.telemetrySubscribe, headers, good);
    assert.deepEqual([twice.status, twice.json], [200, 'AlreadySubcribed']);
  });

  it('closes registration and subscription when init is over', async () => {
    registry.closeRegistration();
    hub.close();
    const late = await register('int-c', ['INVOKE']);
    assert.deepEqual(late.json, {
      errorType: 'Extension.RegistrationClosed',
      errorMessage: 'Extension registration closed already',
    });
    const logs = await call(
      'PUT',
      protocol.paths.logsSubscribe,
      { 'Lambda-Extension-Identifier': id },
      { destination: { protocol: 'HTTP', URI: 'http://sandbox:1234' }, types: ['platform'] },
    );
    assert.equal(logs.status, 403);
    assert.deepEqual(logs.json, {
      errorType: 'Logs.SubscriptionClosed',
      errorMessage: 'Logs API subscription is closed already',
    });
  });
});
