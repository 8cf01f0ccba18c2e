//! The web pages: sessions in cookies, CSRF on every form, role pages, answering a pulse
//! with form posts, and Russian pages — against the real app and database.

use std::collections::HashMap;

use poem::http::Method;
use serde_json::json;

use crate::helpers::*;

/// A browser-like client: keeps cookies, posts forms with the page's CSRF token.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
    /// Extra headers sent with each request.
    headers: Vec<(&'static str, String)>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookies: HashMap::new(),
            headers: vec![],
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn request(&mut self, method: Method, path: &str, form: Option<String>) -> Resp {
        let mut req = self.app.client.request(method, path);
        if !self.cookies.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        for (k, v) in &self.headers {
            req = req.header(*k, v.clone());
        }
        if let Some(body) = form {
            req = req
                .content_type("application/x-www-form-urlencoded")
                .body(body);
        }
        let resp = req.send().await.0;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().into_vec().await.expect("body");
        for sc in headers.get_all("set-cookie") {
            let sc = sc.to_str().expect("ascii cookie");
            let (pair, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            let (k, v) = pair.split_once('=').expect("name=value");
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        Resp {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Resp {
        self.request(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.request(Method::POST, path, Some(body)).await
    }

    /// GETs `page`, then posts `fields` to `action` with the page's CSRF token.
    async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let p = self.get(page).await;
        assert_eq!(p.status, 200, "{page}: {}", p.text());
        let token = csrf_of(&p.text());
        let mut all: Vec<(&str, &str)> = vec![("csrf", &token)];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    async fn sign_in(&mut self, email: &str, password: &str) -> Resp {
        self.submit(
            "/signin",
            "/signin",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// The CSRF token in a page's first form.
fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').expect("end")].to_owned()
}

fn location(r: &Resp) -> String {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The `Set-Cookie` of the session in a response.
fn session_set_cookie(r: &Resp) -> String {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pulseline_session="))
        .expect("a session cookie")
        .to_owned()
}

#[track_caller]
fn assert_html(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text());
    assert!(
        r.content_type().starts_with("text/html"),
        "not HTML: {}",
        r.content_type()
    );
    assert!(r.text().contains("<main"), "a whole page: {}", r.text());
}

#[tokio::test]
async fn no_page_works_without_a_session() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    for path in ["/pulses", "/password", "/pulses/some-round"] {
        let r = b.get(path).await;
        assert_eq!(r.status, 303, "{path}");
        assert!(
            location(&r).starts_with("/signin"),
            "{path}: {}",
            location(&r)
        );
    }
    let r = b.get("/").await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/signin"));
    // The way back is kept, and only ever to this site.
    let r = b.get("/pulses?x=1").await;
    assert_eq!(location(&r), "/signin?next=%2Fpulses%3Fx%3D1");
    // A forged or stale cookie is no session either, and is cleared.
    b.cookies
        .insert("pulseline_session".into(), "not-a-token".into());
    let r = b.get("/pulses").await;
    assert_eq!(r.status, 303);
    assert!(!b.cookies.contains_key("pulseline_session"));
    // Posting without a session changes nothing and sends to sign-in.
    let r = b.post("/password", &[("new_password", "x")]).await;
    assert_eq!(r.status, 303);
    // The API is untouched by the pages.
    app.get("/api/v1/me", None).await.expect(401);
    app.get("/healthz", None).await.expect(200);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_over_tls() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut b = Browser::new(&app);
    let r = b.get("/signin").await;
    assert_html(&r, 200);
    let r = b.sign_in(&admin.email, PASSWORD).await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/"));
    let cookie = session_set_cookie(&r);
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=3600"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    // The cookie carries the API's own token.
    let token = b.cookies["pulseline_session"].clone();
    app.get("/api/v1/me", Some(&token)).await.expect(200);

    // Behind a TLS proxy the cookie is Secure.
    let mut tls = Browser::new(&app);
    tls.headers.push(("x-forwarded-proto", "https".into()));
    let r = tls.sign_in(&admin.email, PASSWORD).await;
    let cookie = session_set_cookie(&r);
    assert!(cookie.contains("; Secure"), "{cookie}");

    // Pages carry a strict content security policy and are not cached.
    let r = b.get("/pulses").await;
    assert_html(&r, 200);
    let csp = r.headers["content-security-policy"].to_str().expect("csp");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut b = Browser::new(&app);

    // Sign-in itself needs the token of the page it came from.
    b.get("/signin").await;
    let r = b
        .post(
            "/signin",
            &[("email", &admin.email), ("password", PASSWORD)],
        )
        .await;
    assert_html(&r, 403);
    assert!(!b.cookies.contains_key("pulseline_session"));

    b.sign_in(&admin.email, PASSWORD).await;
    let token = b.cookies["pulseline_session"].clone();
    let good = csrf_of(&b.get("/password").await.text());
    let new_password = "another sturdy password";
    for bad in ["", "00", "zz-not-hex", &"0".repeat(64)] {
        let mut fields = vec![
            ("current_password", PASSWORD),
            ("new_password", new_password),
        ];
        if !bad.is_empty() {
            fields.push(("csrf", bad));
        }
        let r = b.post("/password", &fields).await;
        assert_html(&r, 403);
        assert!(r.text().contains("The form has expired"), "{}", r.text());
    }
    // Nothing changed: the old password still signs in.
    app.login(&admin.email, PASSWORD).await;

    // A token from another session does not fit this one.
    let mut other = Browser::new(&app);
    other.sign_in(&admin.email, PASSWORD).await;
    let foreign = csrf_of(&other.get("/password").await.text());
    assert_ne!(foreign, good);
    let r = b.post("/signout", &[("csrf", foreign.as_str())]).await;
    assert_html(&r, 403);
    app.get("/api/v1/me", Some(&token)).await.expect(200);

    // With its own token, signing out works and revokes the token server-side.
    let r = b.post("/signout", &[("csrf", good.as_str())]).await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/signin?bye=1"));
    assert!(!b.cookies.contains_key("pulseline_session"));
    app.get("/api/v1/me", Some(&token)).await.expect(401);
    // Replaying the old cookie does not bring the session back.
    b.cookies.insert("pulseline_session".into(), token);
    assert_eq!(b.get("/pulses").await.status, 303);
}

#[tokio::test]
async fn wrong_credentials_and_bad_passwords_are_shown_beside_their_fields() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut b = Browser::new(&app);
    let r = b.sign_in(&admin.email, "not the password").await;
    assert_html(&r, 401);
    assert!(r.text().contains("The e-mail or the password is wrong."));
    // The e-mail typed is kept, escaped.
    let r = b.sign_in("<script>@x.org", "whatever password").await;
    assert!(r.text().contains("&lt;script&gt;@x.org"), "{}", r.text());
    assert!(!r.text().contains("<script>@x.org"));

    // Activation from the link: the code is prefilled; a short password is refused
    // beside the password field with the API's own rule.
    let team = app.create_team(&admin, "Desk", None, "frontline").await;
    let (_, code) = app
        .create_person(&admin, "new.person@example.org", Some(&team))
        .await;
    let link = format!("/activate?token={code}");
    let page = b.get(&link).await;
    assert_html(&page, 200);
    assert!(page.text().contains(&format!("value=\"{code}\"")));
    let r = b
        .submit(
            &link,
            "/activate",
            &[("token", &code), ("password", "short")],
        )
        .await;
    assert_html(&r, 422);
    let html = r.text();
    let field = html.find("id=\"f-password\"").expect("password field");
    let error = html.find("must be at least 12 characters").expect("error");
    assert!(error > field, "the error follows its field");
    assert!(html.contains("aria-describedby=\"f-password-hint f-password-err\""));
    let r = b
        .submit(
            &link,
            "/activate",
            &[("token", "wrong"), ("password", PASSWORD)],
        )
        .await;
    assert_html(&r, 404);
    assert!(r.text().contains("unknown or already used"));
    let r = b
        .submit(
            &link,
            "/activate",
            &[("token", &code), ("password", PASSWORD)],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/pulses"));
    assert_html(&b.get("/pulses").await, 200);

    // Changing the password: a wrong current one is named; then every session ends.
    let r = b
        .submit(
            "/password",
            "/password",
            &[
                ("current_password", "wrong one entirely"),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert!(r.text().contains("is not the current password"));
    let r = b
        .submit(
            "/password",
            "/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/signin?changed=1");
    app.login("new.person@example.org", "a brand new password")
        .await;
}

/// A team of `n` seeded employees with a survey from the bank and an open round.
async fn team_with_open_round(app: &TestApp, hr: &Actor, n: usize) -> (Vec<Actor>, String, String) {
    let team = app.create_team(hr, "Support", None, "frontline").await;
    let people = app.seed_people(&team, n, |_| (None, None, None)).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({
                "title": "Spring pulse",
                "questions": [
                    {"bank_item": "eo_proud"},
                    {"bank_item": "eo_enps"},
                    {"kind": "choice", "driver": "voice", "text": "Which channel?",
                     "text_ru": "Какой канал?", "options": ["Chat", "Mail"]},
                    {"kind": "text", "driver": "voice", "text": "Anything else?",
                     "text_ru": "Что-нибудь ещё?"}
                ],
                "audience": {"team_ids": [team]},
                "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}
            }),
        )
        .await;
    r.expect(201);
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    let round = app.open_round_now(hr, &survey).await;
    (people, survey, round)
}

#[tokio::test]
async fn an_employee_signs_in_and_answers_a_pulse_with_form_posts() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (people, survey, round) = team_with_open_round(&app, &hr, 5).await;
    let me = &people[0];
    app.set_password(&me.id).await;
    let questions = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json()["questions"]
        .clone();
    let qid = |i: usize| questions[i]["id"].as_str().expect("id").to_owned();

    let mut b = Browser::new(&app);
    b.sign_in(&me.email, PASSWORD).await;
    let list = b.get("/pulses").await;
    assert_html(&list, 200);
    assert!(list.text().contains("Spring pulse"));
    assert!(list.text().contains(&format!("href=\"/pulses/{round}\"")));

    let form = b.get(&format!("/pulses/{round}")).await;
    assert_html(&form, 200);
    let html = form.text();
    // Likert buttons 1-5, a 0-10 scale, the choices, a text with its limit.
    for v in 1..=5 {
        assert!(html.contains(&format!("name=\"answers.{}\" value=\"{v}\"", qid(0))));
    }
    for v in 0..=10 {
        assert!(html.contains(&format!("name=\"answers.{}\" value=\"{v}\"", qid(1))));
    }
    assert!(html.contains(&format!("name=\"answers.{}\" value=\"Mail\"", qid(2))));
    assert!(html.contains("maxlength=\"2000\""));
    // The plain statement of what is stored, with this survey's k.
    assert!(html.contains("What is stored and who sees it"));
    assert!(html.contains("at least 5 answers"), "{html}");
    // Every radio has its own label.
    // (and the text area one more).
    assert_eq!(
        html.matches("type=\"radio\"").count() + 1,
        html.matches("<label for=\"f-answers").count(),
    );

    // A missing required answer is shown beside its question, and nothing is stored.
    let action = format!("/pulses/{round}");
    let (a0, a1, a2, a3) = (
        format!("answers.{}", qid(0)),
        format!("answers.{}", qid(1)),
        format!("answers.{}", qid(2)),
        format!("answers.{}", qid(3)),
    );
    let r = b
        .submit(&action, &action, &[(&a0, "4"), (&a2, "Chat")])
        .await;
    assert_html(&r, 422);
    let html = r.text();
    let err_id = format!("f-answers_{}-err", qid(1));
    assert!(html.contains(&format!("id=\"{err_id}\"")), "{html}");
    assert!(html.contains(&format!("aria-describedby=\"{err_id}\"")));
    assert!(html.contains("checked"), "the answers given are kept");
    assert_eq!(app.count("responses").await, 0);

    let r = b
        .submit(
            &action,
            &action,
            &[
                (&a0, "4"),
                (&a1, "9"),
                (&a2, "Chat"),
                (&a3, "More plants, please"),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/pulses?done=1"));
    assert_eq!(app.count("responses").await, 1);
    assert_eq!(app.count("answers").await, 4);
    let done = b.get("/pulses?done=1").await;
    assert!(done.text().contains("your answers were recorded"));
    assert!(!done.text().contains(&format!("/pulses/{round}")));
    // The round is answered: its page is gone, for the pages and the API alike.
    assert_html(&b.get(&action).await, 404);
    let token = b.cookies["pulseline_session"].clone();
    assert_eq!(
        app.get("/api/v1/me/pulses", Some(&token)).await.json(),
        json!([])
    );
}

#[tokio::test]
async fn pages_follow_the_persons_language_and_it_can_be_switched() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (people, _, round) = team_with_open_round(&app, &hr, 5).await;
    let me = &people[0];
    app.set_password(&me.id).await;

    // Signed out: the browser's language, then a cookie once switched.
    let mut b = Browser::new(&app);
    b.headers.push(("accept-language", "ru-RU,ru;q=0.9".into()));
    let r = b.get("/signin").await;
    assert!(r.text().contains("<html lang=\"ru\""));
    assert!(r.text().contains("Эл. почта"));
    let r = b
        .submit(
            "/signin",
            "/language",
            &[("lang", "en"), ("next", "/signin")],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/signin"));
    assert!(b.get("/signin").await.text().contains("E-mail"));

    // Signed in: the person's own setting, switched with a form.
    b.sign_in(&me.email, PASSWORD).await;
    assert!(b.get("/pulses").await.text().contains("My pulses"));
    let r = b
        .submit(
            "/pulses",
            "/language",
            &[("lang", "ru"), ("next", "/pulses")],
        )
        .await;
    assert_eq!(location(&r), "/pulses");
    let token = b.cookies["pulseline_session"].clone();
    assert_eq!(
        app.get("/api/v1/me", Some(&token)).await.json()["language"],
        "ru"
    );
    let html = b.get(&format!("/pulses/{round}")).await.text();
    assert!(html.contains("<html lang=\"ru\""));
    assert!(html.contains("Мои опросы"));
    assert!(html.contains("Что хранится и кто это видит"));
    assert!(html.contains("Совсем не согласен"));
    // The questions come in Russian too.
    assert!(html.contains("Какой канал?"), "{html}");
    // The switch refuses a post without its token.
    let r = b
        .post("/language", &[("lang", "en"), ("next", "/pulses")])
        .await;
    assert_html(&r, 403);
}

#[tokio::test]
async fn an_employee_opening_an_hr_page_gets_a_403_page() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let emp = app.employee(&hr, Some(&team)).await;
    let mut b = Browser::new(&app);
    b.sign_in(&emp.email, PASSWORD).await;
    for path in ["/hr/surveys", "/hr/surveys/new", "/hr/heatmap", "/reports"] {
        let r = b.get(path).await;
        assert_html(&r, 403);
        assert!(r.text().contains("Not allowed"), "{path}");
        // The navigation offers no HR links to an employee.
        assert!(!r.text().contains("href=\"/hr/surveys\""), "{path}");
    }
    // Posting an HR form with a valid token is refused by the role check too.
    let token = csrf_of(&b.get("/pulses").await.text());
    let r = b
        .post("/hr/surveys/new", &[("csrf", &token), ("title", "Mine")])
        .await;
    assert_html(&r, 403);
    assert_eq!(app.count("surveys").await, 0);
}

#[tokio::test]
async fn hr_creates_a_survey_from_the_bank_and_opens_a_round_on_the_pages() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let today = chrono::Utc::now().date_naive().to_string();
    // A window longer than the cadence is refused beside its field.
    let base = vec![
        ("title", "Pulse from the pages"),
        ("bank_item", "eo_proud"),
        ("bank_item", "eo_enps"),
        ("team_id", team.as_str()),
        ("cut", "location"),
        ("starts_on", today.as_str()),
        ("cadence", "weekly"),
        ("min_group", "5"),
    ];
    let mut bad = base.clone();
    bad.push(("schedule.window_days", "30"));
    let r = b.submit("/hr/surveys/new", "/hr/surveys/new", &bad).await;
    assert_html(&r, 422);
    let html = r.text();
    assert!(html.contains("id=\"f-schedule_window_days-err\""), "{html}");
    assert!(html.contains("checked"), "the ticked items are kept");
    let mut good = base.clone();
    good.push(("schedule.window_days", "5"));
    let r = b.submit("/hr/surveys/new", "/hr/surveys/new", &good).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = location(&r);
    let survey = page.trim_start_matches("/hr/surveys/").to_owned();
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(v["questions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["cuts"], json!(["location"]));
    assert_eq!(v["audience"]["team_ids"], json!([team]));

    let r = b.submit(&page, &format!("{page}/open"), &[]).await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));
    let html = b.get(&page).await.text();
    assert!(html.contains("Close the open round now"));
    assert!(html.contains("Live participation"));
    let rounds = app
        .get(&format!("/api/v1/surveys/{survey}/rounds"), Some(&hr.token))
        .await
        .json();
    assert_eq!(rounds[0]["status"], "open");
}

/// Answers the two-question bank survey of `round` as `who` through the API.
async fn answer_api(app: &TestApp, who: &Actor, round: &str, qs: &[String]) {
    app.post(
        &format!("/api/v1/rounds/{round}/responses"),
        Some(&who.token),
        json!({"answers": [
            {"question_id": qs[0], "value": 4},
            {"question_id": qs[1], "value": 9}
        ]}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn reports_show_small_groups_as_fewer_than_k_answers_never_as_zero() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let org = app.create_team(&hr, "Org", None, "internal").await;
    let big = app
        .create_team(&hr, "Big desk", Some(&org), "frontline")
        .await;
    let mid = app
        .create_team(&hr, "Mid desk", Some(&org), "frontline")
        .await;
    let small = app
        .create_team(&hr, "Small desk", Some(&org), "frontline")
        .await;
    let mut everyone = vec![];
    for (t, n) in [(&big, 7), (&mid, 6), (&small, 3)] {
        everyone.extend(app.seed_people(t, n, |_| (None, None, None)).await);
    }
    let manager = app.manager_of(&hr, &small).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({"title": "Quarterly", "questions": [{"bank_item": "eo_proud"}, {"bank_item": "eo_enps"}],
                   "audience": {"team_ids": [org]},
                   "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}}),
        )
        .await;
    r.expect(201);
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    let qs: Vec<String> = r.json()["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["id"].as_str().expect("id").to_owned())
        .collect();
    let round = app.open_round_now(&hr, &survey).await;
    for who in &everyone {
        answer_api(&app, who, &round, &qs).await;
    }

    // While open: no scores on the report page.
    let mut hrb = Browser::new(&app);
    hrb.sign_in(&hr.email, PASSWORD).await;
    let html = hrb.get(&format!("/reports/{round}")).await.text();
    assert!(html.contains("This round is still open"), "{html}");
    assert!(!html.contains("<h2>Drivers</h2>"));

    // HR closes the round on its page.
    let r = hrb
        .submit(
            &format!("/hr/surveys/{survey}"),
            &format!("/hr/rounds/{round}/close"),
            &[],
        )
        .await;
    assert_eq!(r.status, 303);

    let r = hrb.get(&format!("/reports/{round}?team_id={org}")).await;
    assert_html(&r, 200);
    let html = r.text();
    let small_row = &html[html.find("Small desk").expect("small team row")..];
    let small_row = &small_row[..small_row.find("</tr>").expect("row end")];
    assert!(small_row.contains("fewer than 5 answers"), "{small_row}");
    assert!(small_row.contains("class=\"suppressed\""));
    let big_row = &html[html.find("Big desk").expect("big team row")..];
    let big_row = &big_row[..big_row.find("</tr>").expect("row end")];
    assert!(big_row.contains(">7<"), "{big_row}");
    // Drivers as a chart with the numbers in a table beside it, and the trend.
    assert!(html.contains("<svg"));
    assert!(html.contains("<caption>Drivers</caption>"));
    assert!(html.contains("Engagement index by round"));
    // The heatmap marks what it hides.
    let heat = hrb.get("/hr/heatmap").await.text();
    assert!(heat.contains("Teams by driver"));
    assert!(heat.contains("fewer than 5 answers"));

    // The manager of the small team sees only that it is too small: no chart of zeros.
    let mut mb = Browser::new(&app);
    mb.sign_in(&manager.email, PASSWORD).await;
    let r = mb.get(&format!("/reports/{round}")).await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("fewer than 5 answers"), "{html}");
    assert!(!html.contains("<svg"), "no chart for a suppressed group");
    assert!(!html.contains("Big desk"), "only the manager's subtree");
    // Report reads are audited like the API's.
    assert!(app.count("audit_log").await >= 2);
    // A manager is not HR.
    assert_html(&mb.get("/hr/heatmap").await, 403);
}

#[tokio::test]
async fn an_anonymous_pain_point_is_answered_and_read_back_by_its_code() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    app.seed_people(&team, 5, |_| (None, None, None)).await;
    let manager = app.manager_of(&hr, &team).await;
    let emp = app.employee(&hr, Some(&team)).await;

    let mut eb = Browser::new(&app);
    eb.sign_in(&emp.email, PASSWORD).await;
    let form = eb.get("/suggestions/new").await.text();
    assert!(form.contains("your name is not stored"));
    // A missing title is named beside its field.
    let r = eb
        .submit(
            "/suggestions/new",
            "/suggestions/new",
            &[
                ("title", ""),
                ("body", "Refunds take weeks"),
                ("touchpoint", "billing"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert!(r.text().contains("id=\"f-title-err\""), "{}", r.text());
    let r = eb
        .submit(
            "/suggestions/new",
            "/suggestions/new",
            &[
                ("title", "Refunds are slow"),
                ("body", "Customers wait three weeks for a refund."),
                ("touchpoint", "billing"),
                ("anonymous", "1"),
            ],
        )
        .await;
    assert_html(&r, 201);
    let html = r.text();
    let marker = "id=\"followup-code\">";
    let start = html.find(marker).expect("the code is shown") + marker.len();
    let code = html[start..start + html[start..].find('<').expect("end")].to_owned();
    let stored: Vec<Option<String>> = {
        use diesel::prelude::*;
        use pulseline::db::schema::suggestions;
        app.state
            .db
            .read(|conn| {
                Ok(suggestions::table
                    .select(suggestions::author_id)
                    .load(conn)?)
            })
            .await
            .expect("rows")
    };
    assert_eq!(stored, vec![None], "no author stored");

    // Colleagues see it and vote.
    let list = eb.get("/suggestions").await.text();
    assert!(list.contains("Refunds are slow"));
    assert!(list.contains("Anonymous"));
    let id = {
        let v = app
            .get("/api/v1/suggestions", Some(&emp.token))
            .await
            .json();
        v["items"][0]["id"].as_str().expect("id").to_owned()
    };
    let r = eb
        .submit(
            "/suggestions",
            &format!("/suggestions/{id}/vote"),
            &[("next", "/suggestions")],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/suggestions"));
    let v = app
        .get(&format!("/api/v1/suggestions/{id}"), Some(&emp.token))
        .await
        .json();
    assert_eq!(
        (v["votes"].clone(), v["voted_by_me"].clone()),
        (json!(1), json!(true))
    );

    // The manager answers on the suggestion's page.
    let mut mb = Browser::new(&app);
    mb.sign_in(&manager.email, PASSWORD).await;
    let page = format!("/suggestions/{id}");
    let r = mb
        .submit(
            &page,
            &format!("{page}/reply"),
            &[("status", "acknowledged"), ("reply", "short")],
        )
        .await;
    assert_html(&r, 422);
    assert!(r.text().contains("id=\"f-reply-err\""));
    let r = mb
        .submit(
            &page,
            &format!("{page}/reply"),
            &[
                ("status", "acknowledged"),
                ("reply", "Thank you, we are looking at the refund queue."),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));

    // The author reads the reply with the code; a wrong code is named beside its field.
    let r = eb
        .submit(
            "/suggestions",
            "/suggestions/followup",
            &[("code", "wrong")],
        )
        .await;
    assert_html(&r, 404);
    assert!(r.text().contains("No suggestion has this code."));
    let r = eb
        .submit("/suggestions", "/suggestions/followup", &[("code", &code)])
        .await;
    assert_html(&r, 200);
    assert!(r.text().contains("looking at the refund queue"));
    assert!(r.text().contains("Acknowledged"));
}

#[tokio::test]
async fn the_demo_organisation_shows_its_linkage_insights_and_audit_log() {
    let app = spawn_app().await;
    let password = "demo password for tests";
    let hash = app.state.hasher.hash_blocking(password).expect("hash");
    let today = chrono::Utc::now().date_naive();
    let db = app.state.db.clone();
    let summary = tokio::task::spawn_blocking(move || {
        pulseline::demo::seed(&db, hash, password.into(), 7, today, 5)
    })
    .await
    .expect("join")
    .expect("seed");
    let mut b = Browser::new(&app);
    b.sign_in(&summary.admin_email, password).await;

    let r = b.get("/hr/linkage?metric=csat&lag=1").await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("<svg"), "the scatter plot");
    assert!(html.contains("Points of the plot"), "its numbers beside it");
    assert!(html.contains("move together: r = "), "{html}");
    assert!(html.contains("95% interval"));
    assert!(html.contains("The link is strongest when customer scores are taken"));
    assert!(html.contains("Within each team over time"));
    assert!(html.contains("Teams at risk"));

    let r = b.get("/reports/insights").await;
    assert_html(&r, 200);
    assert!(r.text().contains("Closing the loop"));
    assert!(r.text().contains("Touchpoints"));

    let r = b.get("/hr/heatmap").await;
    assert_html(&r, 200);
    assert!(r.text().contains("class=\"num h"), "coloured cells");

    let r = b.get("/admin/audit").await;
    assert_html(&r, 200);
    assert!(r.text().contains("heatmap.read"), "{}", r.text());

    // In Russian.
    b.submit(
        "/pulses",
        "/language",
        &[("lang", "ru"), ("next", "/hr/linkage")],
    )
    .await;
    let html = b.get("/hr/linkage?metric=csat&lag=1").await.text();
    assert!(html.contains("Вовлечённость и клиентский опыт"));
    assert!(html.contains("95% интервал"));

    // The audit log is for admins only.
    let hr = app.hr().await;
    let mut hb = Browser::new(&app);
    hb.sign_in(&hr.email, PASSWORD).await;
    assert_html(&hb.get("/admin/audit").await, 403);
}

#[tokio::test]
async fn hr_previews_a_people_import_then_imports_and_loads_cx_ratings() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let csv = "email,name,team\nann@example.org,Ann,Desk\nnot-an-email,Bob,Desk\ncy@example.org,Cy,Nowhere\n";
    let r = b
        .submit(
            "/hr/people",
            "/hr/people/import",
            &[("csv", csv), ("dry_run", "1")],
        )
        .await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("Dry run: nothing was written"), "{html}");
    assert!(html.contains("Row errors"));
    assert!(
        html.contains("<code>email</code>"),
        "the row's column is named"
    );
    assert!(html.contains("<code>team</code>"));
    assert_eq!(app.count("people").await, 1, "nothing written");
    // Without partial, invalid rows stop the whole import.
    let r = b
        .submit("/hr/people", "/hr/people/import", &[("csv", csv)])
        .await;
    assert_html(&r, 422);
    assert!(r.text().contains("Nothing was imported"));
    let good = "email,name,team\nann@example.org,Ann,Desk\n";
    let r = b
        .submit("/hr/people", "/hr/people/import", &[("csv", good)])
        .await;
    assert_html(&r, 200);
    assert!(r.text().contains("/activate?token="), "{}", r.text());
    assert_eq!(app.count("people").await, 2);

    // CX ratings: a dry run reports the bad row by index and stores nothing.
    use diesel::prelude::*;
    use pulseline::db::schema::teams;
    let t = team.clone();
    app.state
        .db
        .write(move |conn| {
            diesel::update(teams::table.find(&t))
                .set(teams::team_key.eq(Some("DESK-1")))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("team key");
    let ratings = "external_id,team_id,team_key,metric,score,occurred_on\nc1,,DESK-1,csat,4,2026-04-01\nc2,,DESK-1,csat,x,2026-04-01\n";
    let r = b
        .submit(
            "/hr/cx",
            "/hr/cx/import",
            &[("csv", ratings), ("dry_run", "1")],
        )
        .await;
    assert_html(&r, 200);
    assert!(r.text().contains("Dry run: nothing was written"));
    assert!(r.text().contains("<code>score</code>"), "{}", r.text());
    assert_eq!(app.count("cx_ratings").await, 0);
    let r = b
        .submit("/hr/cx", "/hr/cx/import", &[("csv", ratings)])
        .await;
    assert_html(&r, 200);
    assert_eq!(app.count("cx_ratings").await, 1);
}

/// The text of the error shown beside field `id` (`<p class="error" id="{id}-err">`),
/// asserting that it follows the field itself.
#[track_caller]
fn error_beside(html: &str, id: &str) -> String {
    let field = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no field {id}: {html}"));
    let marker = format!("<p class=\"error\" id=\"{id}-err\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no error beside {id}: {html}"))
        + marker.len();
    assert!(start > field, "the error of {id} follows its field");
    html[start..start + html[start..].find("</p>").expect("end")].to_owned()
}

/// Switches a signed-in browser's person to `lang` through the language form.
async fn switch_language(b: &mut Browser<'_>, lang: &str) {
    let r = b
        .submit("/password", "/language", &[("lang", lang), ("next", "/")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
}

#[tokio::test]
async fn validation_errors_are_shown_in_the_persons_language_beside_their_fields() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let (people, survey, round) = team_with_open_round(&app, &hr, 5).await;
    let team = app.get("/api/v1/teams", Some(&hr.token)).await.json()["items"][0]["id"]
        .as_str()
        .expect("team")
        .to_owned();
    let today = chrono::Utc::now().date_naive().to_string();
    let too_long = [
        ("title", "Weekly check"),
        ("bank_item", "eo_proud"),
        ("team_id", team.as_str()),
        ("starts_on", today.as_str()),
        ("cadence", "weekly"),
        ("schedule.window_days", "30"),
        ("min_group", "5"),
    ];

    // HR in English sees the API's own English words beside the field...
    let mut en = Browser::new(&app);
    en.sign_in(&hr.email, PASSWORD).await;
    let r = en
        .submit("/hr/surveys/new", "/hr/surveys/new", &too_long)
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-schedule_window_days"),
        "must be 1 to 7 days for a weekly survey (no longer than the cadence)"
    );

    // ...and in Russian the same error in Russian, with its values filled in.
    let mut ru = Browser::new(&app);
    ru.sign_in(&hr.email, PASSWORD).await;
    switch_language(&mut ru, "ru").await;
    let r = ru
        .submit("/hr/surveys/new", "/hr/surveys/new", &too_long)
        .await;
    assert_html(&r, 422);
    let html = r.text();
    assert_eq!(
        error_beside(&html, "f-schedule_window_days"),
        "должно быть от 1 до 7 дн. для опроса, проводимого раз в неделю (не дольше периода)"
    );
    assert!(html.contains("Исправьте отмеченные поля."), "{html}");
    let mut empty = too_long.to_vec();
    empty.retain(|(k, _)| *k != "bank_item");
    let r = ru
        .submit("/hr/surveys/new", "/hr/surveys/new", &empty)
        .await;
    assert!(
        r.text()
            .contains("в опросе должен быть хотя бы один вопрос"),
        "{}",
        r.text()
    );

    // CSV import row errors come in Russian, row by row.
    let r = ru
        .submit(
            "/hr/people",
            "/hr/people/import",
            &[("csv", "email,name\nnot-an-address,Someone\n")],
        )
        .await;
    assert_html(&r, 422);
    assert!(
        r.text()
            .contains("должно быть адресом эл. почты вида name@example.org"),
        "{}",
        r.text()
    );
    let r = ru
        .submit(
            "/hr/people",
            "/hr/people/import",
            &[("csv", "email,name,shoe_size\n")],
        )
        .await;
    assert_eq!(
        error_beside(&r.text(), "f-csv"),
        "неизвестный столбец `shoe_size`"
    );

    // An employee in Russian: a pulse answer, a suggestion and a password change.
    let me = &people[0];
    app.set_password(&me.id).await;
    let questions = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json()["questions"]
        .clone();
    let choice = questions[2]["id"].as_str().expect("id").to_owned();
    let mut emp = Browser::new(&app);
    emp.sign_in(&me.email, PASSWORD).await;
    switch_language(&mut emp, "ru").await;
    let action = format!("/pulses/{round}");
    let field = format!("answers.{choice}");
    let r = emp.submit(&action, &action, &[(&field, "Fax")]).await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), &format!("f-answers_{choice}")),
        "такого варианта нет среди предложенных"
    );
    let r = emp
        .submit(
            "/suggestions/new",
            "/suggestions/new",
            &[
                ("title", "   "),
                ("body", "Refunds are slow"),
                ("touchpoint", "billing"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(error_beside(&r.text(), "f-title"), "не должно быть пустым");
    let r = emp
        .submit(
            "/password",
            "/password",
            &[("current_password", PASSWORD), ("new_password", "short")],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-new_password"),
        "должно быть не короче 12 символов"
    );

    // The API answers the same person in English, whatever their language.
    let token = emp.cookies["pulseline_session"].clone();
    let r = app
        .post(
            &format!("/api/v1/rounds/{round}/responses"),
            Some(&token),
            json!({"answers": [{"question_id": choice, "choice": "Fax"}]}),
        )
        .await;
    r.expect(422);
    assert_eq!(r.json()["detail"], "choice is not among the options");
}

/// The team named `name` in the API's list, as JSON.
async fn team_named(app: &TestApp, hr: &Actor, name: &str) -> serde_json::Value {
    let all = app
        .get("/api/v1/teams?limit=200", Some(&hr.token))
        .await
        .json();
    all["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no team {name}: {all}"))
        .clone()
}

#[tokio::test]
async fn hr_lists_people_with_search_and_pages_and_manages_the_team_tree() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let company = app.create_team(&hr, "Company", None, "internal").await;
    let sales = app
        .create_team(&hr, "Sales", Some(&company), "frontline")
        .await;
    let seeded = app.seed_people(&sales, 30, |_| (None, None, None)).await;
    app.create_person(&hr, "ann.lee@example.org", Some(&sales))
        .await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;

    // The list: labelled search, name, e-mail, team, role and status.
    let r = b.get("/hr/people").await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(html.contains("<label for=\"f-q\">Search by name or e-mail</label>"));
    assert!(html.contains("<label for=\"f-limit\">Per page</label>"));
    assert!(html.contains("ann.lee@example.org"), "{html}");
    assert!(html.contains("<td>Sales</td>"));
    assert!(
        html.contains("Not activated yet"),
        "the new person has no password"
    );
    assert!(
        html.contains("Employee, HR"),
        "the HR person's roles: {html}"
    );
    assert!(
        html.contains("id=\"f-csv\""),
        "the import stays on the page"
    );

    // Search by e-mail narrows the list.
    let html = b.get("/hr/people?q=ANN.LEE").await.text();
    assert!(html.contains("ann.lee@example.org"));
    assert!(!html.contains(&seeded[0].email), "{html}");
    assert!(html.contains("1–1 of 1"), "{html}");

    // Page size: 25 of the 32 people, then the rest on the next page.
    let html = b.get("/hr/people?limit=25").await.text();
    assert_eq!(html.matches("<th scope=\"row\">").count(), 25);
    assert!(html.contains("1–25 of 32"), "{html}");
    assert!(
        html.contains("href=\"/hr/people?q=&amp;limit=25&amp;offset=25\""),
        "{html}"
    );
    let html = b.get("/hr/people?q=&limit=25&offset=25").await.text();
    assert_eq!(html.matches("<th scope=\"row\">").count(), 7);
    assert!(html.contains("rel=\"prev\""));
    assert!(!html.contains("rel=\"next\""));
    // A page size that is not offered falls back to the default.
    let html = b.get("/hr/people?limit=100000").await.text();
    assert!(html.contains("1–32 of 32"), "{html}");

    // The tree: Sales nested under Company.
    let r = b.get("/hr/teams").await;
    assert_html(&r, 200);
    let html = r.text();
    let (c, s) = (
        html.find(&format!("href=\"/hr/teams/{company}\""))
            .expect("company"),
        html.find(&format!("href=\"/hr/teams/{sales}\""))
            .expect("sales"),
    );
    assert!(c < s);
    assert!(html[c..s].contains("<ul class=\"tree\">"), "nested: {html}");
    for label in ["f-name", "f-parent_id", "f-kind"] {
        assert!(html.contains(&format!("<label for=\"{label}\"")), "{label}");
    }

    // Creating a team through the form.
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "Support"),
                ("parent_id", &company),
                ("kind", "frontline"),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/hr/teams"));
    let support = team_named(&app, &hr, "Support").await;
    assert_eq!(support["parent_id"], company.as_str());
    assert_eq!(support["kind"], "frontline");
    let support = support["id"].as_str().expect("id").to_owned();
    // An empty name is refused beside the name field, the choices kept.
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "  "),
                ("parent_id", &company),
                ("kind", "internal"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(error_beside(&r.text(), "f-name"), "must not be empty");
    assert!(r.text().contains("value=\"internal\" selected"));

    // A key for imports is kept, and a second team cannot take it.
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "Billing"),
                ("parent_id", ""),
                ("kind", "frontline"),
                ("key", "billing-desk"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        team_named(&app, &hr, "Billing").await["key"],
        "billing-desk"
    );
    let r = b
        .submit(
            "/hr/teams",
            "/hr/teams",
            &[
                ("name", "Billing 2"),
                ("parent_id", ""),
                ("kind", "frontline"),
                ("key", "billing-desk"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-key"),
        "another team has this key"
    );

    // Renaming and moving it under Sales.
    let edit = format!("/hr/teams/{support}");
    let page = b.get(&edit).await;
    assert_html(&page, 200);
    assert!(page.text().contains("value=\"Support\""));
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Customer care"),
                ("parent_id", &sales),
                ("kind", "frontline"),
            ],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/hr/teams"));
    let care = team_named(&app, &hr, "Customer care").await;
    assert_eq!(care["id"], support.as_str());
    assert_eq!(care["parent_id"], sales.as_str());

    // Moving Company under its own grandchild is refused beside the parent field.
    let company_page = format!("/hr/teams/{company}");
    let r = b
        .submit(
            &company_page,
            &company_page,
            &[
                ("name", "Company"),
                ("parent_id", &support),
                ("kind", "internal"),
            ],
        )
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-parent_id"),
        "a team cannot be placed under itself or its own descendant"
    );
    assert!(r.text().contains("aria-describedby=\"f-parent_id-err\""));
    assert_eq!(
        team_named(&app, &hr, "Company").await["parent_id"],
        json!(null)
    );
    // Moving it to the top level works (no parent).
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("name", "Customer care"),
                ("parent_id", ""),
                ("kind", "frontline"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        team_named(&app, &hr, "Customer care").await["parent_id"],
        json!(null)
    );

    // Without its CSRF token a team form changes nothing.
    let before = app.count("teams").await;
    let r = b
        .post("/hr/teams", &[("name", "Sneaky"), ("kind", "frontline")])
        .await;
    assert_html(&r, 403);
    assert!(r.text().contains("The form has expired"));
    let r = b
        .post(&edit, &[("name", "Renamed"), ("kind", "frontline")])
        .await;
    assert_html(&r, 403);
    assert_eq!(app.count("teams").await, before);
    assert_eq!(
        team_named(&app, &hr, "Customer care").await["id"],
        support.as_str()
    );
}

#[tokio::test]
async fn an_employee_gets_the_403_page_for_people_and_teams() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let emp = app.employee(&hr, Some(&team)).await;
    let mut b = Browser::new(&app);
    b.sign_in(&emp.email, PASSWORD).await;
    for path in ["/hr/people", "/hr/teams", &format!("/hr/teams/{team}")] {
        let r = b.get(path).await;
        assert_html(&r, 403);
        assert!(r.text().contains("Not allowed"), "{path}");
        assert!(!r.text().contains(&emp.email), "{path}: no data");
    }
    let token = csrf_of(&b.get("/pulses").await.text());
    let r = b
        .post(
            "/hr/teams",
            &[("csrf", &token), ("name", "Mine"), ("kind", "frontline")],
        )
        .await;
    assert_html(&r, 403);
    let r = b
        .post(
            &format!("/hr/teams/{team}"),
            &[("csrf", &token), ("name", "Mine"), ("kind", "frontline")],
        )
        .await;
    assert_html(&r, 403);
    assert_eq!(app.count("teams").await, 1);
    let name = app
        .get(&format!("/api/v1/teams/{team}"), Some(&hr.token))
        .await
        .json()["name"]
        .clone();
    assert_eq!(name, "Desk");
}

/// The fields of a weekly survey for `team` with the bank item `eo_proud`.
fn survey_fields<'a>(team: &'a str, today: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", "Customer pulse"),
        ("bank_item", "eo_proud"),
        ("team_id", team),
        ("starts_on", today),
        ("cadence", "weekly"),
        ("schedule.window_days", "5"),
        ("min_group", "5"),
    ]
}

#[tokio::test]
async fn hr_adds_questions_of_its_own_to_a_survey_on_the_pages() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let page = b.get("/hr/surveys/new").await;
    assert_html(&page, 200);
    for label in [
        "f-custom_0_text",
        "f-custom_0_text_ru",
        "f-custom_0_kind",
        "f-custom_0_driver",
        "f-custom_0_required",
        "f-custom_0_options",
    ] {
        assert!(
            page.text().contains(&format!("<label for=\"{label}\">")),
            "{label}"
        );
    }

    // A choice question without options is refused beside its options field; the
    // question typed is kept.
    let mut fields = survey_fields(&team, &today);
    fields.extend([
        ("custom.0.text", "Which channel do customers prefer?"),
        ("custom.0.kind", "choice"),
        ("custom.0.driver", "customer_focus"),
        ("custom.0.required", "1"),
        ("custom.0.options", ""),
    ]);
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_html(&r, 422);
    let html = r.text();
    assert_eq!(
        error_beside(&html, "f-custom_0_options"),
        "a choice question needs options"
    );
    assert!(html.contains("value=\"Which channel do customers prefer?\""));
    assert_eq!(app.count("surveys").await, 0);
    // Options on a scale question are refused there too.
    let mut fields = survey_fields(&team, &today);
    fields.extend([
        ("custom.0.text", "How easy was it?"),
        ("custom.0.kind", "scale11"),
        ("custom.0.driver", "customer_focus"),
        ("custom.0.options", "Easy\nHard"),
    ]);
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_html(&r, 422);
    assert_eq!(
        error_beside(&r.text(), "f-custom_0_options"),
        "only choice questions have options"
    );

    // A choice question and an optional free text, after the bank's item.
    let mut fields = survey_fields(&team, &today);
    fields.extend([
        ("custom.0.text", "Which channel do customers prefer?"),
        ("custom.0.text_ru", "Какой канал предпочитают клиенты?"),
        ("custom.0.kind", "choice"),
        ("custom.0.driver", "customer_focus"),
        ("custom.0.required", "1"),
        ("custom.0.options", "Chat\r\nPhone\r\n\r\nMail"),
        ("custom.1.text", ""),
        ("custom.1.kind", "likert5"),
        ("custom.1.driver", "voice"),
        ("custom.2.text", "Anything else?"),
        ("custom.2.kind", "text"),
        ("custom.2.driver", "voice"),
    ]);
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let survey = location(&r).trim_start_matches("/hr/surveys/").to_owned();
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    let qs = v["questions"].as_array().expect("questions");
    assert_eq!(qs.len(), 3, "the blank slot is skipped: {v}");
    assert_eq!(qs[0]["bank_item"], "eo_proud");
    assert_eq!(qs[1]["kind"], "choice");
    assert_eq!(qs[1]["driver"], "customer_focus");
    assert_eq!(qs[1]["required"], true);
    assert_eq!(qs[1]["options"], json!(["Chat", "Phone", "Mail"]));
    assert_eq!(qs[1]["text_ru"], "Какой канал предпочитают клиенты?");
    assert_eq!(qs[2]["kind"], "text");
    assert_eq!(qs[2]["required"], false);
    assert_eq!(qs[2]["text"], "Anything else?");
}

#[tokio::test]
async fn hr_edits_a_survey_until_its_first_round_opens_then_archives_it() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    app.seed_people(&team, 5, |_| (None, None, None)).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let mut fields = survey_fields(&team, &today);
    fields.extend([
        ("custom.0.text", "Anything else?"),
        ("custom.0.kind", "text"),
        ("custom.0.driver", "voice"),
    ]);
    let r = b
        .submit("/hr/surveys/new", "/hr/surveys/new", &fields)
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = location(&r);
    let survey = page.trim_start_matches("/hr/surveys/").to_owned();
    let api = format!("/api/v1/surveys/{survey}");
    let edit = format!("{page}/edit");
    assert!(
        b.get(&page)
            .await
            .text()
            .contains(&format!("href=\"{edit}\""))
    );

    // The edit form comes filled in from the survey.
    let form = b.get(&edit).await;
    assert_html(&form, 200);
    let html = form.text();
    assert!(html.contains("value=\"Customer pulse\""));
    assert!(html.contains("value=\"eo_proud\" checked"), "{html}");
    assert!(html.contains("value=\"Anything else?\""));
    assert!(
        html.contains("name=\"min_group\" type=\"number\" value=\"5\""),
        "{html}"
    );

    // Before the first round everything can change.
    let mut changed = vec![
        ("title", "Customer pulse, revised"),
        ("bank_item", "eo_proud"),
        ("bank_item", "eo_enps"),
        ("team_id", team.as_str()),
        ("cut", "location"),
        ("starts_on", today.as_str()),
        ("cadence", "weekly"),
        ("schedule.window_days", "5"),
        ("min_group", "6"),
    ];
    let r = b.submit(&edit, &edit, &changed).await;
    assert_eq!(
        (r.status, location(&r)),
        (303, page.clone()),
        "{}",
        r.text()
    );
    let v = app.get(&api, Some(&hr.token)).await.json();
    assert_eq!(v["title"], "Customer pulse, revised");
    assert_eq!(v["questions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["min_group"], 6);
    assert_eq!(v["cuts"], json!(["location"]));

    // A form drawn before the first round opened is refused after it, with the API's
    // own words, and nothing changes.
    let stale = csrf_of(&b.get(&edit).await.text());
    app.open_round_now(&hr, &survey).await;
    changed[0] = ("title", "Sneaked in");
    changed[8] = ("min_group", "9");
    let mut with_token = vec![("csrf", stale.as_str())];
    with_token.extend_from_slice(&changed);
    let r = b.post(&edit, &with_token).await;
    assert_html(&r, 409);
    assert!(
        r.text()
            .contains("questions, cuts and min_group are frozen once the first round has opened"),
        "{}",
        r.text()
    );
    let v = app.get(&api, Some(&hr.token)).await.json();
    assert_eq!(
        (v["title"].clone(), v["min_group"].clone()),
        (json!("Customer pulse, revised"), json!(6))
    );

    // Now the form says what is frozen and offers only what can still change.
    let html = b.get(&edit).await.text();
    assert!(html.contains("These are frozen"), "{html}");
    assert!(html.contains("name=\"frozen\" value=\"1\""));
    assert!(!html.contains("name=\"bank_item\""));
    assert!(!html.contains("name=\"min_group\""));
    assert!(!html.contains("name=\"cut\""));
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("frozen", "1"),
                ("title", "Customer pulse, autumn"),
                ("team_id", team.as_str()),
                ("starts_on", today.as_str()),
                ("cadence", "weekly"),
                ("schedule.window_days", "4"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = app.get(&api, Some(&hr.token)).await.json();
    assert_eq!(v["title"], "Customer pulse, autumn");
    assert_eq!(v["schedule"]["window_days"], 4);
    assert_eq!(v["questions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["min_group"], 6);
    assert_eq!(v["cuts"], json!(["location"]));
    assert!(
        b.get(&page)
            .await
            .text()
            .contains("frozen since the first round opened")
    );

    // Archiving needs the form's token, then stops the survey for good.
    let r = b.post(&format!("{page}/archive"), &[]).await;
    assert_html(&r, 403);
    assert_eq!(
        app.get(&api, Some(&hr.token)).await.json()["archived"],
        false
    );
    let r = b.submit(&page, &format!("{page}/archive"), &[]).await;
    assert_eq!((r.status, location(&r)), (303, page.clone()));
    assert_eq!(
        app.get(&api, Some(&hr.token)).await.json()["archived"],
        true
    );
    let html = b.get(&page).await.text();
    assert!(html.contains("This survey is archived"), "{html}");
    assert!(!html.contains(&format!("href=\"{edit}\"")));
    assert!(!html.contains("Archive this survey"));
    // The list leaves it out unless asked, then marks it.
    assert!(
        !b.get("/hr/surveys")
            .await
            .text()
            .contains("Customer pulse, autumn")
    );
    let html = b.get("/hr/surveys?archived=1").await.text();
    assert!(html.contains("Customer pulse, autumn"), "{html}");
    assert!(
        html.contains("<span class=\"badge\">archived</span>"),
        "{html}"
    );
    // An edit posted anyway gets the API's answer on the form.
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("frozen", "1"),
                ("title", "Back again"),
                ("starts_on", today.as_str()),
                ("cadence", "weekly"),
                ("schedule.window_days", "4"),
            ],
        )
        .await;
    assert_html(&r, 409);
    assert!(r.text().contains("the survey is archived"));
}

/// The `Max-Age` of a `Set-Cookie` value.
fn max_age(cookie: &str) -> i64 {
    cookie
        .split("; ")
        .find_map(|a| a.strip_prefix("Max-Age="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Max-Age: {cookie}"))
}

#[tokio::test]
async fn an_active_session_is_renewed_as_its_token_ages_until_its_maximum_age() {
    // Tokens live 4 s and sessions at most 6 s, so the whole story takes about 6 s:
    // renewal once a token is 2 s old (half its life), twice, then the end.
    let app = spawn_app_with(|c| {
        c.token_ttl_secs = 4;
        c.session_max_age_secs = 6;
    })
    .await;
    let admin = app.admin().await;
    let mut b = Browser::new(&app);
    let started = std::time::Instant::now();
    let r = b.sign_in(&admin.email, PASSWORD).await;
    assert_eq!(max_age(&session_set_cookie(&r)), 4);
    let first = b.cookies["pulseline_session"].clone();

    // A young token is kept as it is.
    let r = b.get("/pulses").await;
    assert_html(&r, 200);
    assert!(
        !r.headers.get_all("set-cookie").iter().any(|c| c
            .to_str()
            .is_ok_and(|c| c.starts_with("pulseline_session="))),
        "no renewal yet"
    );
    let drawn_before = csrf_of(&b.get("/password").await.text());

    // Past half its life, a page renews it: a new token in a new cookie, the old one
    // revoked for the API as well.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = b.get("/pulses").await;
    assert_html(&r, 200);
    let cookie = session_set_cookie(&r);
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{attr}: {cookie}");
    }
    let second = b.cookies["pulseline_session"].clone();
    assert_ne!(second, first);
    app.get("/api/v1/me", Some(&first)).await.expect(401);
    app.get("/api/v1/me", Some(&second)).await.expect(200);
    // A form drawn before the renewal still fits the session.
    let r = b
        .post(
            "/language",
            &[("csrf", &drawn_before), ("lang", "en"), ("next", "/pulses")],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/pulses"));

    // Again, this time on a form post whose handler reads the session twice (the
    // language switch): one renewal, and the person stays signed in. The new token ends
    // no later than the session may (6 s after sign-in), before its own 4 s lifetime.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = b
        .post(
            "/language",
            &[("csrf", &drawn_before), ("lang", "en"), ("next", "/pulses")],
        )
        .await;
    assert_eq!((r.status, location(&r).as_str()), (303, "/pulses"));
    let cookie = session_set_cookie(&r);
    assert!(max_age(&cookie) <= 2, "capped by the maximum age: {cookie}");
    let third = b.cookies["pulseline_session"].clone();
    assert_ne!(third, second);
    app.get("/api/v1/me", Some(&second)).await.expect(401);
    app.get("/api/v1/me", Some(&third)).await.expect(200);
    assert_html(&b.get("/pulses").await, 200);

    // Past the maximum age the session ends however active it is, and its token with it.
    let end = std::time::Duration::from_millis(6100);
    tokio::time::sleep(end.saturating_sub(started.elapsed())).await;
    let r = b.get("/pulses").await;
    assert_eq!(r.status, 303);
    assert!(location(&r).starts_with("/signin"), "{}", location(&r));
    assert!(!b.cookies.contains_key("pulseline_session"));
    app.get("/api/v1/me", Some(&third)).await.expect(401);
    // Signing in again starts a new session.
    let r = b.sign_in(&admin.email, PASSWORD).await;
    assert_eq!(r.status, 303);
    assert_html(&b.get("/pulses").await, 200);
}

#[tokio::test]
async fn editing_a_survey_on_the_pages_keeps_the_order_of_its_questions() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let team = app.create_team(&hr, "Desk", None, "frontline").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .post(
            "/api/v1/surveys",
            Some(&hr.token),
            json!({
                "title": "Mixed",
                "questions": [
                    {"kind": "choice", "driver": "voice", "text": "Which channel?",
                     "options": ["Chat", "Mail"]},
                    {"bank_item": "eo_proud"},
                    {"kind": "text", "driver": "voice", "text": "Anything else?", "required": false}
                ],
                "audience": {"team_ids": [team]},
                "schedule": {"starts_on": today, "cadence": "monthly", "window_days": 7}
            }),
        )
        .await;
    r.expect(201);
    let survey = r.json()["id"].as_str().expect("id").to_owned();
    let edit = format!("/hr/surveys/{survey}/edit");
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let html = b.get(&edit).await.text();
    let at = |tag: &str| {
        html.find(&format!("name=\"order\" value=\"{tag}\""))
            .unwrap_or_else(|| panic!("no order field {tag}: {html}"))
    };
    assert!(at("custom:0") < at("bank:eo_proud") && at("bank:eo_proud") < at("custom:1"));

    // The form as drawn, with a new title and one more bank item ticked.
    let r = b
        .submit(
            &edit,
            &edit,
            &[
                ("order", "custom:0"),
                ("order", "bank:eo_proud"),
                ("order", "custom:1"),
                ("title", "Mixed, revised"),
                ("bank_item", "eo_proud"),
                ("bank_item", "eo_enps"),
                ("custom.0.text", "Which channel?"),
                ("custom.0.kind", "choice"),
                ("custom.0.driver", "voice"),
                ("custom.0.required", "1"),
                ("custom.0.options", "Chat\nMail"),
                ("custom.1.text", "Anything else?"),
                ("custom.1.kind", "text"),
                ("custom.1.driver", "voice"),
                ("team_id", team.as_str()),
                ("starts_on", today.as_str()),
                ("cadence", "monthly"),
                ("schedule.window_days", "7"),
                ("min_group", "5"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let v = app
        .get(&format!("/api/v1/surveys/{survey}"), Some(&hr.token))
        .await
        .json();
    assert_eq!(v["title"], "Mixed, revised");
    let order: Vec<String> = v["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| {
            q["bank_item"].as_str().map_or_else(
                || q["text"].as_str().unwrap_or("").to_owned(),
                str::to_owned,
            )
        })
        .collect();
    assert_eq!(
        order,
        ["Which channel?", "eo_proud", "Anything else?", "eo_enps"],
        "the old order kept, the new item after"
    );
}
