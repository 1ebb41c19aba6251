import type { ControlSetup, UsbDeviceHandle, UsbDeviceInfo, UsbTransport } from '../../src/edgetpu/index.js';

/**
 * Wraps a transport and lets a test alter what the driver does on the wire: change a
 * write, skip or repeat a transfer, re-split bulk-outs. Used to check that the replaying
 * device catches every kind of deviation (and tolerates the ones the trace allows).
 */
export interface Hooks {
  /** Return new data, 'skip' to drop the write, or nothing to pass it through. `n` counts control writes from 0. */
  controlOut?(n: number, setup: ControlSetup, data: Uint8Array): Uint8Array | 'skip' | void;
  /** Return 'twice' to issue the read two times. `n` counts control reads from 0. */
  controlIn?(n: number, setup: ControlSetup): 'twice' | void;
  /** Return the transfers to send instead of `data` (e.g. split or altered). `n` counts bulk-outs from 0. */
  transferOut?(n: number, endpoint: number, data: Uint8Array): Uint8Array[] | void;
  /** Return another length to read. */
  transferIn?(endpoint: number, length: number): number | void;
  /** Sees every handle the driver opens. */
  opened?(handle: UsbDeviceHandle): void;
}

export class InterceptingTransport implements UsbTransport {
  controlOuts = 0;
  controlIns = 0;
  transferOuts = 0;

  constructor(
    private readonly inner: UsbTransport,
    private readonly hooks: Hooks,
  ) {}

  async listDevices(): Promise<UsbDeviceInfo[]> {
    return (await this.inner.listDevices()).map((d) => ({
      ...d,
      open: async () => {
        const h = this.wrap(await d.open());
        this.hooks.opened?.(h);
        return h;
      },
    }));
  }

  private wrap(h: UsbDeviceHandle): UsbDeviceHandle {
    const hooks = this.hooks;
    return {
      claimInterface: (n) => h.claimInterface(n),
      releaseInterface: (n) => h.releaseInterface(n),
      reset: () => h.reset(),
      close: () => h.close(),
      controlIn: async (setup, length, timeoutMs) => {
        const twice = hooks.controlIn?.(this.controlIns++, setup) === 'twice';
        if (twice) await h.controlIn(setup, length, timeoutMs);
        return h.controlIn(setup, length, timeoutMs);
      },
      controlOut: async (setup, data, timeoutMs) => {
        const d = hooks.controlOut?.(this.controlOuts++, setup, data);
        if (d === 'skip') return;
        return h.controlOut(setup, d ?? data, timeoutMs);
      },
      transferIn: (endpoint, length, timeoutMs) => h.transferIn(endpoint, hooks.transferIn?.(endpoint, length) ?? length, timeoutMs),
      transferOut: async (endpoint, data, timeoutMs) => {
        const parts = hooks.transferOut?.(this.transferOuts++, endpoint, data) ?? [data];
        for (const p of parts) await h.transferOut(endpoint, p, timeoutMs);
      },
    };
  }
}
