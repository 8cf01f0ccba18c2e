//! The plot's axes (computed by hand below) and its geometry: nothing of the fit is drawn
//! outside the plot rectangle.

use super::*;

fn axis(lo: f64, hi: f64, step: f64, ticks: &[f64]) -> Axis {
    Axis {
        lo,
        hi,
        step,
        ticks: ticks.to_vec(),
    }
}

#[test]
fn axes_round_the_data_out_to_nice_steps_inside_the_natural_range() {
    // Span 36.6 / 5 = 7.32 → step 10; 42.3 → 40, 78.9 → 80.
    assert_eq!(
        nice_axis(42.3, 78.9, (0.0, 100.0)),
        axis(40.0, 80.0, 10.0, &[40.0, 50.0, 60.0, 70.0, 80.0])
    );
    // The reported case: an index over nearly all of 0–100 gives 0–100 in steps of 20
    // (98.5 / 5 = 19.7 → 20), not −5–105 with ticks at 40.1 and 49.9.
    assert_eq!(
        nice_axis(0.5, 99.0, (0.0, 100.0)),
        axis(0.0, 100.0, 20.0, &[0.0, 20.0, 40.0, 60.0, 80.0, 100.0])
    );
    // CES 3.23–4.05: 0.82 / 5 = 0.164 → step 0.2; 3.2 to 4.2.
    assert_eq!(
        nice_axis(3.23, 4.05, (1.0, 7.0)),
        axis(3.2, 4.2, 0.2, &[3.2, 3.4, 3.6, 3.8, 4.0, 4.2])
    );
    // CES 1.2–6.9: 5.7 / 5 = 1.14 → step 2; 0–8 is cut to the scale 1–7.
    assert_eq!(
        nice_axis(1.2, 6.9, (1.0, 7.0)),
        axis(1.0, 7.0, 2.0, &[2.0, 4.0, 6.0])
    );
    // NPS −12–35: 47 / 5 = 9.4 → step 10; −20 to 40.
    assert_eq!(
        nice_axis(-12.0, 35.0, (-100.0, 100.0)),
        axis(
            -20.0,
            40.0,
            10.0,
            &[-20.0, -10.0, 0.0, 10.0, 20.0, 30.0, 40.0]
        )
    );
    // All points at CSAT 100 %: a tenth of the range below it, 90–100 in steps of 2.
    assert_eq!(
        nice_axis(100.0, 100.0, (0.0, 100.0)),
        axis(90.0, 100.0, 2.0, &[90.0, 92.0, 94.0, 96.0, 98.0, 100.0])
    );
}

#[test]
fn tick_labels_have_the_decimals_of_the_step_and_a_true_minus() {
    let ces = nice_axis(3.23, 4.05, (1.0, 7.0));
    let labels: Vec<String> = ces.ticks.iter().map(|v| ces.label(*v)).collect();
    assert_eq!(labels, ["3.2", "3.4", "3.6", "3.8", "4.0", "4.2"]);
    let nps = nice_axis(-12.0, 35.0, (-100.0, 100.0));
    assert_eq!(nps.label(-20.0), "−20");
    assert_eq!(nps.label(0.0), "0");
    assert_eq!(nps.label(-0.0), "0");
}

fn text() -> ChartText {
    ChartText {
        title: "T".into(),
        x_label: "X".into(),
        y_label: "Y".into(),
        empty: "Nothing yet".into(),
    }
}

/// Every coordinate pair of the fit line and of the band polygon.
fn drawn(svg: &str) -> Vec<(f64, f64)> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed");
    let mut out = Vec::new();
    for n in doc.descendants() {
        match n.attribute("class") {
            Some("band") => {
                for pair in n.attribute("points").unwrap_or("").split_whitespace() {
                    let (x, y) = pair.split_once(',').expect("x,y");
                    out.push((x.parse().expect("x"), y.parse().expect("y")));
                }
            }
            Some("fit") => {
                let a = |k: &str| n.attribute(k).and_then(|v| v.parse().ok()).expect(k);
                out.push((a("x1"), a("y1")));
                out.push((a("x2"), a("y2")));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_fit_line_and_its_band_stay_inside_the_plot_rectangle() {
    // Points on CSAT 60–80 % with a steep fit and a wide band: uncut, the line would
    // run from far below the x axis to far above the top.
    let points: Vec<(f64, f64, String)> = [(40.0, 60.0), (50.0, 70.0), (60.0, 80.0)]
        .into_iter()
        .map(|(x, y)| (x, y, String::new()))
        .collect();
    for (slope, intercept, s) in [(3.0, -60.0, 8.0), (-3.0, 220.0, 8.0), (0.0, 5.0, 1.0)] {
        let fit = Fit {
            slope,
            intercept,
            s,
            mean_x: 50.0,
            sxx: 200.0,
            n: 3,
            t: 12.7,
        };
        let svg = scatter(&points, Some(&fit), (0.0, 100.0), &text());
        let pts = drawn(&svg);
        assert!(svg.contains("class=\"band\""), "{svg}");
        // The plot rectangle: x 70–780, y 40–440 (800 × 500 less the margins).
        for (x, y) in &pts {
            assert!(
                (70.0..=780.0).contains(x) && (40.0..=440.0).contains(y),
                "({x}, {y}) outside the plot for slope {slope}: {svg}"
            );
        }
        // A flat line at 5 % lies below the axis (60–80 %): not drawn at all.
        assert_eq!(svg.contains("class=\"fit\""), slope != 0.0, "{svg}");
    }
}

#[test]
fn no_points_draw_a_sentence_and_no_axes() {
    let svg = scatter(&[], None, (0.0, 100.0), &text());
    roxmltree::Document::parse(&svg).expect("well-formed");
    assert!(svg.contains("Nothing yet"));
    assert!(!svg.contains("<line"), "{svg}");
    assert!(!svg.contains("tick-"), "{svg}");
}
