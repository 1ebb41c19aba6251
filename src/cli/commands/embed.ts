import { extname } from 'node:path';
import { EmbeddingExtractor } from '../../learn/index.js';
import { resolveModel } from '../../models/index.js';
import { Model } from '../../tflite/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { IMAGE_JOB_OPTIONS, imageJobSettings, parseCommandLine, required } from '../args.js';
import type { Command } from '../command.js';
import { CommandError, writeError } from '../command-error.js';
import { embeddingsJson, encodeNpy } from '../embeddings-file.js';
import { withDeviceHint } from '../device-hint.js';
import { extractorOf } from '../extractor-model.js';
import { listImageFiles } from '../image-files.js';
import { embedImages } from '../image-stages.js';
import { ensureParentFolders } from '../output-paths.js';
import { Reporter } from '../progress.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn embed --model M IMAGE|DIR... --output emb.json|emb.npy
                           [--resize METHOD] [--device D] [--skip-bad] [--json]

Computes the embedding of each image (folders are walked, in file-name order) with an
embedding extractor, and writes them all:
  .npy   a 2-D float32 NumPy array, one row per image (numpy.load reads it)
  .json  { "model": M, "dim": D, "images": [paths], "embeddings": [[values], ...] },
         which 'edgetpu-learn imprint --embeddings' takes (each image's folder is its class)

Options:
  --model M        an embedding extractor; a classifier is cut to the embedding its
                   classifier layer reads (an imprinting model: the L2-normalized embedding);
                   a file or a catalog name
  --output FILE    .json or .npy (written atomically)
  --resize METHOD  nearest (default, as pycoral), bilinear, area or lanczos3
  --device D       cpu (default), auto, usb or usb:N
  --skip-bad       skip images that cannot be read (each is reported) instead of stopping
  --json           JSON lines on stdout (progress, the result) instead of text

Example:
  edgetpu-learn embed --model mobilenet_v1_1.0_224_quant_embedding_extractor photos/ --output emb.npy`;

export const embedCommand: Command = {
  name: 'embed',
  summary: 'compute image embeddings with an extractor; write .npy or .json',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        output: { type: 'string' },
        ...IMAGE_JOB_OPTIONS,
      },
    });
    const modelArg = required(values.model, '--model', 'embed');
    const output = required(values.output, '--output emb.json|emb.npy', 'embed');
    const format = extname(output).toLowerCase();
    if (format !== '.json' && format !== '.npy') throw new UsageError(`--output must end in .json or .npy, not '${output}'`);
    if (positionals.length === 0) throw new UsageError('embed needs at least one image (or folder of images)');
    const { resize, device, skipBad } = imageJobSettings(values);
    const reporter = new Reporter(io, { json: values.json });

    const resolved = resolveModel(modelArg);
    const { bytes, note } = extractorOf(await Model.load(resolved.path), modelArg);
    if (note) reporter.status(note);
    const images = await listImageFiles(positionals);
    if (images.length === 0) throw new CommandError('NO_IMAGES', `no images found in ${positionals.join(', ')}`);
    await ensureParentFolders([output]);

    const extractor = await withDeviceHint(modelArg, () => EmbeddingExtractor.create(bytes, { device }));
    let result: Awaited<ReturnType<typeof embedImages>>;
    try {
      result = await embedImages(extractor, images, { resize, skipBad, reporter });
    } finally {
      await extractor.close();
    }
    const kept: string[] = [];
    const rows: Float32Array[] = [];
    result.embeddings.forEach((e, i) => {
      if (e) {
        kept.push(images[i]!);
        rows.push(e);
      }
    });
    const dim = extractor.embeddingDim;
    const content = format === '.npy' ? encodeNpy(rows, dim) : embeddingsJson(modelArg, kept, rows);
    await writeFileAtomic(output, content).catch((e: unknown) => {
      throw writeError(output, e);
    });
    if (reporter.json) {
      reporter.event({ event: 'result', output, count: rows.length, dim, images: kept, skipped: result.skipped.map((s) => ({ image: s.path, error: s.error })) });
    } else {
      reporter.print(`wrote ${output}: ${rows.length} embedding${rows.length === 1 ? '' : 's'} of ${dim} float32 values${result.skipped.length ? ` (${result.skipped.length} unreadable image${result.skipped.length === 1 ? '' : 's'} skipped)` : ''}`);
    }
    return 0;
  },
};
