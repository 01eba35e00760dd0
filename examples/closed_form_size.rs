//! The size of ∂ℓ/∂W⁽¹⁾'s closed form for each spec given (mse, the default expansion), in
//! matrix operations: counted once each as derive keeps them (shared subexpressions and named
//! intermediates, followed to their definitions), and as a tree would hold them with every
//! sharing undone (what a naive symbolic expansion writes out).
//!
//!     cargo run --release --example closed_form_size -- "linear>tanh>linear>identity" …

use std::collections::HashMap;

use derive::math::expr::{ExprId, Node};
use derive::{Loss, LossKind, derive_text};

fn main() {
    println!("layers\tarena_nodes\tshared_ops\ttree_ops");
    for spec in std::env::args().skip(1) {
        let derivation = derive_text(&spec, Loss::new(LossKind::Mse)).expect("a valid spec");
        let arena = &derivation.network.arena;
        let root = derivation.gradients[0].closed_form;
        let operands = |id: ExprId| match arena.named(id) {
            Some(info) => vec![info.definition],
            None => arena.children(id),
        };
        let is_op = |id: ExprId| {
            !matches!(
                arena.node(id),
                Node::Leaf(_) | Node::Named(_) | Node::Identity(_) | Node::Ones(..)
            )
        };
        // Operands have smaller ids, so increasing id order is a topological order.
        let mut reachable = vec![root];
        let mut seen = std::collections::HashSet::from([root]);
        let mut i = 0;
        while i < reachable.len() {
            for child in operands(reachable[i]) {
                if seen.insert(child) {
                    reachable.push(child);
                }
            }
            i += 1;
        }
        reachable.sort_unstable();
        let shared = reachable.iter().filter(|&&id| is_op(id)).count();
        let mut tree: HashMap<ExprId, f64> = HashMap::new();
        for &id in &reachable {
            let own = if is_op(id) { 1.0 } else { 0.0 };
            let below: f64 = operands(id).iter().map(|c| tree[c]).sum();
            tree.insert(id, own + below);
        }
        println!(
            "{}\t{}\t{}\t{:.0}",
            derivation.network.layers.len(),
            arena.len(),
            shared,
            tree[&root]
        );
    }
}
