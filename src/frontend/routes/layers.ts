import type { Request } from 'express';
import {
  AddLayerVersionPermissionBody,
  PublishLayerVersionBody,
  type LayerListQuery,
} from '../../aws/layer-rules.js';
import { parseShape, Constraints } from '../../aws/validation.js';
import type { LayerPermissionService } from '../../control-plane/layer-permissions.js';
import type { LayerService } from '../../control-plane/layers.js';
import { parseJsonBody, CODE_UPLOAD_BODY_LIMIT, readBody, readShape } from '../body.js';
import { pathParam, queryInteger, queryString, sendJson, type Operation } from '../operation.js';
import { namespaceOf } from '../request-context.js';
import { codeLocation } from './code-download.js';

const LAYERS = '/2018-10-31/layers';
const VERSIONS = `${LAYERS}/{LayerName}/versions`;
const VERSION = `${VERSIONS}/{VersionNumber}`;

/** The layer operations of the 2018-10-31 API family. */
export function layerOperations(
  layers: LayerService,
  permissions: LayerPermissionService,
): Operation[] {
  const locate = (req: Request) => (sha256: string) => codeLocation(req, sha256);
  const name = (req: Request) => pathParam(req, 'LayerName');
  const version = (req: Request) => Number(pathParam(req, 'VersionNumber'));
  return [
    {
      name: 'PublishLayerVersion',
      method: 'POST',
      path: VERSIONS,
      async handle(req, res) {
        const raw = parseJsonBody(
          await readBody(req, CODE_UPLOAD_BODY_LIMIT, 'PublishLayerVersion'),
        );
        const body = parseShape(PublishLayerVersionBody, raw);
        sendJson(res, 201, await layers.publish(namespaceOf(res), name(req), body, locate(req)));
      },
    },
    {
      name: 'ListLayerVersions',
      method: 'GET',
      path: VERSIONS,
      async handle(req, res) {
        sendJson(res, 200, await layers.listVersions(namespaceOf(res), name(req), listQuery(req)));
      },
    },
    {
      name: 'GetLayerVersion',
      method: 'GET',
      path: VERSION,
      async handle(req, res) {
        const ns = namespaceOf(res);
        sendJson(res, 200, await layers.get(ns, name(req), version(req), locate(req)));
      },
    },
    {
      name: 'DeleteLayerVersion',
      method: 'DELETE',
      path: VERSION,
      async handle(req, res) {
        await layers.delete(namespaceOf(res), name(req), version(req));
        res.status(204).end();
      },
    },
    {
      name: 'GetLayerVersionByArn',
      method: 'GET',
      path: `${LAYERS}?find=LayerVersion`,
      async handle(req, res) {
        const arn = queryString(req, 'Arn');
        new Constraints().required(arn, 'arn').check();
        sendJson(res, 200, await layers.getByArn(namespaceOf(res), arn as string, locate(req)));
      },
    },
    {
      name: 'ListLayers',
      method: 'GET',
      path: LAYERS,
      async handle(req, res) {
        sendJson(res, 200, await layers.list(namespaceOf(res), listQuery(req)));
      },
    },
    {
      name: 'AddLayerVersionPermission',
      method: 'POST',
      path: `${VERSION}/policy`,
      async handle(req, res) {
        const body = await readShape(
          req,
          AddLayerVersionPermissionBody,
          'AddLayerVersionPermission',
        );
        const ns = namespaceOf(res);
        const revision = queryString(req, 'RevisionId');
        sendJson(res, 201, await permissions.add(ns, name(req), version(req), body, revision));
      },
    },
    {
      name: 'GetLayerVersionPolicy',
      method: 'GET',
      path: `${VERSION}/policy`,
      async handle(req, res) {
        sendJson(res, 200, await permissions.get(namespaceOf(res), name(req), version(req)));
      },
    },
    {
      name: 'RemoveLayerVersionPermission',
      method: 'DELETE',
      path: `${VERSION}/policy/{StatementId}`,
      async handle(req, res) {
        const statementId = pathParam(req, 'StatementId');
        const revision = queryString(req, 'RevisionId');
        await permissions.remove(namespaceOf(res), name(req), version(req), statementId, revision);
        res.status(204).end();
      },
    },
  ];
}

function listQuery(req: Request): LayerListQuery {
  return {
    CompatibleRuntime: queryString(req, 'CompatibleRuntime'),
    CompatibleArchitecture: queryString(req, 'CompatibleArchitecture'),
    Marker: queryString(req, 'Marker'),
    MaxItems: queryInteger(req, 'MaxItems'),
  };
}
