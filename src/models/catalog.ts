import { readFileSync } from 'node:fs';

/** What a catalog file is for: the commands pick models by it. */
export type CatalogKind = 'embedding-extractor' | 'classifier' | 'imprinting' | 'labels';

/** One file of models/catalog.json. */
export interface CatalogEntry {
  /** What commands accept in place of a path: the file name without its extension. */
  readonly name: string;
  readonly file: string;
  readonly kind: CatalogKind;
  readonly description: string;
  /** Where `models pull` downloads it from. */
  readonly url: string;
  /** Lower-case hex sha256 of the file; a copy with another hash is refused. */
  readonly sha256: string;
  readonly size: number;
  readonly input?: { readonly shape: readonly number[]; readonly dtype: string };
  readonly output?: { readonly shape: readonly number[]; readonly dtype: string };
  /** Compiled for the Edge TPU (needs the device); absent for label files. */
  readonly edgetpu?: boolean;
  /** Name of the Edge TPU twin of a CPU model. */
  readonly edgetpuModel?: string;
  /** Name of the CPU twin of an Edge TPU model. */
  readonly cpuModel?: string;
  readonly embeddingDim?: number;
  readonly classes?: number;
  /** Name of the catalog label file of a classifier. */
  readonly labels?: string;
}

export interface Catalog {
  readonly version: number;
  readonly models: readonly CatalogEntry[];
}

let cached: Catalog | undefined;

/** models/catalog.json of this package (one level above src/ and dist/). */
export function loadCatalog(): Catalog {
  cached ??= JSON.parse(readFileSync(new URL('../../models/catalog.json', import.meta.url), 'utf8')) as Catalog;
  return cached;
}

/** The entry named `name`, given as its name or its file name; undefined when there is none. */
export function findCatalogEntry(name: string, catalog: Catalog = loadCatalog()): CatalogEntry | undefined {
  return catalog.models.find((m) => m.name === name || m.file === name);
}
