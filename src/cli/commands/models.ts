import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EdgeTpuLearnError } from '../../errors.js';
import { findCatalogEntry, loadCatalog, localCopy, modelCacheDir, pullCatalogFile, type CatalogEntry, type PullResult } from '../../models/index.js';
import { parseCommandLine } from '../args.js';
import type { Command, CliIo } from '../command.js';
import { CommandError } from '../command-error.js';
import { formatBytes, table } from '../format.js';
import { Reporter, type ProgressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn models list [--json]
       edgetpu-learn models pull NAME [--from DIR] [--json]

The model catalog (models/catalog.json): the Coral models this tool is made for. Commands
take a catalog name wherever they take a model file, and find it in the cache, or in
Coral's test data ($CORAL_TEST_DATA, else ../shared/coral-test-data).

  list        the catalog: name, kind, device, input, size, and where it is on this machine
  pull NAME   fetch NAME into the cache ($EDGETPU_LEARN_CACHE, else ~/.cache/edgetpu-learn/models)
              from its URL ($EDGETPU_LEARN_MODEL_MIRROR replaces the base URL), checking that
              it is a model of the catalog's size and sha256; a classifier's label file comes too
  --from DIR  copy from a folder (or file) instead of downloading, e.g. ../shared/coral-test-data
  --json      one JSON document (list) or JSON lines (pull)

Example:
  edgetpu-learn models pull mobilenet_v1_1.0_224_quant_embedding_extractor --from ../shared/coral-test-data`;

function list(io: CliIo, json: boolean): number {
  const catalog = loadCatalog();
  const rows = catalog.models.map((m) => ({ ...m, local: localCopy(m) ?? null }));
  if (json) {
    io.stdout.write(JSON.stringify({ cache: modelCacheDir(), models: rows }, null, 2) + '\n');
    return 0;
  }
  const lines = rows.map((m) => [
    m.name,
    m.kind,
    m.kind === 'labels' ? '' : m.edgetpu ? 'edgetpu' : 'cpu',
    m.input ? m.input.shape.slice(1).join('x') : '',
    formatBytes(m.size),
    m.local ? (m.local.location === 'cache' ? 'cached' : 'in coral test data') : 'not pulled',
  ]);
  io.stdout.write(table([['NAME', 'KIND', 'DEVICE', 'INPUT', 'SIZE', 'LOCAL'], ...lines]) + '\n');
  io.stdout.write(`\ncache: ${modelCacheDir()}\n`);
  return 0;
}

async function pull(name: string, from: string | undefined, reporter: Reporter): Promise<number> {
  const entry = findCatalogEntry(name);
  if (!entry) {
    const names = loadCatalog().models.map((m) => m.name);
    const near = names.filter((n) => n.includes(name) || name.includes(n));
    throw new CommandError('MODEL_NOT_FOUND', `no model named '${name}' in the catalog${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; 'edgetpu-learn models list' shows them`);
  }
  await pullOne(entry, from, reporter);
  // A classifier's label file comes too (from the same folder); without it classify shows ids.
  const labels = entry.labels !== undefined ? findCatalogEntry(entry.labels) : undefined;
  if (labels) {
    const folder = from !== undefined && !(await stat(from).then((s) => s.isDirectory(), () => false)) ? dirname(from) : from;
    try {
      await pullOne(labels, folder, reporter);
    } catch (e) {
      if (!(e instanceof EdgeTpuLearnError)) throw e;
      reporter.warn(`${labels.name} (the labels of ${entry.name}) not pulled: ${e.message}`, { name: labels.name });
    }
  }
  return 0;
}

async function pullOne(e: CatalogEntry, from: string | undefined, reporter: Reporter): Promise<void> {
  // The bar appears only once bytes arrive: nothing to show for a cached copy or a failure.
  let bar: ProgressBar | undefined;
  const result: PullResult = await pullCatalogFile(e, {
    ...(from !== undefined ? { from } : {}),
    onProgress: (received) => (bar ??= reporter.bar(`downloading ${e.file}`, e.size, 'bytes')).update(received),
  });
  bar?.finish();
  reporter.event({ event: 'pulled', name: e.name, path: result.path, source: result.source, status: result.status, sha256: e.sha256, size: e.size });
  reporter.print(
    result.status === 'cached'
      ? `${e.name}: already in the cache, verified: ${result.path}`
      : `${e.name}: ${result.source} -> ${result.path} (${formatBytes(e.size)}, sha256 verified)`,
  );
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list the model catalog; pull a model into the cache (checks its sha256)',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { from: { type: 'string' }, json: { type: 'boolean' } } });
    const [action, ...rest] = positionals;
    if (action === 'list') {
      if (rest.length > 0 || values.from !== undefined) throw new UsageError('models list takes no arguments other than --json');
      return list(io, values.json ?? false);
    }
    if (action === 'pull') {
      if (rest.length !== 1) throw new UsageError('models pull takes one model name');
      return pull(rest[0]!, values.from, new Reporter(io, { json: values.json }));
    }
    throw new UsageError(action === undefined ? "models needs 'list' or 'pull NAME'" : `unknown models action '${action}' (use list or pull)`);
  },
};
