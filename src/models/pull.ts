import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { CatalogEntry } from './catalog.js';
import { ModelCatalogError } from './errors.js';
import { modelCacheDir } from './locations.js';
import { verifyCatalogFile } from './verify.js';

export interface PullOptions {
  /** Copy from this folder (or file) instead of downloading. */
  from?: string;
  /** Called as the download goes: bytes received and the total expected. */
  onProgress?(received: number, total: number): void;
  /** Gives up a download after this long (default 5 minutes). */
  timeoutMs?: number;
}

export interface PullResult {
  /** The file in the cache. */
  readonly path: string;
  /** Where it came from: the URL, the --from file, or the cache itself. */
  readonly source: string;
  /** 'cached': a verified copy was already there and nothing was fetched. */
  readonly status: 'pulled' | 'cached';
}

/**
 * Where downloads come from: the catalog URL, or the same file name under
 * $EDGETPU_LEARN_MODEL_MIRROR (a base URL) for machines that reach a mirror only.
 */
export function downloadUrl(entry: CatalogEntry): string {
  const mirror = process.env.EDGETPU_LEARN_MODEL_MIRROR;
  return mirror ? `${mirror.replace(/\/+$/, '')}/${entry.file}` : entry.url;
}

/**
 * Brings a catalog file into the cache (modelCacheDir()), from a local folder or by download,
 * and checks it (a model, the catalog's size and sha256) before it is written there. A
 * verified copy already in the cache is kept as it is unless `from` is given.
 */
export async function pullCatalogFile(entry: CatalogEntry, options: PullOptions = {}): Promise<PullResult> {
  const dir = modelCacheDir();
  const dest = join(dir, entry.file);
  if (options.from === undefined) {
    const existing = await readFile(dest).catch(() => undefined);
    if (existing) {
      try {
        verifyCatalogFile(entry, existing, dest);
        return { path: dest, source: dest, status: 'cached' };
      } catch {
        // A damaged copy: fetched again below, and replaced.
      }
    }
  }
  const { bytes, source } = options.from !== undefined ? await readFrom(entry, options.from) : await download(entry, options);
  verifyCatalogFile(entry, bytes, source);
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(dest, bytes);
  } catch (e) {
    throw new ModelCatalogError('MODEL_SOURCE', `cannot write ${dest}: ${(e as Error).message} (set EDGETPU_LEARN_CACHE to a folder you can write)`, { cause: e });
  }
  return { path: dest, source, status: 'pulled' };
}

async function readFrom(entry: CatalogEntry, from: string): Promise<{ bytes: Uint8Array; source: string }> {
  let isDir: boolean;
  try {
    isDir = (await stat(from)).isDirectory();
  } catch {
    throw new ModelCatalogError('MODEL_SOURCE', `${from}: no such folder or file to copy ${entry.name} from`);
  }
  const path = isDir ? join(from, entry.file) : from;
  try {
    return { bytes: await readFile(path), source: path };
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ModelCatalogError('MODEL_SOURCE', missing ? `${from} has no ${entry.file}` : `${path}: cannot be read (${(e as Error).message})`, { cause: e });
  }
}

async function download(entry: CatalogEntry, options: PullOptions): Promise<{ bytes: Uint8Array; source: string }> {
  const url = downloadUrl(entry);
  const offline = `Without network access, copy it from a folder that has it: edgetpu-learn models pull ${entry.name} --from DIR`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5 * 60_000), redirect: 'follow' });
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? 'timed out' : networkFailure(e);
    throw new ModelCatalogError('MODEL_DOWNLOAD', `cannot download ${entry.name} from ${url} (${why}). ${offline}`, { cause: e });
  }
  if (!response.ok || !response.body) {
    throw new ModelCatalogError('MODEL_DOWNLOAD', `cannot download ${entry.name} from ${url} (HTTP ${response.status} ${response.statusText}). ${offline}`);
  }
  // Read no more than the file can be: a wrong URL must not fill the memory.
  const limit = entry.size + 1024 * 1024;
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received > limit) {
        throw new ModelCatalogError('MODEL_MISMATCH', `${url}: sends more than the ${entry.size} bytes of ${entry.name}; refusing it`);
      }
      chunks.push(chunk);
      options.onProgress?.(received, entry.size);
    }
  } catch (e) {
    if (e instanceof ModelCatalogError) throw e;
    throw new ModelCatalogError('MODEL_DOWNLOAD', `download of ${entry.name} from ${url} broke off after ${received} bytes (${(e as Error).message}). ${offline}`, { cause: e });
  }
  return { bytes: Buffer.concat(chunks), source: url };
}

/** Why fetch failed, in words: Node reports it as "fetch failed" with the system error as the cause. */
function networkFailure(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve: no network access?';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
    default:
      return cause?.message ?? (e as Error).message;
  }
}
