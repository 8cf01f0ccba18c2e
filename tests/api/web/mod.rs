//! The web pages, page by page, against the real app and database: sessions in cookies,
//! CSRF on every form, role pages, answering a pulse with form posts, Russian pages. The
//! browser-like client is in `helpers::browser`.

mod account;
mod actions;
mod conversations;
mod home;
mod linkage;
mod outbox;
mod people;
mod pulses;
mod reports;
mod suggestions;
mod survey_editor;
mod surveys;

/// The value of the form key (`name="once"`) in a page's first form that has one.
pub fn once_of(html: &str) -> Option<String> {
    let marker = "name=\"once\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

/// GETs `page`, then posts `fields` to `action` twice with the page's CSRF token and
/// form key, as a reload or a double click would; returns both answers.
pub async fn post_twice(
    b: &mut crate::helpers::Browser<'_>,
    page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (crate::helpers::Resp, crate::helpers::Resp) {
    let p = b.get(page).await;
    assert_eq!(p.status, 200, "{page}: {}", p.text());
    let html = p.text();
    let (token, key) = (crate::helpers::csrf_of(&html), once_of(&html));
    let mut all: Vec<(&str, &str)> = vec![("csrf", &token)];
    // A page without a key (before forms had one) is posted as it is.
    if let Some(key) = &key {
        all.push(("once", key));
    }
    all.extend_from_slice(fields);
    let first = b.post(action, &all).await;
    let second = b.post(action, &all).await;
    (first, second)
}
