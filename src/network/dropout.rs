//! Inverted dropout as in training: Dropout(z) = (1/(1 − p)) m ⊙ z, where the mask
//! m ∈ {0, 1}ᵈ is an input of the model (one draw of it, given like x), so that the layer is a
//! function of z whose Jacobian is (1/(1 − p)) diag(m). The mask is not differentiated.

use crate::math::coef::Coef;
use crate::math::expr::{Arena, ExprId};
use crate::math::prose::{Math, Prose};
use crate::math::shape::{Shape, ShapeError};
use crate::math::symbol::Symbol;

#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Dropout {
    /// The probability of dropping a unit, in [0, 1).
    pub p: f64,
}

/// p when a spec writes `dropout` alone: PyTorch's default.
pub const DEFAULT_P: f64 = 0.5;

/// The most decimals p may have: 1/(1 − p) is printed as an exact fraction (10/9 for p = 0.1),
/// whose terms stay small.
pub const MAX_DECIMALS: u32 = 9;

impl Dropout {
    /// p as a spec gives it, or why it is refused: the problem and what was expected.
    pub fn new(p: f64) -> Result<Dropout, (String, String)> {
        let expected = || {
            format!(
                "a probability p with 0 ≤ p < 1, as in `dropout(0.5)` (at most {MAX_DECIMALS} decimals)"
            )
        };
        let text = crate::network::layer::argument_text(p);
        if p == 1.0 {
            return Err((
                "p = 1 drops every unit, and the scale 1/(1 − p) divides by zero".into(),
                expected(),
            ));
        }
        if !(0.0..1.0).contains(&p) {
            return Err((
                format!("p = {text} is not a probability of dropping a unit in [0, 1)"),
                expected(),
            ));
        }
        if decimal_fraction(p).is_none() {
            return Err((
                format!(
                    "p = {text} has more than {MAX_DECIMALS} decimals; the scale 1/(1 − p) is written as an exact fraction"
                ),
                expected(),
            ));
        }
        Ok(Dropout {
            p: if p == 0.0 { 0.0 } else { p },
        })
    }

    /// 1/(1 − p), exactly: 2 for p = 0.5, 10/9 for p = 0.1, 1 for p = 0.
    pub fn scale(self) -> Coef {
        let (numerator, denominator) = decimal_fraction(self.p).expect("p was checked");
        Coef::ratio(denominator, denominator - numerator)
    }

    /// The probability that a unit is kept, 1 − p: what the check draws each mask entry with.
    pub fn keep_probability(self) -> f64 {
        1.0 - self.p
    }

    /// (1/(1 − p)) m ⊙ z.
    pub fn forward(self, arena: &mut Arena, mask: ExprId, z: ExprId) -> Result<ExprId, ShapeError> {
        let kept = arena.hadamard(mask, z)?;
        Ok(arena.scale(self.scale(), kept))
    }

    /// ∂output/∂z = (1/(1 − p)) diag(m), in numerator layout.
    pub fn jacobian(self, arena: &mut Arena, mask: ExprId) -> Result<ExprId, ShapeError> {
        let diag = arena.diag(mask)?;
        Ok(arena.scale(self.scale(), diag))
    }

    /// For a mini-batch in gradient layout: Δ of the input from Δ of the output,
    /// (1/(1 − p)) Δ ⊙ M, column by column the transpose of (row) · Jacobian.
    pub fn backward_batch(
        self,
        arena: &mut Arena,
        mask: ExprId,
        delta: ExprId,
    ) -> Result<ExprId, ShapeError> {
        let kept = arena.hadamard(delta, mask)?;
        Ok(arena.scale(self.scale(), kept))
    }

    /// What every dropout layer does, printed once with the conventions; `input` is x (X).
    pub fn rule(input: &Symbol, batch: bool, side: &str) -> Prose {
        Prose::new()
            .words("Dropout is inverted dropout, as in training: ")
            .fixed(
                "Dropout(z) = (1/(1 − p)) m ⊙ z",
                "\\mathrm{Dropout}(z) = \\tfrac{1}{1 - p}\\, m \\odot z",
            )
            .words(", with a mask ")
            .fixed("m", "m")
            .words(" of 0s and 1s (1 keeps a unit, 0 drops it; training draws each entry as 1 with probability ")
            .fixed("1 − p", "1 - p")
            .words("). The mask is an input of the model like ")
            .symbol(input)
            .words(if batch {
                format!(", a {side} per sample,")
            } else {
                ",".to_string()
            })
            .words(" not a parameter: it has no gradient. ")
    }

    /// This layer's p, its scale and its mask: `Dropout₁ has p = 0.1, so 1/(1 − p) = 10/9, and
    /// the mask m⁽¹⁾ ∈ ℝᵈ`.
    pub fn here(self, title: Prose, mask: &Symbol, shape: Shape) -> Prose {
        let scale = self.scale();
        let prose = title
            .words(" has ")
            .fixed("p", "p")
            .words(" = ")
            .math(Math::Number(self.p))
            .words(", so ")
            .fixed("1/(1 − p)", "1/(1 - p)")
            .words(" = ")
            .math(Math::Ratio(scale.num, scale.den))
            .words(", and the mask ")
            .math(Math::Member(mask.clone(), shape));
        if self.p == 0.0 {
            prose.words(" (with p = 0 training drops no unit: the mask is all 1s)")
        } else {
            prose
        }
    }
}

/// p as a fraction a/10ᵏ with k at most `MAX_DECIMALS`: the shortest decimal that reads back
/// to p, as the spec wrote it.
fn decimal_fraction(p: f64) -> Option<(i64, i64)> {
    (0..=MAX_DECIMALS).find_map(|k| {
        let denominator = 10i64.pow(k);
        let numerator = (p * denominator as f64).round();
        (numerator / denominator as f64 == p).then_some((numerator as i64, denominator))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_the_exact_fraction_one_over_one_minus_p() {
        let scale = |p| {
            let c = Dropout::new(p).unwrap().scale();
            (c.num, c.den)
        };
        assert_eq!(scale(0.5), (2, 1));
        assert_eq!(scale(0.1), (10, 9));
        assert_eq!(scale(0.25), (4, 3));
        assert_eq!(scale(0.0), (1, 1));
        assert_eq!(scale(0.999999999), (1_000_000_000, 1));
        assert_eq!(scale(1e-9), (1_000_000_000, 999_999_999));
    }

    #[test]
    fn p_outside_the_unit_interval_or_too_fine_is_refused() {
        assert!(Dropout::new(1.0).unwrap_err().0.contains("divides by zero"));
        assert!(
            Dropout::new(-0.1)
                .unwrap_err()
                .0
                .contains("not a probability")
        );
        assert!(
            Dropout::new(1.5)
                .unwrap_err()
                .0
                .contains("not a probability")
        );
        assert!(
            Dropout::new(0.1234567891)
                .unwrap_err()
                .0
                .contains("decimals")
        );
        assert!(Dropout::new(1e-10).unwrap_err().0.contains("decimals"));
        assert_eq!(Dropout::new(-0.0), Ok(Dropout { p: 0.0 }));
    }
}
