import type Docker from 'dockerode';
import { LambdaError } from '../../aws/errors.js';
import { runtimeFamily } from '../../aws/runtimes.js';

/**
 * The image each runtime runs on. A mapping (by exact runtime, then by family) wins; otherwise
 * the images `npm run images:local` builds, when this engine has them, else AWS's base image for
 * the runtime (public.ecr.aws/lambda/…), whose /var/runtime/bootstrap speaks our Runtime API.
 */
export function imageCandidates(runtime: string, mapping: Record<string, string>): string[] {
  const mapped = mapping[runtime] ?? mapping[runtimeFamily(runtime)];
  if (mapped) return [mapped];
  return [...localImages(runtime), publicImage(runtime)];
}

/** Tags of scripts/images-local.sh. Every nodejs runtime may fall back to the host's node, as the process executor does. */
function localImages(runtime: string): string[] {
  const node = /^nodejs(\d+)\.x$/.exec(runtime);
  if (node) return [`asimov/lambda-nodejs:${node[1]}-local`, 'asimov/lambda-nodejs:local'];
  const python = /^python(\d+\.\d+)$/.exec(runtime);
  if (python) return [`asimov/lambda-python:${python[1]}-local`];
  if (runtime === 'provided.al2') return ['asimov/lambda-provided:al2-local'];
  if (runtime.startsWith('provided')) return ['asimov/lambda-provided:al2023-local'];
  return [];
}

/** AWS's base images are named family:version (nodejs20.x → nodejs:20, provided.al2023 → provided:al2023). */
export function publicImage(runtime: string): string {
  if (runtime.startsWith('provided')) {
    return `public.ecr.aws/lambda/provided:${runtime.split('.')[1] ?? 'al2023'}`;
  }
  const match = /^([a-z]+)([\d.]+?)(\.x)?$/.exec(runtime);
  if (!match) return `public.ecr.aws/lambda/${runtime}`;
  return `public.ecr.aws/lambda/${match[1]}:${match[2]}`;
}

/** An image's own ENTRYPOINT, CMD and WORKDIR. */
export interface ImageProcess {
  entryPoint: string[];
  command: string[];
  workingDirectory?: string;
}

/**
 * Finds each runtime's image on the engine once, and pulls a missing one with its progress on the
 * server's log. Only successes are remembered: after `npm run images:local` (or a pull elsewhere)
 * the next cold start finds the image.
 */
export class ImageResolver {
  private readonly found = new Map<string, Promise<string>>();
  private readonly pulls = new Map<string, Promise<void>>();
  private readonly processes = new Map<string, Promise<ImageProcess>>();

  constructor(
    private readonly docker: Docker,
    private readonly mapping: Record<string, string>,
    private readonly log: (line: string) => void,
  ) {}

  imageFor(runtime: string): Promise<string> {
    let lookup = this.found.get(runtime);
    if (!lookup) {
      lookup = this.resolve(runtime);
      this.found.set(runtime, lookup);
      lookup.catch(() => this.found.delete(runtime));
    }
    return lookup;
  }

  /** Forgets an image the engine no longer has (removed while the server ran). */
  forget(runtime: string): void {
    this.found.delete(runtime);
  }

  /**
   * The id (`sha256:…`) of an image given by name (PackageType Image), pulled now when the engine
   * lacks it; undefined when it is neither here nor pullable (the pull's error goes to the log).
   */
  async idOf(image: string): Promise<string | undefined> {
    if (!(await this.present(image))) {
      try {
        await this.pullNow(image);
      } catch (err) {
        this.log(
          `docker: ${image} is not on the engine and could not be pulled: ${errorText(err)}`,
        );
        return undefined;
      }
    }
    try {
      return ((await this.docker.getImage(image).inspect()) as { Id: string }).Id;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw engineError(err);
    }
  }

  /** What an image runs when nothing overrides it (an id names one image for good, so this is kept). */
  processOf(id: string): Promise<ImageProcess> {
    let lookup = this.processes.get(id);
    if (!lookup) {
      lookup = this.inspectProcess(id);
      this.processes.set(id, lookup);
      lookup.catch(() => this.processes.delete(id));
    }
    return lookup;
  }

  private async inspectProcess(id: string): Promise<ImageProcess> {
    try {
      const { Config } = (await this.docker.getImage(id).inspect()) as {
        Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string };
      };
      return {
        entryPoint: Config?.Entrypoint ?? [],
        command: Config?.Cmd ?? [],
        workingDirectory: Config?.WorkingDir || undefined,
      };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw engineError(err);
      throw new LambdaError(
        'ServiceException',
        `The image ${id} of this function is no longer on the Docker engine. Update the function's code with its ImageUri (UpdateFunctionCode) to pin it again.`,
      );
    }
  }

  private async resolve(runtime: string): Promise<string> {
    const candidates = imageCandidates(runtime, this.mapping);
    for (const image of candidates) if (await this.present(image)) return image;
    const image = candidates[candidates.length - 1]!;
    await this.pull(image, `${runtime} functions`);
    return image;
  }

  private async present(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw engineError(err);
    }
  }

  private pull(image: string, what: string): Promise<void> {
    let pull = this.pulls.get(image);
    if (!pull) {
      pull = this.pullNow(image).catch((err: unknown) => {
        // As the process executor answers a runtime with no interpreter on the host.
        throw new LambdaError(
          'InvalidRuntimeException',
          `Cannot run ${what}: the image ${image} is not on the Docker engine and pulling it failed (${errorText(err)}). ` +
            `Build the local worker images with 'npm run images:local', pull the image where its registry is reachable, ` +
            `or map the runtime to an image this engine has (--docker-image RUNTIME=IMAGE).`,
        );
      });
      this.pulls.set(image, pull);
      void pull.then(
        () => this.pulls.delete(image),
        () => this.pulls.delete(image),
      );
    }
    return pull;
  }

  private async pullNow(image: string): Promise<void> {
    this.log(`docker: pulling ${image}`);
    const stream = await this.docker.pull(image);
    const progress = new PullProgress(image, this.log);
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: PullEvent) => {
          if (event.error) reject(new Error(event.error));
          else progress.update(event);
        },
      );
    });
    this.log(`docker: pulled ${image}`);
  }
}

interface PullEvent {
  status?: string;
  id?: string;
  error?: string;
  progressDetail?: { current?: number; total?: number };
}

/** One line per layer state change, and at most one download line per layer every 2 s. */
class PullProgress {
  private readonly lastLine = new Map<string, number>();

  constructor(
    private readonly image: string,
    private readonly log: (line: string) => void,
  ) {}

  update(event: PullEvent): void {
    const { status, id, progressDetail } = event;
    if (!status) return;
    const key = id ?? '';
    if (status === 'Downloading' || status === 'Extracting') {
      const now = Date.now();
      if (now - (this.lastLine.get(key) ?? 0) < 2000) return;
      this.lastLine.set(key, now);
      const { current = 0, total = 0 } = progressDetail ?? {};
      const share = total > 0 ? ` ${Math.round((current / total) * 100)}% of ${mb(total)}` : '';
      this.log(`docker: pulling ${this.image}: ${key} ${status}${share}`);
      return;
    }
    this.log(`docker: pulling ${this.image}: ${id ? `${id} ` : ''}${status}`);
  }
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;

export function errorText(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).trim();
}

/** The engine itself stopped answering. */
export function engineError(err: unknown): LambdaError {
  return new LambdaError(
    'ServiceException',
    `The Docker engine does not answer (${errorText(err)}). Start it (sudo scripts/start-dockerd.sh, or systemctl start docker) or point DOCKER_HOST at one.`,
  );
}
