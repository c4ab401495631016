import { invalidParameter } from '../aws/errors.js';
import { missingImage } from '../aws/image-rules.js';
import { NoEngineError } from './docker/engine.js';
import type { ImageSource } from '../control-plane/image-code.js';
import type { Executor } from './executor.js';
import type { DockerSetup } from './registry.js';

/**
 * Where PackageType Image functions live and run: always on a Docker engine. Under the docker
 * executor that is its own engine; under the process executor a second, docker executor is made
 * for them when an engine answers (connected at the first Image request, or at start when the
 * store holds Image functions), so zip functions keep their sandbox and Image functions run in
 * containers. With no engine at all, Image requests get one clear error naming the fix. Zip
 * functions configured to run on docker share the same executor.
 */
export class ImageFunctions implements ImageSource {
  private setup: Promise<DockerSetup> | undefined;

  constructor(
    private readonly connect: () => Promise<DockerSetup>,
    private readonly log: (line: string) => void,
  ) {}

  async digestOf(imageUri: string): Promise<string> {
    const { images } = await this.engine().catch((err: Error) => {
      throw noEngine(err);
    });
    const id = await images.idOf(imageUri);
    if (!id) throw missingImage(imageUri);
    return id.replace(/^sha256:/, '');
  }

  /** The executor Image functions' environments are made by. */
  async executor(): Promise<Executor> {
    const setup = await this.engine().catch((err: Error) => {
      throw noEngine(err);
    });
    return setup.executor;
  }

  /** The same executor for zip functions sent to docker (`--function-executor NAME=docker`). */
  async zipExecutor(): Promise<Executor> {
    const setup = await this.engine().catch((err: Error) => {
      throw err instanceof NoEngineError ? new Error(`${err.message}. ${NoEngineError.FIX}`) : err;
    });
    return setup.executor;
  }

  /** Connects now, so that what servers that died left on the engine is removed at start. */
  connectNow(): void {
    this.engine().catch((err: Error) => this.log(`Image functions: ${err.message}`));
  }

  private engine(): Promise<DockerSetup> {
    if (!this.setup) {
      const setup = this.connect().then(
        (connected) => {
          for (const note of connected.notes) this.log(`Image functions: ${note}`);
          return connected;
        },
        (err: Error) => {
          this.setup = undefined; // an engine started later is found at the next request
          throw err;
        },
      );
      this.setup = setup;
    }
    return this.setup;
  }
}

function noEngine(err: Error): Error {
  if (!(err instanceof NoEngineError)) return err;
  return invalidParameter(
    `PackageType Image functions run on Docker, and ${err.message}. ${NoEngineError.FIX} ` +
      `Then serve with --executor docker (the process executor also runs Image functions on an engine that answers).`,
  );
}
