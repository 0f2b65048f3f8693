/** What an API key may do. `admin` includes `read` and `write`. */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** True when a key holding `granted` may use a route that requires `required`. */
export function scopeAllows(granted: readonly Scope[], required: Scope): boolean {
  return granted.includes(required) || granted.includes('admin');
}
