import { z } from 'zod';
import { invalidParameter, type LambdaError } from './errors.js';
import type { Constraints } from './validation.js';

/** ImageConfig (service model): overrides of the image's ENTRYPOINT, CMD and WORKDIR. */
export const ImageConfigShape = z.object({
  EntryPoint: z.array(z.string()).optional(),
  Command: z.array(z.string()).optional(),
  WorkingDirectory: z.string().optional(),
});
export type ImageConfig = z.output<typeof ImageConfigShape>;

const PACKAGE_TYPES = ['Zip', 'Image'];

interface PackageInput {
  PackageType?: string;
  ImageConfig?: ImageConfig;
}

/** Model constraints: the PackageType enum, StringList (at most 1,500 entries), WorkingDirectory (1,000 characters). */
export function checkImageConstraints(input: PackageInput, c: Constraints): void {
  c.oneOf(input.PackageType, 'packageType', PACKAGE_TYPES)
    .count(input.ImageConfig?.EntryPoint, 'imageConfig.entryPoint', 0, 1500)
    .count(input.ImageConfig?.Command, 'imageConfig.command', 0, 1500)
    .length(input.ImageConfig?.WorkingDirectory, 'imageConfig.workingDirectory', 0, 1000);
}

interface FunctionShapeInput extends PackageInput {
  Runtime?: string;
  Handler?: string;
  Layers?: string[];
}

/**
 * AWS's rules on what goes with which package type: an image brings its own runtime, handler and
 * files, so Runtime, Handler and Layers are refused with it; ImageConfig means nothing to a zip.
 */
export function checkPackageFields(packageType: 'Zip' | 'Image', input: FunctionShapeInput): void {
  if (packageType === 'Image') {
    if (input.Runtime !== undefined || input.Handler !== undefined || input.Layers?.length) {
      throw invalidParameter(
        "Please don't provide Handler or Runtime or Layer when the intended function PackageType is Image.",
      );
    }
    return;
  }
  if (input.ImageConfig !== undefined) {
    throw invalidParameter(
      "Please don't provide ImageConfig when the intended function PackageType is Zip.",
    );
  }
}

/** CreateFunction with PackageType Image names its image in Code.ImageUri. */
export function requireImageUri(code: { ImageUri?: string } | undefined): string {
  if (!code?.ImageUri) throw invalidParameter('Please provide ImageUri when PackageType is Image.');
  return code.ImageUri;
}

/** UpdateFunctionCode keeps a function's package type: an image for an image, a zip for a zip. */
export function checkCodeUpdate(
  packageType: 'Zip' | 'Image',
  input: { ImageUri?: string; ZipFile?: string; S3Bucket?: string; S3Key?: string },
): void {
  if (packageType === 'Image' && !input.ImageUri) {
    throw invalidParameter(
      'Please provide ImageUri when updating a function with packageType Image.',
    );
  }
  if (packageType === 'Zip' && input.ImageUri !== undefined) {
    throw invalidParameter(
      "Please don't provide ImageUri when updating a function with packageType Zip.",
    );
  }
}

export function missingImage(imageUri: string): LambdaError {
  return invalidParameter(`Source image ${imageUri} does not exist. Provide a valid source image.`);
}

/**
 * AWS pins an image function to the digest its tag named when the code was set: the repository
 * with `@sha256:<digest>` in place of the tag (a later push to the tag changes nothing).
 */
export function resolvedImageUri(imageUri: string, digestHex: string): string {
  let repository = imageUri.split('@')[0] as string;
  const colon = repository.lastIndexOf(':');
  if (colon > repository.lastIndexOf('/')) repository = repository.slice(0, colon);
  return `${repository}@sha256:${digestHex}`;
}

/** An image function's CodeSha256 is the image digest in hex; a zip's is base64, never 64 hex digits. */
export function isImageDigest(codeSha256: string): boolean {
  return /^[0-9a-f]{64}$/.test(codeSha256);
}
