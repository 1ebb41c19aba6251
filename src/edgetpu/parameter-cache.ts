import type { EdgeTpuProgram, Executable } from './compiled-model/index.js';

/**
 * What the device's parameter memory holds, as the vendor runtime tracks it: the caching
 * token of the parameters loaded and which parameter-caching executables loaded them.
 * Executables compiled together share a token and stay cached together; a program with
 * another token (or token 0) evicts everything. Closing or resetting the chip wipes it.
 */
export class ParameterCache {
  private token: bigint | null = null;
  private readonly loaded = new Set<Executable>();

  /** The executables to run for one inference of `program`, parameter loading first when needed. */
  requestsFor(program: EdgeTpuProgram): Executable[] {
    const pc = program.parameterCaching;
    if (!pc) return [program.executable];
    const token = program.parameterCachingToken;
    if (token === 0n || token !== this.token) this.clear();
    return this.loaded.has(pc) ? [program.executable] : [pc, program.executable];
  }

  /** Records that an inference of `program` completed, so its parameters are on the device. */
  completed(program: EdgeTpuProgram): void {
    if (!program.parameterCaching) return;
    this.token = program.parameterCachingToken;
    this.loaded.add(program.parameterCaching);
  }

  clear(): void {
    this.token = null;
    this.loaded.clear();
  }
}
