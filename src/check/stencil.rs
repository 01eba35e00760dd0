//! Central differences: the five-point stencil and the step it takes at a value.

use crate::matrix::Matrix;

/// The step for an entry of value v whose sign matters: the base step, but never more than
/// |v|/100, so that v ± 2h keeps v's sign and stays close: a probability stays positive under
/// log (whose derivatives grow like 1/v⁵), and an input on one side of a kink stays there.
/// Elsewhere the base step is taken: a value that is zero up to rounding (0.1 + 0.2 − 0.3)
/// would otherwise be moved by less than rounding can show.
pub fn step_for(value: f64, step: f64) -> f64 {
    if value == 0.0 {
        step
    } else {
        step.min(value.abs() / 100.0)
    }
}

/// The derivative at 0 of a function of one step, by the five-point central difference
/// (f(−2h) − 8f(−h) + 8f(h) − f(2h)) / 12h, whose error is of order h⁴.
///
/// It is taken as 8(f(h) − f(−h)) − (f(2h) − f(−2h)): differences of nearby values first, so
/// that an entry the step does not change gives exactly 0. Summed in the order written, the
/// terms eight times as large lose a last bit, which a small step turns into a large error.
pub fn stencil(h: f64, mut f: impl FnMut(f64) -> Matrix<f64>) -> Matrix<f64> {
    let (minus2, minus1, plus1, plus2) = (f(-2.0 * h), f(-h), f(h), f(2.0 * h));
    let data = (0..plus1.data.len())
        .map(|i| {
            let near = plus1.data[i] - minus1.data[i];
            let far = plus2.data[i] - minus2.data[i];
            (8.0 * near - far) / (12.0 * h)
        })
        .collect();
    Matrix::from_vec(plus1.rows, plus1.cols, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry that does not move with the step has derivative exactly 0, however small the
    /// step: summed as (f(−2h) − 8f(−h) + 8f(h) − f(2h)), 0.2 − 1.6 + 1.6 − 0.2 is not 0, and
    /// divided by 12h at h = 5.6e-19 it came out as −8.3.
    #[test]
    fn an_entry_the_step_does_not_move_has_derivative_zero() {
        for h in [1e-4, 1e-10, 5.551115123125783e-19] {
            let derivative = stencil(h, |t| Matrix::from_vec(2, 1, vec![0.2, 3.0 * t]));
            assert_eq!(derivative.data[0], 0.0, "h = {h}");
            assert!((derivative.data[1] - 3.0).abs() < 1e-12, "h = {h}");
        }
    }
}
