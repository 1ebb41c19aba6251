import { readLabels, loadImageFolder, ImageDataset } from '../../data/index.js';
import { resolveModel } from '../../models/index.js';
import { IMAGE_JOB_OPTIONS, imageJobSettings, numberOption, parseCommandLine, required } from '../args.js';
import type { Command } from '../command.js';
import { classesFromPaths, readEmbeddingsJson } from '../embeddings-file.js';
import { evaluationJson, formatEvaluation } from '../evaluation.js';
import { formatBytes } from '../format.js';
import { runImprint, type EmbeddedItem, type ImprintData } from '../imprint-job.js';
import { Reporter } from '../progress.js';
import { writeHtmlReport } from '../report/index.js';
import { ensureParentFolders, labelsPathFor } from '../output-paths.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn imprint --model M (--data DIR | --embeddings FILE) --output OUT.tflite [options]

Weight imprinting: one new class per sub-folder of DIR (sorted folder names give the ids),
learned from a few images each, in seconds. Writes the trained model and its label file;
with --test-ratio, classifies the images set aside with the exported model and prints
top-1..top-5 accuracy and the confusion matrix.

Options:
  --model M          a Coral imprinting model (ending in L2Norm, Conv2D, Mul, Reshape, Softmax;
                     e.g. one this command wrote), or any embedding extractor, which gets the
                     imprinting head appended (a classifier is cut to its embedding first);
                     a file or a catalog name ('edgetpu-learn models list')
  --data DIR         the images: DIR/<class>/<image>; JPEG, PNG, BMP, GIF, WebP, TIFF, AVIF
  --embeddings FILE  instead of --data: embeddings written by 'edgetpu-learn embed --output F.json'
                     with the same model; each image's folder name is its class
  --output OUT       the trained .tflite (written atomically)
  --labels FILE      the label file, 'id label' lines (default: OUT with .txt)
  --test-ratio R     set aside the first R of each class's images (file-name order, as pycoral's
                     imprinting example) to test the exported model; 0 < R < 1
  --keep-classes     keep the model's classes (base and imprinted); new ids continue after them
  --base-labels FILE labels of the kept classes, copied into the label file
  --scale S          logit scale of an appended head (default 30)
  --max-samples N    most images a class may be trained with (default: the model's, else 200)
  --resize METHOD    nearest (default, as pycoral), bilinear, area or lanczos3
  --device D         cpu (default), auto, usb or usb:N
  --skip-bad         skip images that cannot be read (each is reported) instead of stopping
  --json             JSON lines on stdout (progress, warnings, the result) instead of text
  --report FILE      also write an HTML report (accuracy, confusion matrix, misclassified images)

Example:
  edgetpu-learn imprint --model mobilenet_v1_1.0_224_quant_embedding_extractor \\
    --data photos/ --test-ratio 0.25 --output pets.tflite --report pets.html`;

export const imprintCommand: Command = {
  name: 'imprint',
  summary: 'learn new classes from a few images by weight imprinting; export a .tflite',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        data: { type: 'string' },
        embeddings: { type: 'string' },
        output: { type: 'string' },
        labels: { type: 'string' },
        'test-ratio': { type: 'string' },
        'keep-classes': { type: 'boolean' },
        'base-labels': { type: 'string' },
        scale: { type: 'string' },
        'max-samples': { type: 'string' },
        report: { type: 'string' },
        ...IMAGE_JOB_OPTIONS,
      },
    });
    if (positionals.length > 0) throw new UsageError(`imprint takes no positional arguments (got '${positionals[0]}'); give the images with --data DIR`);
    const modelArg = required(values.model, '--model', 'imprint');
    const output = required(values.output, '--output OUT.tflite', 'imprint');
    if ((values.data === undefined) === (values.embeddings === undefined)) throw new UsageError('imprint needs --data DIR or --embeddings FILE (one of them)');
    const testRatio = numberOption(values['test-ratio'], '--test-ratio', { above: 0, below: 1 });
    const scale = numberOption(values.scale, '--scale', { above: 0 });
    const maxSamples = values['max-samples'] === 'inf' ? Infinity : numberOption(values['max-samples'], '--max-samples', { integer: true, min: 1 });
    const { resize, device, skipBad } = imageJobSettings(values);
    if (values['base-labels'] !== undefined && !values['keep-classes']) throw new UsageError('--base-labels goes with --keep-classes');
    const labelsPath = values.labels ?? labelsPathFor(output);
    const reporter = new Reporter(io, { json: values.json });

    const model = resolveModel(modelArg);
    const baseLabels = values['base-labels'] !== undefined ? await readLabels(values['base-labels']) : undefined;
    let data: ImprintData;
    if (values.data !== undefined) {
      const all = await loadImageFolder(values.data);
      const split = testRatio !== undefined ? all.split({ testRatio, fixedOrder: true }) : { train: all, test: undefined };
      data = { kind: 'images', train: split.train, test: split.test };
    } else {
      const { images, rows } = await readEmbeddingsJson(values.embeddings!);
      const { classNames, labels } = classesFromPaths(images);
      const all = new ImageDataset(classNames, images.map((path, i) => ({ path, label: labels[i]! })).sort((a, b) => a.label - b.label));
      const byPath = new Map(images.map((p, i) => [p, rows[i]!]));
      const embedded = (d: ImageDataset): EmbeddedItem[] => d.items.map((i) => ({ ...i, embedding: byPath.get(i.path)! }));
      const split = testRatio !== undefined ? all.split({ testRatio, fixedOrder: true }) : { train: all, test: undefined };
      data = { kind: 'embeddings', classNames, train: embedded(split.train), test: split.test && embedded(split.test) };
    }
    await ensureParentFolders([output, labelsPath, ...(values.report !== undefined ? [values.report] : [])]);
    const outcome = await runImprint({
      modelPath: model.path,
      modelName: modelArg,
      data,
      output,
      labels: labelsPath,
      keepClasses: values['keep-classes'] ?? false,
      baseLabels,
      scale,
      maxSamples,
      resize,
      device,
      skipBad,
      reporter,
    });

    const { evaluation, numBase, classNames } = outcome;
    if (values.report !== undefined) {
      await writeHtmlReport(values.report, {
        title: 'edgetpu-learn imprint',
        commandLine: ['edgetpu-learn', 'imprint', ...args].join(' '),
        summary: [
          ['model', `${modelArg}${outcome.modelKind === 'extractor' ? ` + imprinting head (scale ${outcome.scale})` : ' (imprinting model)'}`],
          ['data', values.data ?? values.embeddings!],
          ['output', `${output} (${formatBytes(outcome.modelBytes.length)}), labels ${labelsPath}`],
          ['classes', `${classNames.length} new${numBase > 0 ? `, ids ${numBase}..${numBase + classNames.length - 1} after ${numBase} kept` : ''}`],
          ['training images', String(outcome.trained.reduce((a, b) => a + b, 0))],
          ['preprocessing', `resize ${resize}`],
        ],
        classNames,
        trainCounts: outcome.trained,
        evaluation,
        evaluatedOn: outcome.evaluatedOn,
        timings: outcome.timings.phases,
        skipped: outcome.skipped,
      });
    }

    if (reporter.json) {
      reporter.event({
        event: 'result',
        model: output,
        labels: labelsPath,
        bytes: outcome.modelBytes.length,
        modelKind: outcome.modelKind,
        scale: outcome.scale,
        classes: classNames.map((name, c) => ({ id: numBase + c, label: name, trainImages: outcome.trained[c] })),
        skipped: outcome.skipped.map((s) => ({ image: s.path, error: s.error })),
        ...(evaluation ? { evaluation: { ...evaluationJson(evaluation), on: outcome.evaluatedOn } } : {}),
        ...(values.report !== undefined ? { report: values.report } : {}),
        timings: outcome.timings.toJSON(),
      });
      return 0;
    }
    reporter.print(
      `imprinted ${classNames.length} class${classNames.length === 1 ? '' : 'es'} (${classNames.map((n, c) => `${numBase + c} ${n}: ${outcome.trained[c]}`).join(', ')} images)`,
    );
    reporter.print(`wrote ${output} (${formatBytes(outcome.modelBytes.length)}) and ${labelsPath}`);
    if (outcome.skipped.length > 0) reporter.print(`skipped ${outcome.skipped.length} unreadable image${outcome.skipped.length === 1 ? '' : 's'}`);
    if (evaluation) {
      reporter.print('');
      if (outcome.evaluatedOn === 'embeddings') reporter.print('(scored from the embeddings, among the new classes)');
      reporter.print(formatEvaluation(evaluation));
    }
    if (values.report !== undefined) reporter.print(`report: ${values.report}`);
    reporter.print(`time: ${outcome.timings.format()}`);
    return 0;
  },
};
