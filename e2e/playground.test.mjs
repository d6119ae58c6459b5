// End-to-end: AccessGraph's playground in a real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core). Starts the server on a free loopback port with a fresh SQLite
// database, blocks every request that is not to loopback, signs in, runs the first query and
// checks the rendered result, opens the documentation explorer, signs out, shows that a fourth
// sign-in ends the first session, and saves screenshots under e2e/screenshots/. A second server
// with --disable-introspection shows the playground saying so.
//
// Run: `cargo build --bin accessgraph && cd e2e && npm ci && npm test`
// (ACCESSGRAPH_BIN and CHROMIUM override the binary's and the browser's paths).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.ACCESSGRAPH_BIN || resolve(here, "../target/debug/accessgraph");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const KEY = "NRAK-E2EADMINKEY0000000000000000";
const EMAIL = "admin@example.com";
const PASSWORD = "Playground-Pass-42";
const SCREENSHOTS = join(here, "screenshots");

const servers = [];
let browser;

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

async function startServer(extraArgs = []) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "accessgraph-e2e-"));
  const child = spawn(BIN, ["serve", "--listen", `127.0.0.1:${port}`, "--metrics", "false", ...extraArgs], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${join(dir, "e2e.db")}?mode=rwc`,
      ACCESSGRAPH_BOOTSTRAP_KEY: KEY,
      ACCESSGRAPH_ADMIN_EMAIL: EMAIL,
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const server = { url: `http://127.0.0.1:${port}`, child, dir };
  servers.push(server);
  // Bounded wait for the health check: at most 60 s.
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`accessgraph exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${server.url}/healthz`);
      if (response.ok) return server;
    } catch {}
    await new Promise((ok) => setTimeout(ok, 250));
  }
  throw new Error("accessgraph did not become healthy within 60 s");
}

async function graphqlWithKey(server, query, variables) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Api-Key": KEY },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body));
  return body.data;
}

/// The admin invites themselves to choose a password and sets it through the link.
async function givePassword(server) {
  const me = await graphqlWithKey(server, "{ actor { user { id } } }");
  const data = await graphqlWithKey(
    server,
    "mutation($id: ID!) { userManagementCreatePasswordSetupLink(userId: $id) { link errors { message } } }",
    { id: String(me.actor.user.id) },
  );
  const link = data.userManagementCreatePasswordSetupLink.link;
  assert.ok(link, JSON.stringify(data));
  const token = new URL(link).searchParams.get("token");
  const response = await fetch(`${server.url}/password`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token, password: PASSWORD }),
  });
  assert.equal(response.status, 200, await response.text());
}

