// gltf-validator ships no types. This declares the part of its API asset-core uses, after the package's
// index.js JSDoc and validation.schema.json. validate-glb.ts references this file so that other packages
// type-checking asset-core's sources see it too.
declare module 'gltf-validator' {
  export interface ValidationOptions {
    uri?: string;
    /** Skip format detection; detection throws on some malformed files instead of reporting them. */
    format?: 'glb' | 'gltf';
    externalResourceFunction?: (uri: string) => Promise<Uint8Array>;
    writeTimestamp?: boolean;
    /** 0 means unlimited. */
    maxIssues?: number;
    ignoredIssues?: string[];
    onlyIssues?: string[];
    severityOverrides?: Record<string, 0 | 1 | 2 | 3>;
  }

  export interface ValidatorMessage {
    code: string;
    message: string;
    /** 0 error, 1 warning, 2 information, 3 hint. */
    severity: 0 | 1 | 2 | 3;
    pointer?: string;
    offset?: number;
  }

  export interface ValidatorReport {
    uri?: string;
    mimeType?: string;
    validatorVersion: string;
    validatedAt?: string;
    issues: {
      numErrors: number;
      numWarnings: number;
      numInfos: number;
      numHints: number;
      messages: ValidatorMessage[];
      truncated: boolean;
    };
    /** Undefined for invalid inputs. */
    info?: Record<string, unknown>;
  }

  export function validateBytes(data: Uint8Array, options?: ValidationOptions): Promise<ValidatorReport>;
  export function validateString(json: string, options?: ValidationOptions): Promise<ValidatorReport>;
  export function version(): string;
  export function supportedExtensions(): string[];
}
