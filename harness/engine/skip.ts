/** Thrown when this machine cannot run the drill at all (e.g. no way to make a size-limited volume). */
export class SkipDrill extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SkipDrill';
  }
}
