//! Each closed round's released groups, recorded the first time the round is planned on
//! its frozen tree (`round_releases`), and read back by every later plan of it.
//!
//! A closed round's groups ([`super::release::Plan::groups`]) depend on the groups of
//! every earlier round of its survey ([`super::across_rounds`]). Without a record:
//! - a restarted server re-plans a survey's history to report on its latest round, each
//!   round audited against all before it (a twelfth monthly round: 66 audits of pairs
//!   of rounds, about a minute each at 100,000 people);
//! - a newer planner (an upgrade) could plan an earlier round differently from the
//!   plan its readers already saw. Two releases of one round can be set against each
//!   other, and a later round's audit would be run against groups no reader ever saw
//!   instead of those they did.
//!
//! With the record, the first plan is the round's plan for good: its reports show those
//! groups and later rounds are audited against them. What is recorded is which
//! (team, cut value) groups the reports show — what any reader of them sees — never who
//! answered or what. A round reported on the current tree (closed before trees were
//! frozen) is not recorded: that tree can change. A record whose shape (the round's
//! teams and cut values, in plan order) is not the round's is not used; the round is
//! planned afresh and the record left as it is, with a warning.
//!
//! Plans run on reader connections (a report read may run on a hot standby), so a plan
//! made here is recorded later, on the primary, by [`super::closed_rounds::RoundCache`]'s
//! background warmer; until then every server plans the round the same way.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::AnyConnection;
use crate::db::schema::round_releases;
use crate::error::ApiError;

use super::release::RoundData;

/// What a record must match to be a round's: its groups' dimensions and a digest of its
/// teams and cut values in plan order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub nodes: usize,
    pub cols: usize,
    pub digest: String,
}

impl Shape {
    /// The shape of `data`'s groups.
    pub fn of(data: &RoundData) -> Shape {
        let mut h = Sha256::new();
        for (id, _) in &data.teams {
            h.update(id.as_bytes());
            h.update([0]);
        }
        h.update([1]);
        for (name, values) in &data.cuts {
            h.update(name.as_bytes());
            h.update([0]);
            for v in values {
                h.update(v.as_bytes());
                h.update([0]);
            }
            h.update([1]);
        }
        Shape {
            nodes: data.plan_tree.len(),
            cols: 1 + data.cuts.iter().map(|c| c.1.len()).sum::<usize>(),
            digest: hex::encode(h.finalize()),
        }
    }
}

/// Whether round `round_id` has a record (of any shape).
pub fn exists(conn: &mut AnyConnection, round_id: &str) -> Result<bool, ApiError> {
    let n: i64 = round_releases::table
        .filter(round_releases::round_id.eq(round_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The recorded groups of round `round_id`, where its record has `shape`.
pub fn read(
    conn: &mut AnyConnection,
    round_id: &str,
    shape: &Shape,
) -> Result<Option<Vec<Vec<bool>>>, ApiError> {
    let row: Option<(String, i64, i64, String)> = round_releases::table
        .filter(round_releases::round_id.eq(round_id))
        .select((
            round_releases::shape,
            round_releases::nodes,
            round_releases::cols,
            round_releases::released,
        ))
        .first(conn)
        .optional()?;
    let Some((digest, nodes, cols, released)) = row else {
        return Ok(None);
    };
    let fits = digest == shape.digest
        && usize::try_from(nodes).ok() == Some(shape.nodes)
        && usize::try_from(cols).ok() == Some(shape.cols);
    let groups = fits
        .then(|| decode(&released, shape.nodes, shape.cols))
        .flatten();
    if groups.is_none() {
        tracing::warn!(
            round = round_id,
            "the recorded release of the round does not fit its data; planning it afresh"
        );
    }
    Ok(groups)
}

/// Records `groups` as round `round_id`'s release unless it has a record; returns the
/// record's groups when one of the same shape was there and differs from `groups`.
pub fn record(
    conn: &mut AnyConnection,
    round_id: &str,
    shape: &Shape,
    groups: &[Vec<bool>],
) -> Result<Option<Vec<Vec<bool>>>, ApiError> {
    if exists(conn, round_id)? {
        return Ok(read(conn, round_id, shape)?.filter(|kept| kept != groups));
    }
    let insert = diesel::insert_into(round_releases::table)
        .values((
            round_releases::round_id.eq(round_id),
            round_releases::shape.eq(&shape.digest),
            round_releases::nodes.eq(shape.nodes as i64),
            round_releases::cols.eq(shape.cols as i64),
            round_releases::released.eq(encode(groups, shape.cols)),
            round_releases::recorded_at.eq(crate::clock::now()),
        ))
        .on_conflict_do_nothing();
    match conn {
        AnyConnection::Sqlite(c) => insert.execute(c)?,
        AnyConnection::Postgresql(c) => insert.execute(c)?,
    };
    Ok(None)
}

/// `groups` (rows of `cols` bits) as hexadecimal, row by row, the first bit highest.
pub fn encode(groups: &[Vec<bool>], cols: usize) -> String {
    let bits = groups
        .iter()
        .flat_map(|row| (0..cols).map(move |c| row.get(c).copied().unwrap_or(false)));
    let mut bytes = Vec::with_capacity((groups.len() * cols).div_ceil(8));
    for (i, bit) in bits.enumerate() {
        if i % 8 == 0 {
            bytes.push(0u8);
        }
        if bit && let Some(b) = bytes.last_mut() {
            *b |= 0x80 >> (i % 8);
        }
    }
    hex::encode(bytes)
}

/// The `nodes` rows of `cols` bits [`encode`] wrote; `None` for text of another length
/// or not hexadecimal.
pub fn decode(text: &str, nodes: usize, cols: usize) -> Option<Vec<Vec<bool>>> {
    let bytes = hex::decode(text).ok()?;
    if bytes.len() != nodes.checked_mul(cols)?.div_ceil(8) {
        return None;
    }
    let bit = |i: usize| bytes[i / 8] & (0x80 >> (i % 8)) != 0;
    Some(
        (0..nodes)
            .map(|n| (0..cols).map(|c| bit(n * cols + c)).collect())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_come_back_as_they_were_written() {
        // 3 nodes x 5 columns = 15 bits: two bytes, the last bit of the second unused.
        let groups = vec![
            vec![true, false, true, true, false],
            vec![false, false, false, false, true],
            vec![true, true, true, true, true],
        ];
        let text = encode(&groups, 5);
        // 10110 00001 11111(0) = 1011 0000 0111 1110 = b0 7e, by hand.
        assert_eq!(text, "b07e");
        assert_eq!(decode(&text, 3, 5), Some(groups));
    }

    #[test]
    fn text_of_another_shape_is_refused() {
        let text = encode(&[vec![true; 9]], 9);
        assert_eq!(text.len(), 4);
        assert_eq!(decode(&text, 1, 9).map(|g| g[0].len()), Some(9));
        assert_eq!(decode(&text, 2, 9), None, "18 bits need three bytes");
        assert_eq!(decode(&text, 1, 17), None);
        assert_eq!(decode("zz80", 1, 9), None, "not hexadecimal");
        assert_eq!(decode(&text, usize::MAX, 2), None, "overflowing size");
    }
}
