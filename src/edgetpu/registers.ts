/**
 * Control/status registers (CSRs) of the Edge TPU ("Beagle") the USB driver touches.
 * Registers in the 0x1xxxx block are accessed 32 bits wide, those in 0x4xxxx 64 bits.
 */
export const CSR = {
  omc0_00: 0x1a000, // chip id in bits 0..14
  omc0_d4: 0x1a0d4, // bit 31: thermal warning enable
  omc0_d8: 0x1a0d8, // bit 31: thermal shutdown enable
  scu_ctrl_0: 0x1a30c, // bits 8..13: inactive PHY modes
  scu_ctrl_2: 0x1a314, // bits 18..19: rg_gated_gcb
  scu_ctrl_3: 0x1a318, // power state machine and clock dividers
  scu_ctr_7: 0x1a33c, // PLL / USB-select failure status and masks
  rambist_ctrl_1: 0x1a704, // MBIST interrupt status and masks
  slv_abm_en: 0x1a500,
  mst_abm_en: 0x1a600,
  slv_err_resp_isr_mask: 0x1a558,
  mst_err_resp_isr_mask: 0x1a658,
  gcbb_credit0: 0x1907c,
  deepSleep: 0x40020,
  scalarCoreRunControl: 0x44018,
  tileconfig0: 0x48788,
  idleRegister: 0x4a000,
  outfeed_chunk_length: 0x4c058,
  fatal_err_int_control: 0x4c060,
  descr_ep: 0x4c148,
  multi_bo_ep: 0x4c160,
} as const;

/** Run-control registers of the scalar core, set to RUN on open and HALT on close. */
export const SCALAR_CORE_RUN_CONTROLS = [0x44018, 0x44158, 0x44198, 0x441d8, 0x44218] as const;

/** Run-control registers of the tiles (written after a tileconfig0 broadcast), in the runtime's order. */
export const TILE_RUN_CONTROLS = [0x400c0, 0x40150, 0x40110, 0x40250, 0x40298, 0x402e0, 0x40328, 0x40190, 0x401d0, 0x40210] as const;

/** The four top-level interrupt control registers (thermal shutdown, AXI error, MBIST, thermal warning). */
export const TOP_LEVEL_INT_CONTROLS = [0x4c070, 0x4c080, 0x4c090, 0x4c0a0] as const;

export const RUN_CONTROL = { idle: 0n, run: 1n, halt: 2n } as const;

/** tileconfig0 value that addresses all tiles at once. */
export const TILE_BROADCAST = 0x7fn;

/** Low 15 bits of omc0_00 on every Edge TPU: the same number as the bootloader's product id. */
export const CHIP_ID = 0x89a;

/** scu_ctrl_3 fields. */
export const SCU3 = {
  curPwrStateShift: 8, // 0 running, 2 sleeping (in reset)
  forceSleepShift: 22, // 3 enter reset, 2 leave
  gcbClkDivShift: 28, // 0 → 500 MHz
  axiClk125m: 1 << 30,
  clk8051_250m: 1 << 31,
} as const;

export const field2 = (v: number, shift: number): number => (v >>> shift) & 3;
export const withField2 = (v: number, shift: number, f: number): number => ((v & ~(3 << shift)) | (f << shift)) >>> 0;
