import { createHash } from 'node:crypto';
import { UploadFilename } from '@avatar/contracts';
import busboy from 'busboy';
import type { Request } from 'express';
import { AppError } from '../../http/errors.ts';

export interface ReceivedFile {
  bytes: Uint8Array;
  /** Hex sha256, computed while the bytes streamed in. */
  sha256: string;
  filename: string;
}

export interface MultipartUpload {
  fields: Record<string, string>;
  file: ReceivedFile;
}

export interface MultipartOptions {
  maxFileBytes: number;
  /** Names of the text fields; any other field is refused. */
  fieldNames: readonly string[];
  fileField: string;
}

/** The client went away mid-body: there is nobody to answer. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection during the upload');
  }
}

const badRequest = (message: string) => new AppError('BAD_REQUEST', 'VALIDATION_FAILED', message);

export const tooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', 'BODY_TOO_LARGE', `The file is larger than the ${maxBytes}-byte limit`);

/**
 * Reads a multipart/form-data upload of text fields and exactly one file, holding the file in memory (no
 * more than `maxFileBytes`: validation needs all of it) and hashing it on the way. Refuses as soon as the
 * body shows a problem: too large (413), a second file, an unknown or repeated field, a file name that
 * climbs directories, a malformed body (400). The caller must stop reading on a refusal.
 */
export function readMultipartUpload(req: Request, options: MultipartOptions): Promise<MultipartUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // The name as sent, so that one with directories in it is refused rather than quietly cut down.
        preservePath: true,
        limits: {
          fileSize: options.maxFileBytes,
          files: 1,
          fields: options.fieldNames.length + 1,
          fieldSize: 8 * 1024,
          parts: options.fieldNames.length + 2,
          headerPairs: 50,
        },
      });
    } catch {
      reject(
        new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'VALIDATION_FAILED',
          'Send the file as multipart/form-data with a "file" field',
        ),
      );
      return;
    }

    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      parser.removeAllListeners();
      parser.on('error', () => {}); // late parser errors have nobody left to hear them
      reject(error);
    };

    const fields: Record<string, string> = {};
    let file: ReceivedFile | null = null;
    let fileStarted = false;

    parser.on('field', (name, value, info) => {
      if (!options.fieldNames.includes(name))
        return fail(badRequest(`Unknown form field "${name.slice(0, 40)}"`));
      if (name in fields) return fail(badRequest(`The form field "${name}" appears twice`));
      if (info.valueTruncated) return fail(badRequest(`The form field "${name}" is too long`));
      fields[name] = value;
    });

    parser.on('file', (name, stream, info) => {
      stream.on('error', () => {});
      if (name !== options.fileField) {
        stream.resume();
        return fail(badRequest(`The file must be sent in the "${options.fileField}" field`));
      }
      const filename = UploadFilename.safeParse(info.filename ?? '');
      if (!filename.success) {
        stream.resume();
        return fail(badRequest(filename.error.issues[0]?.message ?? 'The file name is not allowed'));
      }
      fileStarted = true;
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        hash.update(chunk);
        chunks.push(chunk);
      });
      stream.on('limit', () => fail(tooLarge(options.maxFileBytes)));
      stream.on('end', () => {
        if (settled) return;
        const bytes = new Uint8Array(Buffer.concat(chunks, size));
        chunks.length = 0;
        file = { bytes, sha256: hash.digest('hex'), filename: filename.data };
      });
    });

    parser.on('filesLimit', () => fail(badRequest('Send one file per upload')));
    parser.on('fieldsLimit', () => fail(badRequest('Too many form fields')));
    parser.on('partsLimit', () => fail(badRequest('Too many parts in the form')));
    parser.on('error', () => fail(badRequest('The multipart body is malformed or incomplete')));
    parser.on('close', () => {
      if (settled) return;
      if (!file)
        return fail(badRequest(fileStarted ? 'The file is incomplete' : 'No file in the "file" field'));
      settled = true;
      resolve({ fields, file });
    });

    req.on('close', () => {
      // Closed before the parser finished reading: the client disconnected mid-body.
      if (!req.complete) fail(new ClientGone());
    });
    req.pipe(parser);
  });
}
