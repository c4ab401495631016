import { resolvedImageUri, type ImageConfig } from '../aws/image-rules.js';
import type { StoredCode } from '../store/code-store.js';
import type { VersionRecord } from '../store/records.js';

/** Where the images of PackageType Image functions are found (a Docker engine, src/executors/image-functions.ts). */
export interface ImageSource {
  /** The digest (hex) of the image an ImageUri names, pulled if need be; AWS's error when there is none. */
  digestOf(imageUri: string): Promise<string>;
}

/** An image function's code as stored: its digest is its CodeSha256, and AWS reports CodeSize 0. */
export type ImageCode = StoredCode & { image: NonNullable<VersionRecord['image']> };

export async function imageCode(images: ImageSource, imageUri: string): Promise<ImageCode> {
  const digest = await images.digestOf(imageUri);
  return {
    sha256: digest,
    size: 0,
    unzippedBytes: 0,
    image: { ImageUri: imageUri, ResolvedImageUri: resolvedImageUri(imageUri, digest) },
  };
}

/** ImageConfig as stored and shown; an empty one (or none) leaves the image's own settings. */
export function imageConfigResponse(
  config: ImageConfig | undefined,
): VersionRecord['ImageConfigResponse'] {
  if (!config || Object.values(config).every((value) => value === undefined)) return undefined;
  return { ImageConfig: config };
}

/** GetFunction's Code for an image function. */
export function imageLocation(image: NonNullable<VersionRecord['image']>): Record<string, string> {
  return { RepositoryType: 'ECR', ...image };
}
