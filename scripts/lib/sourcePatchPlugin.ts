// Build-time patches to a dependency's source: each replaces one exact string, and the build
// fails when a module the patches are for was bundled but a patch found nothing to change (an
// upgrade moved the code), instead of shipping without the fix.
import type { Plugin } from 'vite';

export interface SourcePatch {
  name: string;
  from: string;
  to: string;
}

/** The code with every patch that applies to it, and the names of those applied. */
export function applyPatches(
  code: string,
  patches: readonly SourcePatch[],
): { code: string; applied: string[] } {
  const applied: string[] = [];
  for (const patch of patches) {
    if (!code.includes(patch.from)) continue;
    code = code.replace(patch.from, patch.to);
    applied.push(patch.name);
  }
  return { code, applied };
}

/**
 * A Vite (and Rolldown) plugin that applies `patches` to the modules whose id matches `files`;
 * `broken` words the build error for the patches that found nothing to change.
 */
export function sourcePatchPlugin(
  name: string,
  files: RegExp,
  patches: readonly SourcePatch[],
  broken: (missing: string[]) => string,
): Plugin {
  let applied = new Set<string>();
  let seen = false;
  return {
    name,
    enforce: 'pre',
    buildStart() {
      applied = new Set();
      seen = false;
    },
    transform(code, id) {
      if (!files.test(id)) return null;
      seen = true;
      const patched = applyPatches(code, patches);
      patched.applied.forEach((patch) => applied.add(patch));
      return patched.applied.length ? { code: patched.code, map: null } : null;
    },
    buildEnd() {
      const missing = patches.filter((p) => !applied.has(p.name)).map((p) => p.name);
      if (seen && missing.length) this.error(broken(missing));
    },
  };
}
