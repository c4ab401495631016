import type { Request } from 'express';
import { notFound } from '../../aws/errors.js';
import type { CodeStore } from '../../store/code-store.js';
import { pathParam, type Operation } from '../operation.js';

/**
 * GetFunction's Code.Location. On AWS it is a presigned S3 URL; here it is a URL on this server,
 * addressed by the package's SHA-256 (hex), that serves the zip as uploaded.
 */
export function codeLocation(req: Request, sha256: string): string {
  const hex = Buffer.from(sha256, 'base64').toString('hex');
  return `${req.protocol}://${req.headers.host ?? 'localhost'}/_asimov/code/${hex}.zip`;
}

export function codeDownloadOperations(code: CodeStore): Operation[] {
  return [
    {
      name: 'DownloadFunctionCode',
      method: 'GET',
      path: '/_asimov/code/{Package}',
      async handle(req, res) {
        const match = /^([0-9a-f]{64})\.zip$/.exec(pathParam(req, 'Package'));
        if (!match) throw notFound('No such code package.');
        const sha256 = Buffer.from(match[1] as string, 'hex').toString('base64');
        const zip = await code.readBlob(sha256).catch(() => {
          throw notFound('No such code package.');
        });
        res.status(200).setHeader('content-type', 'application/zip').send(zip);
      },
    },
  ];
}
