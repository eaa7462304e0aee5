import type { ComponentChildren } from 'preact';

interface Props {
  /** The control's id: the label points at it, and its message is `${id}-message`. */
  id: string;
  label: ComponentChildren;
  error?: string | null;
  hint?: string | null;
  class?: string;
  children: ComponentChildren;
}

/**
 * A label, its control and one line under it (the error when there is one, else the hint). The label
 * names the control through `for`, not by wrapping it, so a select's name is not followed by its value.
 */
export function Field({ id, label, error, hint, class: extra, children }: Props) {
  const message = error ?? hint;
  return (
    <div class={`field${extra ? ` ${extra}` : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {message && (
        <span class={error ? 'field-error' : 'hint'} id={`${id}-message`}>
          {message}
        </span>
      )}
    </div>
  );
}

/** aria attributes for the control inside a `Field`. */
export const described = (id: string, error?: string | null, hint?: string | null) => ({
  id,
  'aria-invalid': error ? true : undefined,
  'aria-describedby': error || hint ? `${id}-message` : undefined,
});
