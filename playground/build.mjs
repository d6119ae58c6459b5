// Builds the offline playground that AccessGraph serves at /graphiql (embedded in the binary by
// src/http/playground.rs). Run `npm ci && npm run build` here after changing package.json or src/;
// commit dist/ with the change. Nothing here is fetched at run time: every asset is copied from the
// pinned npm packages (package-lock.json) or from src/, and dist/LICENSES.txt carries their licences.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const dist = join(here, "dist");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// The UMD builds: React and ReactDOM as globals, then GraphiQL (which bundles graphql-js).
const assets = [
  ["react/umd/react.production.min.js", "react.production.min.js"],
  ["react-dom/umd/react-dom.production.min.js", "react-dom.production.min.js"],
  ["graphiql/graphiql.min.js", "graphiql.min.js"],
  ["graphiql/graphiql.min.css", "graphiql.min.css"],
];
for (const [from, to] of assets) {
  copyFileSync(join(modules, from), join(dist, to));
}
for (const file of ["index.html", "app.js", "app.css"]) {
  copyFileSync(join(here, "src", file), join(dist, file));
}

// Licences of everything shipped, with the versions the lock file pinned.
// Every installed package (the bundles include most of GraphiQL's dependencies).
const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
const licences = Object.keys(lock.packages)
  .filter((path) => path.startsWith("node_modules/"))
  .map((path) => path.slice("node_modules/".length))
  .sort();
let text = "Third-party software in AccessGraph's playground (dist/), copied from npm packages pinned by package-lock.json.\n";
for (const name of licences) {
  const dir = join(modules, name);
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  } catch {
    continue;
  }
  let licence = "";
  for (const file of ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"]) {
    try {
      licence = readFileSync(join(dir, file), "utf8");
      break;
    } catch {}
  }
  text += `\n==== ${name}@${pkg.version} (${pkg.license}) ====\n\n${licence || `Licence: ${pkg.license}`}\n`;
}
writeFileSync(join(dist, "LICENSES.txt"), text);
console.log(`playground built in ${dist}`);
