//! Sealed ballots: how an answer to an open round is stored.
//!
//! While a round is open, a submission is one row of `ballots`: the round id and an
//! XChaCha20-Poly1305 ciphertext, under the round's key (derived from the master key,
//! [`crate::keys::MasterKey::round_key`]), of the respondent's team, segment values and
//! answers. The plaintext is padded to a length fixed by the round's questions
//! ([`sealed_len`]), so every ballot of a round has the same length whatever was
//! answered; the round id is the associated data, so a ballot cannot be moved to
//! another round. Nothing of an open round's answers exists on disk in plaintext. When
//! the round closes, [`crate::surveys::materialise`] opens them all at once.
//!
//! The plaintext layout (all integers big-endian): a u32 body length, the body, zero
//! padding. The body is a version byte, the team id, three optional segment values, the
//! answers and (version 2) the hash of the conversation code the respondent chose to
//! allow replies under ([`crate::conversations::code`]), or a zero flag; strings are a
//! u32 byte length and the bytes. Version 1 ballots (sealed before replies existed)
//! still open: they carry no code. Every ballot sealed now has room for the hash, so a
//! round's ballots stay one length whether or not replies were allowed.

use crate::error::ApiError;
use crate::org::domain::ATTR_MAX;
use crate::surveys::answers::{Checked, MAX_TEXT};
use crate::surveys::bank::QuestionKind;
use crate::surveys::model::QuestionRow;

const VERSION: u8 = 2;
/// A conversation code's hash: a flag byte and 32 bytes.
const REPLY_SLOT: usize = 1 + 32;
const NONCE: usize = crate::keys::NONCE_LEN;
const TAG: usize = 16;
/// Longest team id a ballot holds, in bytes.
const TEAM_MAX: usize = 64;
/// Longest question id, in bytes.
const QUESTION_ID_MAX: usize = 64;

/// What a ballot holds: where the respondent stands and what they answered. No person.
#[derive(Debug, Clone, PartialEq)]
pub struct Ballot {
    pub team_id: String,
    pub location: Option<String>,
    pub job_family: Option<String>,
    pub tenure: Option<String>,
    pub answers: Vec<Checked>,
    /// The SHA-256 of the conversation code under which replies to this ballot's
    /// comments may be read, when the respondent allowed them.
    pub reply: Option<[u8; 32]>,
}

/// The most bytes one answer to `q` takes in a ballot body.
fn answer_max(q: &QuestionRow) -> usize {
    let payload = match QuestionKind::parse(&q.kind) {
        Some(QuestionKind::Likert5 | QuestionKind::Scale11) => 8,
        Some(QuestionKind::Choice) => {
            4 + q.options_list().iter().map(String::len).max().unwrap_or(0)
        }
        Some(QuestionKind::Text) | None => 4 + MAX_TEXT * 4,
    };
    4 + QUESTION_ID_MAX + 1 + payload
}

/// The length of the padded plaintext of every ballot of a round with these questions.
fn plain_len(questions: &[QuestionRow]) -> usize {
    let segments = 3 * (1 + 4 + ATTR_MAX * 4);
    4 + 1
        + 4
        + TEAM_MAX
        + segments
        + 2
        + questions.iter().map(answer_max).sum::<usize>()
        + REPLY_SLOT
}

/// The length of every sealed ballot of a round with these questions.
pub fn sealed_len(questions: &[QuestionRow]) -> usize {
    NONCE + plain_len(questions) + TAG
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
        None => out.push(0),
    }
}

