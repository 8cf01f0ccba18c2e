// pulseline in a real browser: HR imports people, searches the list of people and
// builds a team (a cycle in the team tree is refused beside the parent field); HR
// builds a survey from the bank (engagement, recognition, growth, manager support,
// autonomy, eNPS and a comment) and opens a round. Employees answer on a phone-sized
// screen (one reads pages in Russian; one allows replies to their comment), and the
// rest of the Squad and a few of the Crew answer through the API, so that the Squad is
// large enough for driver impact and its comments are shown to its manager. The round
// closes; reports show small teams as "fewer than k answers". The Squad's manager reads
// the focus areas on the team's report (recognition goes with engagement and scores
// below the company), plans an action that the team then sees on a phone, answers an
// anonymous pain point read back by its follow-up code, and replies to a comment from
// the report: its author reads the reply as from "your manager" and answers back by
// code on a phone. The linkage page plots the demo data. Every main page is checked
// with axe-core (no critical violations) and screenshotted into docs/screenshots/.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync } from "node:fs";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const BASE = process.env.BASE_URL;
const ADMIN = { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD };
const SHOTS = process.env.SCREENSHOTS;
const PASSWORD = "a sturdy e2e password";
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 } };
mkdirSync(SHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  // Chromium as root, on a machine without outside network: no sandbox, no background
  // connections, no updates or sync.
  args: [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const axeFindings = [];

function step(name) {
  console.log(`- ${name}`);
}

async function context(kind) {
  // bypassCSP only so that axe-core can be injected; the pages set a strict policy.
  return browser.newContext({ ...kind, bypassCSP: true, locale: "en-GB" });
}

async function shoot(page, name) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

async function axe(page, name) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }),
  );
  const blocking = result.violations.filter((v) => v.impact === "critical" || v.impact === "serious");
  for (const v of result.violations) {
    axeFindings.push(`${name}: ${v.impact} ${v.id} (${v.nodes.length})`);
  }
  assert.equal(
    blocking.length,
    0,
    `${name}: serious or critical accessibility violations: ${blocking
      .map((v) => `${v.id} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`)
      .join(", ")}`,
  );
}

async function check(page, name) {
  await axe(page, name);
  await shoot(page, name);
}

async function signIn(page, email, password) {
  await page.goto(`${BASE}/signin`);
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/signin")), page.click("button.primary")]);
}

