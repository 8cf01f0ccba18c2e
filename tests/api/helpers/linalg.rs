//! Linear algebra for the adversary tests.

/// Reduces `rows` to reduced row echelon form in place; returns (row, pivot column).
pub fn reduce(rows: &mut [Vec<f64>], width: usize) -> Vec<(usize, usize)> {
    let mut pivots = Vec::new();
    let mut r = 0;
    for c in 0..width {
        let Some(p) = (r..rows.len()).find(|&i| rows[i][c].abs() > 1e-9) else {
            continue;
        };
        rows.swap(r, p);
        let lead = rows[r][c];
        let pivot: Vec<f64> = rows[r].iter().map(|x| x / lead).collect();
        rows[r] = pivot.clone();
        for (i, row) in rows.iter_mut().enumerate() {
            if i != r && row[c].abs() > 1e-9 {
                let f = row[c];
                for (x, p) in row.iter_mut().zip(&pivot) {
                    *x -= f * p;
                }
            }
        }
        pivots.push((r, c));
        r += 1;
    }
    pivots
}
