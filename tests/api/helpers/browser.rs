//! A browser-like client for the web pages: it keeps cookies and posts forms with the
//! page's CSRF token; and the small readers of a page the page tests share.

use std::collections::HashMap;

use poem::http::Method;

use super::*;

/// A browser-like client: keeps cookies, posts forms with the page's CSRF token.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    /// Extra headers sent with each request.
    pub headers: Vec<(&'static str, String)>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Browser<'a> {
        Browser {
            app,
            cookies: HashMap::new(),
            headers: vec![],
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn request(&mut self, method: Method, path: &str, form: Option<String>) -> Resp {
        let body = form.map(|f| {
            (
                "application/x-www-form-urlencoded".to_owned(),
                f.into_bytes(),
            )
        });
        self.send(method, path, body).await
    }

    /// Posts `fields` and one file (`field`, file name, content) as
    /// `multipart/form-data`, as a browser sends a form with a file input.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Resp {
        let boundary = "pulselineTestBoundary7d1f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, filename, content) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        self.send(Method::POST, path, Some((ct, body))).await
    }

    async fn send(&mut self, method: Method, path: &str, body: Option<(String, Vec<u8>)>) -> Resp {
        let mut req = self.app.client.request(method, path);
        if !self.cookies.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        for (k, v) in &self.headers {
            req = req.header(*k, v.clone());
        }
        if let Some((ct, bytes)) = body {
            req = req.content_type(ct).body(bytes);
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

    pub async fn get(&mut self, path: &str) -> Resp {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = serde_urlencoded::to_string(fields).expect("form");
        self.request(Method::POST, path, Some(body)).await
    }

    /// GETs `page`, then posts `fields` to `action` with the page's CSRF token.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let p = self.get(page).await;
        assert_eq!(p.status, 200, "{page}: {}", p.text());
        let token = csrf_of(&p.text());
        let mut all: Vec<(&str, &str)> = vec![("csrf", &token)];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Resp {
        self.submit(
            "/signin",
            "/signin",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// The CSRF token in a page's first form.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').expect("end")].to_owned()
}

pub fn location(r: &Resp) -> String {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// The `Set-Cookie` of the session in a response.
pub fn session_set_cookie(r: &Resp) -> String {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pulseline_session="))
        .expect("a session cookie")
        .to_owned()
}

#[track_caller]
pub fn assert_html(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{}", r.text());
    assert!(
        r.content_type().starts_with("text/html"),
        "not HTML: {}",
        r.content_type()
    );
    assert!(r.text().contains("<main"), "a whole page: {}", r.text());
}

/// A team of `n` seeded employees with a survey from the bank and an open round.
pub async fn team_with_open_round(
    app: &TestApp,
    hr: &Actor,
    n: usize,
) -> (Vec<Actor>, String, String) {
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

/// The text of the error shown beside field `id` (`<p class="error" id="{id}-err">`),
/// asserting that it follows the field itself.
#[track_caller]
pub fn error_beside(html: &str, id: &str) -> String {
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
pub async fn switch_language(b: &mut Browser<'_>, lang: &str) {
    let r = b
        .submit("/password", "/language", &[("lang", lang), ("next", "/")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
}
