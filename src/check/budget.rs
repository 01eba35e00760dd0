//! Refusing a numeric check that the machine cannot hold or finish, before anything is
//! allocated.
//!
//! Every node of the derivation's arena may be evaluated with the given sizes; its entries are
//! counted with overflow checks. The time the check takes is bounded apart: beyond a budget it
//! goes along random directions instead of entry by entry (see `check::choose_mode`).

use crate::derivation::Derivation;
use crate::error::Error;
use crate::math::expr::ExprId;
use crate::numeric::sizes::Sizes;

/// The most entries in one matrix: 2²² (32 MiB of f64).
pub const MAX_MATRIX_ENTRIES: u128 = 1 << 22;
/// The most entries over every node of the derivation: 2²⁵ (256 MiB of f64).
pub const MAX_TOTAL_ENTRIES: u128 = 1 << 25;

/// `Ok` when the check with these sizes fits in memory; otherwise an error that says
/// which matrix or total is too large.
pub fn check_budget(derivation: &Derivation, sizes: &Sizes) -> Result<(), Error> {
    let arena = &derivation.network.arena;
    let entries = |id: ExprId| -> u128 {
        let shape = arena.shape(id);
        sizes.of(&shape.rows) as u128 * sizes.of(&shape.cols) as u128
    };
    let mut total: u128 = 0;
    for index in 0..arena.len() {
        let id = ExprId(index as u32);
        let n = entries(id);
        if n > MAX_MATRIX_ENTRIES {
            return Err(Error::Check(format!(
                "the sizes are too large for the numeric check: a {} matrix would have {n} entries \
                 (at most {MAX_MATRIX_ENTRIES}); give smaller --dims or use --no-check",
                arena.shape(id)
            )));
        }
        total += n;
    }
    if total > MAX_TOTAL_ENTRIES {
        return Err(Error::Check(format!(
            "the sizes are too large for the numeric check: its matrices would have {total} entries \
             in all (at most {MAX_TOTAL_ENTRIES}); give smaller --dims or use --no-check"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::loss::{Loss, LossKind};
    use crate::{default_sizes, derive_text, parse_dims};

    fn derivation(spec: &str) -> Derivation {
        derive_text(spec, Loss::new(LossKind::Mse)).unwrap()
    }

    #[test]
    fn default_sizes_fit_even_at_the_layer_limit() {
        let longest = vec!["linear"; crate::spec::MAX_LAYERS].join(">");
        for spec in ["linear>relu>linear>identity", longest.as_str()] {
            let d = derivation(spec);
            check_budget(&d, &default_sizes(&d.network)).unwrap();
        }
    }

    #[test]
    fn huge_sizes_are_refused_without_overflow() {
        let d = derivation("linear>relu>linear>identity");
        for dims in [
            "d=100000",
            "n=4000000000,d=4000000000",
            &format!("n={},d={}", usize::MAX, usize::MAX),
            "n=3000,d=3000",
            "n=2100,d=2100,K=2100",
        ] {
            let sizes = parse_dims(dims, &d.network).unwrap();
            let err = check_budget(&d, &sizes).unwrap_err().to_string();
            assert!(err.contains("too large"), "{dims}: {err}");
            assert!(err.contains("--no-check"), "{dims}: {err}");
        }
    }
}
