import type { FlatTable } from './flat-table.js';
import { FlatbufferError } from './flat-table.js';

/** Which base address an instruction field or a DMA refers to (schema enum Description). */
export type AddressKind = 'OUTPUT_ACTIVATION' | 'INPUT_ACTIVATION' | 'PARAMETER' | 'SCRATCH';

const ADDRESS_KINDS: readonly AddressKind[] = ['OUTPUT_ACTIVATION', 'INPUT_ACTIVATION', 'PARAMETER', 'SCRATCH'];

export function addressKind(code: number, where: string): AddressKind {
  const k = ADDRESS_KINDS[code];
  if (!k) throw new FlatbufferError(`${where} has unknown address kind ${code}`);
  return k;
}

export type DmaDirection = 'INFEED' | 'OUTFEED';

/**
 * One step of a request, in the order the device expects it. The host walks these: it
 * sends instructions, inputs and parameters, reads outputs, and waits for interrupts.
 */
export type DmaHint =
  | { readonly kind: 'instructions'; readonly direction: DmaDirection; readonly chunk: number }
  | {
      readonly kind: 'data';
      readonly direction: DmaDirection;
      readonly address: AddressKind;
      /** Layer name for activations; '' for parameters and scratch. */
      readonly layer: string;
      readonly batch: number;
      readonly offsetBytes: number;
      readonly sizeBytes: number;
    }
  | { readonly kind: 'interrupt'; readonly direction: DmaDirection; readonly interrupt: number }
  | { readonly kind: 'fence'; readonly direction: DmaDirection };

// DmaHint slots: 0 any_hint_type, 1 any_hint, 2 direction. AnyHint: 1 DmaDescriptorHint
// {0 meta, 1 offset_in_bytes, 2 size_in_bytes}, 2 InstructionHint {0 instruction_chunk_index},
// 3 InterruptHint {0 type}, 4 FenceHint {}. Meta: 0 desc, 1 batch, 2 name, 3 position.
export function readDmaHint(t: FlatTable, index: number): DmaHint {
  const where = `DMA hint ${index}`;
  const dir = t.short(2);
  if (dir !== 0 && dir !== 1) throw new FlatbufferError(`${where} has direction ${dir}`);
  const direction: DmaDirection = dir === 0 ? 'INFEED' : 'OUTFEED';
  const type = t.ubyte(0);
  const body = t.table(1);
  if (!body && type !== 4) throw new FlatbufferError(`${where} (type ${type}) has no body`);
  switch (type) {
    case 1: {
      const meta = body!.table(0);
      if (!meta) throw new FlatbufferError(`${where} has no metadata`);
      const hint = {
        kind: 'data' as const,
        direction,
        address: addressKind(meta.short(0), where),
        layer: meta.string(2) ?? '',
        batch: meta.int(1),
        offsetBytes: body!.int(1),
        sizeBytes: body!.int(2),
      };
      if (hint.offsetBytes < 0 || hint.sizeBytes < 0) {
        throw new FlatbufferError(`${where} has offset ${hint.offsetBytes} and size ${hint.sizeBytes}`);
      }
      return hint;
    }
    case 2:
      return { kind: 'instructions', direction, chunk: body!.int(0) };
    case 3:
      return { kind: 'interrupt', direction, interrupt: body!.short(0) };
    case 4:
      return { kind: 'fence', direction };
    default:
      throw new FlatbufferError(`${where} has unknown type ${type}`);
  }
}
