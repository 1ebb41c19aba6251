import type { CsrAccess } from './csr.js';
import { EdgeTpuProtocolError } from './errors.js';
import {
  CHIP_ID,
  CSR,
  RUN_CONTROL,
  SCALAR_CORE_RUN_CONTROLS,
  SCU3,
  TILE_BROADCAST,
  TILE_RUN_CONTROLS,
  TOP_LEVEL_INT_CONTROLS,
  field2,
  withField2,
} from './registers.js';

/** outfeed_chunk_length: the device sends outputs in chunks of 8 × this many bytes. */
export const OUTFEED_CHUNK = { superSpeed: 0x80, highSpeed: 0x20 } as const;

const bit = (n: number) => (1 << n) >>> 0;
const RG_GATED_GCB_SHIFT = 18;

/**
 * Brings a freshly opened accelerator from reset to running, the way the vendor runtime
 * does (register by register, reading before each read-modify-write), then enables its
 * interrupts. `chunk` is the outfeed chunk length for the link speed.
 */
export async function initializeChip(csr: CsrAccess, chunk: number): Promise<void> {
  // Inactive PHY modes off.
  const scu0 = await csr.read32(CSR.scu_ctrl_0);
  await csr.write32(CSR.scu_ctrl_0, scu0 & ~(0x3f << 8));
  // Clock gating: force the clock on while we change power state, if hardware gating is on.
  const scu2 = await csr.read32(CSR.scu_ctrl_2);
  if (field2(scu2, RG_GATED_GCB_SHIFT) === 1) await csr.write32(CSR.scu_ctrl_2, withField2(scu2, RG_GATED_GCB_SHIFT, 2));
  await enterReset(csr);
  await leaveReset(csr);
  // Back to hardware clock gating.
  const scu2b = await csr.read32(CSR.scu_ctrl_2);
  await csr.write32(CSR.scu_ctrl_2, withField2(scu2b, RG_GATED_GCB_SHIFT, 1));
  const id = (await csr.read32(CSR.omc0_00)) & 0x7fff;
  if (id !== CHIP_ID) throw new EdgeTpuProtocolError(`the device reports chip id 0x${id.toString(16)}, not the Edge TPU's 0x${CHIP_ID.toString(16)}; is this a Coral USB Accelerator?`);
  await csr.write64(CSR.descr_ep, 0xf0n); // the device reports only scalar-core interrupts on EP 0x82
  await csr.write64(CSR.multi_bo_ep, 0n); // one bulk-out endpoint for everything
  await csr.write64(CSR.outfeed_chunk_length, BigInt(chunk));
  await setRunControl(csr, RUN_CONTROL.run);
  await csr.write64(CSR.fatal_err_int_control, 1n);
  for (const r of TOP_LEVEL_INT_CONTROLS) await csr.write64(r, 1n);
  await csr.write32(CSR.omc0_d4, (await csr.read32(CSR.omc0_d4)) | bit(31));
  await csr.write32(CSR.rambist_ctrl_1, (await csr.read32(CSR.rambist_ctrl_1)) & ~(0x7 << 16) & ~(0x7 << 20));
  await csr.write32(CSR.scu_ctr_7, (await csr.read32(CSR.scu_ctr_7)) & ~(0xf << 16));
  await csr.write32(CSR.slv_abm_en, 1);
  await csr.write32(CSR.mst_abm_en, 1);
  await csr.write32(CSR.slv_err_resp_isr_mask, 3);
  await csr.write32(CSR.mst_err_resp_isr_mask, 3);
  await csr.write32(CSR.omc0_d8, (await csr.read32(CSR.omc0_d8)) | bit(31));
}

/** Disables interrupts, halts the cores and puts the chip back into reset (this wipes its parameter cache). */
export async function shutdownChip(csr: CsrAccess): Promise<void> {
  for (const r of TOP_LEVEL_INT_CONTROLS) await csr.write64(r, 0n);
  await csr.write32(CSR.omc0_d4, (await csr.read32(CSR.omc0_d4)) & ~bit(31));
  await csr.write32(CSR.rambist_ctrl_1, (await csr.read32(CSR.rambist_ctrl_1)) | (0x7 << 20));
  await csr.write32(CSR.scu_ctr_7, (await csr.read32(CSR.scu_ctr_7)) | (0x3 << 18));
  await csr.write32(CSR.slv_abm_en, 0);
  await csr.write32(CSR.mst_abm_en, 0);
  await csr.write32(CSR.slv_err_resp_isr_mask, 0);
  await csr.write32(CSR.mst_err_resp_isr_mask, 0);
  await csr.write32(CSR.omc0_d8, (await csr.read32(CSR.omc0_d8)) & ~bit(31));
  await csr.write64(CSR.fatal_err_int_control, 0n);
  await setRunControl(csr, RUN_CONTROL.halt);
  await enterReset(csr);
}

/** Puts the chip into reset unless it already is (a freshly plugged chip is). */
async function enterReset(csr: CsrAccess): Promise<void> {
  const scu3 = await csr.read32(CSR.scu_ctrl_3);
  if (field2(scu3, SCU3.forceSleepShift) === 3) return;
  await csr.write32(CSR.scu_ctrl_3, withField2(scu3, SCU3.forceSleepShift, 3));
  await csr.poll32(CSR.scu_ctrl_3, (v) => field2(v, SCU3.curPwrStateShift) === 2, 'the Edge TPU to enter reset');
  // Clear the bulk credits.
  await csr.write32(CSR.gcbb_credit0, 0xf);
  await csr.write32(CSR.gcbb_credit0, 0);
}

/** Leaves reset with the clocks of the "max" performance setting: core 500 MHz, AXI 250 MHz, 8051 500 MHz. */
async function leaveReset(csr: CsrAccess): Promise<void> {
  const scu3 = await csr.read32(CSR.scu_ctrl_3);
  let v = withField2(scu3, SCU3.forceSleepShift, 2);
  v = withField2(v, SCU3.gcbClkDivShift, 0);
  v = (v & ~SCU3.axiClk125m & ~SCU3.clk8051_250m) >>> 0;
  await csr.write32(CSR.scu_ctrl_3, v);
  await csr.poll32(CSR.scu_ctrl_3, (r) => field2(r, SCU3.curPwrStateShift) === 0, 'the Edge TPU to leave reset');
  await csr.poll64(CSR.scalarCoreRunControl, (r) => r === RUN_CONTROL.idle, 'the scalar core to become idle');
  await csr.write64(CSR.idleRegister, 1n); // idle counter 1, idle detection enabled
  await broadcastToTiles(csr);
  await csr.write64(CSR.deepSleep, 0x1e02n); // sleep after 2, wake after 30 cycles
}

async function broadcastToTiles(csr: CsrAccess): Promise<void> {
  await csr.write64(CSR.tileconfig0, TILE_BROADCAST);
  await csr.poll64(CSR.tileconfig0, (r) => r === TILE_BROADCAST, 'the tiles to accept the broadcast setting');
}

async function setRunControl(csr: CsrAccess, value: bigint): Promise<void> {
  for (const r of SCALAR_CORE_RUN_CONTROLS) await csr.write64(r, value);
  await broadcastToTiles(csr);
  for (const r of TILE_RUN_CONTROLS) await csr.write64(r, value);
}
