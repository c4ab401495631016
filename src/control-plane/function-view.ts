import { createHash } from 'node:crypto';
import { functionArn, type Namespace } from '../aws/arn.js';
import type { FunctionRecord, VersionRecord } from '../store/records.js';

export type FunctionConfiguration = Record<string, unknown>;

/** Fields ListFunctions leaves out: AWS says to call GetFunction for them. */
const GET_ONLY_FIELDS = [
  'State',
  'StateReason',
  'StateReasonCode',
  'LastUpdateStatus',
  'LastUpdateStatusReason',
  'LastUpdateStatusReasonCode',
  'RuntimeVersionConfig',
] as const;

export interface ViewOptions {
  /** AWS qualifies $LATEST's ARN only when the caller asked for a qualifier or for all versions. */
  qualifiedArn: boolean;
  /** An alias the caller named: AWS shows the alias's ARN with the version it resolves to. */
  arnQualifier?: string;
  forList?: boolean;
  /** CodeSize of the layer versions the version uses, by ARN (see layer-references.ts). */
  layerSizes?: ReadonlyMap<string, number>;
}

/** A stored version as AWS's FunctionConfiguration, deriving the names, ARNs and layer list. */
export function toConfiguration(
  record: FunctionRecord,
  version: VersionRecord,
  options: ViewOptions,
): FunctionConfiguration {
  const ns: Namespace = record;
  const qualify = options.qualifiedArn || version.Version !== '$LATEST';
  const { Layers, hotReloadFolder: _folder, image: _image, ...stored } = version;
  const view: FunctionConfiguration = {
    FunctionName: record.name,
    FunctionArn: functionArn(
      ns,
      record.name,
      options.arnQualifier ?? (qualify ? version.Version : undefined),
    ),
    ...stored,
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    RuntimeVersionConfig: version.Runtime
      ? { RuntimeVersionArn: runtimeVersionArn(ns.region, version.Runtime) }
      : undefined,
  };
  if (Layers.length > 0)
    view.Layers = Layers.map((Arn) => ({ Arn, CodeSize: options.layerSizes?.get(Arn) ?? 0 }));
  if (options.forList) for (const field of GET_ONLY_FIELDS) delete view[field];
  return dropUndefined(view);
}

/** AWS names the runtime build a function runs on; we derive a stable one per runtime. */
function runtimeVersionArn(region: string, runtime: string): string {
  const id = createHash('sha256').update(runtime).digest('hex');
  return `arn:aws:lambda:${region}::runtime:${id}`;
}

function dropUndefined(view: FunctionConfiguration): FunctionConfiguration {
  for (const key of Object.keys(view)) if (view[key] === undefined) delete view[key];
  return view;
}
