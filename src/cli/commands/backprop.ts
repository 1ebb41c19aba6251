import { loadImageFolder, type ImageDataset } from '../../data/index.js';
import { resolveModel } from '../../models/index.js';
import { IMAGE_JOB_OPTIONS, imageJobSettings, numberOption, parseCommandLine, required } from '../args.js';
import { runBackprop } from '../backprop-job.js';
import type { Command } from '../command.js';
import { evaluationJson, formatEvaluation, percent } from '../evaluation.js';
import { formatBytes } from '../format.js';
import { ensureParentFolders, labelsPathFor } from '../output-paths.js';
import { Reporter } from '../progress.js';
import { writeHtmlReport } from '../report/index.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn backprop --extractor M --data DIR --output OUT.tflite [options]

Last-layer backpropagation: trains a new fully connected + softmax classifier on the
embeddings of the images in DIR/<class>/ (sorted folder names give the ids) by mini-batch
SGD, shows the loss and accuracies as it trains, and writes the extractor with the new
classifier appended, and its label file. With --test-ratio, classifies the images set
aside with the exported model and prints the test accuracy and confusion matrix.

Options:
  --extractor M        an embedding extractor (a classifier is cut to its embedding);
                       a file or a catalog name ('edgetpu-learn models list')
  --data DIR           the images: DIR/<class>/<image>
  --output OUT         the trained .tflite (written atomically)
  --labels FILE        the label file, 'id label' lines (default: OUT with .txt)
  --iterations N       SGD iterations (default 500)
  --learning-rate R    (default 0.01)
  --batch-size B       images per mini-batch, drawn with replacement (default 100)
  --weight-scale S     initial weights are S x N(0, 1) (default 0.01)
  --validation-ratio R share of each class used to report validation accuracy while training
  --test-ratio R       share of each class set aside to test the exported model
  --seed S             makes the split, the initial weights and the batches repeatable
                       (default: a random seed, printed)
  --resize METHOD      nearest (default, as pycoral), bilinear, area or lanczos3
  --device D           cpu (default), auto, usb or usb:N
  --skip-bad           skip images that cannot be read (each is reported) instead of stopping
  --json               JSON lines on stdout (progress, training, the result) instead of text
  --report FILE        also write an HTML report (loss and accuracy curves, confusion matrix...)

