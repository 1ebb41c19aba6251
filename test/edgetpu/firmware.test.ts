import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeTpuFirmwareError, FIRMWARE, resolveFirmware } from '../../src/edgetpu/index.js';
import { FIRMWARE as FIRMWARE_PATH, sharedFile } from './shared-data.js';

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('edgetpu firmware resolution', function () {
  let good: Uint8Array;
  let bad: Uint8Array;
  let dir: string;
  let savedEnv: string | undefined;
  before(function () {
    good = new Uint8Array(readFileSync(sharedFile(this, FIRMWARE_PATH)));
    bad = Uint8Array.from(good);
    bad[0]! ^= 1;
  });
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'edgetpu-fw-'));
    savedEnv = process.env.EDGETPU_FIRMWARE;
    delete process.env.EDGETPU_FIRMWARE;
  });
  afterEach(function () {
    if (savedEnv === undefined) delete process.env.EDGETPU_FIRMWARE;
    else process.env.EDGETPU_FIRMWARE = savedEnv;
  });

  it('is the pinned, known image', function () {
    expect(good.length).to.equal(FIRMWARE.bytes);
    expect(FIRMWARE.url).to.match(/^https:\/\/raw\.githubusercontent\.com\/google-coral\/libedgetpu\/[0-9a-f]{40}\/driver\/usb\/apex_latest_single_ep\.bin$/);
  });

  it('1. the option: bytes or a path, checked against the sha256', async function () {
    expect(await resolveFirmware({ firmware: good, firmwareCacheDir: dir, downloadFirmware: false })).to.equal(good);
    expect(Buffer.compare(await resolveFirmware({ firmware: FIRMWARE_PATH, firmwareCacheDir: dir, downloadFirmware: false }), good)).to.equal(0);
    expect(await caught(resolveFirmware({ firmware: bad }))).to.be.instanceOf(EdgeTpuFirmwareError).with.property('message').match(/the firmware given is not apex_latest_single_ep\.bin/);
    expect(await caught(resolveFirmware({ firmware: join(dir, 'nope.bin') }))).to.be.instanceOf(EdgeTpuFirmwareError).with.property('message').match(/the firmware option names .*nope\.bin, which does not exist/);
  });

  it('2. EDGETPU_FIRMWARE, when no option is given', async function () {
    const path = join(dir, 'fw.bin');
    writeFileSync(path, bad);
    process.env.EDGETPU_FIRMWARE = path;
    expect(await caught(resolveFirmware({ firmwareCacheDir: dir, downloadFirmware: false }))).to.be.instanceOf(EdgeTpuFirmwareError).with.property('message').contain(path);
    writeFileSync(path, good);
    expect(Buffer.compare(await resolveFirmware({ firmwareCacheDir: dir, downloadFirmware: false }), good)).to.equal(0);
  });

  it('3. the cache folder; with downloads disabled, a missing or damaged copy is an error that says what to do', async function () {
    const e = await caught(resolveFirmware({ firmwareCacheDir: dir, downloadFirmware: false }));
    expect(e).to.be.instanceOf(EdgeTpuFirmwareError);
    expect(e.message).to.contain(FIRMWARE.url).and.contain('EDGETPU_FIRMWARE').and.contain(join(dir, FIRMWARE.file));
    writeFileSync(join(dir, FIRMWARE.file), bad);
    expect(await caught(resolveFirmware({ firmwareCacheDir: dir, downloadFirmware: false }))).to.be.instanceOf(EdgeTpuFirmwareError);
    writeFileSync(join(dir, FIRMWARE.file), good);
    expect(Buffer.compare(await resolveFirmware({ firmwareCacheDir: dir, downloadFirmware: false }), good)).to.equal(0);
  });

  describe('4. the download', function () {
    let server: Server;
    let url: string;
    let served: Uint8Array | null;
    let requests: number;
    before(async function () {
      server = createServer((_req, res) => {
        requests++;
        if (!served) {
          res.statusCode = 404;
          res.end();
        } else res.end(Buffer.from(served));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const addr = server.address();
      url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/apex_latest_single_ep.bin`;
    });
    after(function () {
      server.close();
    });
    beforeEach(function () {
      requests = 0;
    });

    it('is verified, then kept in the cache', async function () {
      served = good;
      const cacheDir = join(dir, 'nested', 'cache');
      expect(Buffer.compare(await resolveFirmware({ firmwareCacheDir: cacheDir, firmwareUrl: url }), good)).to.equal(0);
      expect(existsSync(join(cacheDir, FIRMWARE.file))).to.equal(true);
      expect(Buffer.compare(await resolveFirmware({ firmwareCacheDir: cacheDir, firmwareUrl: url }), good)).to.equal(0);
      expect(requests).to.equal(1);
    });

    it('of the wrong bytes, or a failed one, is an error and caches nothing', async function () {
      served = bad;
      expect(await caught(resolveFirmware({ firmwareCacheDir: dir, firmwareUrl: url }))).to.be.instanceOf(EdgeTpuFirmwareError).with.property('message').match(/downloaded from .* is not apex_latest_single_ep\.bin/);
      expect(existsSync(join(dir, FIRMWARE.file))).to.equal(false);
      served = null;
      expect(await caught(resolveFirmware({ firmwareCacheDir: dir, firmwareUrl: url }))).to.be.instanceOf(EdgeTpuFirmwareError).with.property('message').match(/HTTP 404.*EDGETPU_FIRMWARE/);
      expect(await caught(resolveFirmware({ firmwareCacheDir: dir, firmwareUrl: 'http://127.0.0.1:1/none' }))).to.be.instanceOf(EdgeTpuFirmwareError).with.property('message').match(/cannot download/);
    });
  });
});
