// Builds, from vectors/reference-fields.json (the reference @grantex/sdk types.ts member lists),
// a TypeScript file whose compile-time assertions fail when one of our declared types lacks a
// reference member, or has the wrong optionality: a reference-optional parameter must be
// optional here, a reference-required result member required, and no parameter type may
// require a member the reference does not have.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const referenceFields = JSON.parse(fs.readFileSync(path.join(repo, 'vectors', 'reference-fields.json'), 'utf8'));

/** Reference types we declare differently on purpose, each with the reason. */
export const NOT_CHECKED = {
  // Our `act` is the raw claim (`unknown`); no ActorClaim type is exported.
  ActorClaim: 'act is the raw claim here',
};
/** Reference members not built yet (none left). */
export const NOT_YET = {};

const isParams = (name) => name.endsWith('Params') || name.endsWith('Options');

/** The .mts source; `extra` adds assertions (the negative self-check uses it). */
export function assertionsSource(extra = '') {
  const lines = [
    "import type * as G from '@grantex/sdk';",
    'type IsOptional<T, K extends keyof T> = {} extends Pick<T, K> ? true : false;',
    'type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];',
    'type Assert<T extends true> = T;',
    // Some branch of a union parameter type (ours takes `userId` or `principalId`) requires
    // nothing beyond the reference's required members.
    'type NoExtraRequired<T, A> = true extends (T extends unknown ? ([Exclude<RequiredKeys<T>, A>] extends [never] ? true : false) : never) ? true : false;',
  ];
  for (const [name, members] of Object.entries(referenceFields.node).sort()) {
    if (name in NOT_CHECKED) continue;
    const skip = new Set(NOT_YET[name] ?? []);
    const checked = members.filter((m) => !skip.has(m.name));
    for (const m of checked) {
      const key = JSON.stringify(m.name);
      if (isParams(name)) {
        if (m.optional) lines.push(`type _${name}_${m.name} = Assert<IsOptional<G.${name}, ${key}>>;`);
        else lines.push(`type _${name}_${m.name} = G.${name}[${key}];`);
      } else if (!m.optional) {
        lines.push(`type _${name}_${m.name} = Assert<IsOptional<G.${name}, ${key}> extends false ? true : false>;`);
      } else {
        lines.push(`type _${name}_${m.name} = G.${name}[${key}];`);
      }
    }
    if (isParams(name)) {
      const required = members.filter((m) => !m.optional).map((m) => JSON.stringify(m.name));
      const allowed = required.length ? required.join(' | ') : 'never';
      lines.push(`type _${name}__no_extra_required = Assert<NoExtraRequired<G.${name}, ${allowed}>>;`);
    }
  }
  lines.push(extra, 'export {};', '');
  return lines.join('\n');
}
