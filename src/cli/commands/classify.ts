import { existsSync } from 'node:fs';
import { readLabels } from '../../data/index.js';
import { findCatalogEntry, localCopy, resolveModel, type ResolvedModel } from '../../models/index.js';
import { Model } from '../../tflite/index.js';
import { IMAGE_JOB_OPTIONS, imageJobSettings, numberOption, parseCommandLine, required } from '../args.js';
import type { Command } from '../command.js';
import { CommandError } from '../command-error.js';
import { listImageFiles } from '../image-files.js';
import { scoreImages, topScores } from '../image-stages.js';
import { labelsPathFor } from '../output-paths.js';
import { Reporter } from '../progress.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn classify --model M IMAGE... [--labels L] [--top-k K] [--threshold T]
                              [--resize METHOD] [--device D] [--skip-bad] [--json]

Classifies images (folders are walked) with a classification model and prints the best
classes of each, best first, with their scores (the model's output, dequantized).

Options:
  --model M        a classifier .tflite, e.g. one 'edgetpu-learn imprint' or 'backprop' wrote;
                   a file or a catalog name
  --labels L       label file (pycoral's formats); default: the model's path with .txt when it
                   exists, or the catalog's labels of a catalog model
  --top-k K        classes per image (default 3)
  --threshold T    leave out classes scoring below T (default 0)
  --resize METHOD  nearest (default, as pycoral), bilinear, area or lanczos3
  --device D       cpu (default), auto, usb or usb:N
  --skip-bad       skip images that cannot be read (each is reported) instead of stopping
  --json           one JSON line per image:
                   {"image": PATH, "results": [{"id": N, "label": TEXT, "score": X}, ...]}
                   (label is null for an id the label file does not name)

Example:
  edgetpu-learn classify --model pets.tflite photos/*.jpg --top-k 1`;

/** The label file: --labels, else MODEL.txt beside a model file, else the catalog's. */
async function labelsFor(given: string | undefined, model: ResolvedModel): Promise<Map<number, string> | undefined> {
  if (given !== undefined) return readLabels(given);
  if (model.location === 'path') {
    const beside = labelsPathFor(model.path);
    if (existsSync(beside)) return readLabels(beside);
    return undefined;
  }
  const labels = model.entry?.labels !== undefined ? findCatalogEntry(model.entry.labels) : undefined;
  const copy = labels && localCopy(labels);
  return copy ? readLabels(copy.path) : undefined;
}

export const classifyCommand: Command = {
  name: 'classify',
  summary: 'classify images with a model: the best classes and their scores',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        labels: { type: 'string' },
        'top-k': { type: 'string' },
        threshold: { type: 'string' },
        ...IMAGE_JOB_OPTIONS,
      },
    });
    const modelArg = required(values.model, '--model', 'classify');
    if (positionals.length === 0) throw new UsageError('classify needs at least one image (or folder of images)');
    const topK = numberOption(values['top-k'], '--top-k', { integer: true, min: 1 }) ?? 3;
    const threshold = numberOption(values.threshold, '--threshold') ?? 0;
    const { resize, device, skipBad } = imageJobSettings(values);
    const reporter = new Reporter(io, { json: values.json, progressEvents: false });

    const resolved = resolveModel(modelArg);
    const model = await Model.load(resolved.path);
    const g = model.subgraph(0);
    if (g.inputs.length !== 1 || g.outputs.length !== 1) {
      throw new CommandError('NOT_A_CLASSIFIER', `${modelArg} has ${g.inputs.length} inputs and ${g.outputs.length} outputs; a classification model has one of each`);
    }
    const labels = await labelsFor(values.labels, resolved);
    const images = await listImageFiles(positionals);
    if (images.length === 0) throw new CommandError('NO_IMAGES', `no images found in ${positionals.join(', ')}`);

    const { scores } = await scoreImages(model.toBuffer(), images, { device, resize, skipBad, reporter, modelName: modelArg });
    images.forEach((image, i) => {
      const s = scores[i];
      if (!s) return;
      const results = topScores(s, topK)
        .filter((r) => r.score >= threshold)
        .map((r) => ({ id: r.id, label: labels?.get(r.id) ?? null, score: r.score }));
      if (reporter.json) {
        io.stdout.write(JSON.stringify({ image, results }) + '\n');
        return;
      }
      reporter.print(image);
      if (results.length === 0) reporter.print(`  (no class scores ${threshold} or more)`);
      for (const r of results) reporter.print(`  ${r.score.toFixed(4)}  ${r.id}${r.label !== null ? ` ${r.label}` : ''}`);
    });
    return 0;
  },
};
