// Minimal typing of the npm `hashring` package (CommonJS, no bundled types), used by the tests that
// compare KetamaRing with it.
declare module 'hashring' {
  type Servers = string | string[] | Record<string, number | { weight?: number; vnodes?: number }>;
  export default class HashRing {
    constructor(servers?: Servers, algorithm?: string, options?: Record<string, unknown>);
    get(key: string): string | undefined;
    range(key: string, size?: number, unique?: boolean): string[];
    points(servers?: string[]): Record<string, number[]>;
    add(servers: Servers): this;
    remove(server: string): this;
    has(server: string): boolean;
    readonly size: number;
  }
}