Example:
  edgetpu-learn backprop --extractor mobilenet_v1_1.0_224_quant_embedding_extractor \\
    --data flower_photos/ --validation-ratio 0.1 --test-ratio 0.1 --output flowers.tflite`;

export const backpropCommand: Command = {
  name: 'backprop',
  summary: 'train a new last layer (softmax regression, SGD) on an extractor; export a .tflite',
  help: HELP,
  async run(args, io) {
    const { values, positionals } = parseCommandLine({
      args,
      allowPositionals: true,
      options: {
        extractor: { type: 'string' },
        data: { type: 'string' },
        output: { type: 'string' },
        labels: { type: 'string' },
        iterations: { type: 'string' },
        'learning-rate': { type: 'string' },
        'batch-size': { type: 'string' },
        'weight-scale': { type: 'string' },
        'validation-ratio': { type: 'string' },
        'test-ratio': { type: 'string' },
        seed: { type: 'string' },
        report: { type: 'string' },
        ...IMAGE_JOB_OPTIONS,
      },
    });
    if (positionals.length > 0) throw new UsageError(`backprop takes no positional arguments (got '${positionals[0]}'); give the images with --data DIR`);
    const modelArg = required(values.extractor, '--extractor', 'backprop');
    const dataDir = required(values.data, '--data DIR', 'backprop');
    const output = required(values.output, '--output OUT.tflite', 'backprop');
    const iterations = numberOption(values.iterations, '--iterations', { integer: true, min: 1 }) ?? 500;
    const learningRate = numberOption(values['learning-rate'], '--learning-rate', { above: 0 }) ?? 0.01;
    const batchSize = numberOption(values['batch-size'], '--batch-size', { integer: true, min: 1 }) ?? 100;
    const weightScale = numberOption(values['weight-scale'], '--weight-scale', { min: 0 }) ?? 0.01;
    const valRatio = numberOption(values['validation-ratio'], '--validation-ratio', { above: 0, below: 1 });
    const testRatio = numberOption(values['test-ratio'], '--test-ratio', { above: 0, below: 1 });
    if ((valRatio ?? 0) + (testRatio ?? 0) >= 1) throw new UsageError('--validation-ratio and --test-ratio together must leave images to train on (sum below 1)');
    const seed = numberOption(values.seed, '--seed', { integer: true, min: 0 }) ?? Math.floor(Math.random() * 2 ** 31);
    const { resize, device, skipBad } = imageJobSettings(values);
    const labelsPath = values.labels ?? labelsPathFor(output);
    const reporter = new Reporter(io, { json: values.json });
    if (values.seed === undefined) reporter.status(`seed ${seed} (pass --seed ${seed} to repeat this run)`);

    const model = resolveModel(modelArg);
    const all = await loadImageFolder(dataDir);
    let rest: ImageDataset = all;
    let test: ImageDataset | undefined;
    let validation: ImageDataset | undefined;
    if (testRatio !== undefined) ({ train: rest, test } = rest.split({ testRatio, seed }));
    // The validation share is of the whole set, so it is taken from what the test split left.
    if (valRatio !== undefined) ({ train: rest, test: validation } = rest.split({ testRatio: valRatio / (1 - (testRatio ?? 0)), seed: seed + 1 }));
    await ensureParentFolders([output, labelsPath, ...(values.report !== undefined ? [values.report] : [])]);

    const outcome = await runBackprop({
      modelPath: model.path,
      modelName: modelArg,
      train: rest,
      validation,
      test,
      output,
      labels: labelsPath,
      iterations,
      learningRate,
      batchSize,
      weightScale,
      seed,
      resize,
      device,
      skipBad,
      reporter,
    });
    const { result, evaluation, classNames } = outcome;

    if (values.report !== undefined) {
      await writeHtmlReport(values.report, {
        title: 'edgetpu-learn backprop',
        commandLine: ['edgetpu-learn', 'backprop', ...args].join(' '),
        summary: [
          ['extractor', modelArg],
          ['data', dataDir],
          ['output', `${output} (${formatBytes(outcome.modelBytes.length)}), labels ${labelsPath}`],
          ['classes', String(classNames.length)],
          ['images', `${outcome.trained.reduce((a, b) => a + b, 0)} training, ${outcome.validationImages} validation, ${test?.size ?? 0} test`],
          ['training', `${result.iterations} iterations, learning rate ${learningRate}, batch ${batchSize}, weight scale ${weightScale}, seed ${seed}`],
          ['final', `loss ${result.loss.toFixed(4)}, training accuracy ${percent(result.trainAccuracy)}${result.valAccuracy !== undefined ? `, validation accuracy ${percent(result.valAccuracy)}` : ''}`],
          ['preprocessing', `resize ${resize}`],
        ],
        classNames,
        trainCounts: outcome.trained,
        training: outcome.curve,
        evaluation,
        evaluatedOn: 'model',
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
        classes: classNames.map((name, id) => ({ id, label: name, trainImages: outcome.trained[id] })),
        seed,
        iterations: result.iterations,
        loss: result.loss,
        trainAccuracy: result.trainAccuracy,
        ...(result.valAccuracy !== undefined ? { valAccuracy: result.valAccuracy } : {}),
        ...(evaluation ? { testAccuracy: evaluation.topK[0], evaluation: evaluationJson(evaluation) } : {}),
        skipped: outcome.skipped.map((s) => ({ image: s.path, error: s.error })),
        ...(values.report !== undefined ? { report: values.report } : {}),
        timings: outcome.timings.toJSON(),
      });
      return 0;
    }
    reporter.print(`trained ${classNames.length} classes on ${outcome.trained.reduce((a, b) => a + b, 0)} images (${classNames.map((n, c) => `${c} ${n}: ${outcome.trained[c]}`).join(', ')})`);
    reporter.print(
      `after ${result.iterations} iterations: loss ${result.loss.toFixed(4)}, training accuracy ${percent(result.trainAccuracy)}${result.valAccuracy !== undefined ? `, validation accuracy ${percent(result.valAccuracy)}` : ''}`,
    );
    reporter.print(`wrote ${output} (${formatBytes(outcome.modelBytes.length)}) and ${labelsPath}`);
    if (outcome.skipped.length > 0) reporter.print(`skipped ${outcome.skipped.length} unreadable image${outcome.skipped.length === 1 ? '' : 's'}`);
    if (evaluation) {
      reporter.print('');
      reporter.print(formatEvaluation(evaluation));
      reporter.print(`\ntest accuracy: ${percent(evaluation.topK[0]!)}`);
    }
    if (values.report !== undefined) reporter.print(`report: ${values.report}`);
    reporter.print(`time: ${outcome.timings.format()}`);
    return 0;
  },
};
