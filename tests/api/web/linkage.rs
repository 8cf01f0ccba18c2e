//! The linkage page: its chart with nice axes, the fit cut to the plot and human labels
//! in the reader's language; a warning (not a success notice) and no empty axes without
//! data; and a lag called strongest only when it clearly stands out.

use crate::helpers::*;

/// The demo organisation (its planted link is at lag 1), signed in as its admin.
async fn demo(app: &TestApp) -> Browser<'_> {
    let password = "demo password for tests";
    let hash = app.state.hasher.hash_blocking(password).expect("hash");
    let today = chrono::Utc::now().date_naive();
    let (db, master) = (app.state.db.clone(), app.state.master.clone());
    let summary = tokio::task::spawn_blocking(move || {
        pulseline::demo::seed(&db, hash, password.into(), 7, today, 5, &master)
    })
    .await
    .expect("join")
    .expect("seed");
    let mut b = Browser::new(app);
    b.sign_in(&summary.admin_email, password).await;
    b
}

/// The page's scatter plot.
fn svg_of(html: &str) -> roxmltree::Document<'_> {
    let start = html.find("<svg").expect("a chart");
    let end = html[start..].find("</svg>").expect("its end") + start + "</svg>".len();
    roxmltree::Document::parse(&html[start..end]).expect("well-formed SVG")
}

fn num(s: &str) -> f64 {
    s.replace('−', "-").parse().expect("a number")
}

#[tokio::test]
async fn the_linkage_charts_x_ticks_are_round_and_inside_the_index() {
    let app = spawn_app().await;
    let mut b = demo(&app).await;
    let html = b.get("/hr/linkage?metric=csat&lag=1").await.text();
    let doc = svg_of(&html);
    // The x tick labels (the texts 18 px below the x axis at y = 440): evenly spaced by
    // 1, 2 or 5 × 10ⁿ, multiples of that step, inside the index's 0–100.
    let ticks: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("y") == Some("458"))
        .map(|n| num(n.text().unwrap_or("")))
        .collect();
    assert!(ticks.len() >= 3, "{html}");
    let step = ticks[1] - ticks[0];
    let mantissa = step / 10f64.powf(step.log10().floor());
    assert!(
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .any(|m| (mantissa - m).abs() < 1e-9),
        "step {step}: {ticks:?}"
    );
    for (i, t) in ticks.iter().enumerate() {
        assert!((0.0..=100.0).contains(t), "{ticks:?}");
        assert!((t - ticks[0] - step * i as f64).abs() < 1e-9, "{ticks:?}");
        assert!((t / step - (t / step).round()).abs() < 1e-9, "{ticks:?}");
    }
}

#[tokio::test]
async fn the_linkage_fit_and_its_band_stay_inside_the_plot() {
    let app = spawn_app().await;
    let mut b = demo(&app).await;
    let html = b.get("/hr/linkage?metric=csat&lag=1").await.text();
    let doc = svg_of(&html);
    // Every drawn point of the fit and its band: inside x 70–780, y 40–440.
    let mut drawn = Vec::new();
    for n in doc.descendants() {
        match n.attribute("class") {
            Some("band") => {
                for pair in n.attribute("points").unwrap_or("").split_whitespace() {
                    let (x, y) = pair.split_once(',').expect("x,y");
                    drawn.push((num(x), num(y)));
                }
            }
            Some("fit") => {
                let a = |k: &str| num(n.attribute(k).unwrap_or(""));
                drawn.extend([(a("x1"), a("y1")), (a("x2"), a("y2"))]);
            }
            _ => {}
        }
    }
    assert!(drawn.len() > 2, "a fit and a band");
    for (x, y) in drawn {
        assert!(
            (70.0..=780.0).contains(&x) && (40.0..=440.0).contains(&y),
            "({x}, {y}) outside the plot"
        );
    }
}

#[tokio::test]
async fn the_linkage_chart_speaks_russian_with_human_labels() {
    let app = spawn_app().await;
    let mut b = demo(&app).await;
    let html = b.get("/hr/linkage?metric=csat&lag=1").await.text();
    let doc = svg_of(&html);
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts.contains(&"Customer satisfaction (CSAT, % satisfied)"),
        "{texts:?}"
    );
    assert!(!texts.contains(&"csat"), "not the raw key: {texts:?}");

    b.submit(
        "/pulses",
        "/language",
        &[("lang", "ru"), ("next", "/hr/linkage")],
    )
    .await;
    let html = b.get("/hr/linkage?metric=csat&lag=1").await.text();
    let doc = svg_of(&html);
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for ru in [
        "Вовлечённость и CSAT, сдвиг 1",
        "Индекс вовлечённости (0–100)",
        "Удовлетворённость клиентов (CSAT, % довольных)",
    ] {
        assert!(texts.contains(&ru), "{ru}: {texts:?}");
    }
    assert!(
        !texts.iter().any(|t| t.contains("Engagement")),
        "no English on the chart: {texts:?}"
    );
    assert!(html.contains("Ни один сдвиг не выделяется"), "{html}");
}

/// The demo's sweep (it depends on today's date a little): r ≈ 0.6, 0.7, 0.5, 0.8 at
/// lags 0–3 on about 30 points each, whose 95% intervals overlap; the code before called
/// lag 3 (0.78) "strongest" over lag 1 (0.70), where the demo planted its link.
#[tokio::test]
async fn a_lag_inside_the_noise_is_not_called_strongest() {
    let app = spawn_app().await;
    let mut b = demo(&app).await;
    let html = b.get("/hr/linkage?metric=csat&lag=1").await.text();
    assert!(!html.contains("strongest"), "{html}");
    assert!(
        html.contains("No lag stands out: the correlations at the different lags (r from "),
        "{html}"
    );
    assert!(html.contains("differ by less than their uncertainty"));
}

#[tokio::test]
async fn without_data_the_linkage_page_warns_and_draws_no_axes() {
    let app = spawn_app().await;
    let hr = app.hr().await;
    let mut b = Browser::new(&app);
    b.sign_in(&hr.email, PASSWORD).await;
    let r = b.get("/hr/linkage").await;
    assert_html(&r, 200);
    let html = r.text();
    assert!(
        html.contains("<p class=\"warning\" role=\"status\">No team-period has both engagement and customer scores yet."),
        "{html}"
    );
    assert!(
        !html.contains("class=\"notice\""),
        "not styled as success: {html}"
    );
    assert!(!html.contains("<svg"), "no empty axes: {html}");
    assert!(!html.contains("<line"), "{html}");
}