async function login(server) {
  const response = await fetch(`${server.url}/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

/// A page whose every request outside loopback is blocked (and recorded).
async function openPage(server) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  const blocked = [];
  await context.route("**/*", (route) => {
    const { hostname, protocol } = new URL(route.request().url());
    const loopback = hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
    if ((protocol === "http:" || protocol === "https:") && !loopback) {
      blocked.push(route.request().url());
      return route.abort("blockedbyclient");
    }
    return route.continue();
  });
  const page = await context.newPage();
  const failures = [];
  page.on("pageerror", (err) => failures.push(String(err)));
  return { context, page, blocked, failures };
}

async function runQuery(page) {
  await page.click(".graphiql-execute-button");
}

function responseText(page) {
  return page.locator(".graphiql-response").innerText();
}

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  for (const server of servers) {
    server.child.kill("SIGTERM");
    rmSync(server.dir, { recursive: true, force: true });
  }
});

test("the playground renders offline, signs in and out, runs a query, and a fourth sign-in ends the first session", async () => {
  const server = await startServer();
  await givePassword(server);
  const { context, page, blocked, failures } = await openPage(server);

  await page.goto(`${server.url}/graphiql`);
  await page.waitForSelector(".graphiql-container", { timeout: 30000 });
  await page.waitForSelector("#sign-in:not([hidden])");

  // Not signed in: the first query is refused with NerdGraph's 401 answer.
  await runQuery(page);
  await page.waitForFunction(() => document.querySelector(".graphiql-response")?.innerText.includes("Bad API Key"));

  // Sign in through the form.
  await page.fill("#email", EMAIL);
  await page.fill("#password", PASSWORD);
  await page.click("#sign-in-button");
  await page.waitForSelector("#signed-in:not([hidden])");
  assert.match(await page.innerText("#who"), /admin@example\.com/);
  await page.waitForSelector(".graphiql-container");

  // The first query: the viewer, their organization, their accounts and capabilities.
  const editor = await page.locator(".graphiql-query-editor").innerText();
  assert.match(editor, /capabilityIds/);
  await runQuery(page);
  await page.waitForFunction(() => document.querySelector(".graphiql-response")?.innerText.includes("capabilityIds"));
  // CodeMirror renders the lines in view: the accounts with their capabilities.
  const result = await responseText(page);
  assert.match(result, /"data"/);
  assert.match(result, /"accounts"/);
  assert.match(result, /"name": "My Organization"/);
  assert.match(result, /"capabilityIds": \[\s*1001/);
  assert.doesNotMatch(result, /"errors"/);
  await page.screenshot({ path: join(SCREENSHOTS, "playground.png") });

  // The documentation explorer (introspection is on).
  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector(".graphiql-doc-explorer");
  await page.waitForFunction(() => document.querySelector(".graphiql-doc-explorer")?.innerText.includes("RootQueryType"));
  await page.screenshot({ path: join(SCREENSHOTS, "docs-explorer.png") });
  await page.click('[aria-label="Hide Documentation Explorer"]');

  // Sign out: the query is refused again.
  await page.click("#sign-out");
  await page.waitForSelector("#sign-in:not([hidden])");
  await page.waitForSelector(".graphiql-execute-button");
  await runQuery(page);
  await page.waitForFunction(() => /Bad API Key|session has ended/.test(document.querySelector(".graphiql-response")?.innerText || ""));

  // Sign in again in the browser (session 1), then three more sign-ins elsewhere.
  await page.fill("#email", EMAIL);
  await page.fill("#password", PASSWORD);
  await page.click("#sign-in-button");
  await page.waitForSelector("#signed-in:not([hidden])");
  await page.waitForSelector(".graphiql-execute-button");
  await runQuery(page);
  await page.waitForFunction(() => document.querySelector(".graphiql-response")?.innerText.includes("capabilityIds"));
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "accessgraph_session");
  assert.ok(session, "the session cookie is set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");

  await login(server);
  await login(server);
  const fourth = await login(server);
  assert.equal(fourth.endedSessionIds.length, 1, JSON.stringify(fourth));

  // The browser's session was the oldest: it has ended.
  await runQuery(page);
  await page.waitForFunction(() => document.querySelector(".graphiql-response")?.innerText.includes("session has ended"));
  await page.waitForSelector("#sign-in:not([hidden])");
  assert.match(await page.innerText("#message"), /session has ended/);
  await page.screenshot({ path: join(SCREENSHOTS, "session-ended.png") });

  assert.deepEqual(blocked, [], "no request left the machine");
  assert.deepEqual(failures, [], "no script error on the page");
  await context.close();
});

test("with introspection off the playground says so", async () => {
  const server = await startServer(["--disable-introspection"]);
  const { context, page, blocked } = await openPage(server);
  await page.goto(`${server.url}/graphiql`);
  await page.waitForSelector(".graphiql-container", { timeout: 30000 });
  await page.waitForSelector("#introspection-off:not([hidden])");
  assert.match(await page.innerText("#introspection-off"), /Introspection is turned off/);
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Api-Key": KEY },
    body: JSON.stringify({ query: "{ __schema { queryType { name } } }" }),
  });
  const body = await response.json();
  assert.ok(body.errors || body.data?.__schema === null || body.data?.__schema === undefined, JSON.stringify(body));
  await page.screenshot({ path: join(SCREENSHOTS, "introspection-off.png") });
  assert.deepEqual(blocked, []);
  await context.close();
});
