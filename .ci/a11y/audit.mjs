// Accessibility audit of the node dashboard, run by .ci/a11y/run against real nodes.
// For every page in every state: axe-core with the WCAG 2.1 A and AA rules must report no violation;
// Tab must reach every interactive control in document order with a visible focus indicator, and
// each control must work from the keyboard (Enter on links, Space and Enter on buttons); the
// topology's nodes must have accessible names and a table alternative; the pages must work without
// JavaScript; new incidents must be announced in the live region; reduced motion must be respected.
// Exits non-zero on the first failed state, after printing every failure of that state.
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const PAGES = [
  ["overview", "/"],
  ["topology", "/ui/topology"],
  ["links", "/ui/links"],
  ["incidents", "/ui/incidents"],
  ["federated", "/ui/federated"],
];
// Flags without which chromium's outbound attempts fail on the CI machines.
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const failures = [];
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures.push(what);
    console.log("  FAIL " + what);
  }
}

async function axe(page, label) {
  await page.evaluate(axeSource);
  const res = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), TAGS);
  for (const v of res.violations) {
    const nodes = v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary.replace(/\s+/g, " ")).join("; ");
    check(false, `${label}: axe ${v.id} (${v.impact}): ${v.help} — ${nodes}`);
  }
  checks++;
  console.log(`  axe ${label}: ${res.violations.length} violations, ${res.passes.length} rules passed, ${res.incomplete.length} to review`);
  return res.violations.length;
}

// The interactive controls of the page in document order, as the keyboard test expects to reach them.
async function controls(page) {
  return page.evaluate(() => {
    const sel = 'a[href], button, input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])';
    return [...document.querySelectorAll(sel)]
      .filter((el) => !el.closest("[hidden]") && !el.disabled && getComputedStyle(el).visibility !== "hidden")
      .map((el, i) => {
        el.setAttribute("data-a11y-index", String(i));
        return { index: i, tag: el.tagName.toLowerCase(), href: el.getAttribute("href"), name: el.getAttribute("aria-label") || el.textContent.trim().replace(/\s+/g, " ") };
      });
  });
}

// describeFocus says which control has the focus and whether the focus is visible.
async function describeFocus(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { index: null };
    let visible;
    if (el.namespaceURI === "http://www.w3.org/2000/svg") {
      const ring = el.querySelector(".focus-ring");
      visible = !!ring && getComputedStyle(ring).stroke !== "none" && parseFloat(getComputedStyle(ring).strokeWidth) >= 2;
    } else {
      const cs = getComputedStyle(el);
      visible = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2;
    }
    const r = el.getBoundingClientRect();
    const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0;
    return { index: el.getAttribute("data-a11y-index"), visible: visible && onScreen && el.matches(":focus-visible") };
  });
}

// keyboard tabs through the page, then operates every control from the keyboard.
async function keyboard(page, url, label, { skipOperate = () => false } = {}) {
  await page.goto(url);
  const want = await controls(page);
  const got = [];
  for (let i = 0; i < want.length + 2; i++) {
    await page.keyboard.press("Tab");
    const f = await describeFocus(page);
    if (f.index === null) break;
    if (got.length && f.index === got[0].index) break;
    got.push(f);
    check(f.visible, `${label}: focus not visible on control ${f.index} (${want[f.index]?.name})`);
  }
  const order = got.map((f) => Number(f.index));
  const expected = want.map((c) => c.index);
  check(JSON.stringify(order) === JSON.stringify(expected),
    `${label}: Tab order ${JSON.stringify(order)} is not document order ${JSON.stringify(expected)}`);
  // Submit buttons (sign out) last: they end the session.
  const ops = [...want.filter((c) => c.tag !== "button" || c.name !== "Sign out"), ...want.filter((c) => c.tag === "button" && c.name === "Sign out")];
  for (const c of ops) {
    if (skipOperate(c)) continue;
    await page.goto(url);
    await controls(page);
    for (let i = 0; i <= c.index; i++) await page.keyboard.press("Tab");
    const f = await describeFocus(page);
    if (Number(f.index) !== c.index) {
      check(false, `${label}: could not reach control ${c.index} (${c.name}) by Tab`);
      continue;
    }
    if (c.tag === "a") {
      const target = new URL(c.href, url);
      const before = page.url();
      if (target.hash && target.pathname === new URL(before).pathname && target.search === new URL(before).search) {
        await page.keyboard.press("Enter");
        const ok = await page.evaluate((id) => {
          const t = document.getElementById(id);
          const r = t && t.getBoundingClientRect();
          return location.hash === "#" + id && !!t && r.bottom > 0 && r.top < innerHeight;
        }, target.hash.slice(1));
        check(ok, `${label}: Enter on "${c.name}" did not move to ${target.hash}`);
      } else {
        // Every such link loads a document, even one to the page itself.
        await Promise.all([page.waitForEvent("load", { timeout: 10000 }).catch(() => {}), page.keyboard.press("Enter")]);
        check(page.url() === target.href, `${label}: Enter on link "${c.name}" went to ${page.url()}, not ${target.href}`);
      }
    } else if (c.tag === "button") {
      const id = await page.evaluate((i) => document.querySelector(`[data-a11y-index="${i}"]`).id, c.index);
      if (id === "live-toggle") {
        await page.keyboard.press("Space");
        const p1 = await page.getAttribute("#live-toggle", "aria-pressed");
        const s1 = await page.textContent("[data-live-status]");
        await page.keyboard.press("Enter");
        const p2 = await page.getAttribute("#live-toggle", "aria-pressed");
        check(p1 === "true" && /paused/.test(s1) && p2 === "false",
          `${label}: the pause button did not toggle with Space/Enter (${p1}, "${s1}", ${p2})`);
      } else {
        // A submit button (sign out): Space submits its form.
        await Promise.all([page.waitForNavigation({ timeout: 10000 }).catch(() => {}), page.keyboard.press("Space")]);
        check(new URL(page.url()).pathname === "/ui/login", `${label}: Space on "${c.name}" went to ${page.url()}, not the sign-in page`);
      }
    }
  }
  console.log(`  keyboard ${label}: ${got.length} controls reached in order and operated`);
}

