import { useState } from 'preact/hooks';
import { tagError } from './field-errors.ts';

interface Props {
  id: string;
  tags: string[];
  onChange: (tags: string[]) => void;
  disabled?: boolean;
}

const MAX_TAGS = 20;

/** Tags as removable chips; Enter or a comma adds what was typed, Backspace in an empty box removes the last. */
export function TagInput({ id, tags, onChange, disabled }: Props) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  function add(raw: string): boolean {
    const parts = raw
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean);
    if (parts.length === 0) return true;
    const next = [...tags];
    for (const tag of parts) {
      const problem = tagError(tag);
      if (problem) {
        setError(`"${tag}": ${problem}`);
        return false;
      }
      if (!next.includes(tag)) next.push(tag);
    }
    if (next.length > MAX_TAGS) {
      setError(`At most ${MAX_TAGS} tags`);
      return false;
    }
    setError(null);
    onChange(next);
    return true;
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault();
      if (add(text)) setText('');
    } else if (event.key === 'Backspace' && text === '' && tags.length > 0) {
      onChange(tags.slice(0, -1));
    }
  }

  return (
    <div class="tag-input-wrap">
      <div class={`tag-input${disabled ? ' disabled' : ''}`}>
        {tags.map((tag) => (
          <span class="tag removable" key={tag}>
            {tag}
            <button
              type="button"
              aria-label={`Remove tag ${tag}`}
              disabled={disabled}
              onClick={() => onChange(tags.filter((t) => t !== tag))}
            >
              ×
            </button>
          </span>
        ))}
        <input
          id={id}
          type="text"
          value={text}
          disabled={disabled}
          placeholder={tags.length === 0 ? 'Add tags: Enter or comma' : 'Add a tag'}
          aria-describedby={error ? `${id}-error` : undefined}
          aria-invalid={error ? true : undefined}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          onBlur={() => {
            if (text && add(text)) setText('');
          }}
        />
      </div>
      {error && (
        <span class="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
