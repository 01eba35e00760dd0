//! The budgets of the numeric check, in memory and in time, both judged before anything is
//! allocated.
//!
//! Memory: every node of the derivation's arena may be evaluated with the given sizes; its
//! entries are counted with overflow checks, and a check that the machine cannot hold is
//! refused. Time: the multiply-adds of the differences are counted, and beyond a budget the
//! check goes along random directions instead of entry by entry (`choose_coverage`).

use crate::check::CheckOptions;
use crate::check::report::Coverage;
use crate::derivation::Derivation;
use crate::error::Error;
use crate::math::expr::{ExprId, Node};
use crate::numeric::evaluator::for_each_operand;
use crate::numeric::sizes::Sizes;

/// The most entries in one matrix: 2²² (32 MiB of f64).
pub const MAX_MATRIX_ENTRIES: u128 = 1 << 22;
/// The most entries over every node of the derivation: 2²⁵ (256 MiB of f64).
pub const MAX_TOTAL_ENTRIES: u128 = 1 << 25;

/// Multiply-adds the check may take entry by entry, or per parameter along directions; beyond,
/// it moves every parameter at once.
pub const MAX_MULTIPLY_ADDS: f64 = 2e8;

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

/// Entry by entry when that fits `MAX_MULTIPLY_ADDS`; else directions per parameter when
/// those fit; else directions moving every parameter at once.
pub fn choose_coverage(derivation: &Derivation, sizes: &Sizes) -> Coverage {
    let network = &derivation.network;
    let forward = forward_cost(derivation, sizes);
    let entries = |id: ExprId| {
        let shape = network.arena.shape(id);
        (sizes.of(&shape.rows) * sizes.of(&shape.cols)) as f64
    };
    let parameter_entries: f64 = network.parameters.iter().map(|p| entries(p.leaf)).sum();
    let differenced: f64 = parameter_entries
        + derivation
            .signals
            .iter()
            .map(|s| entries(s.by))
            .sum::<f64>()
        + derivation
            .jacobians
            .iter()
            .map(|j| entries(j.by))
            .sum::<f64>();
    let count = CheckOptions::DIRECTIONS;
    if 4.0 * forward * differenced <= MAX_MULTIPLY_ADDS {
        Coverage::Entrywise
    } else if 4.0 * forward * (count * derivation.gradients.len()) as f64 <= MAX_MULTIPLY_ADDS {
        Coverage::PerParameter(count)
    } else {
        Coverage::Joint(count)
    }
}

/// What one node of an evaluation costs beyond its arithmetic (allocation, bookkeeping), in
/// multiply-adds; measured on the homework nets and deep chains.
const NODE_OVERHEAD: f64 = 200.0;

/// Multiply-adds of one evaluation of ℓ: each node's entries, and rows × inner × columns for
/// each product of two factors.
fn forward_cost(derivation: &Derivation, sizes: &Sizes) -> f64 {
    let arena = &derivation.network.arena;
    let size = |id: ExprId| {
        let shape = arena.shape(id);
        (sizes.of(&shape.rows) as f64, sizes.of(&shape.cols) as f64)
    };
    // A flag per node, not a hash set: a deep chain's forward pass has tens of thousands.
    let mut seen = vec![false; arena.len()];
    let mut stack = vec![derivation.network.loss_value];
    let mut cost = 0.0;
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id.index()], true) {
            continue;
        }
        // Every node costs something to evaluate, however small its matrices.
        cost += NODE_OVERHEAD;
        match arena.node(id) {
            Node::Product(factors) => {
                for pair in factors.windows(2) {
                    let (rows, inner) = size(pair[0]);
                    let (_, cols) = size(pair[1]);
                    cost += rows * inner * cols;
                }
            }
            _ => {
                let (rows, cols) = size(id);
                cost += rows * cols;
            }
        }
        // A named node through its definition, as the evaluator goes.
        for_each_operand(arena, id, |operand| stack.push(operand));
    }
    cost
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
