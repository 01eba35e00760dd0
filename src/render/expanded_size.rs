//! Refusing `--expand` where the fully expanded forms would not fit in a reader's lifetime or the
//! machine's memory.
//!
//! Written out in full, the forms of a chain of L layers hold on the order of L² operations,
//! and their text at a fixed width grows faster still: 500 layers print 150 MB, 1,000 layers
//! over a gigabyte, and 5,000 layers would exhaust the memory of most machines. The
//! size is counted before anything is printed, over the same trees the printers walk (named
//! values and rows ∂ℓ/∂zᵢ replaced by their definitions, Jacobians kept by name), with every
//! shared subtree counted each time it is printed.

use crate::derivation::{Derivation, Expansion};
use crate::error::Error;
use crate::math::expr::{Arena, ExprId, Role};
use crate::render::expression::Names;
use crate::render::sections::{chain_rule_names, forward_names};

/// The most operations the expanded forms may hold together: 2²¹, a chain of about 500 layers,
/// whose expanded text at 100 columns is about 150 MB (wrapped lines of deeply nested forms are
/// indented deeper and deeper). A chain of 1,000 layers would print over a gigabyte.
pub const MAX_EXPANDED_OPERATIONS: u64 = 1 << 21;

/// `Ok` when the derivation's forms, written out in full, stay within the budget (a compact
/// derivation always does).
pub fn check_expanded_size(derivation: &Derivation) -> Result<(), Error> {
    if derivation.expansion != Expansion::Expanded {
        return Ok(());
    }
    let operations = expanded_operations(derivation);
    if operations > MAX_EXPANDED_OPERATIONS {
        // The count saturates for forms that grow exponentially (softmax chains).
        let counted = if operations == u64::MAX {
            "more than 10^19".to_string()
        } else {
            format!("about {operations}")
        };
        return Err(Error::Usage(format!(
            "--expand would write out {counted} operations for this {}-layer net (at most \
             {MAX_EXPANDED_OPERATIONS}); leave it out to print the forms through named \
             intermediates and the δ recursion, linear in depth",
            derivation.network.layers.len()
        )));
    }
    Ok(())
}

/// The operations of the forms the derivation prints, each written as the section model asks
/// its printer to: the forward pass and the chain rule as `sections` chooses for them, the
/// Jacobians, rows and closed forms through the named values.
pub fn expanded_operations(derivation: &Derivation) -> u64 {
    let arena = &derivation.network.arena;
    let mut forms: Vec<(ExprId, Names)> = Vec::new();
    for index in 0..arena.len() {
        if let Some(info) = arena.named(ExprId(index as u32))
            && matches!(info.role, Role::Value | Role::Statistic)
        {
            forms.push((info.definition, forward_names(derivation)));
        }
    }
    for j in &derivation.jacobians {
        forms.extend([(j.definition, Names::Keep), (j.simplified, Names::Keep)]);
    }
    for s in &derivation.signals {
        forms.extend([(s.chain_rule, Names::Keep), (s.closed_form, Names::Keep)]);
    }
    for g in &derivation.gradients {
        forms.extend([
            (g.chain_rule, chain_rule_names(derivation)),
            (g.closed_form, Names::Keep),
        ]);
    }
    // One table of sizes per way of writing names, made when a form first asks for it.
    let mut sizes: Vec<TreeSizes> = Vec::new();
    forms.into_iter().fold(0u64, |total, (root, names)| {
        let printer = match sizes.iter().position(|s| s.names == names) {
            Some(index) => index,
            None => {
                sizes.push(TreeSizes::new(arena, names));
                sizes.len() - 1
            }
        };
        total.saturating_add(sizes[printer].of(root))
    })
}

/// The size of each node's tree as one printer writes it, computed once per node.
struct TreeSizes<'a> {
    arena: &'a Arena,
    names: Names,
    /// 0 until computed: every tree holds at least its root.
    size: Vec<u64>,
}

impl<'a> TreeSizes<'a> {
    fn new(arena: &'a Arena, names: Names) -> Self {
        TreeSizes {
            arena,
            names,
            size: vec![0; arena.len()],
        }
    }

    /// What is printed in place of a node: the definition of an expanded name, nothing more
    /// for a name kept, the operands of anything else.
    fn parts(&self, id: ExprId) -> Vec<ExprId> {
        let printed = self.names.resolve(self.arena, id);
        if self.arena.named(printed).is_some() {
            Vec::new()
        } else {
            self.arena.children(printed)
        }
    }

    /// Without recursion: a chain of 25,000 layers nests as deep.
    fn of(&mut self, root: ExprId) -> u64 {
        let mut stack = vec![(root, false)];
        while let Some((id, operands_done)) = stack.pop() {
            if self.size[id.index()] > 0 {
                continue;
            }
            let parts = self.parts(id);
            if operands_done {
                self.size[id.index()] = parts.iter().fold(1u64, |size, part| {
                    size.saturating_add(self.size[part.index()])
                });
            } else {
                stack.push((id, true));
                stack.extend(
                    parts
                        .into_iter()
                        .filter(|part| self.size[part.index()] == 0)
                        .map(|part| (part, false)),
                );
            }
        }
        self.size[root.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Loss, LossKind, derive_spec, parse_spec};

    fn operations(repeats: usize, expansion: Expansion) -> u64 {
        let spec = parse_spec(&format!(
            "{}linear>identity",
            "linear>tanh>".repeat(repeats)
        ))
        .expect("spec parses");
        let derivation =
            derive_spec(&spec, Loss::new(LossKind::Mse), expansion, false).expect("derives");
        expanded_operations(&derivation)
    }

    #[test]
    fn the_expanded_forms_grow_with_the_square_of_the_depth() {
        let small = operations(50, Expansion::Expanded);
        let large = operations(100, Expansion::Expanded);
        // Twice the depth, about four times the operations.
        assert!(
            (3 * small..5 * small).contains(&large),
            "{small} then {large}"
        );
    }

    #[test]
    fn a_deep_chain_is_refused_expanded_and_accepted_compact() {
        let spec = parse_spec(&format!("{}linear>identity", "linear>tanh>".repeat(1000)))
            .expect("spec parses");
        let loss = Loss::new(LossKind::Mse);
        let expanded = derive_spec(&spec, loss, Expansion::Expanded, false).expect("derives");
        let error = check_expanded_size(&expanded).expect_err("too large");
        assert!(error.to_string().contains("--expand would write out about"));
        let compact = derive_spec(&spec, loss, Expansion::Compact, false).expect("derives");
        assert!(check_expanded_size(&compact).is_ok());
    }

    #[test]
    fn a_mini_batch_is_counted_as_it_is_printed_through_its_rows() {
        // The batch chain rule is written through the named Δᵢ, as compact: its count grows
        // with the square of the depth, like a single sample's.
        let count = |repeats: usize| {
            let spec = parse_spec(&format!(
                "{}linear>identity",
                "linear>tanh>".repeat(repeats)
            ))
            .expect("spec parses");
            let derivation =
                derive_spec(&spec, Loss::new(LossKind::Mse), Expansion::Expanded, true)
                    .expect("derives");
            expanded_operations(&derivation)
        };
        let (small, large) = (count(50), count(100));
        assert!(
            (3 * small..5 * small).contains(&large),
            "{small} then {large}"
        );
    }
}