async function topologyNames(page, base, expect) {
  await page.goto(base + "/ui/topology");
  const nodes = await page.$$eval("#topology-drawing a.node", (as) => as.map((a) => ({ name: a.getAttribute("aria-label"), href: a.getAttribute("href") })));
  const rows = await page.$$eval("#topology-table tbody th[scope=row]", (ths) => ths.map((th) => ({ id: th.id, text: th.textContent })));
  check(rows.length > 0, "topology: the table alternative is missing or empty");
  check(nodes.length === rows.length, `topology: ${nodes.length} nodes drawn but ${rows.length} table rows`);
  for (const n of nodes) {
    check(/^[^,]+, (this node|neighbour|remote)/.test(n.name || ""), `topology: node without a proper accessible name: ${n.name}`);
    check(rows.some((r) => "#" + r.id === n.href), `topology: node "${n.name}" links to ${n.href}, which is no table row`);
  }
  for (const re of expect) {
    const count = await page.getByRole("link", { name: re }).count();
    check(count === 1, `topology: no node named ${re}`);
  }
  console.log(`  topology: ${nodes.length} nodes named: ${nodes.map((n) => JSON.stringify(n.name)).join(", ")}`);
}

async function noScript(browser, base, cookies, label) {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  if (cookies.length) await ctx.addCookies(cookies);
  const page = await ctx.newPage();
  for (const [name, p] of PAGES) {
    const resp = await page.goto(base + p);
    const h1 = await page.textContent("h1");
    const toggleHidden = await page.$eval("#live-toggle", (b) => b.hidden).catch(() => true);
    check(resp.status() === 200 && h1.trim().length > 0 && toggleHidden, `${label} ${name}: page broken without JavaScript`);
  }
  await ctx.close();
  console.log(`  no JavaScript ${label}: every page renders`);
}

async function reducedMotion(page, base) {
  await page.goto(base + "/ui/incidents");
  const anim = async () => page.evaluate(() => {
    const li = document.querySelector(".incident");
    if (!li) return null;
    li.classList.add("new");
    return getComputedStyle(li).animationName;
  });
  await page.emulateMedia({ reducedMotion: "no-preference" });
  const moving = await anim();
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.reload();
  const still = await anim();
  check(moving === "arrive" && still === "none", `reduced motion: animation ${moving} without preference, ${still} with reduce`);
  console.log(`  reduced motion: new-incident animation "${moving}" normally, "${still}" with prefers-reduced-motion`);
}

async function auditPages(page, base, state, shots) {
  for (const [name, p] of PAGES) {
    await page.goto(base + p);
    await page.waitForFunction(() => {
      const s = document.querySelector("[data-live-status]");
      return !s || s.textContent === "on";
    }, null, { timeout: 10000 }).catch(() => {});
    await axe(page, `${state} ${name}`);
    fs.mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, `${state}-${name}.png`), fullPage: true });
  }
}

