import { listEdgeTpus } from '../../edgetpu/index.js';
import type { Command } from '../command.js';
import { table } from '../format.js';
import { UsageError } from '../usage-error.js';

const HELP = `Usage: edgetpu-learn devices [--json]

Lists the Coral USB Accelerators plugged in: 'bootloader' (1a6e:089a, the firmware is
downloaded when the device is first opened) or 'ready' (18d1:9302), with bus, port path
and the path to pass as --device.

Options:
  --json    print one JSON document instead`;

export const devicesCommand: Command = {
  name: 'devices',
  summary: 'list the Coral USB Accelerators plugged in and their state',
  help: HELP,
  async run(args, io) {
    const json = args.includes('--json');
    const unknown = args.filter((a) => a !== '--json');
    if (unknown.length > 0) throw new UsageError(`devices takes no argument '${unknown[0]}'`);
    const found = await listEdgeTpus();
    if (json) {
      io.stdout.write(JSON.stringify(found.map((d) => ({ ...d, ports: [...d.ports], device: `usb:${found.indexOf(d)}` })), null, 2) + '\n');
      return 0;
    }
    if (found.length === 0) {
      io.stdout.write('No Coral USB Accelerator found. Plug one in (on Linux, install the udev rule: see README.md, "Edge TPU").\n');
      return 0;
    }
    const hex = (n: number): string => n.toString(16).padStart(4, '0');
    io.stdout.write(
      table([
        ['device', 'state', 'usb id', 'bus', 'ports', 'speed', 'path'],
        ...found.map((d, i) => [`usb:${i}`, d.state, `${hex(d.vendorId)}:${hex(d.productId)}`, d.bus, d.ports.join('.'), d.speed, d.path]),
      ]) + '\n',
    );
    return 0;
  },
};