fn encode(b: &Ballot) -> Result<Vec<u8>, ApiError> {
    if b.team_id.len() > TEAM_MAX
        || b.answers.len() > usize::from(u16::MAX)
        || b.answers
            .iter()
            .any(|a| a.question_id.len() > QUESTION_ID_MAX)
    {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a ballot field is longer than its bound"
        )));
    }
    let mut out = Vec::new();
    out.push(VERSION);
    put_str(&mut out, &b.team_id);
    for s in [&b.location, &b.job_family, &b.tenure] {
        put_opt(&mut out, s.as_deref());
    }
    out.extend_from_slice(&(b.answers.len() as u16).to_be_bytes());
    for a in &b.answers {
        put_str(&mut out, &a.question_id);
        match (a.value, &a.choice, &a.text) {
            (Some(v), _, _) => {
                out.push(0);
                out.extend_from_slice(&v.to_be_bytes());
            }
            (None, Some(c), _) => {
                out.push(1);
                put_str(&mut out, c);
            }
            (None, None, Some(t)) => {
                out.push(2);
                put_str(&mut out, t);
            }
            (None, None, None) => {
                return Err(ApiError::Internal(anyhow::anyhow!("an empty answer")));
            }
        }
    }
    match &b.reply {
        Some(hash) => {
            out.push(1);
            out.extend_from_slice(hash);
        }
        None => out.push(0),
    }
    Ok(out)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> anyhow::Result<&'a [u8]> {
        if self.0.len() < n {
            anyhow::bail!("a ballot ends early");
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> anyhow::Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> anyhow::Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> anyhow::Result<usize> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    fn str(&mut self) -> anyhow::Result<String> {
        let n = self.u32()?;
        Ok(String::from_utf8(self.take(n)?.to_vec())?)
    }
    fn opt(&mut self) -> anyhow::Result<Option<String>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.str()?)),
            other => anyhow::bail!("a ballot has a bad flag {other}"),
        }
    }
}

fn decode(body: &[u8]) -> anyhow::Result<Ballot> {
    let mut r = Reader(body);
    let version = r.u8()?;
    if version != 1 && version != VERSION {
        anyhow::bail!("a ballot of unknown version {version}");
    }
    let team_id = r.str()?;
    let (location, job_family, tenure) = (r.opt()?, r.opt()?, r.opt()?);
    let count = r.u16()?;
    let mut answers = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let question_id = r.str()?;
        let mut a = Checked {
            question_id,
            value: None,
            choice: None,
            text: None,
        };
        match r.u8()? {
            0 => {
                let b = r.take(8)?;
                let mut v = [0u8; 8];
                v.copy_from_slice(b);
                a.value = Some(f64::from_be_bytes(v));
            }
            1 => a.choice = Some(r.str()?),
            2 => a.text = Some(r.str()?),
            other => anyhow::bail!("a ballot has a bad answer tag {other}"),
        }
        answers.push(a);
    }
    let reply = if version == 1 {
        None
    } else {
        match r.u8()? {
            0 => None,
            1 => {
                let mut hash = [0u8; 32];
                hash.copy_from_slice(r.take(32)?);
                Some(hash)
            }
            other => anyhow::bail!("a ballot has a bad reply flag {other}"),
        }
    };
    Ok(Ballot {
        team_id,
        location,
        job_family,
        tenure,
        answers,
        reply,
    })
}

/// Seals `ballot` for round `round_id` into exactly `sealed_len(questions)` bytes.
pub fn seal(
    key: &[u8; 32],
    round_id: &str,
    questions: &[QuestionRow],
    ballot: &Ballot,
) -> Result<Vec<u8>, ApiError> {
    let body = encode(ballot)?;
    let len = plain_len(questions);
    if 4 + body.len() > len {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a ballot is longer than its round's bound"
        )));
    }
    let mut plain = Vec::with_capacity(len);
    plain.extend_from_slice(&(body.len() as u32).to_be_bytes());
    plain.extend_from_slice(&body);
    plain.resize(len, 0);
    crate::keys::seal(key, round_id.as_bytes(), &plain)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("sealing a ballot failed")))
}

