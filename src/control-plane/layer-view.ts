import { layerArn } from '../aws/arn.js';
import type { LayerRecord, LayerVersionRecord } from '../store/records.js';

/** Where a code blob can be downloaded (Content.Location): the route knows the server's URL. */
export type CodeLocator = (sha256: string) => string;

/** LayerVersionsListItem: a version as ListLayerVersions and ListLayers show it. */
export function toLayerListItem(
  layer: LayerRecord,
  version: LayerVersionRecord,
): Record<string, unknown> {
  return dropUndefined({
    LayerVersionArn: layerArn(layer, layer.name, version.Version),
    Version: version.Version,
    Description: version.Description,
    CreatedDate: version.CreatedDate,
    CompatibleRuntimes: version.CompatibleRuntimes,
    LicenseInfo: version.LicenseInfo,
    CompatibleArchitectures: version.CompatibleArchitectures,
  });
}

/** GetLayerVersionResponse (and PublishLayerVersion's): the list item plus its content and layer. */
export function toLayerVersion(
  layer: LayerRecord,
  version: LayerVersionRecord,
  locate: CodeLocator,
): Record<string, unknown> {
  return {
    Content: {
      Location: locate(version.CodeSha256),
      CodeSha256: version.CodeSha256,
      CodeSize: version.CodeSize,
    },
    LayerArn: layerArn(layer, layer.name),
    ...toLayerListItem(layer, version),
  };
}

function dropUndefined(view: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(view)) if (view[key] === undefined) delete view[key];
  return view;
}
