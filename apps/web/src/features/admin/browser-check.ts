import type { AssetMetadata, ValidationReport } from '@avatar/asset-core';

export interface BrowserCheck {
  report: ValidationReport;
  /** The inspect report, read only from a valid file (the reader is not built for broken ones). */
  metadata: AssetMetadata | null;
}

/**
 * The same checks the server runs, in the page, before a single byte is sent: a file the server would
 * refuse is refused here at once. asset-core (glTF-Transform, and the Khronos validator behind its own
 * dynamic import) is loaded on the first file, never with the admin screens.
 */
export async function checkInBrowser(file: Blob): Promise<BrowserCheck> {
  // Destructured right at the import, so the bundler keeps only these two out of asset-core.
  const { validateGlb, inspectAsset } = await import('@avatar/asset-core');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const report = await validateGlb(bytes);
  if (!report.valid) return { report, metadata: null };
  try {
    return { report, metadata: await inspectAsset(bytes) };
  } catch {
    // The server reads it again and answers with its own report; a preview is not worth blocking on.
    return { report, metadata: null };
  }
}
