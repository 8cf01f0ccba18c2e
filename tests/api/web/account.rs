//! Signing in and out, sessions in cookies, CSRF on every form, the language of the pages and how validation errors are shown.

use serde_json::json;

use crate::helpers::*;

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

/// The `Max-Age` of a `Set-Cookie` value.
fn max_age(cookie: &str) -> i64 {
    cookie
        .split("; ")
        .find_map(|a| a.strip_prefix("Max-Age="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Max-Age: {cookie}"))
}

/// Every page names the site icon, and the icon is served as SVG without a session.
#[tokio::test]
async fn every_page_has_a_favicon() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let page = b.get("/signin").await.text();
    assert!(
        page.contains("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">"),
        "{page}"
    );
    let icon = b.get("/favicon.svg").await;
    assert_eq!(icon.status, 200);
    assert_eq!(
        icon.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/svg+xml")
    );
    assert!(icon.text().starts_with("<svg "));
}

/// "Open until …" of the pulses page, as it reads.
fn open_until(html: &str) -> String {
    let marker = "Open until ";
    let start = html.find(marker).expect("an open pulse") + marker.len();
    let rest = &html[start..start + html[start..].find('<').expect("end")];
    rest.split(" · ").next().unwrap_or(rest).to_owned()
}

#[tokio::test]
async fn times_read_in_the_organisation_s_zone_or_one_s_own() {
    // The organisation keeps Tokyo time (UTC+9 all year, no daylight saving).
    let app = spawn_app_with(|c| c.time_zone = "Asia/Tokyo".into()).await;
    let hr = app.hr().await;
    let (people, _, round) = team_with_open_round(&app, &hr, 5).await;
    let me = &people[0];
    let pulses = app.get("/api/v1/me/pulses", Some(&me.token)).await.json();
    let closes = pulses
        .as_array()
        .expect("pulses")
        .iter()
        .find(|p| p["round_id"] == json!(round))
        .expect("the open round")["closes_at"]
        .as_str()
        .expect("closes_at")
        .to_owned();
    let closes = chrono::NaiveDateTime::parse_from_str(&closes, "%Y-%m-%dT%H:%M:%S%.f")
        .expect("a timestamp");
    // Worked by hand: Tokyo is UTC+9 ("JST"); Moscow is UTC+3 ("MSK") since 2014.
    let tokyo = format!(
        "{} JST",
        (closes + chrono::TimeDelta::hours(9)).format("%Y-%m-%d %H:%M")
    );
    let moscow = format!(
        "{} MSK",
        (closes + chrono::TimeDelta::hours(3)).format("%Y-%m-%d %H:%M")
    );

    let r = app.get("/api/v1/me", Some(&me.token)).await.json();
    assert_eq!(r["time_zone"], json!(null));
    assert_eq!(r["shown_time_zone"], json!("Asia/Tokyo"));
    app.set_password(&me.id).await;
    let mut b = Browser::new(&app);
    b.sign_in(&me.email, PASSWORD).await;
    assert_eq!(open_until(&b.get("/pulses").await.text()), tokyo);

    // One's own zone, on the account page.
    let r = b
        .submit(
            "/password",
            "/account/time-zone",
            &[("time_zone", "Europe/Moscow")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(location(&r), "/password#time-zone");
    assert_eq!(open_until(&b.get("/pulses").await.text()), moscow);
    let page = b.get("/password").await.text();
    assert!(
        page.contains("<option value=\"Europe/Moscow\" selected>"),
        "{page}"
    );
    let r = app.get("/api/v1/me", Some(&me.token)).await.json();
    assert_eq!(
        (r["time_zone"].clone(), r["shown_time_zone"].clone()),
        (json!("Europe/Moscow"), json!("Europe/Moscow"))
    );
    // Back to the organisation's.
    b.submit("/password", "/account/time-zone", &[("time_zone", "")])
        .await;
    assert_eq!(open_until(&b.get("/pulses").await.text()), tokyo);

    // The API: an unknown name is refused with the field named; null clears.
    let bad = app
        .json(
            poem::http::Method::PUT,
            "/api/v1/me/time-zone",
            Some(&me.token),
            json!({"time_zone": "Mars/Olympus_Mons"}),
        )
        .await;
    bad.expect(422);
    assert_eq!(bad.field(), "time_zone");
    let ok = app
        .json(
            poem::http::Method::PUT,
            "/api/v1/me/time-zone",
            Some(&me.token),
            json!({"time_zone": "America/New_York"}),
        )
        .await;
    ok.expect(200);
    assert_eq!(ok.json(), json!({"time_zone": "America/New_York"}));
    let r = app.get("/api/v1/me", Some(&me.token)).await.json();
    assert_eq!(r["shown_time_zone"], json!("America/New_York"));
    let ok = app
        .json(
            poem::http::Method::PUT,
            "/api/v1/me/time-zone",
            Some(&me.token),
            json!({"time_zone": null}),
        )
        .await;
    ok.expect(200);
    let r = app.get("/api/v1/me", Some(&me.token)).await.json();
    assert_eq!(r["time_zone"], json!(null));
    // Someone else's setting is not touched by one's own.
    let other = app.get("/api/v1/me", Some(&people[1].token)).await.json();
    assert_eq!(other["shown_time_zone"], json!("Asia/Tokyo"));
}
