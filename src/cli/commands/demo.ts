import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ImageDataset } from '../../data/index.js';
import { coralTestDataDirs, resolveModel } from '../../models/index.js';
import { parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { CommandError } from '../command-error.js';
import { runImprint } from '../imprint-job.js';
import { ensureParentFolders } from '../output-paths.js';
import { formatSeconds, Reporter } from '../progress.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn demo [--output DIR] [--json]

Weight imprinting in a few seconds, on the CPU: learns three classes (cat, dog, hotdog) from
four of Coral's photos with the MobileNet v1 embedding extractor, exports the model, and
classifies three other photos with it. Uses Coral's test data ($CORAL_TEST_DATA, else
../shared/coral-test-data) and the catalog's extractor (cache or test data).

Options:
  --output DIR  where to write demo.tflite and demo.txt (default: a new temporary folder)
  --json        JSON lines on stdout instead of text`;

const CLASSES = ['cat', 'dog', 'hotdog'] as const;
const TRAIN = [
  ['cat_train_0.bmp', 0],
  ['dog_train_0.bmp', 1],
  ['hotdog_train_0.bmp', 2],
  ['hotdog_train_1.bmp', 2],
] as const;
const TEST = [
  ['cat_test_0.bmp', 0],
  ['dog_test_0.bmp', 1],
  ['hotdog_test_0.bmp', 2],
] as const;
const EXTRACTOR = 'mobilenet_v1_1.0_224_quant_embedding_extractor';

/** The folder with Coral's imprinting photos. */
function imprintingPhotos(): string {
  for (const dir of coralTestDataDirs()) {
    const photos = join(dir, 'imprinting');
    if ([...TRAIN, ...TEST].every(([file]) => existsSync(join(photos, file)))) return photos;
  }
  throw new CommandError(
    'DEMO_DATA',
    "the demo needs Coral's imprinting photos (imprinting/cat_train_0.bmp and the others): set CORAL_TEST_DATA to a copy of google-coral/test_data, or put it at ../shared/coral-test-data",
  );
}

export const demoCommand: Command = {
  name: 'demo',
  summary: "imprint cat, dog and hotdog from Coral's photos on the CPU and classify new ones",
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options: { output: { type: 'string' }, json: { type: 'boolean' } } });
    if (positionals.length > 0) throw new UsageError(`demo takes no positional arguments (got '${positionals[0]}')`);
    const reporter = new Reporter(io, { json: values.json });
    const started = performance.now();
    const photos = imprintingPhotos();
    const extractor = resolveModel(EXTRACTOR);
    const dir = values.output ?? (await mkdtemp(join(tmpdir(), 'edgetpu-learn-demo-')));
    const output = join(dir, 'demo.tflite');
    const labels = join(dir, 'demo.txt');
    await ensureParentFolders([output]);

    reporter.print(`Weight imprinting on the CPU with ${EXTRACTOR}`);
    reporter.print(`  (${extractor.path})`);
    reporter.print(`training: ${CLASSES.map((c, id) => `${TRAIN.filter(([, l]) => l === id).map(([f]) => f).join(' + ')} -> ${c}`).join(', ')}`);
    const items = (list: readonly (readonly [string, number])[]): { path: string; label: number }[] => list.map(([file, label]) => ({ path: join(photos, file), label }));
    const outcome = await runImprint({
      modelPath: extractor.path,
      modelName: EXTRACTOR,
      data: { kind: 'images', train: new ImageDataset(CLASSES, items(TRAIN)), test: new ImageDataset(CLASSES, items(TEST)) },
      output,
      labels,
      keepClasses: false,
      resize: 'nearest',
      device: 'cpu',
      skipBad: false,
      reporter,
    });
    const predictions = outcome.evaluation!.predictions;
    const correct = predictions.filter((p) => p.top[0]!.id === p.label).length;
    const seconds = (performance.now() - started) / 1000;

    if (reporter.json) {
      reporter.event({
        event: 'result',
        model: output,
        labels,
        predictions: predictions.map((p) => ({ image: p.path, expected: CLASSES[p.label], predicted: CLASSES[p.top[0]!.id] ?? null, id: p.top[0]!.id, score: p.top[0]!.score })),
        correct,
        total: predictions.length,
        seconds: Math.round(seconds * 1000) / 1000,
      });
    } else {
      reporter.print(`wrote ${output} and ${labels}`);
      reporter.print('');
      const width = Math.max(...predictions.map((p) => basename(p.path).length));
      for (const p of predictions) {
        const best = p.top[0]!;
        const name = CLASSES[best.id] ?? `id ${best.id}`;
        reporter.print(`  ${basename(p.path).padEnd(width)}  ->  ${name.padEnd(6)}  ${best.score.toFixed(3)}  ${best.id === p.label ? 'correct' : `WRONG (expected ${CLASSES[p.label]})`}`);
      }
      reporter.print('');
      reporter.print(`${correct}/${predictions.length} new photos classified correctly, ${formatSeconds(seconds)} in all.`);
      reporter.print(`Try it on your own images: edgetpu-learn classify --model ${output} IMAGE...`);
    }
    if (correct !== predictions.length) throw new CommandError('DEMO_FAILED', `the demo model misclassified ${predictions.length - correct} of ${predictions.length} photos: this is a bug, please report it`);
    return 0;
  },
};
