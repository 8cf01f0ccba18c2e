//! The kiosk codes' request and response types.

use chrono::NaiveDateTime;
use poem_openapi::Object;

/// Which team's sheet to print.
#[derive(Object, serde::Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PrintSheet {
    #[oai(validator(max_length = 64))]
    pub team_id: String,
}

/// One code of a sheet.
#[derive(Object, Debug, Clone)]
pub struct KioskCode {
    /// The code as printed, `XXXXX-XXXXX`.
    pub code: String,
    /// Where the QR code leads: `{PUBLIC_URL}/k?code=…` (the code alone without a
    /// public URL).
    pub link: String,
    /// The QR code of `link`, an SVG document.
    pub qr_svg: String,
}

/// A printed sheet: new one-time codes for a round and a team. Shown once; printing
/// again replaces the codes not used yet.
#[derive(Object, Debug, Clone)]
pub struct KioskSheet {
    pub round_id: String,
    pub team_id: String,
    pub team: String,
    /// The survey's title.
    pub title: String,
    pub closes_at: NaiveDateTime,
    /// Invitees of the team (that team only) with neither e-mail nor phone.
    pub unreachable: i64,
    /// One code per such invitee. The count never depends on who has answered, so a
    /// sheet tells nothing of a small group's participation.
    pub codes: Vec<KioskCode>,
}