async function api(method, path, token, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const run = `${Date.now()}`.slice(-6);

// ---- fixtures: three teams through the API (the team pages are exercised below) ----
step("teams");
const token = (await api("POST", "/api/v1/auth/login", null, ADMIN)).access_token;
const org = await api("POST", "/api/v1/teams", token, { name: `E2E Org ${run}`, kind: "internal" });
const squad = await api("POST", "/api/v1/teams", token, { name: "Squad", parent_id: org.id, kind: "frontline" });
await api("POST", "/api/v1/teams", token, { name: "Crew", parent_id: org.id, kind: "frontline" });
await api("POST", "/api/v1/teams", token, { name: "Trio", parent_id: org.id, kind: "frontline" });

// ---- HR: sign in, import people with a dry run first ----
const hrCtx = await context(DESKTOP);
const hr = await hrCtx.newPage();
await hr.goto(`${BASE}/signin`);
await check(hr, "signin");
await signIn(hr, ADMIN.email, ADMIN.password);

step("people import: dry run, then import");
// Who answers in the browser.
const people = [];
for (let i = 1; i <= 6; i++) people.push({ email: `squad${i}-${run}@e2e.example`, team: `E2E Org ${run}/Squad`, manager: "" });
people.push({ email: `lead-${run}@e2e.example`, team: `E2E Org ${run}/Squad`, manager: "true" });
for (let i = 1; i <= 5; i++) people.push({ email: `crew${i}-${run}@e2e.example`, team: `E2E Org ${run}/Crew`, manager: "" });
for (let i = 1; i <= 3; i++) people.push({ email: `trio${i}-${run}@e2e.example`, team: `E2E Org ${run}/Trio`, manager: "" });
// Who answers through the API, with the answers they give: five digits for "I am proud
// to tell people where I work" (the engagement index), recognition, growth, manager
// support and autonomy (1 to 5). In the Squad, recognition goes with engagement and the
// other drivers hardly do; the Crew feels more recognised than the Squad. So the
// Squad's 32 answers make recognition its focus area: the driver that matters most to
// its engagement, scoring below the company. Every driver's answers vary within each
// team (a team that all gave one answer to an item is not shown as it).
const SQUAD_ANSWERS = (
  "11343 43435 45254 22532 54344 11423 33344 55335 32453 34235 11544 43322 45444 " +
  "22333 44354 21435 23243 55525 32344 34432 22354 11333 43444 12225 11543"
).split(" ");
const CREW_ANSWERS = "45333 54222 45343 55432 34224 45333".split(" ");
const apiPeople = [];
SQUAD_ANSWERS.forEach((digits, i) =>
  apiPeople.push({ email: `squad${i + 7}-${run}@e2e.example`, team: `E2E Org ${run}/Squad`, manager: "", digits }),
);
CREW_ANSWERS.forEach((digits, i) =>
  apiPeople.push({ email: `crew${i + 6}-${run}@e2e.example`, team: `E2E Org ${run}/Crew`, manager: "", digits }),
);
// Who answers through the personal link of the e-mail that announces the pulse, never
// activating an account.
const MAILED = `mailed-${run}@e2e.example`;
const csv = ["email,name,team,manager,language"]
  .concat(people.concat(apiPeople).map((p, i) => `${p.email},Person ${i},${p.team},${p.manager},${i === 0 ? "ru" : "en"}`))
  .concat([`${MAILED},Mailed person,E2E Org ${run}/Crew,,en`])
  .join("\n");
await hr.goto(`${BASE}/hr/people`);
await hr.fill("#f-csv", `${csv}\nbroken-row,,Nowhere,,`);
await hr.check("#f-dry_run");
await hr.click("button.primary");
await hr.waitForSelector("text=Dry run: nothing was written");
await hr.waitForSelector("text=Row errors");
await check(hr, "people-import-preview");
await hr.fill("#f-csv", csv);
await hr.uncheck("#f-dry_run");
await hr.click("button.primary");
await hr.waitForSelector("text=Activation links, shown once");
const links = {};
for (const li of await hr.locator("section li").allTextContents()) {
  const m = li.match(/^(\S+): (\/activate\?token=\S+)$/);
  if (m) links[m[1]] = m[2];
}
assert.equal(Object.keys(links).length, people.length + apiPeople.length + 1, "an activation link per person");

step("HR finds people in the list, builds a team with the keyboard, and sees a cycle refused");
await hr.goto(`${BASE}/hr/people?q=${encodeURIComponent(`squad1-${run}`)}`);
await hr.waitForSelector(`td >> text=squad1-${run}@e2e.example`);
assert.equal(await hr.locator("tbody th[scope=row]").count(), 1, "the search narrows the list");
await check(hr, "people-list");
await hr.goto(`${BASE}/hr/teams`);
await hr.waitForSelector(`ul.tree >> text=E2E Org ${run}`);
await hr.selectOption("#f-parent_id", org.id);
await hr.focus("#f-name");
await hr.keyboard.type(`Night shift ${run}`);
await check(hr, "teams");
await Promise.all([hr.waitForURL(/\/hr\/teams$/), hr.keyboard.press("Enter")]);
await hr.waitForSelector(`ul.tree >> text=Night shift ${run}`);
await hr.goto(`${BASE}/hr/teams/${org.id}`);
await hr.selectOption("#f-parent_id", squad.id);
await Promise.all([hr.waitForLoadState("load"), hr.click("button.primary")]);
await hr.waitForSelector("#f-parent_id-err >> text=cannot be placed under itself or its own descendant");
await check(hr, "team-cycle-refused");

step("HR adds someone without e-mail by employee number; they activate on a phone and sign in with it");
await hr.goto(`${BASE}/hr/people/new`);
await hr.fill("#f-name", `Floor worker ${run}`);
await hr.fill("#f-employee_number", `E-${run}`);
await hr.fill("#f-phone", `+44 20 79${run.slice(0, 2)} ${run.slice(2)}`);
const [nameWidth, phoneWidth] = await hr.evaluate(() =>
  ["f-name", "f-phone"].map((id) => document.getElementById(id).getBoundingClientRect().width),
);
assert.equal(Math.round(phoneWidth), Math.round(nameWidth), "the phone field is drawn like the others");
await Promise.all([hr.waitForURL(/\/hr\/people\/[0-9a-f-]{36}/), hr.click("button.primary")]);
const profile = (await hr.locator("#profile").textContent()) ?? "";
assert.ok(profile.includes(`E-${run}`), "the employee number is on the person's page");
assert.ok(profile.includes(`+442079${run}`), "the phone number in international form");
await check(hr, "person-without-email");
const floorLink = ((await hr.locator("div.notice code").textContent()) ?? "").trim();
const floorCtx = await context(PHONE);
const floor = await floorCtx.newPage();
await floor.goto(`${BASE}${floorLink}`);
await floor.fill("#f-password", PASSWORD);
await Promise.all([floor.waitForURL(/\/pulses$/), floor.click("button.primary")]);
await floorCtx.clearCookies();
await signIn(floor, `E-${run}`, PASSWORD);
assert.match((await floor.locator("header.top").textContent()) ?? "", new RegExp(`Floor worker ${run}`));
await floorCtx.close();

// Someone with neither e-mail nor phone, in a crew of their own: no message reaches
// them, so they answer with a printed kiosk code.
const crew = await api("POST", "/api/v1/teams", token, { name: `Kiosk crew ${run}`, parent_id: org.id, kind: "frontline" });
await api("POST", "/api/v1/people", token, { name: `Kiosk worker ${run}`, employee_number: `K-${run}`, team_id: crew.id });

step("HR creates a survey from the bank and opens a round");
const surveyTitle = `Phone pulse ${run}`;
await hr.goto(`${BASE}/hr/surveys/new`);
await hr.fill("#f-title", surveyTitle);
for (const key of ["eo_proud", "eo_enps", "rc_noticed", "gr_learning", "ms_approachable", "au_trusted", "vo_one_change"]) {
  await hr.check(`#f-bank-${key}`);
}
await hr.check(`#f-team-${org.id}`);
await check(hr, "survey-new");
await Promise.all([hr.waitForURL(/\/hr\/surveys\/[^/]+$/), hr.click("button.primary")]);
const surveyPage = hr.url();
// The preview shows the pulse as the invitees will see it, in either language.
await hr.goto(`${surveyPage}/preview?lang=ru`);
await hr.waitForSelector(".preview fieldset.question");
await check(hr, "survey-preview");
await hr.goto(surveyPage);
// Opening asks first, saying how many people are invited.
await Promise.all([hr.waitForURL(/\/open$/), hr.click("text=Open a round now")]);
assert.match(await hr.textContent("#invited"), /It invites \d+ (person|people)/);
await check(hr, "round-open-confirm");
await Promise.all([hr.waitForURL(/\/hr\/surveys\/[^/]+$/), hr.click("button.primary")]);
await hr.waitForSelector("text=Close the open round now");
await check(hr, "survey-rounds");

step("HR prints kiosk codes for a crew without e-mail or phone; a code answers on a phone at /k");
await Promise.all([hr.waitForURL(/\/rounds\/[^/]+\/kiosk$/), hr.click("#kiosk-link")]);
const crewRow = hr.locator("#kiosk-teams tbody tr", { hasText: `Kiosk crew ${run}` });
assert.equal((await crewRow.locator("td").nth(1).textContent())?.trim(), "1", "one code for the one person");
await check(hr, "kiosk-teams");
await Promise.all([hr.waitForSelector("#kiosk-sheet"), crewRow.locator("button").click()]);
assert.equal(await hr.locator("#kiosk-sheet .kiosk-slip svg").count(), 1, "one slip with its QR code");
await check(hr, "kiosk-sheet");
const kioskCode = ((await hr.locator("#kiosk-sheet code").first().textContent()) ?? "").trim();
assert.match(kioskCode, /^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
const kioskCtx = await context(PHONE);
const kiosk = await kioskCtx.newPage();
await kiosk.goto(`${BASE}/k`);
await kiosk.fill("#code", kioskCode.toLowerCase().replace("-", " "));
await Promise.all([kiosk.waitForURL(/\/k\?code=/), kiosk.click("button.primary")]);
await kiosk.waitForSelector(`h1 >> text=${surveyTitle}`);
const kioskQuestions = kiosk.locator("fieldset.question");
for (let i = 0; i < (await kioskQuestions.count()); i++) {
  const labels = kioskQuestions.nth(i).locator(".choice label");
  const count = await labels.count();
  if (count > 0) await labels.nth(Math.min(2, count - 1)).click();
}
await check(kiosk, "kiosk-pulse-phone");
await Promise.all([kiosk.waitForLoadState("load"), kiosk.click("button.primary")]);
await kiosk.waitForSelector(".notice >> text=Thank you, your answers were recorded.");
// The code answers once.
await kiosk.goto(`${BASE}/k?code=${kioskCode}`);
await kiosk.waitForSelector("#code-problem >> text=This code has already been used.");
await kioskCtx.close();
await hr.goto(surveyPage);

// The messages the SMTP server accepted to `email`, whose text holds `needle`; waits
// up to 30 s for the first.
async function mailTo(email, needle) {
  for (let i = 0; i < 150; i++) {
    let lines = [];
    try {
      lines = readFileSync(process.env.MAIL_FILE, "utf8").split("\n").filter(Boolean);
    } catch {
      // not written yet
    }
    const found = lines
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return null; // the line being written
        }
      })
      .filter((m) => m && m.to.includes(email) && m.text.includes(needle));
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no message to ${email} with ${needle}`);
}

step("an invited employee follows the e-mailed link on a phone and answers without a password");
const [announcement] = await mailTo(MAILED, `${BASE}/p/`);
const personal = announcement.text.match(new RegExp(`${BASE.replace(/[.]/g, "\\.")}/p/[A-Za-z0-9_-]+`))[0];
const mailedCtx = await context(PHONE);
const mailed = await mailedCtx.newPage();
await mailed.goto(personal);
await mailed.waitForSelector(`h1 >> text=${surveyTitle}`);
assert.equal(await mailed.locator("a[href='/signout'], form[action='/signout']").count(), 0, "nobody is signed in");
const mailedQuestions = mailed.locator("fieldset.question");
for (let i = 0; i < (await mailedQuestions.count()); i++) {
  const labels = mailedQuestions.nth(i).locator(".choice label");
  const count = await labels.count();
  if (count > 0) await labels.nth(Math.min(3, count - 1)).click();
}
await check(mailed, "pulse-link-phone");
await Promise.all([mailed.waitForLoadState("load"), mailed.click("button.primary")]);
await mailed.waitForSelector(".notice >> text=Thank you, your answers were recorded.");
await shoot(mailed, "pulse-link-answered-phone");
// The link answers once.
await mailed.goto(personal);
await mailed.waitForSelector(".notice >> text=You have answered this pulse");
await mailedCtx.close();

step("admins read the outbox; the round counts its messages");
await hr.goto(`${BASE}/admin/outbox`);
await hr.waitForSelector("#outbox >> text=A pulse opened");
await check(hr, "outbox");
await hr.goto(surveyPage);
await hr.waitForSelector("td >> text=/\\d+ sent/");

// ---- employees on phones ----
async function activateAndAnswer(email, shots, k) {
  const ctx = await context(PHONE);
  const page = await ctx.newPage();
  await page.goto(`${BASE}${links[email]}`);
  if (shots) await check(page, "activate-phone");
  await page.fill("#f-password", PASSWORD);
  await Promise.all([page.waitForURL(/\/pulses$/), page.click("button.primary")]);
  if (shots) await check(page, "pulses-phone");
  await Promise.all([page.waitForURL(/\/pulses\/.+/), page.locator("a.button", { hasText: /Answer|Ответить/ }).first().click()]);
  const questions = page.locator("fieldset.question");
  const n = await questions.count();
  assert.ok(n >= 2, "the survey's questions are shown");
  // Keyboard and touch alike reach the choices through their labels.
  for (let i = 0; i < n; i++) {
    const labels = questions.nth(i).locator(".choice label");
    const count = await labels.count();
    // People answer differently (a team that all gave one answer is not shown as it):
    // 3 to 5 of 5 on an agreement scale, 7 to 10 of 0-10 on the recommendation scale.
    const pick = count === 11 ? [9, 7, 10, 8][k % 4] : [3, 2, 4, 3, 2][k % 5];
    await labels.nth(Math.min(pick, count - 1)).click();
  }
  // Everyone comments (so the organisation's comments reach the floor and are shown);
  // one person allows replies and keeps the code the thank-you page shows once.
  await page.locator(".field.question textarea").first().fill(k === REPLIES_FROM ? "Nights have no trainer when the lead is away." : `Remark ${k} on the rota`);
  if (k === REPLIES_FROM) await page.check("#f-allow_replies");
  if (shots) await check(page, "pulse-answer-phone");
  let code = null;
  if (k === REPLIES_FROM) {
    await Promise.all([page.waitForSelector("#conversation-code"), page.click("button.primary")]);
    code = (await page.locator("#conversation-code").textContent()).trim();
    assert.match(code, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/, "a conversation code in five groups");
    await check(page, "pulse-conversation-code-phone");
  } else {
    await Promise.all([page.waitForURL(/done=1/), page.click("button.primary")]);
    await page.waitForSelector(".notice");
  }
  if (shots) await shoot(page, "pulse-answered-phone");
  return { ctx, page, code };
}
const REPLIES_FROM = 2;

step("six employees and their lead answer on a phone; the crew and the trio too");
const sessions = {};
let first = true;
let k = 0;
for (const p of people) {
  sessions[p.email] = await activateAndAnswer(p.email, first, k++);
  first = false;
}
// The first person reads pages in Russian.
const ru = sessions[people[0].email].page;
await ru.goto(`${BASE}/pulses`);
await ru.waitForSelector("html[lang=ru]");
await shoot(ru, "pulses-russian-phone");

// Through the API: activate with the token of the activation link, sign in, find the
// open pulse and answer it (every other Squad member and every Crew member comments).
async function answerByApi(p, i) {
  const activation = new URL(links[p.email], BASE).searchParams.get("token");
  await api("POST", "/api/v1/auth/activate", null, { token: activation, password: PASSWORD });
  const bearer = (await api("POST", "/api/v1/auth/login", null, { email: p.email, password: PASSWORD })).access_token;
  const pulse = (await api("GET", "/api/v1/me/pulses", bearer)).find((x) => x.title === surveyTitle);
  assert.ok(pulse, `${p.email} has the pulse to answer`);
  const [proud, recognition, growth, support, autonomy] = [...p.digits].map(Number);
  const likert = { recognition, growth, manager_support: support, autonomy };
  const comment = p.team.endsWith("/Crew") || i % 2 === 0;
  const answers = [];
  for (const q of pulse.questions) {
    if (q.kind === "likert5") {
      answers.push({ question_id: q.id, value: q.driver === "engagement_outcome" ? proud : likert[q.driver] });
    } else if (q.kind === "scale11") {
      // Those who are proud of their workplace recommend it more.
      answers.push({ question_id: q.id, value: Math.max(0, 2 * proud - (i % 3)) });
    } else if (q.kind === "text" && comment) {
      answers.push({ question_id: q.id, text: `Note ${i} on how the week went` });
    }
  }
  assert.ok(answers.every((a) => a.text !== undefined || a.value !== undefined), "every scored question has an answer");
  const recorded = await api("POST", `/api/v1/rounds/${pulse.round_id}/responses`, bearer, { answers });
  assert.equal(recorded.status, "recorded");
}
step(`${SQUAD_ANSWERS.length} more of the Squad and ${CREW_ANSWERS.length} more of the Crew answer through the API`);
for (let i = 0; i < apiPeople.length; i += 4) {
  await Promise.all(apiPeople.slice(i, i + 4).map((p, j) => answerByApi(p, i + j)));
}

step("HR closes the round; reports show the small team as fewer than k answers");
await hr.goto(surveyPage);
await Promise.all([hr.waitForURL(/\/close$/), hr.click("text=Close the open round now")]);
await check(hr, "round-close-confirm");
await Promise.all([hr.waitForURL(/\/hr\/surveys\/[^/]+$/), hr.click("button.primary")]);
await hr.waitForSelector("text=Open a round now");
await hr.waitForSelector("text=Participation in round 1");
const reportLink = hr.locator("a", { hasText: "Report" }).last();
const reportHref = await reportLink.getAttribute("href");
await hr.goto(`${BASE}${reportHref}?team_id=${org.id}`);
// The Trio's rows (scores, then participation): suppressed in each.
const trioRow = hr.locator("tr", { hasText: "Trio" });
await trioRow.first().locator("text=fewer than 5 answers").waitFor();
// The organisation's own row carries numbers; a suppressed group carries none.
await hr.locator("tbody tr").first().locator("td.num").first().waitFor();
assert.equal(await trioRow.locator("td.num").count(), 0);
// Results per question, and the CSV of what the page shows.
await hr.waitForSelector("#questions");
await hr.waitForSelector("a[download]");
await check(hr, "report-hr");

const lead = sessions[`lead-${run}@e2e.example`].page;
await lead.setViewportSize(DESKTOP.viewport);
await lead.goto(`${BASE}${reportHref}`);
await lead.waitForSelector("svg.chart");
await lead.waitForSelector("caption >> text=Drivers");
await check(lead, "report-manager");

step("each role's start page: HR the organisation, a manager their teams");
await hr.goto(`${BASE}/`);
await hr.waitForSelector("#home-org");
await check(hr, "home-hr");
await lead.goto(`${BASE}/`);
await lead.waitForSelector("#home-teams");
await check(lead, "home-manager");

step("the lead reads the Squad's focus areas: recognition matters most and scores below the company");
const roundId = reportHref.split("/").pop();
const leadToken = (await api("POST", "/api/v1/auth/login", null, { email: `lead-${run}@e2e.example`, password: PASSWORD })).access_token;
const impact = await api("GET", `/api/v1/rounds/${roundId}/impact?team_id=${squad.id}`, leadToken);
assert.equal(impact.released, true, `the Squad's driver impact is released: ${JSON.stringify(impact)}`);
assert.equal(impact.n, people.filter((p) => p.team.endsWith("/Squad")).length + SQUAD_ANSWERS.length);
assert.ok(impact.focus_areas.length > 0, `the Squad has a focus area: ${JSON.stringify(impact)}`);
assert.equal(impact.focus_areas[0].driver, "recognition", `recognition comes first: ${JSON.stringify(impact.focus_areas)}`);
assert.ok(impact.focus_areas[0].points_below > 0);
await lead.goto(`${BASE}${reportHref}?team_id=${squad.id}`);
// The priority matrix plots a point per driver asked about.
await lead.locator("svg#impact-matrix").waitFor({ state: "attached" });
assert.equal(await lead.locator("svg#impact-matrix circle").count(), impact.drivers.length);
// ... at a size a reader can see on a desktop screen (not squeezed beside its table).
const box = await lead.locator("svg#impact-matrix").boundingBox();
assert.ok(box && box.width >= 400 && box.height >= 200, `the priority matrix is drawn at ${JSON.stringify(box)}`);
await lead.waitForSelector("ul.focus-areas >> text=Recognition matters most to your team's engagement and scores");
await check(lead, "report-focus-areas");

step("the lead plans an action for the squad; it is on the report and on a member's phone");
const actionTitle = `Huddle on the results ${run}`;
await lead.goto(`${BASE}/actions/new`);
await lead.selectOption("#f-team_id", squad.id);
await lead.fill("#f-title", actionTitle);
await lead.fill("#f-description", "Ten minutes every Monday on what the pulse said, and what we change.");
await lead.fill("#f-due_on", "2099-01-31");
await check(lead, "action-new");
await Promise.all([lead.waitForURL(/\/actions\/(?!new)[^/]+$/), lead.click("button.primary")]);
await lead.waitForSelector(`h1 >> text=${actionTitle}`);
await check(lead, "action");
const actionUrl = lead.url();
await lead.goto(`${BASE}${reportHref}`);
await lead.waitForSelector(`section[aria-labelledby=report-actions] >> text=${actionTitle}`);
const member = sessions[people[1].email].page;
await member.goto(`${BASE}/`);
await member.waitForSelector(`#feedback-actions`);
await member.waitForSelector(`text=${actionTitle}`);
await check(member, "actions-home-phone");
// On a phone the header is compact: brand, sign-out and language on one line, the
// navigation on one sideways-scrolling row below (it was five rows, 213 px, before).
const header = await member.locator("header.top").boundingBox();
assert.ok(header && header.height <= 110, `a compact header on a phone: ${JSON.stringify(header)}`);
const navRow = await member.locator("header.top nav ul").boundingBox();
const firstLink = await member.locator("header.top nav li").first().boundingBox();
assert.ok(navRow && firstLink && navRow.height < 2 * firstLink.height, "the navigation is one row");
await hr.goto(`${BASE}/actions`);
await hr.waitForSelector(`text=${actionTitle}`);
await check(hr, "actions");

step("an anonymous pain point, answered by the manager, read back by its code");
const author = sessions[people[1].email].page;
await author.goto(`${BASE}/suggestions/new`);
await author.fill("#f-title", `Refunds are slow ${run}`);
await author.fill("#f-body", "Customers wait three weeks for a refund and call us twice a week.");
await author.selectOption("#f-touchpoint", "billing");
await author.check("#f-anonymous");
await check(author, "suggestion-new-phone");
await author.click("button.primary");
const code = (await author.locator("#followup-code").textContent()).trim();
assert.ok(code.length > 10, "a follow-up code is shown");
await shoot(author, "suggestion-code-phone");

await lead.goto(`${BASE}/suggestions`);
await check(lead, "suggestions");
await Promise.all([lead.waitForURL(/\/suggestions\/[^/]+$/), lead.click(`text=Refunds are slow ${run}`)]);
await lead.selectOption("#f-status", "acknowledged");
await lead.fill("#f-reply", "Thank you, we are reorganising the refund queue this month.");
await check(lead, "suggestion-answer");
const suggestionUrl = lead.url();
await Promise.all([lead.waitForLoadState("load"), lead.click("button.primary >> text=Send reply")]);
await lead.waitForSelector("text=reorganising the refund queue");

await author.goto(`${BASE}/suggestions`);
await author.click("summary");
await author.fill("#f-code", code);
await author.click("text=Read replies");
await author.waitForSelector("text=reorganising the refund queue");
await shoot(author, "suggestion-followup-phone");

step("the lead replies to a comment from the Squad's report; its author answers back by code on a phone");
await lead.goto(`${BASE}${reportHref}?team_id=${squad.id}`);
const commented = lead.locator("li", { hasText: "Nights have no trainer" });
await Promise.all([lead.waitForURL(/\/comment-threads\//), commented.locator("a.reply").click()]);
await lead.waitForSelector("blockquote >> text=Nights have no trainer");
await lead.fill("#f-text-0", "Thank you: from May a second trainer covers the nights.");
await check(lead, "comment-thread");
const threadUrl = lead.url();
await Promise.all([lead.waitForLoadState("load"), lead.click("button.primary")]);
await lead.waitForSelector("li[data-side=manager] >> text=a second trainer covers the nights");
const replier = sessions[people[REPLIES_FROM].email];
const phone = replier.page;
await phone.goto(`${BASE}/conversations`);
await phone.fill("#f-code", replier.code.toLowerCase());
await Promise.all([phone.waitForLoadState("load"), phone.click("button.primary >> text=Open its conversations")]);
await phone.waitForSelector("text=a second trainer covers the nights");
// The author reads the reply as from their manager, never with a name.
await phone.waitForSelector("li[data-side=manager] strong >> text=Your manager");
await phone.fill("#f-text-0", "Great, thank you. Could it start in April?");
await Promise.all([phone.waitForLoadState("load"), phone.click("button.primary >> text=Send")]);
await phone.waitForSelector("text=Could it start in April?");
await check(phone, "conversation-phone");
await lead.reload();
await lead.waitForSelector("li[data-side=author] >> text=Could it start in April?");

step("the linkage page plots the demo data; insights and the heatmap");
await hr.goto(`${BASE}/hr/linkage?metric=csat&lag=1`);
await hr.waitForSelector("figure.scatter svg circle");
await hr.waitForSelector("text=95% interval");
await check(hr, "linkage");
await hr.goto(`${BASE}/hr/heatmap`);
await hr.waitForSelector("table.heatmap");
await check(hr, "heatmap");
await hr.goto(`${BASE}/reports/insights`);
await check(hr, "insights");
await hr.goto(`${BASE}/admin/audit`);
await check(hr, "audit-log");

step("HR on a phone: the same compact header, the long navigation on one row");
await hr.setViewportSize(PHONE.viewport);
await hr.goto(`${BASE}/hr/surveys`);
const hrHeader = await hr.locator("header.top").boundingBox();
assert.ok(hrHeader && hrHeader.height <= 110, `a compact header for HR on a phone: ${JSON.stringify(hrHeader)}`);
await check(hr, "surveys-phone");
await hr.setViewportSize(DESKTOP.viewport);

// ---- every page, in English and Russian, on a desktop and a phone ----
// Each page: the language it was asked for, axe-core with no serious or critical
// violation, nothing wider than the phone's screen (wide tables scroll inside their own
// frame), and a screenshot of the Russian phone page.
async function setLanguage(page, lang) {
  await page.goto(`${BASE}/`);
  await page.selectOption("#lang-switch", lang);
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/language'] button")]);
  await page.waitForSelector(`html[lang=${lang}]`);
}
// Every problem the sweep finds, reported together at its end.
const problems = [];
async function sweep(page, who, paths) {
  for (const lang of ["en", "ru"]) {
    await setLanguage(page, lang);
    for (const [size, viewport] of [["desktop", DESKTOP.viewport], ["phone", PHONE.viewport]]) {
      await page.setViewportSize(viewport);
      for (const path of paths) {
        const name = `${who} ${path} ${lang} ${size}`;
        const res = await page.goto(`${BASE}${path}`);
        assert.ok(res.ok(), `${name}: ${res.status()}`);
        assert.equal(await page.getAttribute("html", "lang"), lang, `${name}: the page's language`);
        if (lang === "ru") {
          const top = (await page.locator("header.top").textContent({ timeout: 2000 }).catch(() => "")) ?? "";
          if (!/[А-Яа-я]/.test(top)) problems.push(`${name}: the page's header is not in Russian`);
        }
        if (size === "phone") {
          // What sticks out past the right edge (inside a scrolling frame is fine).
          const wide = await page.evaluate(() => {
            const out = [];
            const w = window.innerWidth;
            const clipped = (el) => {
              for (let a = el.parentElement; a; a = a.parentElement) {
                const o = getComputedStyle(a).overflowX;
                if (o !== "visible" && o !== "clip" && a.getBoundingClientRect().right <= w + 1) return true;
              }
              return false;
            };
            for (const el of document.querySelectorAll("body *")) {
              if (clipped(el)) continue;
              const r = el.getBoundingClientRect();
              if (r.width > 0 && r.right > w + 1) {
                const cls = el.className && typeof el.className === "string" ? `.${el.className.split(" ").join(".")}` : "";
                out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${cls} (${Math.round(r.right - w)}px)`);
              }
            }
            return { overflow: document.documentElement.scrollWidth - w, out: out.slice(0, 4) };
          });
          if (wide.overflow > 1) problems.push(`${name}: ${wide.overflow}px wider than the phone's screen: ${wide.out.join(", ")}`);
        }
        try {
          await axe(page, name);
        } catch (e) {
          problems.push(e.message);
        }
        if (lang === "ru" && size === "phone") {
          const stable = path.split("?")[0].replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "id");
          await shoot(page, `ru-phone-${who}${stable.replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "")}`);
        }
      }
    }
  }
  await setLanguage(page, "en");
  await page.setViewportSize(DESKTOP.viewport);
}

step("filters fold behind one line on a phone and stay open on a desktop");
await hr.setViewportSize(PHONE.viewport);
await hr.goto(`${BASE}/hr/people?status=active`);
assert.equal(await hr.locator("details.filters").getAttribute("open"), null, "folded");
assert.ok(!(await hr.locator("#f-status").isVisible()), "a folded filter is hidden on a phone");
assert.match((await hr.locator("details.filters summary").textContent()) ?? "", /Filters · 1 active/);
await hr.click("details.filters summary");
assert.ok(await hr.locator("#f-status").isVisible(), "a tap opens the filters");
await hr.setViewportSize(DESKTOP.viewport);
await hr.goto(`${BASE}/hr/people`);
assert.ok(await hr.locator("#f-status").isVisible(), "on a desktop the filters are open");
assert.ok(!(await hr.locator("details.filters summary").isVisible()), "and their line is hidden");

step("a vote on a phone comes back to its own card, not the top of the list");
const voter = sessions[people[4].email].page;
await voter.goto(`${BASE}/suggestions`);
const card = voter.locator("li.card", { hasText: `Refunds are slow ${run}` });
await Promise.all([voter.waitForLoadState("load"), card.locator("button[aria-pressed=false]").click()]);
assert.match(voter.url(), /#s-[0-9a-f-]+$/, "back to the card's anchor");
await voter.locator("li.card", { hasText: `Refunds are slow ${run}` }).locator("button[aria-pressed=true]").waitFor();
assert.ok(
  await voter.evaluate((id) => {
    const r = document.getElementById(id).getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight;
  }, voter.url().split("#")[1]),
  "the voted card is on screen",
);

step("the privacy statement on a phone: one short line that opens");
const memberPage = sessions[people[3].email].page;
await hr.setViewportSize(PHONE.viewport);
await hr.goto(`${surveyPage}/preview`);
const privacy = hr.locator("details.privacy");
assert.equal(await privacy.getAttribute("open"), null, "folded");
const folded = await privacy.boundingBox();
assert.ok(folded && folded.height <= 100, `the folded statement is short: ${JSON.stringify(folded)}`);
await privacy.locator("summary").click();
await hr.waitForSelector("details.privacy[open] >> text=/at least 5 answers/");
await hr.setViewportSize(DESKTOP.viewport);

step("every page in English and Russian, on a desktop and a phone");
const surveyId = surveyPage.split("/").pop();
const personHref = await hr.goto(`${BASE}/hr/people?q=${encodeURIComponent(`squad1-${run}`)}`).then(() =>
  hr.locator("tbody th[scope=row] a").first().getAttribute("href"),
);
await sweep(hr, "hr", [
  "/",
  "/pulses",
  "/password",
  "/hr/surveys",
  "/hr/surveys/new",
  `/hr/surveys/${surveyId}`,
  `/hr/surveys/${surveyId}/edit`,
  `/hr/surveys/${surveyId}/preview`,
  `/hr/surveys/${surveyId}/open`,
  "/hr/people",
  "/hr/people/new",
  personHref,
  "/hr/teams",
  `/hr/teams/${org.id}`,
  `/hr/teams/${squad.id}`,
  "/hr/cx",
  "/hr/heatmap",
  "/hr/linkage?metric=csat&lag=1",
  "/reports",
  `${reportHref}?team_id=${org.id}`,
  "/reports/insights",
  "/suggestions",
  "/suggestions/new",
  new URL(suggestionUrl).pathname,
  "/actions",
  "/actions/new",
  new URL(actionUrl).pathname,
  "/conversations",
  "/admin/audit",
  "/admin/retention",
  "/admin/scim",
  "/admin/webhooks",
  "/admin/outbox",
  `/rounds/${roundId}/kiosk`,
]);
await sweep(lead, "manager", [
  "/",
  reportHref,
  `${reportHref}?team_id=${squad.id}`,
  "/reports/insights",
  "/suggestions",
  new URL(threadUrl).pathname,
  "/actions",
]);
await sweep(memberPage, "employee", ["/", "/pulses", `/pulses/${roundId}`, "/suggestions", "/suggestions/new", "/conversations", "/password"]);
const anonCtx = await context(DESKTOP);
const anon = await anonCtx.newPage();
for (const [size, viewport] of [["desktop", DESKTOP.viewport], ["phone", PHONE.viewport]]) {
  await anon.setViewportSize(viewport);
  for (const path of ["/signin", "/activate?token=not-a-token", "/conversations", "/k", "/k?code=ZZZZZ-ZZZZZ"]) {
    await anon.goto(`${BASE}${path}`);
    await axe(anon, `signed out ${path} ${size}`);
  }
}
await anonCtx.close();
assert.equal(problems.length, 0, `the sweep found:\n${problems.join("\n")}`);

step("an employee opening an HR page gets the 403 page");
const emp = sessions[people[2].email].page;
const res = await emp.goto(`${BASE}/hr/surveys`);
assert.equal(res.status(), 403);
await emp.waitForSelector("text=Not allowed");

await browser.close();
console.log("accessibility findings (none serious or critical):");
for (const f of axeFindings) console.log(`  ${f}`);
console.log("e2e: all scenarios passed");