function finish(state) {
  if (failures.length) {
    console.log(`a11y: ${state}: ${failures.length} failures`);
    process.exit(1);
  }
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: FLAGS });
try {
  const shots = args.shots;
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const mesh = args.mesh;

  console.log("state mesh:");
  await auditPages(page, mesh, "mesh", shots);
  await topologyNames(page, mesh, [/^alpha, this node$/, /^beta, neighbour, link up, 1 hop, metric \d+$/,
    // alpha never sees gamma's certificate, so gamma is named by its short node ID.
    /^[0-9a-f]{16}, remote, at least 2 hops via beta, metric \d+$/]);
  for (const [name, p] of PAGES) await keyboard(page, mesh + p, `mesh ${name}`);
  await noScript(browser, mesh, [], "mesh");
  finish("mesh");

  console.log("state incidents:");
  await page.goto(mesh + "/ui/incidents");
  await page.waitForFunction(() => document.querySelector("[data-live-status]").textContent === "on", null, { timeout: 10000 });
  process.kill(Number(fs.readFileSync(args["stop-pid-file"], "utf8").trim()), "SIGTERM");
  const announced = await page.waitForFunction(() => /New incident \d+: dead-link on beta/.test(document.getElementById("live-announcer").textContent),
    null, { timeout: 20000 }).then(() => true, () => false);
  check(announced, "incidents: the live region did not announce the dead-link incident");
  const listed = await page.waitForFunction(() => /dead-link on beta/.test(document.getElementById("timeline").textContent),
    null, { timeout: 10000 }).then(() => true, () => false);
  check(listed, "incidents: the timeline was not updated live");
  console.log(`  live: incident announced (${announced}) and timeline updated (${listed}) without reload`);
  await axe(page, "incidents incidents (after live update)");
  // Let the loop take its first decisions before the snapshot of the pages.
  await page.waitForTimeout(3000);
  await auditPages(page, mesh, "incidents", shots);
  for (const [name, p] of PAGES) await keyboard(page, mesh + p, `incidents ${name}`);
  await reducedMotion(page, mesh);
  finish("incidents");

  console.log("state empty (lone node with a token):");
  const solo = args.solo;
  const token = fs.readFileSync(args["solo-token-file"], "utf8").trim();
  const sctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const sp = await sctx.newPage();
  await sp.goto(solo + "/");
  check(new URL(sp.url()).pathname === "/ui/login", `empty: / without a session went to ${sp.url()}, not the sign-in page`);
  await axe(sp, "empty login");
  fs.mkdirSync(shots, { recursive: true });
  await sp.screenshot({ path: path.join(shots, "empty-login.png"), fullPage: true });
  await keyboard(sp, solo + "/ui/login", "empty login", { skipOperate: (c) => c.tag === "button" || c.tag === "input" });
  // Wrong token, then the right one, typed and submitted from the keyboard only.
  await sp.goto(solo + "/ui/login");
  await sp.keyboard.press("Tab"); // skip link
  for (let i = 0; i < 10 && !(await sp.evaluate(() => document.activeElement.id === "token")); i++) await sp.keyboard.press("Tab");
  await sp.keyboard.type("not-the-token");
  await Promise.all([sp.waitForNavigation(), sp.keyboard.press("Enter")]);
  const alert = await sp.textContent("[role=alert]").catch(() => "");
  check(/not this node's API token/.test(alert), `empty: a wrong token gave no error message (${alert})`);
  await axe(sp, "empty login (wrong token)");
  await sp.focus("#token");
  await sp.keyboard.type(token);
  await Promise.all([sp.waitForNavigation(), sp.keyboard.press("Enter")]);
  check(new URL(sp.url()).pathname === "/", `empty: signing in went to ${sp.url()}`);
  const cookies = await sctx.cookies();
  const session = cookies.find((c) => c.name === "x0tta6bl4_session");
  check(!!session && session.httpOnly && session.sameSite === "Strict" && !session.value.includes(token),
    `empty: session cookie not HttpOnly/SameSite=Strict or holds the token: ${JSON.stringify(session)}`);
  await auditPages(sp, solo, "empty", shots);
  await topologyNames(sp, solo, [/^solo, this node$/]);
  // Sign out is operated once, on the last page; the other controls on every page.
  for (const [name, p] of PAGES) {
    await keyboard(sp, solo + p, `empty ${name}`, { skipOperate: (c) => c.name === "Sign out" && name !== "federated" });
  }
  await noScript(browser, solo, cookies, "empty");
  finish("empty");
  console.log(`a11y: ${checks} checks passed: 0 axe violations (${TAGS.join(", ")}) on every page in every state; keyboard, topology names, no-JS, live region and reduced motion OK`);
} finally {
  await browser.close();
}
