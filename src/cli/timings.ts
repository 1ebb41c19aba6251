/** Seconds spent in each phase of a command, in the order they ran. */
export class Timings {
  readonly phases: { name: string; seconds: number }[] = [];

  async time<T>(name: string, f: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await f();
    } finally {
      this.phases.push({ name, seconds: (performance.now() - start) / 1000 });
    }
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.phases.map((p) => [p.name, Math.round(p.seconds * 1000) / 1000]));
  }

  format(): string {
    return this.phases.map((p) => `${p.name} ${p.seconds.toFixed(2)}s`).join(', ');
  }
}
