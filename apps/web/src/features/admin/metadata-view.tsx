import type { AssetMetadata } from '@avatar/contracts';
import type { ComponentChildren } from 'preact';
import { formatBytes, formatCount, formatDecimal, formatSeconds } from './format.ts';
import { Stat } from './validation-report-view.tsx';

const vec = (v: readonly number[]) => v.map(formatDecimal).join(' × ');
const point = (v: readonly number[]) => `(${v.map(formatDecimal).join(', ')})`;

/** What the inspect report says about an asset: counts first, then the lists behind them. */
export function MetadataView({ metadata, testId }: { metadata: AssetMetadata; testId?: string }) {
  const { counts, geometry, bounds } = metadata;
  const joints = metadata.skins.reduce((sum, skin) => sum + skin.jointCount, 0);
  const morphs = metadata.morphTargets.reduce((sum, m) => sum + m.count, 0);
  const extensions = [...new Set([...metadata.extensionsUsed, ...metadata.extensionsRequired])];

  return (
    <div class="metadata" data-testid={testId}>
      <dl class="stat-grid">
        <Stat label="Vertices" value={formatCount(geometry.vertices)} />
        <Stat label="Triangles" value={formatCount(geometry.triangles)} />
        <Stat
          label="Meshes"
          value={`${formatCount(counts.meshes)} (${formatCount(counts.primitives)} prim.)`}
        />
        <Stat label="Nodes" value={formatCount(counts.nodes)} />
        <Stat label="Materials" value={formatCount(counts.materials)} />
        <Stat label="Textures" value={formatCount(counts.textures)} />
        <Stat label="Skins / joints" value={`${formatCount(counts.skins)} / ${formatCount(joints)}`} />
        <Stat label="Animations" value={formatCount(counts.animations)} />
        <Stat label="Morph targets" value={formatCount(morphs)} />
        <Stat label="File size" value={formatBytes(metadata.byteLength)} />
      </dl>

      <dl class="facts">
        <dt>Bounds</dt>
        <dd>
          {bounds ? (
            <>
              {vec(bounds.size)} <span class="muted">centered at {point(bounds.center)}</span>
            </>
          ) : (
            <span class="muted">No geometry</span>
          )}
        </dd>
        <dt>Extensions</dt>
        <dd>
          {extensions.length === 0 ? (
            <span class="muted">None</span>
          ) : (
            <span class="tag-list">
              {extensions.map((name) => (
                <span class="tag mono" key={name}>
                  {name}
                  {metadata.extensionsRequired.includes(name) && (
                    <strong title="Required"> · required</strong>
                  )}
                </span>
              ))}
            </span>
          )}
        </dd>
        {metadata.generator && (
          <>
            <dt>Generator</dt>
            <dd>{metadata.generator}</dd>
          </>
        )}
      </dl>

      <Section title="Materials" count={metadata.materials.length}>
        <SimpleTable
          head={['Name', 'Alpha', 'Double-sided']}
          rows={metadata.materials.map((m) => [
            m.name || 'Unnamed',
            m.alphaMode,
            m.doubleSided ? 'Yes' : 'No',
          ])}
        />
      </Section>
      <Section title="Textures" count={metadata.textures.length}>
        <SimpleTable
          head={['Name', 'Format', 'Pixels', 'Size']}
          rows={metadata.textures.map((t) => [
            t.name || 'Unnamed',
            t.mimeType.replace('image/', '').toUpperCase(),
            t.width && t.height ? `${t.width} × ${t.height}` : '—',
            formatBytes(t.byteLength),
          ])}
        />
      </Section>
      <Section title="Skins" count={metadata.skins.length}>
        <SimpleTable
          head={['Name', 'Joints', 'First joints']}
          rows={metadata.skins.map((s) => [
            s.name || 'Unnamed',
            formatCount(s.jointCount),
            s.jointNames.slice(0, 5).join(', ') + (s.jointNames.length > 5 ? '…' : ''),
          ])}
        />
      </Section>
      <Section title="Animations" count={metadata.animations.length}>
        <SimpleTable
          head={['Name', 'Duration', 'Channels']}
          rows={metadata.animations.map((a) => [
            a.name || 'Unnamed',
            formatSeconds(a.duration),
            formatCount(a.channelCount),
          ])}
        />
      </Section>
      <Section title="Morph targets" count={metadata.morphTargets.length}>
        <SimpleTable
          head={['Mesh', 'Targets', 'Names']}
          rows={metadata.morphTargets.map((m) => [
            m.mesh || 'Unnamed',
            formatCount(m.count),
            m.names.slice(0, 6).join(', ') + (m.names.length > 6 ? '…' : ''),
          ])}
        />
      </Section>
    </div>
  );
}

function Section({ title, count, children }: { title: string; count: number; children: ComponentChildren }) {
  if (count === 0) {
    return (
      <div class="meta-section empty-section">
        <span>{title}</span>
        <span class="muted">None</span>
      </div>
    );
  }
  return (
    <details class="meta-section" open={count <= 4}>
      <summary>
        {title} <span class="count">{count}</span>
      </summary>
      {children}
    </details>
  );
}

function SimpleTable({ head, rows }: { head: string[]; rows: string[][] }) {
  return (
    <div class="scroll-x">
      <table class="mini-table">
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {row.map((cell, j) => (
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