/// Opens a ballot sealed for round `round_id`; fails on a wrong key, another round's
/// ballot, or any altered byte.
pub fn open(key: &[u8; 32], round_id: &str, sealed: &[u8]) -> anyhow::Result<Ballot> {
    if sealed.len() < NONCE + TAG + 4 {
        anyhow::bail!("a ballot is too short");
    }
    let plain = crate::keys::open(key, round_id.as_bytes(), sealed)
        .ok_or_else(|| anyhow::anyhow!("a ballot does not open with its round's key"))?;
    let mut r = Reader(&plain);
    let n = r.u32()?;
    decode(r.take(n)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: &str, kind: &str, options: Option<&str>) -> QuestionRow {
        QuestionRow {
            id: id.into(),
            survey_id: "s".into(),
            position: 0,
            kind: kind.into(),
            driver: "voice".into(),
            required: false,
            bank_item: None,
            text_en: String::new(),
            text_ru: String::new(),
            options: options.map(str::to_owned),
            options_ru: None,
        }
    }

    fn questions() -> Vec<QuestionRow> {
        vec![
            question("q1", "likert5", None),
            question("q2", "choice", Some(r#"["yes","not really"]"#)),
            question("q3", "text", None),
        ]
    }

    fn answer(q: &str, value: Option<f64>, choice: Option<&str>, text: Option<&str>) -> Checked {
        Checked {
            question_id: q.into(),
            value,
            choice: choice.map(str::to_owned),
            text: text.map(str::to_owned),
        }
    }

    #[test]
    fn a_ballot_opens_to_what_was_sealed_and_every_ballot_has_one_length() {
        let key = [3u8; 32];
        let qs = questions();
        let short = Ballot {
            team_id: "t".into(),
            location: None,
            job_family: None,
            tenure: None,
            answers: vec![answer("q1", Some(4.0), None, None)],
            reply: None,
        };
        let long = Ballot {
            team_id: "a-much-longer-team-id-0000-1111".into(),
            location: Some("Берлин".into()),
            job_family: Some("other".into()),
            tenure: Some("1-2y".into()),
            answers: vec![
                answer("q1", Some(1.0), None, None),
                answer("q2", None, Some("not really"), None),
                answer("q3", None, None, Some(&"ж".repeat(MAX_TEXT))),
            ],
            reply: Some([7u8; 32]),
        };
        let a = seal(&key, "r1", &qs, &short).expect("seal");
        let b = seal(&key, "r1", &qs, &long).expect("seal");
        assert_eq!(a.len(), b.len());
        assert_eq!(a.len(), sealed_len(&qs));
        assert_eq!(open(&key, "r1", &a).expect("open"), short);
        assert_eq!(open(&key, "r1", &b).expect("open"), long);
        // Two seals of the same ballot differ (random nonce).
        assert_ne!(seal(&key, "r1", &qs, &short).expect("seal"), a);
    }

    #[test]
    fn a_ballot_does_not_open_with_another_key_round_or_byte() {
        let key = [3u8; 32];
        let qs = questions();
        let b = Ballot {
            team_id: "t".into(),
            location: None,
            job_family: None,
            tenure: None,
            answers: vec![answer("q3", None, None, Some("secret words"))],
            reply: Some([9u8; 32]),
        };
        let sealed = seal(&key, "r1", &qs, &b).expect("seal");
        assert!(open(&[4u8; 32], "r1", &sealed).is_err());
        assert!(open(&key, "r2", &sealed).is_err());
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(open(&key, "r1", &altered).is_err());
        // The plaintext is nowhere in the sealed bytes, nor the code's hash.
        assert!(!sealed.windows(12).any(|w| w == b"secret words"));
        assert!(!sealed.windows(8).any(|w| w == [9u8; 8]));
    }

    /// A version 1 ballot, as a release before conversation codes sealed it: its
    /// body had no reply slot after the answers.
    #[test]
    fn a_ballot_sealed_before_replies_existed_opens_without_a_code() {
        let key = [5u8; 32];
        let b = Ballot {
            team_id: "t".into(),
            location: Some("Berlin".into()),
            job_family: None,
            tenure: None,
            answers: vec![answer("q3", None, None, Some("old words"))],
            reply: None,
        };
        let mut body = encode(&b).expect("encode");
        assert_eq!(
            body.pop(),
            Some(0),
            "the version 2 body ends with the reply flag"
        );
        body[0] = 1;
        let mut plain = (body.len() as u32).to_be_bytes().to_vec();
        plain.extend_from_slice(&body);
        plain.resize(plain_len(&questions()) - REPLY_SLOT, 0);
        let bytes = crate::keys::seal(&key, b"r1", &plain).expect("seal");
        assert_eq!(open(&key, "r1", &bytes).expect("open"), b);
    }
}
