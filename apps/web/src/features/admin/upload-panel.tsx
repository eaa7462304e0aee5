import type { Issue } from '@avatar/asset-core';
import {
  type Asset,
  type AssetCategory,
  type AssetType,
  assetTypes,
  categoriesByType,
} from '@avatar/contracts';
import { useRef, useState } from 'preact/hooks';
import { CANCELLED, type UploadResult as UploadAnswer, UploadError } from '../../api/upload.ts';
import type { AssetCatalogAPI } from '../catalog/asset-catalog-api.ts';
import { type BrowserCheck, checkInBrowser } from './browser-check.ts';
import { DropZone } from './drop-zone.tsx';
import { described, Field } from './field.tsx';
import { keyError, keyFromFileName, nameError, nameFromFileName, versionError } from './field-errors.ts';
import { formatBytes, humanize, typeLabel } from './format.ts';
import { TagInput } from './tag-input.tsx';
import { UploadProgressBar } from './upload-progress.tsx';
import { UploadResult } from './upload-result.tsx';
import { IssueList, ValidationReportView } from './validation-report-view.tsx';

/** Fixed fields for a new version of an existing key: only the file (and name, tags) change. */
export interface UploadPreset {
  type: AssetType;
  category: AssetCategory;
  key: string;
  name: string;
  version: string;
  tags: string[];
}

interface Props {
  catalog: AssetCatalogAPI;
  preset?: UploadPreset;
  idPrefix: string;
  onUploaded: (asset: Asset) => void;
  onOpen?: (target: { id: string }) => void;
  onAssetChange?: (asset: Asset) => void;
}

type CheckState =
  | { status: 'idle' }
  | { status: 'checking' }
  | { status: 'checked'; result: BrowserCheck }
  | { status: 'failed'; message: string };

type SendState =
  | { status: 'idle' }
  | { status: 'sending'; loaded: number; total: number }
  | { status: 'done'; asset: UploadAnswer }
  | { status: 'failed'; message: string; issues: Issue[]; existingId?: string };

const DEFAULT_TYPE: AssetType = 'accessory';

