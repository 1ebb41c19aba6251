import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('edgetpu-learn CLI', function () {
  it('--version prints the package version', async function () {
    expect(await runCli('--version')).to.deep.equal({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('--help lists the commands', async function () {
    const r = await runCli('--help');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/Usage: edgetpu-learn <command>/);
    expect(r.stdout).to.match(/inspect\s+show a model/);
  });

  it('a command --help prints its usage', async function () {
    const r = await runCli('inspect', '--help');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^Usage: edgetpu-learn inspect MODEL \[--json\]/);
  });

  it('bad usage exits 2 with a one-line message', async function () {
    for (const argv of [['frobnicate'], ['inspect'], ['inspect', 'a', 'b'], ['inspect', '--nope', 'x.tflite'], []]) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(' ')).to.equal(2);
      if (argv.length > 0) expect(r.stderr.trim().split('\n'), argv.join(' ')).to.have.length(1);
    }
  });

  it('a user error exits 1 with a one-line message and no stack trace', async function () {
    const r = await runCli('inspect', 'no/such/model.tflite');
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal('edgetpu-learn: no/such/model.tflite: cannot read the model: no such file\n');
    const verbose = await runCli('inspect', 'no/such/model.tflite', '--verbose');
    expect(verbose.stderr).to.match(/\n\s+at /);
  });

  it('the installed bin runs (from the build)', function () {
    if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) {
      throw new Error('dist/ is missing: run `npm run build` (npm ci does it through `prepare`)');
    }
    const bin = new URL('../../bin/edgetpu-learn.js', import.meta.url).pathname;
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' })).to.equal(`${pkg.version}\n`);
    const bad = spawnSync(process.execPath, [bin, 'inspect'], { encoding: 'utf8' });
    expect(bad.status).to.equal(2);
  });
});
