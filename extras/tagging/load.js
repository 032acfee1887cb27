// Imports a package of this optional part from its own node_modules (bare names resolve from here).
export const load = (name) => import(name);