export function UploadPanel({ catalog, preset, idPrefix, onUploaded, onOpen, onAssetChange }: Props) {
  const [file, setFile] = useState<File | null>(null);
  const [check, setCheck] = useState<CheckState>({ status: 'idle' });
  const [send, setSend] = useState<SendState>({ status: 'idle' });
  const [type, setType] = useState<AssetType>(preset?.type ?? DEFAULT_TYPE);
  const [category, setCategory] = useState<string>(preset?.category ?? categoriesByType[DEFAULT_TYPE][0]);
  const [name, setName] = useState(preset?.name ?? '');
  const [key, setKey] = useState(preset?.key ?? '');
  const [version, setVersion] = useState(preset?.version ?? '1.0.0');
  const [tags, setTags] = useState<string[]>(preset?.tags ?? []);
  const [touched, setTouched] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const checkRun = useRef(0);
  const id = (field: string) => `${idPrefix}-${field}`;

  async function chooseFile(next: File) {
    setFile(next);
    setSend({ status: 'idle' });
    if (!preset) {
      if (!name || !touched) setName(nameFromFileName(next.name));
      if (!key || !touched) setKey(keyFromFileName(next.name));
    }
    const run = ++checkRun.current;
    setCheck({ status: 'checking' });
    try {
      const result = await checkInBrowser(next);
      if (run === checkRun.current) setCheck({ status: 'checked', result });
    } catch {
      if (run === checkRun.current) {
        setCheck({
          status: 'failed',
          message: 'The file could not be read in this browser. Try another file.',
        });
      }
    }
  }

  function clearFile() {
    checkRun.current++;
    setFile(null);
    setCheck({ status: 'idle' });
    setSend({ status: 'idle' });
  }

  const errors = {
    name: nameError(name),
    key: preset ? null : keyError(key),
    version: versionError(version),
  };
  const fieldsValid = !errors.name && !errors.key && !errors.version;
  const fileValid = check.status === 'checked' && check.result.report.valid;
  const sending = send.status === 'sending';
  const canUpload = file !== null && fileValid && fieldsValid && !sending && send.status !== 'done';

  async function upload(event: SubmitEvent) {
    event.preventDefault();
    setTouched(true);
    if (!file || !canUpload) return;
    abort.current = new AbortController();
    setSend({ status: 'sending', loaded: 0, total: file.size });
    try {
      const asset = await catalog.upload(
        file,
        { type, category: category as AssetCategory, name: name.trim(), key, version, tags },
        {
          signal: abort.current.signal,
          onProgress: ({ loaded, total }) => setSend({ status: 'sending', loaded, total }),
        },
      );
      setSend({ status: 'done', asset });
      onUploaded(asset);
    } catch (failure) {
      if (failure instanceof UploadError && failure.code === CANCELLED) {
        setSend({ status: 'idle' });
        return;
      }
      const message = failure instanceof UploadError ? failure.message : 'The upload failed. Try again.';
      const issues = failure instanceof UploadError ? failure.issues : [];
      const existingId = failure instanceof UploadError ? failure.existingId : undefined;
      setSend({ status: 'failed', message, issues, existingId });
    } finally {
      abort.current = null;
    }
  }

  function reset() {
    clearFile();
    if (!preset) {
      setName('');
      setKey('');
      setTags([]);
      setTouched(false);
    }
  }

  const locked = sending || send.status === 'done';
  const showError = (field: keyof typeof errors) => (touched || field !== 'name') && errors[field];

  return (
    <form class="upload" onSubmit={upload} data-testid="upload-panel" noValidate>
      <div class="upload-main">
        <DropZone id={id('file')} file={file} disabled={locked} onFile={chooseFile} onClear={clearFile} />
        {file && (
          <div class="form-grid">
            <Field id={id('name')} label="Name" class="span-3" error={showError('name') ? errors.name : null}>
              <input
                {...described(id('name'), showError('name') ? errors.name : null)}
                value={name}
                disabled={locked}
                onInput={(e) => {
                  setName(e.currentTarget.value);
                  setTouched(true);
                }}
                data-testid="upload-name"
              />
            </Field>
            <Field
              id={id('key')}
              label="Key"
              class="span-3"
              error={errors.key}
              hint="All versions of one asset share its key."
            >
              <input
                {...described(id('key'), errors.key, 'hint')}
                value={key}
                disabled={locked || !!preset}
                spellcheck={false}
                autocapitalize="off"
                onInput={(e) => {
                  setKey(e.currentTarget.value.trim());
                  setTouched(true);
                }}
                data-testid="upload-key"
              />
            </Field>
            <Field id={id('type')} label="Type" class="span-2">
              <select
                id={id('type')}
                value={type}
                disabled={locked || !!preset}
                onChange={(e) => {
                  const next = e.currentTarget.value as AssetType;
                  setType(next);
                  setCategory(categoriesByType[next][0]);
                }}
              >
                {assetTypes.map((t) => (
                  <option key={t} value={t}>
                    {typeLabel(t)}
                  </option>
                ))}
              </select>
            </Field>
            <Field id={id('category')} label="Category" class="span-2">
              <select
                id={id('category')}
                value={category}
                disabled={locked || !!preset}
                onChange={(e) => setCategory(e.currentTarget.value)}
              >
                {categoriesByType[type].map((c) => (
                  <option key={c} value={c}>
                    {humanize(c)}
                  </option>
                ))}
              </select>
            </Field>
            <Field id={id('version')} label="Version" class="span-2" error={errors.version}>
              <input
                {...described(id('version'), errors.version)}
                value={version}
                disabled={locked || !!preset}
                inputMode="decimal"
                class="mono"
                onInput={(e) => setVersion(e.currentTarget.value.trim())}
              />
            </Field>
            <div class="field span-6">
              <label for={id('tags')}>Tags</label>
              <TagInput id={id('tags')} tags={tags} onChange={setTags} disabled={locked} />
            </div>
          </div>
        )}
        {sending && (
          <UploadProgressBar
            loaded={send.loaded}
            total={send.total}
            onCancel={() => abort.current?.abort()}
          />
        )}
        {send.status === 'failed' && (
          <div class="banner error" role="alert" data-testid="upload-error">
            <span>
              <strong>Upload refused.</strong> {send.message}
            </span>
            {send.existingId && onOpen && (
              <button
                type="button"
                class="button ghost small"
                onClick={() => send.existingId && onOpen({ id: send.existingId })}
              >
                Open the existing asset
              </button>
            )}
            <IssueList issues={send.issues} kind="error" />
          </div>
        )}
        {send.status === 'done' && (
          <div class="banner success" role="status" data-testid="upload-success">
            <span>
              Uploaded <strong>{send.asset.name}</strong> as <span class="mono">{send.asset.key}</span>{' '}
              <span class="mono">{send.asset.version}</span>.
            </span>
            <span class="form-actions">
              {onOpen && (
                <button type="button" class="button primary small" onClick={() => onOpen(send.asset)}>
                  Open in catalog
                </button>
              )}
              {!preset && (
                <button type="button" class="button ghost small" onClick={reset}>
                  Upload another file
                </button>
              )}
            </span>
          </div>
        )}
        {file && send.status !== 'done' && (
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={!canUpload} data-testid="upload-submit">
              {sending ? 'Uploading…' : preset ? `Upload as ${preset.version}` : 'Upload'}
            </button>
            <span class="muted small">
              {check.status === 'checking' && 'Checking the file…'}
              {check.status === 'checked' && !fileValid && 'Fix the errors in the file before uploading.'}
              {fileValid && !fieldsValid && 'Complete the fields above.'}
              {canUpload && `${formatBytes(file.size)} will be sent to the server.`}
            </span>
          </div>
        )}
      </div>

      {file && (
        <div class="upload-side">
          <h3>In your browser</h3>
          {check.status === 'checking' && (
            <p class="checking" role="status">
              <span class="spinner" aria-hidden="true" /> Validating with the Khronos glTF validator…
            </p>
          )}
          {check.status === 'failed' && (
            <p class="banner error" role="alert">
              {check.message}
            </p>
          )}
          {check.status === 'checked' && (
            <ValidationReportView report={check.result.report} testId="browser-report" />
          )}
          {send.status === 'done' && (
            <UploadResult catalog={catalog} asset={send.asset} onChange={onAssetChange} />
          )}
        </div>
      )}
    </form>
  );
}
