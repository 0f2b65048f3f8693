/** The Nest modules a node can run. `api` is the REST surface; the others are domain modules. */
export const MODULE_NAMES = ['inference', 'memory', 'orchestrator', 'processing', 'monitoring', 'api'] as const;
export type ModuleName = (typeof MODULE_NAMES)[number];

/** Named sets of modules from the original two-PC plan. */
export const ROLE_PRESETS: Readonly<Record<string, readonly ModuleName[]>> = {
  all: MODULE_NAMES,
  cognitive: ['inference', 'memory', 'api'],
  processing: ['processing', 'orchestrator', 'monitoring'],
};

export class UnknownRoleError extends Error {
  constructor(readonly names: string[]) {
    super(
      `unknown role or module ${names.map((n) => `'${n}'`).join(', ')}` +
        ` (presets: ${Object.keys(ROLE_PRESETS).join(', ')}; modules: ${MODULE_NAMES.join(', ')})`,
    );
  }
}

const isModuleName = (name: string): name is ModuleName => (MODULE_NAMES as readonly string[]).includes(name);

/**
 * Turns a role value into the modules it loads, in canonical order.
 * A value that is exactly a preset name selects that preset; otherwise it is a comma list whose
 * items are module names or presets, module names first (so `processing,api` means the
 * processing module plus the API, not the processing preset).
 */
export function parseRoles(value: string): ModuleName[] {
  const items = value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item.length > 0);
  if (items.length === 0) throw new UnknownRoleError([value]);

  const selected = new Set<ModuleName>();
  const unknown: string[] = [];
  const wholePreset = items.length === 1 ? ROLE_PRESETS[items[0]] : undefined;
  if (wholePreset) {
    wholePreset.forEach((m) => selected.add(m));
  } else {
    for (const item of items) {
      if (isModuleName(item)) selected.add(item);
      else if (ROLE_PRESETS[item]) ROLE_PRESETS[item].forEach((m) => selected.add(m));
      else unknown.push(item);
    }
  }
  if (unknown.length > 0) throw new UnknownRoleError(unknown);
  return MODULE_NAMES.filter((m) => selected.has(m));
}
